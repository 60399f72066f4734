use tidings::{sse_events, sse_handler, Sender};

#[sse_events]
enum ChatEvent {
    Tick,
}

#[sse_handler(get, "/a", keep_alive = "15")]
async fn no_unit(tx: Sender<ChatEvent>) {
    let _ = tx;
}

#[sse_handler(get, "/b", keep_alive = "0s")]
async fn zero(tx: Sender<ChatEvent>) {
    let _ = tx;
}

#[sse_handler(get, "/c", keep_alive = "never")]
async fn word(tx: Sender<ChatEvent>) {
    let _ = tx;
}

#[sse_handler(get, "/d", keep_alive = 15)]
async fn not_a_string(tx: Sender<ChatEvent>) {
    let _ = tx;
}

fn main() {}
