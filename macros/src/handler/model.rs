//! The checked model of an `#[sse_handler]` function.

use syn::{FnArg, GenericArgument, ItemFn, PathArguments, Type};

use super::attr::HandlerAttrs;
use crate::doc::{self, Docs};
use crate::errors::Errors;

/// One argument of the handler: an extractor, or the `Sender`.
pub(crate) enum Arg {
    Extractor(Box<Type>),
    Sender,
}

/// The checked handler.
pub(crate) struct Handler {
    pub(crate) attrs: HandlerAttrs,
    pub(crate) func: ItemFn,
    pub(crate) args: Vec<Arg>,
    /// The `E` of `Sender<E>`.
    pub(crate) events: Type,
    pub(crate) docs: Docs,
    /// The variants `error_event`'s closure can make, as written: each must be `#[sse(end)]`.
    pub(crate) error_variants: Vec<syn::Path>,
}

/// The variants an `error_event` closure makes: the paths its result is written with, through
/// blocks, `match` arms and `if` branches (`|e| Feed::Failed(e.to_string())`). Anything else is
/// refused: what the closure makes must be seen to be checked.
fn error_variants(expr: &syn::Expr, errors: &mut Errors) -> Vec<syn::Path> {
    use syn::Expr;
    fn walk(expr: &Expr, found: &mut Vec<syn::Path>) -> Result<(), proc_macro2::Span> {
        match expr {
            Expr::Path(path) => found.push(path.path.clone()),
            Expr::Call(call) => match &*call.func {
                Expr::Path(path) => found.push(path.path.clone()),
                other => return Err(syn::spanned::Spanned::span(other)),
            },
            Expr::Struct(literal) => found.push(literal.path.clone()),
            Expr::Paren(inner) => walk(&inner.expr, found)?,
            Expr::Block(block) => walk_block(&block.block, found)?,
            Expr::Match(matched) => {
                for arm in &matched.arms {
                    walk(&arm.body, found)?;
                }
            }
            Expr::If(branch) => {
                walk_block(&branch.then_branch, found)?;
                match &branch.else_branch {
                    Some((_, otherwise)) => walk(otherwise, found)?,
                    None => return Err(syn::spanned::Spanned::span(branch)),
                }
            }
            other => return Err(syn::spanned::Spanned::span(other)),
        }
        Ok(())
    }
    fn walk_block(block: &syn::Block, found: &mut Vec<syn::Path>) -> Result<(), proc_macro2::Span> {
        match block.stmts.last() {
            Some(syn::Stmt::Expr(last, None)) => walk(last, found),
            _ => Err(syn::spanned::Spanned::span(block)),
        }
    }
    let syn::Expr::Closure(closure) = expr else {
        errors.spanned(
            expr,
            "`error_event` takes a closure that makes the event, written out, so that tidings can \
             check it ends the stream: `error_event = |error: &MyError| Feed::Failed(error.to_string())`",
        );
        return Vec::new();
    };
    let mut found = Vec::new();
    if let Err(span) = walk(&closure.body, &mut found) {
        errors.push(syn::Error::new(
            span,
            "`error_event`'s closure must end in the event it makes, written out (`Feed::Failed(..)`, \
             or a `match` whose arms each do), so that tidings can check it ends the stream",
        ));
    }
    found
}

/// The `E` of a type spelled `Sender<E>` or `some::path::Sender<E>`.
fn sender_events(ty: &Type) -> Option<&Type> {
    let Type::Path(path) = ty else {
        return None;
    };
    if path.qself.is_some() {
        return None;
    }
    let last = path.path.segments.last()?;
    if last.ident != "Sender" {
        return None;
    }
    let PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    if args.args.len() != 1 {
        return None;
    }
    match &args.args[0] {
        GenericArgument::Type(ty) => Some(ty),
        _ => None,
    }
}

