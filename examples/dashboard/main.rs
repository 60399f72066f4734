//! The dashboard example: a page of live numbers (uptime, a made-up CPU load, requests served,
//! dashboards open), sent every second by a polling producer (`Sender::every`).
//!
//! Run it with `cargo run -p tidings-examples --bin dashboard`, then open the printed URL.
//! `PORT` chooses the port (default 3002; 0 picks a free one).

#[path = "app.rs"]
mod app;
#[path = "../common/serve.rs"]
mod serve;

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let shutdown = tidings::Shutdown::new();
    let app = app::app(app::PERIOD, shutdown.clone());
    serve::serve("dashboard", 3002, app, shutdown).await
}
