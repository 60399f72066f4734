use tidings::{sse_events, sse_handler, Sender};

#[sse_events]
enum ChatEvent {
    Tick,
}

#[sse_handler(get, "/events")]
async fn events<T: Send + 'static>(tx: Sender<ChatEvent>) {
    let _ = tx;
}

fn main() {}
