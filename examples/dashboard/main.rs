//! The dashboard example: a page of live numbers (uptime, a made-up CPU load, requests served,
//! dashboards open), sent every second by a polling producer (`Sender::every`).
//!
//! It also exposes tidings' own counters (open streams, events and bytes sent, ...) for
//! Prometheus at `/prometheus`.
//!
//! Run it with `cargo run -p tidings-examples --bin dashboard`, then open the printed URL.
//! `PORT` chooses the port (default 3002; 0 picks a free one).

use tidings_examples::dashboard as app;
use tidings_examples::serve;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // tidings counts through the `metrics` facade; this recorder keeps the counts and renders
    // them in Prometheus' text format.
    let prometheus = metrics_exporter_prometheus::PrometheusBuilder::new().install_recorder()?;
    let shutdown = tidings::Shutdown::new();
    let app = app::app_with_prometheus(app::PERIOD, prometheus, shutdown.clone());
    serve::serve("dashboard", 3002, app, shutdown).await?;
    Ok(())
}
