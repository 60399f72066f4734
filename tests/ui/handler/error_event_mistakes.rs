use tidings::{sse_events, sse_handler, SendError, Sender};

#[sse_events]
enum Feed {
    Tick,
}

#[sse_events]
enum Other {
    Failed,
}

#[sse_handler(get, "/a", error_event = |_: &SendError| Other::Failed)]
async fn wrong_event(tx: Sender<Feed>) -> Result<(), SendError> {
    tx.send(Feed::Tick).await
}

#[sse_handler(get, "/b", error_event = |_: &SendError| Feed::Tick)]
async fn no_errors(tx: Sender<Feed>) {
    let _ = tx.send(Feed::Tick).await;
}

fn main() {}
