//! The chat example: `cargo run -p tidings-examples --bin chat`, then open the printed URL in a
//! browser.
//!
//! `PORT` chooses the port (default 3000; 0 picks a free one). With `REDIS_URL` set (for example
//! `redis://127.0.0.1:6379/`) the rooms live in Redis, so several instances serve the same rooms
//! and a browser resumes on any of them.

#[path = "app.rs"]
mod app;

use tidings::hub::Hub;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let port = std::env::var("PORT").unwrap_or_else(|_| "3000".to_owned());
    let listener = tokio::net::TcpListener::bind(format!("127.0.0.1:{port}")).await?;
    println!("chat listening on http://{}/", listener.local_addr()?);
    let rooms = Hub::builder().replay(app::REPLAY);
    let hub: Hub<app::ChatEvent> = match std::env::var("REDIS_URL") {
        Ok(url) => rooms.redis(&url).await?,
        Err(_) => rooms.build(), // kept in this process
    };
    let shutdown = tidings::Shutdown::new();
    let app = app::app(hub, shutdown.clone());
    axum::serve(tidings::WriteDeadline::new(listener), app)
        .with_graceful_shutdown(async move {
            let _ = tokio::signal::ctrl_c().await;
            shutdown.trigger();
        })
        .await?;
    Ok(())
}
