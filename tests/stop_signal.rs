//! `Shutdown::on_stop_signal` triggers on SIGTERM, what Docker, Kubernetes and systemd send. In
//! a test binary of its own: the signal goes to the whole process.

#[cfg(unix)]
#[tokio::test]
async fn sigterm_triggers_the_shutdown() {
    let shutdown = tidings::Shutdown::new();
    let waiting = tokio::spawn(shutdown.clone().on_stop_signal());
    // Let it install its handler before the signal comes: without one, SIGTERM ends the process.
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    assert!(!waiting.is_finished(), "it stopped without a signal");
    let sent = std::process::Command::new("kill")
        .args(["-TERM", &std::process::id().to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
    tokio::time::timeout(tidings_test_support::PATIENCE, shutdown.triggered())
        .await
        .expect("SIGTERM did not trigger the shutdown");
    waiting.await.unwrap();
}
