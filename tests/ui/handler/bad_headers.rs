use tidings::{sse_events, sse_handler, Sender};

#[sse_events]
enum Feed {
    Tick,
}

#[sse_handler(
    get,
    "/a",
    headers(
        "Content-Type" = "the stream's own",
        "Transfer-Encoding" = "the server's",
        "content-length" = "none",
        "x bad" = "not a token",
        "x-dup" = "first",
        "X-Dup" = "second",
        "x-empty" = " "
    )
)]
async fn a(tx: Sender<Feed>) {
    let _ = tx.send(Feed::Tick).await;
}

#[sse_handler(get, "/b", headers("x-id": "colon, not equals"))]
async fn b(tx: Sender<Feed>) {
    let _ = tx.send(Feed::Tick).await;
}

fn main() {}
