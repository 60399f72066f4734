//! Collects every error found in one macro input, so one compile shows the user all of them.

use proc_macro2::Span;
use quote::ToTokens;
use std::fmt::Display;

/// The errors found so far. Checks push into it and carry on; [`Errors::finish`] combines them.
///
/// As serde_derive's `Ctxt`, it panics if dropped before `finish`: a collector dropped on some
/// early return would lose the user's errors, and the macro would emit code that fails to
/// compile for reasons the user cannot see.
pub(crate) struct Errors {
    /// `None` once finished.
    errors: Option<Vec<syn::Error>>,
}

impl Errors {
    pub(crate) fn new() -> Self {
        Errors {
            errors: Some(Vec::new()),
        }
    }

    fn list(&mut self) -> &mut Vec<syn::Error> {
        self.errors
            .as_mut()
            .expect("errors recorded after `finish`")
    }

    /// Records an error built elsewhere (a parse error, for instance).
    pub(crate) fn push(&mut self, error: syn::Error) {
        self.list().push(error);
    }

    /// Records an error spanning `tokens`.
    pub(crate) fn spanned(&mut self, tokens: impl ToTokens, message: impl Display) {
        self.push(syn::Error::new_spanned(tokens, message));
    }

    /// Records an error at `span`.
    pub(crate) fn at(&mut self, span: Span, message: impl Display) {
        self.push(syn::Error::new(span, message));
    }

    /// Records the error of a result and returns its value, if any.
    pub(crate) fn ok<T>(&mut self, result: syn::Result<T>) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(error) => {
                self.push(error);
                None
            }
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.errors.as_ref().is_none_or(Vec::is_empty)
    }

    /// All errors combined into one, or `Ok` when there were none.
    pub(crate) fn finish(mut self) -> syn::Result<()> {
        let mut errors = self.errors.take().unwrap_or_default().into_iter();
        let Some(mut first) = errors.next() else {
            return Ok(());
        };
        for error in errors {
            first.combine(error);
        }
        Err(first)
    }
}

impl Drop for Errors {
    fn drop(&mut self) {
        if self.errors.is_some() && !std::thread::panicking() {
            panic!(
                "tidings-macros bug: an `Errors` was dropped before `finish`, losing its errors"
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finishing_combines_every_error_and_dropping_unfinished_panics() {
        let mut errors = Errors::new();
        errors.at(Span::call_site(), "first");
        errors.at(Span::call_site(), "second");
        let combined = errors.finish().unwrap_err();
        assert_eq!(combined.into_iter().count(), 2);
        assert!(Errors::new().finish().is_ok());

        let dropped = std::panic::catch_unwind(|| drop(Errors::new()));
        assert!(
            dropped.is_err(),
            "an unfinished collector was dropped silently"
        );
    }
}
