//! `#[sse_handler]`: parse ([`attr`]), check ([`model`]), generate ([`expand`]).

mod attr;
mod expand;
mod model;

use proc_macro2::TokenStream;
use quote::quote;
use syn::ItemFn;

use crate::errors::Errors;

/// The whole macro: the handler's struct and impls, or every error found (with a stand-in for
/// the handler, so that registering it adds no error of its own).
pub(crate) fn sse_handler(args: TokenStream, input: TokenStream) -> TokenStream {
    let func: ItemFn = match syn::parse2(input.clone()) {
        Ok(func) => func,
        Err(_) => {
            let error = syn::Error::new_spanned(
                &input,
                "#[sse_handler] goes on an `async fn` that takes a `Sender<E>`",
            )
            .to_compile_error();
            return quote!(#input #error);
        }
    };
    let mut errors = Errors::new();
    let attrs = attr::parse(args, &mut errors);
    let handler = model::check(attrs, func.clone(), &mut errors);
    match (errors.finish(), handler) {
        (Ok(()), Some(handler)) => expand::generate(&handler),
        (Err(error), _) => {
            let error = error.to_compile_error();
            let rejected = expand::rejected(&func);
            quote!(#rejected #error)
        }
        (Ok(()), None) => unreachable!("a failed check records an error"),
    }
}
