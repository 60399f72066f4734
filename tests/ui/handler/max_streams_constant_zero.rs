use tidings::{sse_events, sse_handler, Sender};

#[sse_events]
enum Feed {
    Tick,
}

const NONE: usize = 0;

#[sse_handler(get, "/a", max_streams = NONE)]
async fn closed(tx: Sender<Feed>) {
    let _ = tx.send(Feed::Tick).await;
}

#[sse_handler(get, "/b", max_streams = "5")]
async fn text(tx: Sender<Feed>) {
    let _ = tx.send(Feed::Tick).await;
}

fn main() {}
