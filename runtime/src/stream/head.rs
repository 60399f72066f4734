//! The response headers a handler adds to its stream's head, before the head is sent.
//!
//! A handler declares the headers it may set (`#[sse_handler(.., headers("x-name" = "what it
//! says"))]`), so the API document lists them; [`Sender::set_header`](crate::Sender::set_header)
//! sets their values while the head has not gone out yet. The macro refuses, at compile time,
//! the headers that would break the stream (`Content-Type`, `Content-Length`,
//! `Transfer-Encoding`, connection headers).

use http::{HeaderMap, HeaderName, HeaderValue};
use std::sync::{Arc, Mutex, PoisonError};

use crate::error::HeaderError;

/// A response header a handler declares in `#[sse_handler(.., headers(..))]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResponseHeader {
    /// The header's name, in lower case.
    pub name: &'static str,
    /// What it says, for the API document.
    pub description: &'static str,
}

/// The headers set so far; `None` once the head has been sent.
#[derive(Debug)]
pub(crate) struct PendingHead {
    declared: &'static [ResponseHeader],
    headers: Mutex<Option<HeaderMap>>,
}

impl PendingHead {
    /// The head of a handler declaring `declared`; `None` when it declares nothing, which
    /// costs a stream nothing.
    pub(crate) fn new(declared: &'static [ResponseHeader]) -> Option<Arc<Self>> {
        (!declared.is_empty()).then(|| {
            Arc::new(PendingHead {
                declared,
                headers: Mutex::new(Some(HeaderMap::new())),
            })
        })
    }

    pub(crate) fn set(
        head: Option<&Self>,
        name: &str,
        value: impl TryInto<HeaderValue>,
    ) -> Result<(), HeaderError> {
        let declared = head.and_then(|head| {
            head.declared
                .iter()
                .find(|h| h.name.eq_ignore_ascii_case(name))
                .map(|h| (head, h.name))
        });
        let Some((head, declared_name)) = declared else {
            return Err(HeaderError::Undeclared {
                name: name.to_owned(),
            });
        };
        let value = value.try_into().map_err(|_| HeaderError::InvalidValue {
            name: declared_name.to_owned(),
        })?;
        let mut headers = head.headers.lock().unwrap_or_else(PoisonError::into_inner);
        let Some(headers) = headers.as_mut() else {
            return Err(HeaderError::HeadSent {
                name: declared_name.to_owned(),
            });
        };
        // The macro checks declared names; a hand-made `ResponseHeader` with an invalid one is
        // as good as undeclared.
        let name = HeaderName::from_bytes(declared_name.as_bytes()).map_err(|_| {
            HeaderError::Undeclared {
                name: declared_name.to_owned(),
            }
        })?;
        headers.insert(name, value);
        Ok(())
    }

    /// Takes the headers set so far: the head is being sent, and later sets fail.
    pub(crate) fn commit(&self) -> HeaderMap {
        self.headers
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take()
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DECLARED: &[ResponseHeader] = &[ResponseHeader {
        name: "x-job-id",
        description: "The job's id.",
    }];

    proptest::proptest! {
        /// No value a handler passes can add a header or a line to the head: it is refused,
        /// or it is the declared header's whole value.
        #[test]
        fn a_header_value_is_refused_or_kept_whole(value in "(?s).{0,24}") {
            let head = PendingHead::new(DECLARED).unwrap();
            match PendingHead::set(Some(&head), "X-Job-Id", value.as_str()) {
                Err(refused) => {
                    proptest::prop_assert_eq!(refused, HeaderError::InvalidValue { name: "x-job-id".into() });
                    proptest::prop_assert!(value.contains(|c: char| c.is_control() && c != '\t'));
                    proptest::prop_assert!(head.commit().is_empty());
                }
                Ok(()) => {
                    let headers = head.commit();
                    proptest::prop_assert_eq!(headers.len(), 1);
                    proptest::prop_assert_eq!(headers["x-job-id"].as_bytes(), value.as_bytes());
                    proptest::prop_assert!(!value.contains(['\r', '\n', '\0']));
                }
            }
        }
    }

    #[test]
    fn a_header_is_refused_when_undeclared_or_after_the_head_went_out() {
        assert_eq!(
            PendingHead::set(None, "x-job-id", "7"),
            Err(HeaderError::Undeclared {
                name: "x-job-id".into()
            })
        );
        let head = PendingHead::new(DECLARED).unwrap();
        assert!(head.commit().is_empty());
        assert_eq!(
            PendingHead::set(Some(&head), "x-job-id", "7"),
            Err(HeaderError::HeadSent {
                name: "x-job-id".into()
            })
        );
    }
}
