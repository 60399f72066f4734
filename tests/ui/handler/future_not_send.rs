use std::rc::Rc;
use tidings::{sse_events, sse_handler, Sender};

#[sse_events]
enum ChatEvent {
    Tick,
}

#[sse_handler(get, "/events")]
async fn events(tx: Sender<ChatEvent>) {
    let local = Rc::new(1);
    let _ = tx.send(ChatEvent::Tick).await;
    drop(local);
}

fn main() {}
