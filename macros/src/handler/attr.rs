//! Reads `#[sse_handler(method, "/path", key = value, ...)]`.

use proc_macro2::{Span, TokenStream};
use syn::parse::{Parse, ParseStream, Parser};
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::{Expr, ExprLit, Ident, Lit, LitInt, LitStr, Meta, Token};

use crate::errors::Errors;

/// The HTTP methods a stream handler can answer.
pub(crate) const METHODS: &[(&str, &str)] = &[
    ("get", "GET"),
    ("post", "POST"),
    ("put", "PUT"),
    ("patch", "PATCH"),
    ("delete", "DELETE"),
];

const KEYS: &str = "`tag = \"...\"`, `tags(\"...\", ...)`, `operation_id = \"...\"`, \
                    `keep_alive = \"15s\" | \"500ms\" | \"off\"`, \
                    `headers(\"x-name\" = \"what it says\", ...)`, `max_streams = 100 | CONST`, \
                    `max_age = \"30m\"`, `on_max_age = Event::Variant`, \
                    `on_shutdown = Event::Variant`, `error_event = |error| ..`, \
                    `errors(400, 503, ..)` and `deprecated`";

const ERRORS_SHAPE: &str =
    "`errors` lists the error statuses the handler can answer with before its \
     first event: `errors(404, 503)`";

const HEADERS_SHAPE: &str =
    "`headers` takes `\"name\" = \"what it says\"` pairs: `headers(\"x-job-id\" = \"The job's id.\")`";

/// Response headers a handler may not declare, and why: the stream sets or needs them itself.
const RESERVED_HEADERS: &[(&str, &str)] = &[
    ("content-type", "a stream is always `text/event-stream`"),
    ("content-length", "a stream has no length"),
    ("transfer-encoding", "the server frames the stream itself"),
    ("trailer", "a stream has no trailers"),
    (
        "connection",
        "connection headers belong to the server (and are invalid over HTTP/2)",
    ),
    (
        "keep-alive",
        "connection headers belong to the server (and are invalid over HTTP/2)",
    ),
    (
        "upgrade",
        "connection headers belong to the server (and are invalid over HTTP/2)",
    ),
    (
        "te",
        "connection headers belong to the server (and are invalid over HTTP/2)",
    ),
];

/// A handler's keep-alive choice.
#[derive(Clone, Copy)]
pub(crate) enum KeepAlive {
    Inherit,
    Off,
    EveryMillis(u64),
}

/// `max_streams = ..`: a literal, checked here, or a constant expression, checked by the
/// compiler in the generated code.
pub(crate) enum MaxStreams {
    Literal(usize),
    Const(Expr),
}

/// The checked arguments of `#[sse_handler(...)]`.
pub(crate) struct HandlerAttrs {
    /// The method constant's name (`GET`, ...).
    pub(crate) method: &'static str,
    pub(crate) path: Option<LitStr>,
    pub(crate) path_params: Vec<String>,
    pub(crate) tags: Vec<LitStr>,
    pub(crate) operation_id: Option<LitStr>,
    pub(crate) keep_alive: KeepAlive,
    pub(crate) deprecated: bool,
    /// Declared response headers: the name (lower case) and its description.
    pub(crate) headers: Vec<(String, LitStr)>,
    /// The most streams of this handler open at once: a number, or a constant expression
    /// (`max_streams = MAX`) checked to be positive as the crate compiles.
    pub(crate) max_streams: Option<MaxStreams>,
    /// How long a stream lasts at most, in milliseconds.
    pub(crate) max_age_millis: Option<u64>,
    /// The event a stream sends last when it reaches its maximum age.
    pub(crate) on_max_age: Option<Expr>,
    /// The event each stream sends last when the server shuts down.
    pub(crate) on_shutdown: Option<Expr>,
    /// What turns the handler's error (by reference) into its stream's last event.
    pub(crate) error_event: Option<Expr>,
    /// The statuses the handler's error can answer with (`errors(400, 503)`), which narrow
    /// what its error type documents; `None` documents all of them.
    pub(crate) errors: Option<ErrorStatuses>,
}

