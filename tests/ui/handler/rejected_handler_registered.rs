// A handler the macro rejects is reported once, at the mistake; registering it adds nothing.
use tidings::{sse_events, sse_handler, Sender, SseApi};

#[sse_events]
enum Feed {
    Tick,
}

#[sse_handler(get, "/a", keep_alive = "never", headers("Content-Type" = "no"))]
async fn rejected(tx: Sender<Feed>) {
    let _ = tx.send(Feed::Tick).await;
}

fn main() {
    let _ = SseApi::new("t", "1").handler(rejected).into_router();
}
