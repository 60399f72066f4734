use tidings::{sse_events, sse_handler, Message, Sender};

#[sse_events]
enum Feed {
    Tick,
}

#[sse_handler(get, "/events")]
async fn events(tx: Sender<Feed>) {
    let room = "lobby";
    let _ = tx.send(Message::new(Feed::Tick).id(format!("{room}-1"))).await;
}

fn main() {}
