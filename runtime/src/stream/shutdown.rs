//! [`Shutdown`]: ends every open stream, so a graceful server shutdown does not wait forever.

use futures::future::{BoxFuture, FutureExt, Shared};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use tokio::sync::oneshot;

/// A signal that ends every open stream of an [`SseApi`](crate::SseApi).
///
/// axum's graceful shutdown waits for open responses to finish, and an event stream never
/// finishes by itself. Trigger this when shutdown starts and every stream ends at once (its
/// handler is dropped, the client sees the end of the stream and may reconnect elsewhere).
///
/// Trigger it when the server is asked to stop: [`on_stop_signal`](Shutdown::on_stop_signal)
/// waits for Ctrl-C or SIGTERM (what Docker, Kubernetes and systemd send), then triggers it.
///
/// ```no_run
/// use tidings::{SseApi, Shutdown};
///
/// # async fn run() {
/// let shutdown = Shutdown::new();
/// let app: axum::Router = SseApi::new("Clock", "1.0.0").shutdown(shutdown.clone()).into_router();
/// let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
/// axum::serve(tidings::WriteDeadline::new(listener), app)
///     .with_graceful_shutdown(shutdown.on_stop_signal())
///     .await
///     .unwrap();
/// # }
/// ```
#[derive(Clone)]
pub struct Shutdown {
    trigger: Arc<Mutex<Option<oneshot::Sender<()>>>>,
    signal: Shared<BoxFuture<'static, ()>>,
}

impl Shutdown {
    /// A signal that has not fired yet.
    pub fn new() -> Self {
        let (trigger, fired) = oneshot::channel::<()>();
        Shutdown {
            trigger: Arc::new(Mutex::new(Some(trigger))),
            // Either a send or a dropped sender means "shut down"; the error carries no news.
            signal: fired.map(|_| ()).boxed().shared(),
        }
    }

    /// Ends every stream that uses this signal, now and from now on.
    pub fn trigger(&self) {
        let trigger = self
            .trigger
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .take();
        drop(trigger);
    }

    /// Waits until the process is asked to stop, by Ctrl-C (SIGINT) or SIGTERM (what Docker,
    /// Kubernetes and systemd send), then triggers this signal: the future to give
    /// `axum::serve(..).with_graceful_shutdown`. On other platforms than Unix, Ctrl-C only.
    pub async fn on_stop_signal(self) {
        stop_requested().await;
        self.trigger();
    }

    /// Resolves once [`trigger`](Shutdown::trigger) was called.
    pub async fn triggered(&self) {
        self.signal.clone().await
    }

    pub(crate) fn poll_triggered(&mut self, cx: &mut Context<'_>) -> bool {
        matches!(self.signal.poll_unpin(cx), Poll::Ready(()))
    }
}

/// Ctrl-C, or SIGTERM on Unix. A signal that cannot be listened to is waited for never, rather
/// than taken as a request to stop.
async fn stop_requested() {
    let interrupted = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminated = async {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut terminate) => {
                terminate.recv().await;
            }
            Err(_) => std::future::pending().await,
        }
    };
    #[cfg(not(unix))]
    let terminated = std::future::pending::<()>();
    tokio::select! {
        () = interrupted => {}
        () = terminated => {}
    }
}

impl Default for Shutdown {
    fn default() -> Self {
        Shutdown::new()
    }
}

impl std::fmt::Debug for Shutdown {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Shutdown").finish_non_exhaustive()
    }
}
