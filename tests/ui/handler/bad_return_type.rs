use tidings::{sse_events, sse_handler, Sender};

#[sse_events]
enum ChatEvent {
    Tick,
}

#[sse_handler(get, "/events")]
async fn events(tx: Sender<ChatEvent>) -> u32 {
    let _ = tx;
    7
}

#[sse_handler(get, "/other")]
async fn result_of_value(tx: Sender<ChatEvent>) -> Result<u32, tidings::Error> {
    let _ = tx;
    Ok(7)
}

fn main() {}