/// `errors(..)`: the statuses, and the attribute, for a span.
pub(crate) struct ErrorStatuses {
    pub(crate) statuses: Vec<u16>,
    pub(crate) span: Span,
}

/// `"name" = "description"` in `headers(..)`.
struct HeaderDecl {
    name: LitStr,
    description: LitStr,
}

impl Parse for HeaderDecl {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let name = input.parse()?;
        input.parse::<Token![=]>()?;
        let description = input.parse()?;
        Ok(HeaderDecl { name, description })
    }
}

enum Arg {
    Path(LitStr),
    Meta(Box<Meta>),
}

impl Parse for Arg {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        if input.peek(LitStr) {
            input.parse().map(Arg::Path)
        } else {
            input.parse().map(|meta| Arg::Meta(Box::new(meta)))
        }
    }
}

/// Parses and checks the attribute, recording every error.
pub(crate) fn parse(args: TokenStream, errors: &mut Errors) -> HandlerAttrs {
    let mut attrs = HandlerAttrs {
        method: "GET",
        path: None,
        path_params: Vec::new(),
        tags: Vec::new(),
        operation_id: None,
        keep_alive: KeepAlive::Inherit,
        deprecated: false,
        headers: Vec::new(),
        max_streams: None,
        max_age_millis: None,
        on_max_age: None,
        on_shutdown: None,
        error_event: None,
        errors: None,
    };
    let call_site = Span::call_site();
    let Some(args) = errors.ok(Punctuated::<Arg, Token![,]>::parse_terminated.parse2(args)) else {
        return attrs;
    };
    let mut method: Option<Ident> = None;
    let mut keep_alive_seen = false;
    for arg in args {
        let meta = match arg {
            Arg::Path(path) => {
                if attrs.path.is_some() {
                    errors.spanned(&path, "the path is given twice");
                } else {
                    match path_params(&path.value()) {
                        Ok(params) => attrs.path_params = params,
                        Err(problems) => {
                            for problem in problems {
                                errors.spanned(&path, problem);
                            }
                        }
                    }
                    attrs.path = Some(path);
                }
                continue;
            }
            Arg::Meta(meta) => *meta,
        };
        let Some(key) = meta.path().get_ident().cloned() else {
            errors.spanned(meta.path(), format!("unknown key; the keys are {KEYS}"));
            continue;
        };
        let name = key.to_string();
        match (&meta, name.as_str()) {
            (Meta::Path(_), _) if METHODS.iter().any(|(m, _)| *m == name) => {
                if let Some(first) = &method {
                    errors.spanned(
                        &key,
                        format!("a stream handler has one method, and `{first}` is already given"),
                    );
                } else {
                    if attrs.path.is_some() {
                        errors.spanned(
                            &key,
                            "write the method before the path: `#[sse_handler(get, \"/path\")]`",
                        );
                    }
                    attrs.method = METHODS.iter().find(|(m, _)| *m == name).unwrap().1;
                    method = Some(key);
                }
            }
            (Meta::Path(_), "deprecated") => attrs.deprecated = true,
            (Meta::NameValue(nv), "tag") => {
                if let Some(tag) = string(&nv.value, "tag", errors) {
                    attrs.tags.push(tag);
                }
            }
            (Meta::List(list), "tags") => {
                match list.parse_args_with(Punctuated::<LitStr, Token![,]>::parse_terminated) {
                    Ok(tags) => attrs.tags.extend(tags),
                    Err(_) => errors.spanned(
                        list,
                        "`tags` takes string literals: `tags(\"rooms\", \"chat\")`",
                    ),
                }
            }
            (Meta::NameValue(nv), "operation_id") => {
                if let Some(id) = string(&nv.value, "operation_id", errors) {
                    if id.value().is_empty() {
                        errors.spanned(&id, "an `operation_id` cannot be empty");
                    }
                    if attrs.operation_id.is_some() {
                        errors.spanned(&id, "`operation_id` is given twice");
                    }
                    attrs.operation_id = Some(id);
                }
            }
            (Meta::NameValue(nv), "keep_alive") => {
                if keep_alive_seen {
                    errors.spanned(&nv.path, "`keep_alive` is given twice");
                }
                keep_alive_seen = true;
                if let Some(value) = string(&nv.value, "keep_alive", errors) {
                    match keep_alive(&value.value()) {
                        Ok(setting) => attrs.keep_alive = setting,
                        Err(problem) => errors.spanned(&value, problem),
                    }
                }
            }
            (Meta::List(list), "headers") => {
                match list.parse_args_with(Punctuated::<HeaderDecl, Token![,]>::parse_terminated) {
                    Ok(decls) => {
                        for decl in decls {
                            declare_header(&mut attrs.headers, decl, errors);
                        }
                    }
                    Err(_) => errors.spanned(list, HEADERS_SHAPE),
                }
            }
            (Meta::NameValue(nv), "max_streams") => {
                if attrs.max_streams.is_some() {
                    errors.spanned(&nv.path, "`max_streams` is given twice");
                }
                match &nv.value {
                    Expr::Lit(ExprLit {
                        lit: Lit::Int(n), ..
                    }) => match n.base10_parse::<usize>() {
                        Ok(0) => errors.spanned(
                            n,
                            "`max_streams = 0` would refuse every stream; leave it out for no cap",
                        ),
                        Ok(max) => attrs.max_streams = Some(MaxStreams::Literal(max)),
                        Err(e) => errors.spanned(n, format!("invalid `max_streams`: {e}")),
                    },
                    Expr::Lit(other) => errors.spanned(
                        other,
                        "`max_streams` takes a positive integer (`max_streams = 100`) or a \
                         constant (`max_streams = MAX_STREAMS`)",
                    ),
                    constant => attrs.max_streams = Some(MaxStreams::Const(constant.clone())),
                }
            }
            (Meta::NameValue(nv), "max_age") => {
                if attrs.max_age_millis.is_some() {
                    errors.spanned(&nv.path, "`max_age` is given twice");
                }
                if let Some(value) = string(&nv.value, "max_age", errors) {
                    match max_age(&value.value()) {
                        Ok(millis) => attrs.max_age_millis = Some(millis),
                        Err(problem) => errors.spanned(&value, problem),
                    }
                }
            }
            (Meta::NameValue(nv), "on_max_age") => {
                expression_once(&mut attrs.on_max_age, nv, errors);
            }
            (Meta::NameValue(nv), "on_shutdown") => {
                expression_once(&mut attrs.on_shutdown, nv, errors);
            }
            (Meta::NameValue(nv), "error_event") => {
                expression_once(&mut attrs.error_event, nv, errors);
            }
            (Meta::List(list), "errors") => {
                if attrs.errors.is_some() {
                    errors.spanned(&list.path, "`errors` is given twice");
                }
                match list.parse_args_with(Punctuated::<LitInt, Token![,]>::parse_terminated) {
                    Ok(statuses) => {
                        attrs.errors = Some(ErrorStatuses {
                            statuses: error_statuses(&statuses, errors),
                            span: list.path.span(),
                        })
                    }
                    Err(_) => errors.spanned(list, ERRORS_SHAPE),
                }
            }
            (
                _,
                "tag" | "operation_id" | "keep_alive" | "tags" | "deprecated" | "headers"
                | "max_streams" | "max_age" | "on_max_age" | "on_shutdown" | "error_event"
                | "errors",
            ) => {
                errors.spanned(&meta, format!("malformed `{name}`; the keys are {KEYS}"));
            }
            (_, "summary" | "description") => errors.spanned(
                &key,
                format!(
                    "there is no `{name}` key: the summary (first paragraph) and the description \
                     (the rest) come from the function's doc comment"
                ),
            ),
            (Meta::Path(_), _) => errors.spanned(
                &key,
                format!(
                    "unknown method or key `{name}`; the methods are `get` (the default), \
                     `post`, `put`, `patch` and `delete`, and the keys are {KEYS}"
                ),
            ),
            _ => errors.spanned(&key, format!("unknown key `{name}`; the keys are {KEYS}")),
        }
    }
    if attrs.path.is_none() {
        errors.at(
            call_site,
            "#[sse_handler] needs the route's path: `#[sse_handler(get, \"/rooms/{room}/events\")]`",
        );
    }
    attrs
}

