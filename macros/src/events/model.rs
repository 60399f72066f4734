//! The checked model of an `#[sse_events]` enum: what generation works from.

use proc_macro2::Span;
use std::collections::HashMap;
use syn::ext::IdentExt;
use syn::{Attribute, Fields, Ident, ItemEnum, Type};

use super::attr::{self, ContainerAttrs};
use crate::doc;
use crate::errors::Errors;

/// One field of a struct variant.
pub(crate) struct Field {
    pub(crate) ident: Ident,
    pub(crate) ty: Type,
    /// `#[serde(...)]`, `#[schemars(...)]` and doc attributes, copied onto helper items.
    pub(crate) attrs: Vec<Attribute>,
    /// Whether the helper keeps the field's concrete type: a serde attribute names a function
    /// for the field (`with`, `serialize_with`, `deserialize_with`), whose type must match.
    /// `#[serde(default)]` fields too: schemars's derive calls `Default::default()` on the field
    /// type for the schema's default value, without bounding a generic parameter by `Default`.
    pub(crate) concrete: bool,
}

/// What a variant carries.
pub(crate) enum Payload {
    /// A unit variant: empty data.
    Unit,
    /// A one-field tuple variant: its value as JSON, or as text when raw.
    Newtype { ty: Box<Type>, raw: bool },
    /// A struct variant: its fields as a JSON object.
    Struct(Vec<Field>),
}

/// One checked variant.
pub(crate) struct Variant {
    pub(crate) ident: Ident,
    /// The `event:` name; `None` for the default event.
    pub(crate) name: Option<String>,
    pub(crate) payload: Payload,
    /// The full doc comment.
    pub(crate) docs: Option<String>,
    /// The doc attributes, for the schema of a struct variant.
    pub(crate) doc_attrs: Vec<Attribute>,
    /// `#[sse(end)]`: the stream's final event.
    pub(crate) ends_stream: bool,
}

/// The checked enum.
pub(crate) struct Model {
    pub(crate) ident: Ident,
    pub(crate) variants: Vec<Variant>,
}

impl Model {
    pub(crate) fn has_struct_variant(&self) -> bool {
        self.variants
            .iter()
            .any(|v| matches!(v.payload, Payload::Struct(_)))
    }
}

