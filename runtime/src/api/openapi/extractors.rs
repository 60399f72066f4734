//! What extractors and error types tell about an operation, and the probes generated code calls
//! so that types without documentation add nothing instead of failing to compile.

use std::marker::PhantomData;

use axum::extract::{Path, Query};
use axum::Json;
use schemars::JsonSchema;

use super::model::{Parameter, ParameterIn};
use super::operation::OperationDoc;
use crate::wire::LastEventId;

/// An extractor that documents itself: `#[sse_handler]` calls [`DocumentedInput::document`] for
/// each argument whose type implements it. Implement it for your own extractors; arguments whose
/// type does not implement it add nothing.
///
/// ```
/// use tidings::openapi::{DocumentedInput, OperationDoc, Parameter, ParameterIn};
///
/// /// Reads the `X-Tenant` header.
/// struct Tenant(String);
///
/// impl DocumentedInput for Tenant {
///     fn document(doc: &mut OperationDoc) {
///         doc.parameter(Parameter {
///             name: "X-Tenant".into(),
///             location: ParameterIn::Header,
///             description: Some("Whose data to stream.".into()),
///             required: true,
///             schema: schemars::json_schema!({ "type": "string" }),
///             extra: Default::default(),
///         });
///     }
/// }
///
/// let mut doc = OperationDoc::new(&[]);
/// tidings::codegen::document_input!(&mut doc, Tenant);
/// tidings::codegen::document_input!(&mut doc, std::time::Instant); // not an input: nothing
/// assert_eq!(doc.parameters()[0].name, "X-Tenant");
/// assert_eq!(doc.parameters().len(), 1);
/// ```
pub trait DocumentedInput {
    /// Adds this extractor's parameters, body or responses to `doc`.
    fn document(doc: &mut OperationDoc);
}

/// An error type that documents the responses it becomes. Without it, a handler returning
/// `Result<(), E>` documents a `default` response with an unknown body.
///
/// ```
/// use tidings::openapi::{DocumentedError, OperationDoc};
///
/// enum FeedError { NotFound }
///
/// impl DocumentedError for FeedError {
///     fn responses(doc: &mut OperationDoc) {
///         doc.text_response("404", "There is no such feed.");
///     }
/// }
///
/// let mut doc = OperationDoc::new(&[]);
/// tidings::codegen::document_error!(&mut doc, FeedError);
/// assert!(doc.responses().contains_key("404"));
/// ```
pub trait DocumentedError {
    /// Adds the responses this error type can become to `doc`.
    fn responses(doc: &mut OperationDoc);
}

/// `{param}`s of the route, from `T`'s schema (a plain type, a tuple or a struct).
impl<T: JsonSchema> DocumentedInput for Path<T> {
    fn document(doc: &mut OperationDoc) {
        doc.path_schema::<T>();
    }
}

/// One query parameter per property of `T`.
impl<T: JsonSchema> DocumentedInput for Query<T> {
    fn document(doc: &mut OperationDoc) {
        doc.query_schema::<T>();
    }
}

/// A JSON request body.
impl<T: JsonSchema> DocumentedInput for Json<T> {
    fn document(doc: &mut OperationDoc) {
        doc.json_body::<T>();
        doc.text_response("415", "The request body is not `application/json`.");
        doc.text_response("422", "The request body does not match its schema.");
    }
}

/// The optional `Last-Event-ID` header, and the query parameter that stands in for it.
impl DocumentedInput for LastEventId {
    fn document(doc: &mut OperationDoc) {
        doc.parameter(Parameter {
            name: LastEventId::QUERY_PARAMETER.into(),
            location: ParameterIn::Query,
            description: Some(
                "Stands in for `Last-Event-ID` when the header is absent: a page that opens a \
                 new `EventSource` (after a `503`, which browsers do not retry, or a reload) \
                 resumes with `?lastEventId=` and the last id it received."
                    .into(),
            ),
            required: false,
            schema: schemars::json_schema!({
                "type": "string",
                "maxLength": LastEventId::MAX_LEN,
            }),
            extra: Default::default(),
        });
        doc.parameter(Parameter {
            name: "Last-Event-ID".into(),
            location: ParameterIn::Header,
            description: Some(
                "The id of the last event a reconnecting client received; the stream resumes \
                 after it."
                    .into(),
            ),
            required: false,
            schema: schemars::json_schema!({
                "type": "string",
                "maxLength": LastEventId::MAX_LEN,
            }),
            extra: Default::default(),
        });
        doc.invalid_request_response();
    }
}

