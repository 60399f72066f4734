use tidings::{sse_events, sse_handler, Sender};

#[sse_events]
enum ChatEvent {
    Tick,
}

#[sse_handler(get, "/events")]
async fn events(tx: Sender<ChatEvent>, other: tidings::Sender<ChatEvent>) {
    let _ = (tx, other);
}

fn main() {}
