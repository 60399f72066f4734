//! Generates a handler's unit struct and its `SseHandler` impl from the checked model.

use proc_macro2::{TokenStream, TokenTree};
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{ReturnType, Type};

use super::attr::{KeepAlive, MaxStreams};
use super::model::{Arg, Handler};
use crate::doc;

/// What stands for a handler the macro rejected: its unit struct, implementing `SseHandler`
/// for any state, so that `SseApi::handler(name)` compiles and the user sees the macro's errors
/// only; and the function itself, in a block of its own, so that its body is still checked.
/// A method (a `self` receiver) stays as it is: no struct can be declared inside an `impl`.
pub(crate) fn rejected(func: &syn::ItemFn) -> TokenStream {
    if func.sig.receiver().is_some() {
        return quote!(#func);
    }
    let vis = &func.vis;
    let ident = &func.sig.ident;
    quote! {
        const _: () = {
            #[allow(dead_code)]
            #func
        };

        #[allow(non_camel_case_types)]
        #vis struct #ident;

        impl<S> ::tidings::codegen::SseHandler<S, ()> for #ident
        where
            S: ::core::clone::Clone + ::core::marker::Send + ::core::marker::Sync + 'static,
        {
            type Events = ::tidings::codegen::Rejected;

            fn meta() -> ::tidings::codegen::HandlerMeta {
                ::core::unreachable!("a rejected handler is never compiled")
            }

            fn method_router(
                self,
                _: ::tidings::codegen::StreamConfig,
            ) -> ::tidings::codegen::axum::routing::MethodRouter<S> {
                ::core::unreachable!("a rejected handler is never compiled")
            }
        }
    }
}

/// The unit struct named like the function, the function as its associated fn, and the impl.
pub(crate) fn generate(h: &Handler) -> TokenStream {
    let func = &h.func;
    let vis = &func.vis;
    let ident = &func.sig.ident;
    let sig = &func.sig;
    let block = &func.block;
    let doc_attrs = func.attrs.iter().filter(|a| doc::is_doc(a));
    let other_attrs = func.attrs.iter().filter(|a| !doc::is_doc(a));

    let meta = meta(h);
    let events = &h.events;
    let events_ty = quote_spanned!(events.span()=> type Events = #events;);

    let extractors: Vec<&Type> = h
        .args
        .iter()
        .filter_map(|a| match a {
            Arg::Extractor(ty) => Some(&**ty),
            Arg::Sender => None,
        })
        .collect();
    let mut closure_args = Vec::new();
    let mut call_args = Vec::new();
    let mut extractor_index = 0usize;
    for arg in &h.args {
        match arg {
            Arg::Extractor(ty) => {
                let name = format_ident!("__a{}", extractor_index);
                extractor_index += 1;
                closure_args.push(quote!(#name: #ty));
                call_args.push(quote!(#name));
            }
            Arg::Sender => call_args.push(quote!(__tx)),
        }
    }
    let method_filter = format_ident!("{}", h.attrs.method);

    let (impl_generics, trait_m) = if extractors.is_empty() {
        (quote!(<S>), quote!(()))
    } else {
        (quote!(<S, M>), quote!(M))
    };
    let extractor_bounds = extractors.iter().enumerate().map(|(i, ty)| {
        if i + 1 == extractors.len() {
            quote_spanned! {ty.span()=>
                #ty: ::tidings::codegen::axum::extract::FromRequest<S, M> + ::core::marker::Send
            }
        } else {
            quote_spanned! {ty.span()=>
                #ty: ::tidings::codegen::axum::extract::FromRequestParts<S>
                    + ::core::marker::Send
            }
        }
    });
    let m_bound = (!extractors.is_empty()).then(|| quote!(M: 'static,));

    // A bound on the return type itself, spanned at it: a wrong type fails here, once, at the
    // user's token, and the body (which assumes the bound) adds no second error.
    let outcome_bound = match &sig.output {
        ReturnType::Type(_, ty) if !mentions_impl(quote!(#ty)) => Some(quote_spanned! {ty.span()=>
            #ty: ::tidings::codegen::HandlerOutcome,
        }),
        _ => None,
    };
    let call = quote_spanned!(ident.span()=> #ident::#ident(#(#call_args),*));
    // With `error_event`, an `Err` carries the event it becomes once the stream has started; a
    // function of another type than `&E -> Events` fails at the user's expression.
    let call = match &h.attrs.error_event {
        None => call,
        Some(to_event) => {
            let wrap = quote_spanned! {to_event.span()=>
                ::tidings::codegen::LateError::new::<#events>(__error, #to_event)
            };
            quote! {
                async move { #call.await.map_err(|__error| #wrap) }
            }
        }
    };
    // Each event the error can become must end the stream, so that clients stop for good after
    // it instead of running the failed work again; checked as the crate compiles, at the
    // user's variant.
    let error_variants_end = h.error_variants.iter().map(|path| {
        let variant = path
            .segments
            .last()
            .map(|segment| segment.ident.to_string())
            .unwrap_or_default();
        quote_spanned! {path.span()=>
            const _: () = ::tidings::codegen::assert_error_event_ends::<#events>(#variant);
        }
    });
    // A value of another type than the stream's events fails here, at the user's expression.
    let farewell_config = h.attrs.on_shutdown.as_ref().map(|event| {
        quote_spanned! {event.span()=>
            let config = config.farewell::<#events>(#event);
        }
    });
    let age_farewell_config = h.attrs.on_max_age.as_ref().map(|event| {
        quote_spanned! {event.span()=>
            let config = config.age_farewell::<#events>(#event);
        }
    });

    // Each input and the error type describe themselves in the API document when they know how;
    // the probes compile to nothing for types that do not.
    let document_inputs = extractors
        .iter()
        .map(|ty| quote!(::tidings::codegen::document_input!(doc, #ty);));
    let document_error = error_type(&sig.output)
        .filter(|ty| !mentions_impl(quote!(#ty)))
        .map(|ty| match &h.attrs.errors {
            None => quote!(::tidings::codegen::document_error!(doc, #ty);),
            Some(narrowed) => {
                let statuses = &narrowed.statuses;
                quote! {
                    doc.only_error_statuses(&[#(#statuses),*], |doc| {
                        ::tidings::codegen::document_error!(doc, #ty);
                    });
                }
            }
        });

    quote! {
        #(#doc_attrs)*
        #[allow(non_camel_case_types)]
        #[derive(::core::clone::Clone, ::core::marker::Copy, ::core::fmt::Debug)]
        #vis struct #ident;

        impl #ident {
            #(#other_attrs)*
            #[doc(hidden)]
            #vis #sig #block
        }

        #(#error_variants_end)*

        #[automatically_derived]
        impl #impl_generics ::tidings::codegen::SseHandler<S, #trait_m> for #ident
        where
            S: ::core::clone::Clone + ::core::marker::Send + ::core::marker::Sync + 'static,
            #m_bound
            #outcome_bound
            #(#extractor_bounds,)*
        {
            #events_ty

            fn meta() -> ::tidings::codegen::HandlerMeta {
                #meta
            }

            fn document(doc: &mut ::tidings::openapi::OperationDoc) {
                #(#document_inputs)*
                #document_error
            }

            fn method_router(
                self,
                config: ::tidings::codegen::StreamConfig,
            ) -> ::tidings::codegen::axum::routing::MethodRouter<S> {
                #farewell_config
                #age_farewell_config
                ::tidings::codegen::axum::routing::on(
                    ::tidings::codegen::axum::routing::MethodFilter::#method_filter,
                    move |#(#closure_args),*| {
                        ::tidings::codegen::serve(config.clone(), move |__tx| #call)
                    },
                )
            }
        }
    }
}

/// `E` of a `Result<(), E>` return type, read from the syntax (the last path segment is
/// `Result` with two type arguments).
fn error_type(output: &ReturnType) -> Option<&Type> {
    let ReturnType::Type(_, ty) = output else {
        return None;
    };
    let Type::Path(path) = &**ty else {
        return None;
    };
    let last = path.path.segments.last()?;
    if last.ident != "Result" {
        return None;
    }
    let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    match args.args.iter().nth(1)? {
        syn::GenericArgument::Type(error) => Some(error),
        _ => None,
    }
}

fn mentions_impl(tokens: TokenStream) -> bool {
    tokens.into_iter().any(|tt| match tt {
        TokenTree::Ident(ident) => ident == "impl",
        TokenTree::Group(group) => mentions_impl(group.stream()),
        _ => false,
    })
}

fn opt_str(value: Option<&str>) -> TokenStream {
    match value {
        Some(value) => quote!(::core::option::Option::Some(#value)),
        None => quote!(::core::option::Option::None),
    }
}

fn meta(h: &Handler) -> TokenStream {
    let attrs = &h.attrs;
    let method = format_ident!("{}", attrs.method);
    let path = attrs.path.as_ref().map(|p| p.value()).unwrap_or_default();
    let params = &attrs.path_params;
    let operation_id = match &attrs.operation_id {
        Some(id) => id.value(),
        None => {
            let name = h.func.sig.ident.to_string();
            name.strip_prefix("r#").unwrap_or(&name).to_owned()
        }
    };
    let summary = opt_str(h.docs.summary.as_deref());
    let description = opt_str(h.docs.description.as_deref());
    let tags = &attrs.tags;
    let deprecated = attrs.deprecated;
    let keep_alive = match attrs.keep_alive {
        KeepAlive::Inherit => quote!(::tidings::codegen::KeepAliveSetting::Inherit),
        KeepAlive::Off => quote!(::tidings::codegen::KeepAliveSetting::Off),
        KeepAlive::EveryMillis(ms) => quote! {
            ::tidings::codegen::KeepAliveSetting::Every(::core::time::Duration::from_millis(#ms))
        },
    };
    let headers = attrs.headers.iter().map(|(name, description)| {
        quote! {
            ::tidings::codegen::ResponseHeader { name: #name, description: #description }
        }
    });
    let farewell = event_info_fn(attrs.on_shutdown.as_ref());
    let age_farewell = event_info_fn(attrs.on_max_age.as_ref());
    let max_age = match attrs.max_age_millis {
        Some(ms) => quote! {
            ::core::option::Option::Some(::core::time::Duration::from_millis(#ms))
        },
        None => quote!(::core::option::Option::None),
    };
    let error_event = attrs.error_event.is_some();
    let max_streams = match &attrs.max_streams {
        Some(MaxStreams::Literal(max)) => quote!(::core::option::Option::Some(#max)),
        // A constant, of type `usize`, whose `0` fails the build at the user's expression as a
        // literal `0` does in the macro.
        Some(MaxStreams::Const(max)) => quote_spanned! {max.span()=>
            ::core::option::Option::Some({
                const MAX_STREAMS: usize = #max;
                const _: () = ::core::assert!(
                    MAX_STREAMS > 0,
                    "`max_streams` is 0, which would refuse every stream; leave it out for no cap"
                );
                MAX_STREAMS
            })
        },
        None => quote!(::core::option::Option::None),
    };
    quote! {
        ::tidings::codegen::HandlerMeta {
            method: ::tidings::codegen::http::Method::#method,
            path: #path,
            path_params: &[#(#params),*],
            operation_id: #operation_id,
            summary: #summary,
            description: #description,
            tags: &[#(#tags),*],
            deprecated: #deprecated,
            keep_alive: #keep_alive,
            headers: &[#(#headers),*],
            max_streams: #max_streams,
            farewell: #farewell,
            max_age: #max_age,
            age_farewell: #age_farewell,
            error_event: #error_event,
        }
    }
}

/// A function giving what the event `event` (of `on_shutdown` or `on_max_age`) is, for the API
/// document. The event's type is checked once, where the stream config takes it (see
/// `farewell_config`); here it only names itself.
fn event_info_fn(event: Option<&syn::Expr>) -> TokenStream {
    match event {
        Some(event) => quote! {
            ::core::option::Option::Some({
                fn event_info() -> &'static ::tidings::codegen::EventInfo {
                    ::tidings::SseEvents::event_info(&(#event))
                }
                event_info
            })
        },
        None => quote!(::core::option::Option::None),
    }
}