/// Keeps the expression of a key that takes one (`on_shutdown`, `on_max_age`, `error_event`); the compiler
/// checks its type where the generated code uses it. A second one is an error at its key.
fn expression_once(slot: &mut Option<Expr>, key: &syn::MetaNameValue, errors: &mut Errors) {
    if slot.is_some() {
        let name = key
            .path
            .get_ident()
            .map(ToString::to_string)
            .unwrap_or_default();
        errors.spanned(&key.path, format!("`{name}` is given twice"));
    }
    *slot = Some(key.value.clone());
}

/// Checks one declared header: a valid name, not one the stream owns, declared once, described.
fn declare_header(headers: &mut Vec<(String, LitStr)>, decl: HeaderDecl, errors: &mut Errors) {
    let name = decl.name.value().to_ascii_lowercase();
    // RFC 9110's `token`: the characters a field name may hold.
    let token = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c);
    if name.is_empty() || !name.chars().all(token) {
        errors.spanned(
            &decl.name,
            format!(
                "\"{}\" is not a header name: use letters, digits and `-` (as in \"x-job-id\")",
                decl.name.value()
            ),
        );
    } else if let Some((_, why)) = RESERVED_HEADERS.iter().find(|(n, _)| *n == name) {
        errors.spanned(
            &decl.name,
            format!("a stream handler cannot set `{name}`: {why}"),
        );
    } else if headers.iter().any(|(n, _)| *n == name) {
        errors.spanned(&decl.name, format!("the header `{name}` is declared twice"));
    } else if decl.description.value().trim().is_empty() {
        errors.spanned(
            &decl.description,
            format!("describe what `{name}` says; the API document shows it"),
        );
    } else {
        headers.push((name, decl.description));
    }
}