impl<T: DocumentedInput> DocumentedInput for Option<T> {
    fn document(doc: &mut OperationDoc) {
        let before = doc.parameters().len();
        T::document(doc);
        // An optional extractor never makes its parameters required.
        for parameter in doc.parameters_mut().iter_mut().skip(before) {
            if parameter.location != ParameterIn::Path {
                parameter.required = false;
            }
        }
    }
}

/// What `document_input!` and `document_error!` expand to: autoref specialization. The method
/// found first is the one on `Probe<T>` itself, which exists only when `T` implements the trait;
/// otherwise method lookup falls back to the one on `&Probe<T>`, which every type has.
#[doc(hidden)]
pub struct Probe<T: ?Sized>(PhantomData<T>);

impl<T: ?Sized> Probe<T> {
    #[doc(hidden)]
    pub const fn new() -> Self {
        Probe(PhantomData)
    }
}

impl<T: ?Sized> Default for Probe<T> {
    fn default() -> Self {
        Self::new()
    }
}

#[doc(hidden)]
pub trait DocumentInputKnown {
    fn document_input(&self, doc: &mut OperationDoc);
}

impl<T: DocumentedInput> DocumentInputKnown for Probe<T> {
    fn document_input(&self, doc: &mut OperationDoc) {
        T::document(doc);
    }
}

#[doc(hidden)]
pub trait DocumentInputUnknown {
    fn document_input(&self, doc: &mut OperationDoc) {
        let _ = doc;
    }
}

impl<T: ?Sized> DocumentInputUnknown for &Probe<T> {}

#[doc(hidden)]
pub trait DocumentErrorKnown {
    fn document_error(&self, doc: &mut OperationDoc);
}

impl<T: DocumentedError> DocumentErrorKnown for Probe<T> {
    fn document_error(&self, doc: &mut OperationDoc) {
        T::responses(doc);
    }
}

#[doc(hidden)]
pub trait DocumentErrorUnknown {
    fn document_error(&self, doc: &mut OperationDoc) {
        doc.response(
            "default",
            super::model::Response::new(
                "The handler failed before its first event (its error type does not document \
                 its responses).",
            ),
        );
    }
}

impl<T: ?Sized> DocumentErrorUnknown for &Probe<T> {}

/// Adds what extractor type `$ty` documents to `$doc` (an `&mut OperationDoc`); nothing when
/// `$ty` does not implement [`DocumentedInput`]. `#[sse_handler]` calls it once per argument.
#[doc(hidden)]
#[macro_export]
macro_rules! __tidings_document_input {
    ($doc:expr, $ty:ty) => {{
        #[allow(unused_imports)]
        use $crate::openapi::__probe::{DocumentInputKnown as _, DocumentInputUnknown as _};
        (&$crate::openapi::__probe::Probe::<$ty>::new()).document_input($doc);
    }};
}

/// Adds the responses error type `$ty` documents to `$doc`; a `default` response when `$ty` does
/// not implement [`DocumentedError`].
#[doc(hidden)]
#[macro_export]
macro_rules! __tidings_document_error {
    ($doc:expr, $ty:ty) => {{
        #[allow(unused_imports)]
        use $crate::openapi::__probe::{DocumentErrorKnown as _, DocumentErrorUnknown as _};
        (&$crate::openapi::__probe::Probe::<$ty>::new()).document_error($doc);
    }};
}
