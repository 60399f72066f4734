//! The responses tidings' own [`Error`] becomes, for the API document.

use super::extractors::DocumentedError;
use super::operation::OperationDoc;
use crate::error::Error;

/// Every status an [`Error`] can become before the first event. A handler that cannot meet
/// some of them (one that never touches a hub has no `503` or `400` of its own) narrows the
/// list with `#[sse_handler(.., errors(500))]`.
impl DocumentedError for Error {
    fn responses(doc: &mut OperationDoc) {
        doc.text_response(
            "500",
            "The stream could not start: an event failed to encode, or a response header could \
             not be set (the body says why).",
        );
        doc.text_response(
            "503",
            "The hub cannot take this subscriber now: it holds as many topics or bytes as it \
             may, or it runs on Redis, which is unreachable. Retry after `Retry-After` seconds.",
        );
        doc.text_response(
            "400",
            "The topic's name is longer than the hub accepts (`max_topic_name`).",
        );
    }
}
