//! A log to follow when none is given: a file in a temporary directory, and a task that appends
//! a made-up request line to it every [`EVERY`].

use std::path::PathBuf;
use std::time::{Duration, Instant};
use tokio::io::AsyncWriteExt;

/// How often a line is appended.
pub const EVERY: Duration = Duration::from_millis(500);

/// Creates the log file (empty) and starts appending to it; returns its path.
pub async fn start() -> std::io::Result<PathBuf> {
    let dir = std::env::temp_dir().join(format!("tidings-logs-{}", std::process::id()));
    tokio::fs::create_dir_all(&dir).await?;
    let path = dir.join("app.log");
    let file = tokio::fs::File::create(&path).await?;
    tokio::spawn(async move {
        if let Err(e) = append_lines(file).await {
            eprintln!("the fake log stopped: {e}");
        }
    });
    Ok(path)
}

async fn append_lines(mut file: tokio::fs::File) -> std::io::Result<()> {
    const ROUTES: &[(&str, &str, u16)] = &[
        ("GET", "/", 200),
        ("GET", "/api/orders", 200),
        ("POST", "/api/orders", 201),
        ("GET", "/api/orders/17", 404),
        ("DELETE", "/api/session", 204),
    ];
    let started = Instant::now();
    let mut ticks = tokio::time::interval(EVERY);
    for n in 0usize.. {
        ticks.tick().await;
        let (method, path, status) = ROUTES[n % ROUTES.len()];
        let level = if status >= 400 { "WARN" } else { "INFO" };
        let millis = 3 + (n * 7) % 40;
        let line = format!(
            "[{:9.3}s] {level:<5} {method} {path} -> {status} in {millis} ms\n",
            started.elapsed().as_secs_f64()
        );
        // One write per line: a reader sees the line whole or not yet.
        file.write_all(line.as_bytes()).await?;
        file.flush().await?;
    }
    Ok(())
}
