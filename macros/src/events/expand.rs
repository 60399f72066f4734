//! Generates the impls of an `#[sse_events]` enum from its checked model.
//!
//! Everything but the user's enum goes inside one `const _: () = { ... };` block, so the hidden
//! helpers never clash with the user's names; the trait impls inside still apply.

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Ident, ItemEnum, Type};

use super::model::{Field, Model, Payload, Variant};

/// The enum as the user wrote it (minus our attributes), then its impls.
pub(crate) fn generate(model: &Model, item: &ItemEnum) -> TokenStream {
    let enum_ident = &model.ident;
    let events = model.variants.iter().map(event_info);
    let index_arms = model.variants.iter().enumerate().map(|(i, v)| {
        let ident = &v.ident;
        quote!(#enum_ident::#ident { .. } => #i,)
    });
    let write_arms = model.variants.iter().map(|v| write_arm(enum_ident, v));
    let schemas = model.variants.iter().map(schema);
    let count = model.variants.len();
    let helpers = model.variants.iter().filter_map(|v| match &v.payload {
        Payload::Struct(fields) => Some(helper_struct(enum_ident, v, fields)),
        _ => None,
    });
    let wire = model.has_struct_variant().then(|| wire_mirror(model));
    let decode = decode_impl(model);
    // Each struct-variant field type needs a schema; a bound spanned at the field reports a
    // missing one there, once, instead of at the hidden helper.
    let schema_bounds = model.variants.iter().flat_map(|v| match &v.payload {
        Payload::Struct(fields) => fields
            .iter()
            .filter(|f| !f.concrete)
            .map(|f| {
                let ty = &f.ty;
                quote_spanned!(ty.span()=> #ty: ::tidings::codegen::schemars::JsonSchema)
            })
            .collect(),
        _ => Vec::new(),
    });

    quote! {
        #item

        #[allow(non_camel_case_types, non_snake_case, dead_code, clippy::all)]
        const _: () = {
            #wire
            #(#helpers)*

            #[automatically_derived]
            impl ::tidings::SseEvents for #enum_ident
            where
                #(#schema_bounds,)*
            {
                const EVENTS: &'static [::tidings::codegen::EventInfo] = &[#(#events),*];

                fn event_index(&self) -> usize {
                    match self {
                        #(#index_arms)*
                    }
                }

                fn write_data(
                    &self,
                    data: &mut ::tidings::codegen::DataWriter<'_>,
                ) -> ::core::result::Result<(), ::tidings::EncodeError> {
                    match self {
                        #(#write_arms)*
                    }
                }

                fn data_schemas(
                    generator: &mut ::tidings::codegen::schemars::SchemaGenerator,
                ) -> ::std::vec::Vec<::core::option::Option<::tidings::codegen::schemars::Schema>> {
                    let mut schemas = ::std::vec::Vec::with_capacity(#count);
                    #(schemas.push(#schemas);)*
                    schemas
                }
            }

            #decode
        };
    }
}

fn opt_str(value: Option<&str>) -> TokenStream {
    match value {
        Some(value) => quote!(::core::option::Option::Some(#value)),
        None => quote!(::core::option::Option::None),
    }
}

fn event_info(v: &Variant) -> TokenStream {
    let name = match &v.name {
        Some(name) => {
            quote!(::core::option::Option::Some(::tidings::codegen::EventName::checked(#name)))
        }
        None => quote!(::core::option::Option::None),
    };
    let variant = v.ident.to_string();
    let variant = variant.strip_prefix("r#").unwrap_or(&variant);
    let payload = match &v.payload {
        Payload::Unit => quote!(Empty),
        Payload::Newtype { raw: true, .. } => quote!(Raw),
        Payload::Newtype { raw: false, .. } | Payload::Struct(_) => quote!(Json),
    };
    let description = opt_str(v.docs.as_deref());
    let ends_stream = v.ends_stream;
    quote! {
        ::tidings::codegen::EventInfo {
            name: #name,
            variant: #variant,
            payload: ::tidings::codegen::PayloadKind::#payload,
            description: #description,
            ends_stream: #ends_stream,
        }
    }
}

fn write_arm(enum_ident: &Ident, v: &Variant) -> TokenStream {
    let ident = &v.ident;
    match &v.payload {
        Payload::Unit => quote! {
            #enum_ident::#ident { .. } => {
                data.empty();
                ::core::result::Result::Ok(())
            }
        },
        Payload::Newtype { ty, raw: true } => {
            let text = quote_spanned!(ty.span()=> ::tidings::codegen::RawText::as_text(payload));
            quote! {
                #enum_ident::#ident(payload) => {
                    data.text(#text);
                    ::core::result::Result::Ok(())
                }
            }
        }
        Payload::Newtype { ty, raw: false } => {
            let json = quote_spanned!(ty.span()=> data.json::<#ty>(payload));
            quote!(#enum_ident::#ident(payload) => #json,)
        }
        Payload::Struct(_) => quote! {
            #enum_ident::#ident { .. } => data.json(&__Data(self)),
        },
    }
}

fn schema(v: &Variant) -> TokenStream {
    match &v.payload {
        Payload::Unit | Payload::Newtype { raw: true, .. } => {
            quote!(::core::option::Option::None)
        }
        Payload::Newtype { ty, raw: false } => quote_spanned! {ty.span()=>
            ::core::option::Option::Some(generator.subschema_for::<#ty>())
        },
        Payload::Struct(fields) => {
            let helper = helper_type(v, fields, false);
            quote!(::core::option::Option::Some(generator.subschema_for::<#helper>()))
        }
    }
}

fn helper_ident(v: &Variant) -> Ident {
    format_ident!("__Payload_{}", v.ident, span = Span::call_site())
}

/// The helper of a struct variant, instantiated with the variant's field types.
fn helper_type(v: &Variant, fields: &[Field], turbofish: bool) -> TokenStream {
    let ident = helper_ident(v);
    let args: Vec<&Type> = fields
        .iter()
        .filter(|f| !f.concrete)
        .map(|f| &f.ty)
        .collect();
    if args.is_empty() {
        quote!(#ident)
    } else if turbofish {
        quote!(#ident::<#(#args),*>)
    } else {
        quote!(#ident<#(#args),*>)
    }
}

/// A struct with a struct variant's fields, generic over their types (so the derives never fail
/// where a payload lacks `Deserialize`), for its schema and its decoding.
fn helper_struct(enum_ident: &Ident, v: &Variant, fields: &[Field]) -> TokenStream {
    let ident = helper_ident(v);
    let schema_name = format!(
        "{}{}",
        enum_ident,
        v.ident.to_string().trim_start_matches("r#")
    );
    let mut params = Vec::new();
    let field_defs = fields.iter().map(|f| {
        let attrs = &f.attrs;
        let name = &f.ident;
        let ty = if f.concrete {
            let ty = &f.ty;
            quote!(#ty)
        } else {
            let param = format_ident!("__T{}", params.len());
            params.push(param.clone());
            quote!(#param)
        };
        quote!(#(#attrs)* #name: #ty)
    });
    let field_defs: Vec<_> = field_defs.collect();
    let generics = if params.is_empty() {
        quote!()
    } else {
        quote!(<#(#params),*>)
    };
    let docs = &v.doc_attrs;
    quote! {
        #(#docs)*
        #[derive(
            ::tidings::codegen::serde::Deserialize,
            ::tidings::codegen::schemars::JsonSchema
        )]
        #[serde(crate = "::tidings::codegen::serde")]
        #[schemars(crate = "::tidings::codegen::schemars", rename = #schema_name)]
        struct #ident #generics {
            #(#field_defs,)*
        }
    }
}

/// A serde remote mirror of the whole enum that serializes struct variants as bare objects, and
/// a wrapper that serializes the user's enum through it.
fn wire_mirror(model: &Model) -> TokenStream {
    let enum_ident = &model.ident;
    let remote = enum_ident.to_string();
    let variants = model.variants.iter().map(|v| {
        let ident = &v.ident;
        match &v.payload {
            Payload::Unit => quote!(#[serde(skip_serializing)] #ident),
            Payload::Newtype { ty, .. } => quote!(#[serde(skip_serializing)] #ident(#ty)),
            Payload::Struct(fields) => {
                let fields = fields.iter().map(|f| {
                    let serde = f.attrs.iter().filter(|a| a.path().is_ident("serde"));
                    let name = &f.ident;
                    let ty = &f.ty;
                    quote!(#(#serde)* #name: #ty)
                });
                quote!(#ident { #(#fields),* })
            }
        }
    });
    quote! {
        #[derive(::tidings::codegen::serde::Serialize)]
        #[serde(crate = "::tidings::codegen::serde", remote = #remote, untagged)]
        enum __Wire {
            #(#variants,)*
        }

        struct __Data<'a>(&'a #enum_ident);

        impl ::tidings::codegen::serde::Serialize for __Data<'_> {
            fn serialize<__S>(
                &self,
                serializer: __S,
            ) -> ::core::result::Result<__S::Ok, __S::Error>
            where
                __S: ::tidings::codegen::serde::Serializer,
            {
                __Wire::serialize(self.0, serializer)
            }
        }
    }
}

/// `DecodeEvents`, bounded on every payload being deserializable (so it exists exactly then).
fn decode_impl(model: &Model) -> TokenStream {
    let enum_ident = &model.ident;
    let mut bounds = Vec::new();
    let mut arms = Vec::new();
    let mut default_expr = None;
    let mut named_message = false;
    for v in &model.variants {
        let ident = &v.ident;
        let build = match &v.payload {
            Payload::Unit => quote!(::core::result::Result::Ok(#enum_ident::#ident)),
            Payload::Newtype { ty, raw: true } => {
                bounds.push(quote_spanned!(ty.span()=> #ty: ::core::convert::From<&'de str>));
                quote! {
                    ::core::result::Result::Ok(#enum_ident::#ident(::core::convert::From::from(data)))
                }
            }
            Payload::Newtype { ty, raw: false } => {
                bounds.push(quote_spanned! {ty.span()=>
                    #ty: ::tidings::codegen::serde::Deserialize<'de>
                });
                quote! {
                    ::core::result::Result::Ok(#enum_ident::#ident(
                        ::tidings::codegen::decode_json(name, data)?
                    ))
                }
            }
            Payload::Struct(fields) => {
                let helper = helper_type(v, fields, false);
                bounds.push(quote!(#helper: ::tidings::codegen::serde::Deserialize<'de>));
                let pattern = helper_type(v, fields, true);
                let names: Vec<&Ident> = fields.iter().map(|f| &f.ident).collect();
                let bindings: Vec<Ident> = (0..fields.len())
                    .map(|i| format_ident!("__field{}", i))
                    .collect();
                quote! {{
                    let #pattern { #(#names: #bindings),* } =
                        ::tidings::codegen::decode_json(name, data)?;
                    ::core::result::Result::Ok(#enum_ident::#ident { #(#names: #bindings),* })
                }}
            }
        };
        match &v.name {
            Some(event) => {
                named_message |= event == "message";
                arms.push(quote!(::core::option::Option::Some(#event) => #build,));
            }
            None => default_expr = Some(build),
        }
    }
    let default_arm = match default_expr {
        Some(build) => {
            // Browsers call the default event `message`; accept that name for it too.
            let message =
                (!named_message).then(|| quote!(| ::core::option::Option::Some("message")));
            quote!(::core::option::Option::None #message => #build,)
        }
        None => quote! {
            ::core::option::Option::None => ::core::result::Result::Err(
                ::tidings::DecodeError::UnknownEvent(::core::option::Option::None)
            ),
        },
    };
    quote! {
        #[automatically_derived]
        impl<'de> ::tidings::DecodeEvents<'de> for #enum_ident
        where
            #(#bounds,)*
        {
            fn decode(
                name: ::core::option::Option<&str>,
                data: &'de str,
            ) -> ::core::result::Result<Self, ::tidings::DecodeError> {
                let _ = data;
                match name {
                    #(#arms)*
                    #default_arm
                    ::core::option::Option::Some(other) => ::core::result::Result::Err(
                        ::tidings::DecodeError::UnknownEvent(
                            ::core::option::Option::Some(::std::borrow::ToOwned::to_owned(other))
                        )
                    ),
                }
            }
        }
    }
}
