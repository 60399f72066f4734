//! OpenAPI 3.2 descriptions of streams.
//!
//! [`SseApi`](crate::SseApi) builds one document from its handlers: [`SseApi::openapi`]
//! returns it as a typed [`OpenApi`], [`SseApi::serve_openapi_json`] serves it, and [`SseApi::serve_docs`]
//! serves a human page. Each operation's `200` response describes its events under the
//! `text/event-stream` media type's `itemSchema` (see [`item_schema`]); payload types live once
//! in `components/schemas`.
//!
//! What a handler's arguments add comes from [`DocumentedInput`], implemented for axum's
//! `Path`, `Query` and `Json` and for [`LastEventId`](crate::LastEventId); its error type's
//! responses come from [`DocumentedError`]. Other extractors add nothing: implement
//! `DocumentedInput` for them, or use [`SseApi::describe_operation`].
//!
//! [`SseApi::openapi`]: crate::SseApi::openapi
//! [`SseApi::serve_openapi_json`]: crate::SseApi::serve_openapi_json
//! [`SseApi::serve_docs`]: crate::SseApi::serve_docs
//! [`SseApi::describe_operation`]: crate::SseApi::describe_operation

mod build;
mod docs_page;
mod errors;
mod events;
mod extractors;
mod foreign;
mod merge;
mod model;
mod operation;

pub(crate) use build::{build, ApiLimits, DocSettings, HandlerDocs};
pub use docs_page::docs_html;
pub use events::item_schema;
pub use extractors::{DocumentedError, DocumentedInput};
pub use foreign::DocumentError;
pub(crate) use foreign::ForeignDoc;
pub use merge::merge_into;
pub use model::{
    Components, Header, Info, MediaType, OpenApi, OpenApiVersion, Operation, Parameter,
    ParameterIn, PathItem, RequestBody, Response, Server, Tag,
};
pub use operation::OperationDoc;

/// The probes behind `document_input!` and `document_error!`. Not public API.
#[doc(hidden)]
pub mod __probe {
    pub use super::extractors::{
        DocumentErrorKnown, DocumentErrorUnknown, DocumentInputKnown, DocumentInputUnknown, Probe,
    };
}