/// Checks the enum, recording every problem; `None` when there was any.
pub(crate) fn check(
    container: &ContainerAttrs,
    item: &ItemEnum,
    errors: &mut Errors,
) -> Option<Model> {
    if !item.generics.params.is_empty() || item.generics.where_clause.is_some() {
        errors.spanned(
            &item.generics,
            "an `#[sse_events]` enum cannot have generic parameters or lifetimes: each stream's \
             events must be one concrete type, so that its names and schemas are fixed at \
             compile time; payloads may still be generic instantiations such as `Page<User>`",
        );
    }
    if item.variants.is_empty() {
        errors.spanned(
            &item.ident,
            "an `#[sse_events]` enum needs at least one variant: a stream with no events could \
             never send anything",
        );
    }

    let mut variants = Vec::new();
    let mut names: HashMap<String, Ident> = HashMap::new();
    let mut default: Option<Ident> = None;
    for variant in &item.variants {
        let attrs = attr::variant(&variant.attrs, errors);
        let ident = variant.ident.clone();

        let payload = match &variant.fields {
            Fields::Unit => Payload::Unit,
            Fields::Unnamed(fields) if fields.unnamed.len() == 1 => Payload::Newtype {
                ty: Box::new(fields.unnamed[0].ty.clone()),
                raw: attrs.raw.is_some(),
            },
            Fields::Unnamed(fields) => {
                errors.spanned(
                    fields,
                    format!(
                        "a tuple variant of an `#[sse_events]` enum carries exactly one payload, \
                         and `{ident}` has {}; wrap the values in a struct, or use a struct \
                         variant `{ident} {{ a: A, b: B }}` to send a JSON object",
                        fields.unnamed.len()
                    ),
                );
                continue;
            }
            Fields::Named(fields) => Payload::Struct(
                fields
                    .named
                    .iter()
                    .map(|field| Field {
                        ident: field.ident.clone().expect("named field"),
                        ty: field.ty.clone(),
                        attrs: field
                            .attrs
                            .iter()
                            .filter(|a| {
                                a.path().is_ident("serde")
                                    || a.path().is_ident("schemars")
                                    || doc::is_doc(a)
                            })
                            .cloned()
                            .collect(),
                        concrete: keeps_concrete_type(&field.attrs),
                    })
                    .collect(),
            ),
        };
        if let Some(raw) = attrs.raw {
            let kind = match &variant.fields {
                Fields::Unit => Some("a unit variant"),
                Fields::Named(_) => Some("a struct variant"),
                Fields::Unnamed(_) => None,
            };
            if let Some(kind) = kind {
                errors.at(
                    raw,
                    format!(
                        "`raw` sends a text payload as is, so it needs a one-field tuple variant \
                         such as `{ident}(String)`, and `{ident}` is {kind}"
                    ),
                );
            }
        }

        let name = if let Some(default_span) = attrs.default {
            if let Some(first) = &default {
                errors.at(
                    default_span,
                    format!(
                        "only one variant can be `#[sse(default)]`, and `{first}` already is: a \
                         stream has one default (unnamed) event"
                    ),
                );
            } else {
                default = Some(ident.clone());
            }
            if let Some(rename) = &attrs.rename {
                errors.spanned(
                    rename,
                    "`rename` has no effect on a `default` variant: the default event is sent \
                     without an `event:` line; remove one of the two",
                );
            }
            None
        } else {
            let (name, span) = match &attrs.rename {
                Some(rename) => (rename.value(), rename.span()),
                None => {
                    let plain = ident.unraw().to_string();
                    let name = container
                        .rename_all
                        .map_or_else(|| plain.clone(), |rule| rule.apply_to_variant(&plain));
                    (name, ident.span())
                }
            };
            check_name(&name, span, errors);
            if let Some(first) = names.get(&name) {
                errors.at(
                    span,
                    format!(
                        "the event name \"{name}\" is already used by variant `{first}`; every \
                         event of a stream needs its own name (use `#[sse(rename = \"...\")]`)"
                    ),
                );
            } else {
                names.insert(name.clone(), ident.clone());
            }
            Some(name)
        };

        variants.push(Variant {
            name,
            payload,
            ends_stream: attrs.end.is_some(),
            docs: doc::extract(&variant.attrs).full,
            doc_attrs: variant
                .attrs
                .iter()
                .filter(|a| doc::is_doc(a))
                .cloned()
                .collect(),
            ident,
        });
    }

    if !errors.is_empty() {
        return None;
    }
    Some(Model {
        ident: item.ident.clone(),
        variants,
    })
}

fn check_name(name: &str, span: Span, errors: &mut Errors) {
    if name.is_empty() {
        errors.at(
            span,
            "an event name cannot be empty: a client reads an empty `event:` field as the default \
             `message` event; to send that, mark the variant `#[sse(default)]`",
        );
    } else if let Some(bad) = name.chars().find(|c| matches!(c, '\r' | '\n' | '\0')) {
        let what = match bad {
            '\r' => "a carriage return (CR)",
            '\n' => "a line feed (LF)",
            _ => "a NUL character",
        };
        errors.at(
            span,
            format!(
                "the event name {name:?} contains {what}, which the `event:` line of the \
                 Server-Sent Events wire format cannot carry"
            ),
        );
    }
}

/// Whether serde attributes name functions for the field or give it a `Default` default.
fn keeps_concrete_type(attrs: &[Attribute]) -> bool {
    let mut concrete = false;
    for attr in attrs.iter().filter(|a| a.path().is_ident("serde")) {
        // Unparsable serde attributes are serde's to report.
        let _ = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("with")
                || meta.path.is_ident("serialize_with")
                || meta.path.is_ident("deserialize_with")
            {
                concrete = true;
            }
            if meta.path.is_ident("default") && !meta.input.peek(syn::Token![=]) {
                concrete = true;
            }
            if meta.input.peek(syn::Token![=]) {
                let _: syn::Expr = meta.value()?.parse()?;
            } else if meta.input.peek(syn::token::Paren) {
                let _content;
                syn::parenthesized!(_content in meta.input);
                let _: proc_macro2::TokenStream = _content.parse()?;
            }
            Ok(())
        });
    }
    concrete
}