fn string(value: &Expr, key: &str, errors: &mut Errors) -> Option<LitStr> {
    match value {
        Expr::Lit(ExprLit {
            lit: Lit::Str(s), ..
        }) => Some(s.clone()),
        other => {
            errors.spanned(other, format!("`{key}` takes a string literal"));
            None
        }
    }
}

/// `"off"`, or a positive duration (see [`positive_millis`]).
fn keep_alive(value: &str) -> Result<KeepAlive, String> {
    if value == "off" {
        return Ok(KeepAlive::Off);
    }
    const EXPECTED: &str = "\"off\" or a positive interval such as \"500ms\", \"15s\" or \"2m\"";
    match millis(value, "keep_alive", EXPECTED)? {
        0 => Err(format!(
            "`keep_alive = \"{value}\"` is zero; to turn keep-alive off write `keep_alive = \"off\"`"
        )),
        millis => Ok(KeepAlive::EveryMillis(millis)),
    }
}

/// A positive duration (see [`millis`]) for `max_age`.
fn max_age(value: &str) -> Result<u64, String> {
    match millis(
        value,
        "max_age",
        "a duration such as \"30s\", \"10m\" or \"2h\"",
    )? {
        0 => Err(format!(
            "`max_age = \"{value}\"` is zero; leave `max_age` out for streams without a limit"
        )),
        millis => Ok(millis),
    }
}

/// `"<n>ms"`, `"<n>s"`, `"<n>m"` or `"<n>h"`, in milliseconds; the error names `key` and what
/// it `expected`.
fn millis(value: &str, key: &str, expected: &str) -> Result<u64, String> {
    let (number, unit) = match value.find(|c: char| !c.is_ascii_digit()) {
        Some(i) => value.split_at(i),
        None => {
            return Err(format!(
                "`{key} = \"{value}\"` has no unit; expected {expected}"
            ))
        }
    };
    let factor: u64 = match unit {
        "ms" => 1,
        "s" => 1_000,
        "m" => 60_000,
        "h" => 3_600_000,
        _ => {
            return Err(format!(
                "invalid `{key} = \"{value}\"`; expected {expected}"
            ))
        }
    };
    number
        .parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(factor))
        .ok_or_else(|| format!("invalid `{key} = \"{value}\"`; expected {expected}"))
}

