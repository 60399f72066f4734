use tidings::{sse_events, sse_handler, Sender};

#[sse_events]
enum ChatEvent {
    Tick,
}

// One compile shows every mistake, not just the first.
#[sse_handler(fetch, "rooms/{room", keep_alive = "soon")]
fn events<T>(&self) {}

fn main() {}
