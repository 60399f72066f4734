//! The stocks example: a page with a symbol picker that follows one stock's live prices. Each
//! symbol is a topic of a `tidings::hub::Hub`, fed by a made-up market, so a browser that
//! reconnects gets the prices it missed.
//!
//! Run it with `cargo run -p tidings-examples --bin stocks`, then open the printed URL.
//! `PORT` chooses the port (default 3004; 0 picks a free one).

use tidings_examples::serve;
use tidings_examples::stocks as app;

use tidings::hub::Hub;

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let hub: Hub<app::StockEvent> = Hub::builder().replay(app::REPLAY).build();
    tokio::spawn(app::ticker::run(hub.clone(), app::PERIOD));
    let shutdown = tidings::Shutdown::new();
    serve::serve("stocks", 3004, app::app(hub, shutdown.clone()), shutdown).await
}
