use tidings::{sse_events, sse_handler, Sender};

#[sse_events]
enum Feed {
    Tick,
}

#[sse_events]
enum Other {
    Bye,
}

#[sse_handler(get, "/events", on_shutdown = Other::Bye)]
async fn events(tx: Sender<Feed>) {
    let _ = tx.send(Feed::Tick).await;
}

fn main() {}
