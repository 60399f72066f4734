use tidings::{sse_events, sse_handler, Sender};

#[sse_events]
enum ChatEvent {
    Tick,
}

enum OtherEnum {
    X,
}

#[sse_handler(get, "/events")]
async fn events(tx: Sender<ChatEvent>) {
    let _ = tx.send(OtherEnum::X).await;
}

fn main() {}
