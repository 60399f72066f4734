use tidings::{sse_events, sse_handler, Sender};

#[sse_events]
enum ChatEvent {
    Tick,
}

struct Api;

impl Api {
    #[sse_handler(get, "/events")]
    async fn events(&self, tx: Sender<ChatEvent>) {
        let _ = tx;
    }
}

fn main() {}
