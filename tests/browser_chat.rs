//! The chat example's page in a real browser (headless Chromium): it shows each event type; when
//! its connection is cut while messages are posted, it reconnects and shows exactly the messages
//! it missed; when the server restarts with a new hub, it gets what it missed from Redis, or, in
//! process, shows the documented reset instead of a silent gap.
//!
//! The page reaches the server through a proxy that cuts connections and, for a restart, points
//! at a new server (a new router over a new hub: what a restarted process serves).

#[path = "../examples/chat/app.rs"]
#[allow(dead_code)]
mod chat;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::State;
use axum::routing::post;
use chat::ChatEvent;
use tidings::hub::Hub;
use tidings::Shutdown;
use tidings_test_support::{
    browser, chromium, screenshot, serve, CutProxy, RedisServer, TestServer,
};
use tokio::sync::Mutex;
use tower::ServiceExt;

/// Where the chat's rooms live.
#[derive(Clone)]
enum Backend {
    Memory,
    Redis(String),
}

impl Backend {
    /// A new hub, as a freshly started process builds it.
    async fn hub(&self) -> Hub<ChatEvent> {
        let rooms = Hub::builder().replay(chat::REPLAY);
        match self {
            Backend::Memory => rooms.build(),
            Backend::Redis(url) => rooms.redis(url).await.expect("the hub reaches Redis"),
        }
    }
}

/// One running chat server.
struct Running {
    router: axum::Router,
    server: TestServer,
    shutdown: Shutdown,
}

impl Running {
    async fn start(backend: &Backend) -> Running {
        let shutdown = Shutdown::new();
        let router = chat::app(backend.hub().await, shutdown.clone());
        let server = serve(router.clone()).await;
        Running {
            router,
            server,
            shutdown,
        }
    }

    fn addr(&self) -> SocketAddr {
        self.server.addr
    }
}

/// What the browser script drives: posting, cutting, restarting.
struct Control {
    backend: Backend,
    proxy: CutProxy,
    running: Mutex<Running>,
}

async fn post_as_alice(State(control): State<Arc<Control>>, text: String) -> http::StatusCode {
    let router = control.running.lock().await.router.clone();
    let body = serde_json::json!({ "user": "alice", "text": text }).to_string();
    let request = http::Request::post("/rooms/general/messages")
        .header("content-type", "application/json")
        .body(axum::body::Body::from(body))
        .unwrap();
    router.oneshot(request).await.unwrap().status()
}

async fn cut(State(control): State<Arc<Control>>) {
    control.proxy.cut();
}

async fn restart(State(control): State<Arc<Control>>) {
    let restarted = Running::start(&control.backend).await;
    let mut running = control.running.lock().await;
    control.proxy.cut_to(restarted.addr());
    let stopped = std::mem::replace(&mut *running, restarted);
    stopped.shutdown.trigger();
}

/// Runs the page against `backend`; returns the page's log after the cut and after the restart.
async fn run_page(backend: Backend, name: &str) -> Option<(Vec<String>, Vec<String>)> {
    let chromium = chromium()?;
    let running = Running::start(&backend).await;
    let proxy = CutProxy::start(running.addr()).await;
    let page = format!("http://{}/?room=general", proxy.addr);
    let control = Arc::new(Control {
        backend: backend.clone(),
        proxy,
        running: Mutex::new(running),
    });
    let control_app = axum::Router::new()
        .route("/post", post(post_as_alice))
        .route("/cut", post(cut))
        .route("/restart", post(restart))
        .with_state(control);
    let control_server = serve(control_app).await;
    let control_url = format!("http://{}", control_server.addr);
    let backend_name = match backend {
        Backend::Memory => "memory",
        Backend::Redis(_) => "redis",
    };
    let shot = screenshot(name);
    let shown = browser(
        &chromium,
        "browser_chat.mjs",
        &[
            page.as_ref(),
            control_url.as_ref(),
            backend_name.as_ref(),
            shot.as_ref(),
        ],
    )
    .await;
    assert_eq!(shown["errors"], serde_json::json!([]), "no script error");
    let lines = |key: &str| -> Vec<String> {
        serde_json::from_value(shown[key].clone()).expect("the page's log lines")
    };
    Some((lines("afterCut"), lines("afterRestart")))
}

fn count(log: &[String], line: &str) -> usize {
    log.iter().filter(|l| *l == line).count()
}

/// Each event type shows, and the messages posted while the connection was cut show exactly
/// once, in order, after the ones before it.
fn assert_cut_and_resumed(log: &[String]) {
    assert!(
        log.iter().any(|l| l.starts_with("Welcome to #general")),
        "{log:?}"
    );
    assert!(log.iter().any(|l| l.ends_with(" joined")), "{log:?}");
    assert!(log.iter().any(|l| l.starts_with("bot: ")), "{log:?}");
    let posted: Vec<&String> = log.iter().filter(|l| l.starts_with("alice: ")).collect();
    assert_eq!(
        posted,
        [
            "alice: before",
            "alice: /bot hello",
            "alice: missed-1",
            "alice: missed-2",
            "alice: missed-3"
        ],
        "{log:?}"
    );
    assert_eq!(count(log, chat_lost_line()), 0, "{log:?}");
}

fn chat_lost_line() -> &'static str {
    "Some messages from while you were away are no longer available."
}

#[tokio::test]
async fn the_chat_page_resumes_after_a_cut_and_shows_the_reset_after_an_in_process_restart() {
    let Some((after_cut, after_restart)) = run_page(Backend::Memory, "chat-memory").await else {
        return;
    };
    assert_cut_and_resumed(&after_cut);
    let reset = &after_restart[after_cut.len()..];
    assert_eq!(count(reset, chat_lost_line()), 1, "{after_restart:?}");
    assert_eq!(count(reset, "alice: after-restart"), 1, "{after_restart:?}");
}

#[tokio::test]
async fn the_chat_page_gets_what_it_missed_across_a_restart_on_redis() {
    let Some(redis) = RedisServer::start(false) else {
        return;
    };
    let backend = Backend::Redis(redis.url());
    let Some((after_cut, after_restart)) = run_page(backend, "chat-redis").await else {
        return;
    };
    assert_cut_and_resumed(&after_cut);
    let resumed = &after_restart[after_cut.len()..];
    assert_eq!(count(resumed, chat_lost_line()), 0, "{after_restart:?}");
    let missed: Vec<&String> = resumed
        .iter()
        .filter(|l| l.starts_with("alice: "))
        .collect();
    assert_eq!(
        missed,
        ["alice: while-restarting-1", "alice: while-restarting-2"],
        "{after_restart:?}"
    );
}
