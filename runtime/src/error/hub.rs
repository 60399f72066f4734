//! [`HubError`]: why a [`Hub`](crate::hub::Hub) could not publish or subscribe.

use http::StatusCode;

/// Why a [`Hub`](crate::hub::Hub) could not publish or subscribe: what [`Error::Hub`](crate::Error::Hub)
/// carries.
#[derive(Debug)]
#[non_exhaustive]
pub enum HubError {
    /// The hub's backend (Redis) cannot be reached; nothing was published or subscribed.
    Unavailable(Box<dyn std::error::Error + Send + Sync>),
    /// Redis stopped answering after a publish was sent to it: the event may or may not have
    /// been published (its subscribers may get it). Publishing it again may store it twice.
    Unconfirmed(Box<dyn std::error::Error + Send + Sync>),
    /// The hub holds as many topics or bytes as it may ([`HubBuilder::max_topics`](crate::hub::HubBuilder::max_topics),
    /// [`HubBuilder::max_retained_bytes`](crate::hub::HubBuilder::max_retained_bytes)): the event was not published, or the new topic not
    /// subscribed to. Unused topics are evicted after [`HubBuilder::evict_idle_after`](crate::hub::HubBuilder::evict_idle_after).
    Full(Box<dyn std::error::Error + Send + Sync>),
    /// The topic's name is longer than [`HubBuilder::max_topic_name`](crate::hub::HubBuilder::max_topic_name): nothing was published
    /// or subscribed.
    InvalidTopic(Box<dyn std::error::Error + Send + Sync>),
    /// The hub cannot be built as configured (a Redis URL that does not parse).
    Config(Box<dyn std::error::Error + Send + Sync>),
}

impl std::fmt::Display for HubError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            HubError::Unavailable(e) => write!(f, "the hub's backend is unavailable: {e}"),
            HubError::Unconfirmed(e) => write!(
                f,
                "the hub's backend stopped answering; the event may or may not have been \
                 published: {e}"
            ),
            HubError::Full(e) | HubError::InvalidTopic(e) => e.fmt(f),
            HubError::Config(e) => write!(f, "the hub is misconfigured: {e}"),
        }
    }
}

impl std::error::Error for HubError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            HubError::Unavailable(e)
            | HubError::Unconfirmed(e)
            | HubError::Full(e)
            | HubError::InvalidTopic(e)
            | HubError::Config(e) => Some(&**e),
        }
    }
}

impl HubError {
    /// The status a handler's `HubError` is answered with before the first event: `503` (with
    /// `Retry-After`) when the backend is unreachable or the hub is full, `400` for a topic name
    /// over `max_topic_name`, `500` for a hub that cannot be built.
    pub fn status(&self) -> StatusCode {
        match self {
            HubError::Unavailable(_) | HubError::Unconfirmed(_) | HubError::Full(_) => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            HubError::InvalidTopic(_) => StatusCode::BAD_REQUEST,
            HubError::Config(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}
