//! What every example's `main.rs` does once its app is built: listen on `PORT`, print the URL,
//! close connections whose client stopped reading, and shut down gracefully when asked to stop.

use axum::Router;
use tidings::Shutdown;

/// Serves `app` on `127.0.0.1:$PORT` (`default_port` when `PORT` is unset; `0` picks a free
/// port) until Ctrl-C or SIGTERM. `shutdown` must be the signal the app's `SseApi` was built
/// with: axum's graceful shutdown waits for open responses, and triggering it ends the event
/// streams, which would otherwise never finish.
pub async fn serve(
    name: &str,
    default_port: u16,
    app: Router,
    shutdown: Shutdown,
) -> std::io::Result<()> {
    let port = std::env::var("PORT").unwrap_or_else(|_| default_port.to_string());
    let listener = tokio::net::TcpListener::bind(format!("127.0.0.1:{port}")).await?;
    println!("{name} listening on http://{}/", listener.local_addr()?);
    // A client that accepts no bytes for 30 s is closed, with its stream and handler.
    axum::serve(tidings::WriteDeadline::new(listener), app)
        .with_graceful_shutdown(shutdown.on_stop_signal())
        .await
}
