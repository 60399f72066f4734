//! Procedural macros of tidings. Use them through the `tidings` crate, which re-exports them.

use proc_macro::TokenStream;

/// Placeholder while the macro is written.
#[proc_macro_attribute]
pub fn sse_events(_attr: TokenStream, item: TokenStream) -> TokenStream {
    item
}

/// Placeholder while the macro is written.
#[proc_macro_attribute]
pub fn sse_handler(_attr: TokenStream, item: TokenStream) -> TokenStream {
    item
}
