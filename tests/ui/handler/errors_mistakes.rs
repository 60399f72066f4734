use tidings::{sse_events, sse_handler, Error, Sender};

#[sse_events]
enum Feed {
    Tick,
}

// Not an error status, listed twice, not a number.
#[sse_handler(get, "/a", errors(200, 503, 503))]
async fn statuses(tx: Sender<Feed>) -> Result<(), Error> {
    tx.send(Feed::Tick).await
}

#[sse_handler(get, "/b", errors("503"))]
async fn not_a_number(tx: Sender<Feed>) -> Result<(), Error> {
    tx.send(Feed::Tick).await
}

// A handler without errors has nothing to narrow.
#[sse_handler(get, "/c", errors(500))]
async fn no_errors(tx: Sender<Feed>) {
    let _ = tx.send(Feed::Tick).await;
}

fn main() {}
