use tidings::{sse_events, sse_handler, Sender};

#[sse_events]
enum ChatEvent {
    Tick,
}

#[sse_handler(get, "/events")]
async fn events(axum::extract::Path(room): axum::extract::Path<String>) {
    let _ = room;
}

#[sse_handler(get, "/none")]
async fn no_args() {}

fn main() {}
