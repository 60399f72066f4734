//! Reads `#[sse_events(...)]` and the `#[sse(...)]` attributes of variants.

use proc_macro2::{Span, TokenStream};
use syn::meta::ParseNestedMeta;
use syn::{Attribute, LitStr};

use crate::case::RenameRule;
use crate::errors::Errors;

/// The arguments of `#[sse_events(...)]`.
#[derive(Default)]
pub(crate) struct ContainerAttrs {
    pub(crate) rename_all: Option<RenameRule>,
}

/// Parses `#[sse_events(rename_all = "...")]`, recording errors.
pub(crate) fn container(args: TokenStream, errors: &mut Errors) -> ContainerAttrs {
    let mut attrs = ContainerAttrs::default();
    let mut problems = Errors::new();
    let parser = syn::meta::parser(|meta| {
        if meta.path.is_ident("rename_all") {
            let value: LitStr = meta.value()?.parse()?;
            match RenameRule::from_name(&value.value()) {
                Some(rule) => attrs.rename_all = Some(rule),
                None => problems.spanned(
                    &value,
                    format!(
                        "unknown `rename_all` rule \"{}\"; expected one of {}",
                        value.value(),
                        RenameRule::valid_names()
                    ),
                ),
            }
            Ok(())
        } else {
            Err(unknown_key(
                &meta,
                "#[sse_events(...)]",
                "`rename_all = \"...\"`",
            ))
        }
    });
    let parsed = syn::parse::Parser::parse2(parser, args);
    errors.ok(parsed);
    if let Err(error) = problems.finish() {
        errors.push(error);
    }
    attrs
}

/// The `#[sse(...)]` attributes of one variant.
#[derive(Default)]
pub(crate) struct VariantAttrs {
    pub(crate) rename: Option<LitStr>,
    /// The span of the `default` key, when present.
    pub(crate) default: Option<Span>,
    /// The span of the `raw` key, when present.
    pub(crate) raw: Option<Span>,
    /// The span of the `end` key, when present: the stream ends after this event.
    pub(crate) end: Option<Span>,
}

/// Whether `attr` is one of ours, which the emitted enum must not keep.
pub(crate) fn is_sse(attr: &Attribute) -> bool {
    attr.path().is_ident("sse")
}

/// Parses the `#[sse(...)]` attributes of a variant, recording errors.
pub(crate) fn variant(attrs: &[Attribute], errors: &mut Errors) -> VariantAttrs {
    let mut out = VariantAttrs::default();
    for attr in attrs.iter().filter(|attr| is_sse(attr)) {
        let result = attr.parse_nested_meta(|meta| {
            let span = meta
                .path
                .get_ident()
                .map_or_else(Span::call_site, |i| i.span());
            if meta.path.is_ident("rename") {
                let value: LitStr = meta.value()?.parse()?;
                if out.rename.is_some() {
                    errors.spanned(&value, "`rename` is given twice for this variant");
                }
                out.rename = Some(value);
            } else if meta.path.is_ident("default") {
                if out.default.is_some() {
                    errors.at(span, "`default` is given twice for this variant");
                }
                out.default = Some(span);
            } else if meta.path.is_ident("raw") {
                if out.raw.is_some() {
                    errors.at(span, "`raw` is given twice for this variant");
                }
                out.raw = Some(span);
            } else if meta.path.is_ident("end") {
                if out.end.is_some() {
                    errors.at(span, "`end` is given twice for this variant");
                }
                out.end = Some(span);
            } else {
                return Err(unknown_key(
                    &meta,
                    "#[sse(...)]",
                    "`rename = \"...\"`, `default`, `raw` and `end`",
                ));
            }
            Ok(())
        });
        errors.ok(result);
    }
    out
}

fn unknown_key(meta: &ParseNestedMeta<'_>, attr: &str, expected: &str) -> syn::Error {
    let key = meta
        .path
        .segments
        .iter()
        .map(|s| s.ident.to_string())
        .collect::<Vec<_>>()
        .join("::");
    meta.error(format!(
        "unknown key `{key}` in `{attr}`; the keys are {expected}"
    ))
}
