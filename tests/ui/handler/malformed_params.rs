use tidings::{sse_events, sse_handler, Sender};

#[sse_events]
enum ChatEvent {
    Tick,
}

#[sse_handler(get, "/rooms/{room")]
async fn unclosed(tx: Sender<ChatEvent>) {
    let _ = tx;
}

#[sse_handler(get, "/rooms/{}")]
async fn empty(tx: Sender<ChatEvent>) {
    let _ = tx;
}

#[sse_handler(get, "/rooms/{room-id}")]
async fn not_ident(tx: Sender<ChatEvent>) {
    let _ = tx;
}

#[sse_handler(get, "/rooms/{room}/users/{room}")]
async fn duplicate(tx: Sender<ChatEvent>) {
    let _ = tx;
}

#[sse_handler(get, "/files/{*rest}/meta")]
async fn wildcard_not_last(tx: Sender<ChatEvent>) {
    let _ = tx;
}

#[sse_handler(get, "/rooms/room-{id}")]
async fn partial_segment(tx: Sender<ChatEvent>) {
    let _ = tx;
}

fn main() {}
