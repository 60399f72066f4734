//! The one payload every scenario sends, and how each contender turns it into an event: a JSON
//! object of about 100 bytes under the event name `tick`, e.g.
//! `{"seq":7,"sent_ns":1764400000000000007,"topic":0,"note":"the quick brown fox jumps over a dog"}`.

use axum::response::sse::Event as AxumEvent;
use serde::{Deserialize, Serialize};
use std::convert::Infallible;
use std::time::{SystemTime, UNIX_EPOCH};
use tidings::sse_events;

/// The event name on the wire: tidings derives it from the variant `Feed::Tick`.
pub const EVENT_NAME: &str = "tick";
/// Pads the JSON payload to about 100 bytes.
const NOTE: &str = "the quick brown fox jumps over a dog";
/// Throughput scenarios carry a fixed "send time" of the same width as a real one, so their
/// events are as long as the fan-out's without reading the clock per event.
const FIXED_SENT_NS: u64 = 1_764_400_000_000_000_000;

/// The fan-out's client parses `seq` and `sent_ns` in this order (`hub_fanout::parse_tick`).
///
/// `note` is owned, as the strings of users' events are: each event allocates it, for every
/// contender alike (a `&'static str` here made the handlers' work lighter than users' is).
#[derive(Clone, Serialize, Deserialize, schemars::JsonSchema)]
pub struct Tick {
    pub seq: u64,
    pub sent_ns: u64,
    pub topic: u32,
    pub note: String,
}

#[sse_events(rename_all = "snake_case")]
pub enum Feed {
    Tick(Tick),
}

pub fn unix_ns() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("the clock is after 1970")
        .as_nanos() as u64
}

/// A tick stamped with the current time, for latency measurements.
pub fn timed_tick(topic: usize, seq: u64) -> Tick {
    Tick {
        seq,
        sent_ns: unix_ns(),
        topic: topic as u32,
        note: NOTE.to_owned(),
    }
}

/// The `seq`th tick of a throughput stream.
pub fn tick(seq: u64) -> Tick {
    Tick {
        seq,
        sent_ns: FIXED_SENT_NS + seq,
        topic: 0,
        note: NOTE.to_owned(),
    }
}

/// axum's way to build the event: `Event::default().event(..).json_data(..)`.
pub fn axum_event(tick: &Tick) -> Result<AxumEvent, Infallible> {
    Ok(AxumEvent::default()
        .event(EVENT_NAME)
        .json_data(tick)
        .expect("a tick serializes"))
}
