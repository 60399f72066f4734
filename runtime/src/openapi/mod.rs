//! OpenAPI 3.2 descriptions of streams.

/// What an operation's inputs and error type add to its OpenAPI description. Filled in by the
/// `document` function `#[sse_handler]` generates.
#[derive(Debug, Default)]
pub struct OperationDoc {}
