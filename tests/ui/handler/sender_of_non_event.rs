use tidings::{sse_events, sse_handler, Sender};

#[sse_events]
enum ChatEvent {
    Tick,
}

struct NotEvents;

#[sse_handler(get, "/events")]
async fn events(tx: Sender<NotEvents>) {
    let _ = tx;
}

fn main() {}