/// Whether the pattern mentions `name` (a unit struct of that name would turn a binding into a
/// match against the struct).
fn binds(pat: &syn::Pat, name: &syn::Ident) -> bool {
    fn walk(tokens: proc_macro2::TokenStream, name: &syn::Ident) -> bool {
        tokens.into_iter().any(|tt| match tt {
            proc_macro2::TokenTree::Ident(ident) => ident == *name,
            proc_macro2::TokenTree::Group(group) => walk(group.stream(), name),
            _ => false,
        })
    }
    walk(quote::quote!(#pat), name)
}

/// The first `let name` or `let mut name` in the body binding the handler's own name.
fn let_binding(block: &syn::Block, name: &syn::Ident) -> Option<syn::Ident> {
    fn walk(tokens: proc_macro2::TokenStream, name: &syn::Ident) -> Option<syn::Ident> {
        let tokens: Vec<_> = tokens.into_iter().collect();
        for (i, tt) in tokens.iter().enumerate() {
            match tt {
                proc_macro2::TokenTree::Ident(ident) if ident == "let" => {
                    let mut next = tokens.get(i + 1);
                    if matches!(next, Some(proc_macro2::TokenTree::Ident(m)) if m == "mut") {
                        next = tokens.get(i + 2);
                    }
                    if let Some(proc_macro2::TokenTree::Ident(bound)) = next {
                        if bound == name {
                            return Some(bound.clone());
                        }
                    }
                }
                proc_macro2::TokenTree::Group(group) => {
                    if let Some(found) = walk(group.stream(), name) {
                        return Some(found);
                    }
                }
                _ => {}
            }
        }
        None
    }
    walk(quote::quote!(#block), name)
}

/// axum's extractors that read the request body, by the last segment of their path: only the
/// last extractor may, as in axum's own handlers.
const BODY_EXTRACTORS: &[&str] = &[
    "Json",
    "Form",
    "Bytes",
    "String",
    "Request",
    "RawForm",
    "Multipart",
    "Body",
];

/// A body extractor before another extractor is refused at its own type, saying what to do;
/// the compiler would report it at `SseApi::handler`, as an unsatisfied `FromRequestParts`.
/// (Extractors of other names are checked by the compiler as before.)
fn check_body_extractor_last(args: &[Arg], errors: &mut Errors) {
    let extractors: Vec<&Type> = args
        .iter()
        .filter_map(|arg| match arg {
            Arg::Extractor(ty) => Some(&**ty),
            Arg::Sender => None,
        })
        .collect();
    let Some((_last, before)) = extractors.split_last() else {
        return;
    };
    for ty in before {
        let Type::Path(path) = ty else { continue };
        let Some(segment) = path.path.segments.last() else {
            continue;
        };
        if BODY_EXTRACTORS.iter().any(|name| segment.ident == name) {
            errors.spanned(
                ty,
                format!(
                    "`{}` reads the request body, so it must be the last extractor: move it \
                     after the others (the `Sender` may stay anywhere)",
                    quote::quote!(#ty).to_string().replace(' ', "")
                ),
            );
        }
    }
}

/// Checks the function, recording every problem; `None` when there was any.
pub(crate) fn check(attrs: HandlerAttrs, func: ItemFn, errors: &mut Errors) -> Option<Handler> {
    let sig = &func.sig;
    if sig.asyncness.is_none() {
        errors.spanned(
            sig.fn_token,
            "a stream handler must be an `async fn`: write `async fn`",
        );
    }
    if !sig.generics.params.is_empty() || sig.generics.where_clause.is_some() {
        errors.spanned(
            &sig.generics,
            "a stream handler cannot be generic: its route and documentation need concrete \
             extractor and event types",
        );
    }
    if let Some(constness) = &sig.constness {
        errors.spanned(constness, "a stream handler cannot be a `const fn`");
    }
    if let Some(variadic) = &sig.variadic {
        errors.spanned(variadic, "a stream handler cannot be variadic");
    }

    let mut args = Vec::new();
    let mut events: Option<(Type, &syn::PatType)> = None;
    for input in &sig.inputs {
        match input {
            FnArg::Receiver(receiver) => {
                errors.spanned(
                    receiver,
                    "a stream handler is a free `async fn`, without a `self` receiver; take the \
                     value through axum's `State` extractor instead",
                );
            }
            FnArg::Typed(pat_type) => match sender_events(&pat_type.ty) {
                _ if binds(&pat_type.pat, &sig.ident) => {
                    let name = &sig.ident;
                    errors.spanned(
                        &pat_type.pat,
                        format!(
                            "this pattern binds `{name}`, the handler's own name, which \
                             `#[sse_handler]` turns into a unit struct; rename the binding (or \
                             the function)"
                        ),
                    );
                }
                Some(ty) => {
                    if let Some((_, first)) = &events {
                        let first = &first.pat;
                        errors.spanned(
                            pat_type,
                            format!(
                                "a stream handler takes exactly one `Sender`, and `{}` is already \
                                 one; clone that `Sender` to send from several places",
                                quote::quote!(#first)
                            ),
                        );
                    } else {
                        events = Some((ty.clone(), pat_type));
                        args.push(Arg::Sender);
                    }
                }
                None => args.push(Arg::Extractor(pat_type.ty.clone())),
            },
        }
    }
    check_body_extractor_last(&args, errors);
    if let Some(binding) = let_binding(&func.block, &sig.ident) {
        errors.spanned(
            &binding,
            format!(
                "`let {binding}` reuses the handler's own name, which `#[sse_handler]` turns into \
                 a unit struct, so the `let` would match against it; rename the variable"
            ),
        );
    }
    if events.is_none() {
        let message = "a stream handler needs a `Sender<E>` argument, where `E` is an \
                       `#[sse_events]` enum: it is how the handler sends its events, e.g. \
                       `tx: Sender<ChatEvent>`";
        if sig.inputs.is_empty() {
            errors.spanned(&sig.ident, message);
        } else {
            errors.spanned(&sig.inputs, message);
        }
    }

    let error_variants = attrs
        .error_event
        .as_ref()
        .map_or_else(Vec::new, |expr| error_variants(expr, errors));
    if let (Some(narrowed), syn::ReturnType::Default) = (&attrs.errors, &sig.output) {
        errors.at(
            narrowed.span,
            "`errors(..)` narrows what the handler's error type documents, but this handler \
             returns `()`: return `Result<(), E>` to have errors",
        );
    }
    if let Some(error_event) = &attrs.error_event {
        if matches!(sig.output, syn::ReturnType::Default) {
            errors.spanned(
                error_event,
                "`error_event` turns the handler's error into an event, but this handler returns `()`: \
                 return `Result<(), E>` to have errors",
            );
        }
    }

    if !errors.is_empty() {
        return None;
    }
    let docs = doc::extract(&func.attrs);
    let events = events.expect("checked above").0;
    Some(Handler {
        attrs,
        func,
        args,
        events,
        docs,
        error_variants,
    })
}
