use tidings::hub::Hub;
use tidings::{sse_events, sse_handler, LastEventId, Sender};

#[sse_events]
enum ChatEvent {
    Posted(String),
}

#[sse_events]
enum PriceEvent {
    Quote(f64),
}

// A subscription carries the bytes of one event enum: only a `Sender` of that enum takes it.
#[sse_handler(get, "/events")]
async fn events(tx: Sender<ChatEvent>) {
    let hub: Hub<PriceEvent> = Hub::builder().build();
    let subscription = hub.subscribe("prices", &LastEventId(None)).await.unwrap();
    let _ = tx.forward(subscription).await;
}

fn main() {}