/// The `{param}` names of an axum 0.8 route, or every problem with it.
pub(crate) fn path_params(path: &str) -> Result<Vec<String>, Vec<String>> {
    let mut problems = Vec::new();
    let mut params: Vec<String> = Vec::new();
    if !path.starts_with('/') {
        problems.push(format!(
            "the path \"{path}\" must start with `/`, as every axum route does"
        ));
    }
    let segments: Vec<&str> = path.split('/').skip(1).collect();
    for (i, segment) in segments.iter().enumerate() {
        if !segment.contains(['{', '}']) {
            continue;
        }
        let Some(inner) = segment.strip_prefix('{').and_then(|s| s.strip_suffix('}')) else {
            if segment.contains('{') && !segment.contains('}') {
                problems.push(format!(
                    "the path segment `{segment}` has a `{{` that is never closed"
                ));
            } else if segment.contains('}') && !segment.contains('{') {
                problems.push(format!(
                    "the path segment `{segment}` has a `}}` that closes nothing"
                ));
            } else {
                problems.push(format!(
                    "the path segment `{segment}` mixes text and a parameter; a `{{param}}` \
                     must be a whole segment, as in `/rooms/{{room}}`"
                ));
            }
            continue;
        };
        let (wildcard, name) = match inner.strip_prefix('*') {
            Some(name) => (true, name),
            None => (false, inner),
        };
        if wildcard && i + 1 != segments.len() {
            problems.push(format!(
                "the wildcard `{segment}` must be the last segment of the path"
            ));
        }
        if name.is_empty() {
            problems.push(format!(
                "the path segment `{segment}` has an empty parameter name; write `{{name}}`"
            ));
            continue;
        }
        let identifier = name
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if !identifier {
            problems.push(format!(
                "`{segment}`: `{name}` is not a valid parameter name; use letters, digits and \
                 `_`, starting with a letter or `_`"
            ));
            continue;
        }
        if params.iter().any(|p| p == name) {
            problems.push(format!(
                "the parameter `{name}` appears twice in the path; each needs its own name"
            ));
            continue;
        }
        params.push(name.to_owned());
    }
    if problems.is_empty() {
        Ok(params)
    } else {
        Err(problems)
    }
}

/// The statuses of `errors(..)`: each an error status (400 to 599), once.
fn error_statuses(statuses: &Punctuated<LitInt, Token![,]>, errors: &mut Errors) -> Vec<u16> {
    let mut checked = Vec::new();
    for status in statuses {
        match status.base10_parse::<u16>() {
            Ok(code) if (400..=599).contains(&code) => {
                if checked.contains(&code) {
                    errors.spanned(status, format!("`{code}` is listed twice"));
                }
                checked.push(code);
            }
            _ => errors.spanned(
                status,
                "`errors` lists error statuses, from 400 to 599: a stream's success is its `200`",
            ),
        }
    }
    checked
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_params_in_order_with_wildcard() {
        assert_eq!(
            path_params("/rooms/{room}/files/{*rest}").unwrap(),
            ["room", "rest"]
        );
        assert_eq!(path_params("/").unwrap(), Vec::<String>::new());
    }

    #[test]
    fn bad_paths() {
        for bad in [
            "rooms",
            "/rooms/{room",
            "/rooms/room}",
            "/rooms/{}",
            "/rooms/{a-b}",
            "/{a}/{a}",
            "/{*rest}/x",
            "/a{b}",
        ] {
            assert!(path_params(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn keep_alive_values() {
        assert!(matches!(keep_alive("off"), Ok(KeepAlive::Off)));
        assert!(matches!(
            keep_alive("15s"),
            Ok(KeepAlive::EveryMillis(15_000))
        ));
        assert!(matches!(
            keep_alive("500ms"),
            Ok(KeepAlive::EveryMillis(500))
        ));
        assert!(matches!(
            keep_alive("2m"),
            Ok(KeepAlive::EveryMillis(120_000))
        ));
        for bad in ["0s", "15", "fast", "s", "1d", ""] {
            assert!(keep_alive(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn max_age_values() {
        assert_eq!(max_age("2h"), Ok(7_200_000));
        assert_eq!(max_age("30m"), Ok(1_800_000));
        for bad in ["0m", "off", "10", "1d", ""] {
            assert!(max_age(bad).is_err(), "{bad}");
        }
    }
}
