use axum::extract::Path;
use tidings::{sse_events, sse_handler, Sender};

#[sse_events]
enum ChatEvent {
    Tick,
}

#[sse_handler(get, "/rooms/{room}")]
async fn room(Path(room): Path<String>, tx: Sender<ChatEvent>) {
    let _ = (room, tx);
}

fn main() {}

#[sse_handler(get, "/lobby")]
async fn lobby(tx: Sender<ChatEvent>) {
    let lobby = "main";
    let _ = (lobby, tx);
}
