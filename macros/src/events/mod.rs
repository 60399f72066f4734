//! `#[sse_events]`: parse ([`attr`]), check ([`model`]), generate ([`expand`]).

mod attr;
mod expand;
mod model;

use proc_macro2::TokenStream;
use quote::quote;
use syn::punctuated::Punctuated;
use syn::{Attribute, Fields, Item, ItemEnum, Path, Token};

use crate::errors::Errors;

/// The whole macro: the user's enum, cleaned of our attributes, and its impls; or the enum and
/// every error found.
pub(crate) fn sse_events(args: TokenStream, input: TokenStream) -> TokenStream {
    let item: Item = match syn::parse2(input) {
        Ok(item) => item,
        Err(error) => return error.to_compile_error(),
    };
    let mut item = match item {
        Item::Enum(item) => item,
        Item::Struct(s) => {
            return not_an_enum(&s.struct_token, "a struct", quote!(#s));
        }
        Item::Union(u) => {
            return not_an_enum(&u.union_token, "a union", quote!(#u));
        }
        other => return not_an_enum(&other, "this item", quote!(#other)),
    };

    let mut errors = Errors::new();
    let container = attr::container(args, &mut errors);
    let model = model::check(&container, &item, &mut errors);
    strip_attrs(&mut item);
    match (errors.finish(), model) {
        (Ok(()), Some(model)) => expand::generate(&model, &item),
        (Err(error), _) => {
            let error = error.to_compile_error();
            quote!(#item #error)
        }
        (Ok(()), None) => unreachable!("a failed check records an error"),
    }
}

fn not_an_enum(tokens: &dyn quote::ToTokens, what: &str, item: TokenStream) -> TokenStream {
    let error = syn::Error::new_spanned(
        tokens,
        format!(
            "#[sse_events] goes on an enum, not on {what}: each variant of the enum is one event \
             type of the stream"
        ),
    )
    .to_compile_error();
    quote!(#item #error)
}

/// Removes `#[sse(...)]`, and the serde and schemars attributes that no derive of the enum
/// would accept (they are read by the generated helpers instead).
fn strip_attrs(item: &mut ItemEnum) {
    let derives = derived(&item.attrs);
    let has = |name: &str| derives.iter().any(|d| d == name);
    let keep_serde = has("Serialize") || has("Deserialize") || has("JsonSchema");
    let keep_schemars = has("JsonSchema");
    let keep = |attr: &Attribute| {
        !(attr::is_sse(attr)
            || (!keep_serde && attr.path().is_ident("serde"))
            || (!keep_schemars && attr.path().is_ident("schemars")))
    };
    for variant in &mut item.variants {
        variant.attrs.retain(keep);
        if let Fields::Named(fields) = &mut variant.fields {
            for field in &mut fields.named {
                field.attrs.retain(keep);
            }
        }
    }
}

/// The last segment of every path in the enum's `#[derive(...)]` attributes.
fn derived(attrs: &[Attribute]) -> Vec<String> {
    attrs
        .iter()
        .filter(|attr| attr.path().is_ident("derive"))
        .filter_map(|attr| {
            attr.parse_args_with(Punctuated::<Path, Token![,]>::parse_terminated)
                .ok()
        })
        .flatten()
        .filter_map(|path| path.segments.last().map(|s| s.ident.to_string()))
        .collect()
}
