use tidings::{sse_events, sse_handler, Error, Sender};

#[sse_events]
enum Feed {
    Tick,
}

#[sse_events]
enum Other {
    Failed,
}

#[sse_handler(get, "/a", error_event = |_: &Error| Other::Failed)]
async fn wrong_event(tx: Sender<Feed>) -> Result<(), Error> {
    tx.send(Feed::Tick).await
}

#[sse_handler(get, "/b", error_event = |_: &Error| Feed::Tick)]
async fn no_errors(tx: Sender<Feed>) {
    let _ = tx.send(Feed::Tick).await;
}

fn main() {}
