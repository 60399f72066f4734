//! Extractors of tidings' own.

mod last_event_id;

pub use last_event_id::{LastEventId, LastEventIdRejection};
