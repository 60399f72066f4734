use tidings::{sse_events, sse_handler, Sender};

#[sse_events]
enum ChatEvent {
    Tick,
}

#[derive(Clone)]
struct AppState;

#[sse_handler(get, "/events")]
async fn events(axum::extract::State(_s): axum::extract::State<AppState>, tx: Sender<ChatEvent>) {
    let _ = tx;
}

fn main() {
    // The API's state is (), so State<AppState> cannot be extracted.
    let _ = tidings::SseApi::new("t", "1").handler(events);
}
