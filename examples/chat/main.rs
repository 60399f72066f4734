//! The chat example: `cargo run --example chat`, then open the printed URL in a browser.
//!
//! `PORT` chooses the port (default 3000; 0 picks a free one).

#[path = "app.rs"]
mod app;

use tidings::hub::Hub;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let port = std::env::var("PORT").unwrap_or_else(|_| "3000".to_owned());
    let listener = tokio::net::TcpListener::bind(format!("127.0.0.1:{port}")).await?;
    println!("chat listening on http://{}/", listener.local_addr()?);
    // The rooms' events, kept in this process.
    let hub: Hub<app::ChatEvent> = Hub::builder().replay(app::REPLAY).build();
    let shutdown = tidings::Shutdown::new();
    let app = app::app(hub, shutdown.clone());
    axum::serve(listener, app)
        .with_graceful_shutdown(async move {
            let _ = tokio::signal::ctrl_c().await;
            shutdown.trigger();
        })
        .await?;
    Ok(())
}
