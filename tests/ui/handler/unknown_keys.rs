use tidings::{sse_events, sse_handler, Sender};

#[sse_events]
enum ChatEvent {
    Tick,
}

#[sse_handler(get, "/events", tagz = "rooms", summary = "x")]
async fn events(tx: Sender<ChatEvent>) {
    let _ = tx;
}

fn main() {}
