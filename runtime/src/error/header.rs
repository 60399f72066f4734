//! [`HeaderError`]: why a stream's response header was not set.

/// Why [`Sender::set_header`](crate::Sender::set_header) did not set a header.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum HeaderError {
    /// The handler does not declare this header; declare it in `#[sse_handler(.., headers(..))]`
    /// so the API document lists it.
    Undeclared {
        /// The name given.
        name: String,
    },
    /// The value is not a valid header value (it contains a control character such as CR/LF).
    InvalidValue {
        /// The header's name.
        name: String,
    },
    /// The response head has been sent (the first event went out, or the open deadline
    /// passed): headers must be set before the first event.
    HeadSent {
        /// The header's name.
        name: String,
    },
}

impl std::fmt::Display for HeaderError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            HeaderError::Undeclared { name } => write!(
                f,
                "the handler does not declare the response header `{name}`: add it to \
                 `#[sse_handler(.., headers(\"{name}\" = \"what it says\"))]`"
            ),
            HeaderError::InvalidValue { name } => {
                write!(f, "invalid value for the response header `{name}`")
            }
            HeaderError::HeadSent { name } => write!(
                f,
                "the response head was sent before the header `{name}` was set: set headers \
                 before the first event"
            ),
        }
    }
}

impl std::error::Error for HeaderError {}
