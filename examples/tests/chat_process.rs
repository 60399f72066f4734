//! The real `chat` program, as a user runs it. Under a browser (headless Chromium), its page
//! shows each event type; when its connection is cut while messages are posted, it reconnects
//! and shows exactly the messages it missed; when its server process is killed (SIGKILL) and
//! started again, on Redis it gets what was posted meanwhile, and in memory it shows the
//! documented reset instead of a silent gap. Stopped with SIGTERM, as Docker and systemd stop a
//! service, it ends its streams and exits cleanly.
//!
//! The page reaches its server through a proxy that can cut its connections. On Redis, alice
//! posts through a second `chat` process on the same Redis, the way a load balancer spreads
//! users over instances, so messages are posted while the page's server is dead.

use std::net::SocketAddr;
use std::process::Stdio;
use std::sync::Arc;

use axum::extract::State;
use axum::routing::post;
use tidings_test_support::{
    browser, chromium, get, request, screenshot, serve, CutProxy, RedisServer, PATIENCE,
};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::sync::Mutex;

/// A running `chat` program (this package's binary), killed when dropped.
struct ChatProcess {
    addr: SocketAddr,
    process: tokio::process::Child,
}

impl ChatProcess {
    /// Starts `chat` on `port` (0: a free one), on Redis when `redis_url` is given, and waits
    /// until it listens.
    async fn start(port: u16, redis_url: Option<&str>) -> ChatProcess {
        let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_chat"));
        command
            .env("PORT", port.to_string())
            .env_remove("REDIS_URL")
            .stdout(Stdio::piped())
            .kill_on_drop(true);
        if let Some(url) = redis_url {
            command.env("REDIS_URL", url);
        }
        let mut process = command.spawn().expect("the chat example starts");
        let mut stdout = BufReader::new(process.stdout.take().unwrap()).lines();
        let line = tokio::time::timeout(PATIENCE, stdout.next_line())
            .await
            .expect("the chat example says where it listens in time")
            .unwrap()
            .expect("the chat example prints where it listens");
        let addr = line
            .strip_prefix("chat listening on http://")
            .and_then(|rest| rest.strip_suffix('/'))
            .and_then(|addr| addr.parse().ok())
            .unwrap_or_else(|| panic!("unexpected first line: {line}"));
        // Whatever else it prints goes nowhere, instead of filling the pipe.
        tokio::spawn(async move { while let Ok(Some(_)) = stdout.next_line().await {} });
        ChatProcess { addr, process }
    }

    /// Kills the process at once (SIGKILL: no farewell, no chance to save anything).
    async fn kill(&mut self) {
        self.process
            .kill()
            .await
            .expect("the chat example is killed");
    }

    /// Posts `text` to room `general` as alice.
    async fn post_as_alice(&self, text: &str) -> http::StatusCode {
        let body = serde_json::json!({ "user": "alice", "text": text }).to_string();
        let post = http::Request::post(format!("http://{}/rooms/general/messages", self.addr))
            .header("host", "chat")
            .header("content-type", "application/json")
            .body(body)
            .unwrap();
        request(self.addr, post).await.head.status
    }
}

/// What the browser script drives: posting, cutting, killing and starting.
struct Control {
    redis_url: Option<String>,
    proxy: CutProxy,
    /// The server the page is connected to (through the proxy).
    page_server: Mutex<ChatProcess>,
    /// Another instance on the same Redis, which alice posts through; `None` in memory, where
    /// there is only one instance and alice posts through the page's server.
    other_server: Option<ChatProcess>,
}

async fn post_as_alice(State(control): State<Arc<Control>>, text: String) -> http::StatusCode {
    match &control.other_server {
        Some(other) => other.post_as_alice(&text).await,
        None => control.page_server.lock().await.post_as_alice(&text).await,
    }
}

async fn cut(State(control): State<Arc<Control>>) {
    control.proxy.cut();
}

async fn kill(State(control): State<Arc<Control>>) {
    control.page_server.lock().await.kill().await;
}

/// Starts the page's server again, on the port it had, so the page finds it where it was.
async fn start(State(control): State<Arc<Control>>) {
    let mut page_server = control.page_server.lock().await;
    *page_server = ChatProcess::start(page_server.addr.port(), control.redis_url.as_deref()).await;
}

/// Runs the page against `chat` (on Redis at `redis_url`, or in memory); returns the page's log
/// after the cut and after the restart.
async fn run_page(redis_url: Option<String>, name: &str) -> Option<(Vec<String>, Vec<String>)> {
    let chromium = chromium()?;
    let page_server = ChatProcess::start(0, redis_url.as_deref()).await;
    let other_server = match &redis_url {
        Some(url) => Some(ChatProcess::start(0, Some(url)).await),
        None => None,
    };
    let proxy = CutProxy::start(page_server.addr).await.unwrap();
    let page = format!("http://{}/?room=general", proxy.addr());
    let backend = if redis_url.is_some() {
        "redis"
    } else {
        "memory"
    };
    let control = Arc::new(Control {
        redis_url,
        proxy,
        page_server: Mutex::new(page_server),
        other_server,
    });
    let control_app = axum::Router::new()
        .route("/post", post(post_as_alice))
        .route("/cut", post(cut))
        .route("/kill", post(kill))
        .route("/start", post(start))
        .with_state(control);
    let control_server = serve(control_app).await;
    let control_url = format!("http://{}", control_server.addr);
    let shot = screenshot(name);
    let shown = browser(
        &chromium,
        "browser_chat.mjs",
        &[
            page.as_ref(),
            control_url.as_ref(),
            backend.as_ref(),
            shot.as_ref(),
        ],
    )
    .await;
    assert_eq!(shown["errors"], serde_json::json!([]), "no script error");
    assert_eq!(
        shown["keptWhileDown"], "typed-while-down",
        "the text stays while down"
    );
    assert_eq!(
        shown["sentAfterwards"], "",
        "the text leaves the box once sent"
    );
    assert_eq!(shown["docsLink"], 1, "the page links to its API docs");
    let lines = |key: &str| -> Vec<String> {
        serde_json::from_value(shown[key].clone()).expect("the page's log lines")
    };
    Some((lines("afterCut"), lines("afterRestart")))
}

/// The message typed while the server was down went out once when sent again, the welcome
/// still shows once, and a message of spaces never went out.
fn assert_sent_again_once_and_nothing_blank(log: &[String]) {
    let again = log.iter().filter(|l| l.ends_with(": typed-while-down"));
    assert_eq!(again.count(), 1, "{log:?}");
    let welcomes = log.iter().filter(|l| l.starts_with("Welcome to #general"));
    assert_eq!(welcomes.count(), 1, "{log:?}");
    assert!(!log.iter().any(|l| l.trim_end().ends_with(':')), "{log:?}");
}

fn count(log: &[String], line: &str) -> usize {
    log.iter().filter(|l| *l == line).count()
}

const HISTORY_LOST: &str = "Some messages from while you were away are no longer available.";

/// Each event type shows, and the messages posted while the connection was cut show exactly
/// once, in order, after the ones before it.
fn assert_cut_and_resumed(log: &[String]) {
    let welcomes = log.iter().filter(|l| l.starts_with("Welcome to #general"));
    assert_eq!(
        welcomes.count(),
        1,
        "the welcome, once whatever the reconnections: {log:?}"
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
    assert_eq!(count(log, HISTORY_LOST), 0, "{log:?}");
}

#[tokio::test]
async fn in_memory_the_page_resumes_after_a_cut_and_shows_the_reset_after_its_server_is_killed() {
    let Some((after_cut, after_restart)) = run_page(None, "chat-memory").await else {
        return;
    };
    assert_cut_and_resumed(&after_cut);
    let reset = &after_restart[after_cut.len()..];
    assert_eq!(count(reset, HISTORY_LOST), 1, "{after_restart:?}");
    assert_eq!(count(reset, "alice: after-restart"), 1, "{after_restart:?}");
    assert_sent_again_once_and_nothing_blank(&after_restart);
}

#[tokio::test]
async fn on_redis_the_page_gets_what_was_posted_while_its_server_was_killed() {
    let Some(redis) = RedisServer::start(false) else {
        return;
    };
    let Some((after_cut, after_restart)) = run_page(Some(redis.url()), "chat-redis").await else {
        return;
    };
    assert_cut_and_resumed(&after_cut);
    let resumed = &after_restart[after_cut.len()..];
    assert_eq!(count(resumed, HISTORY_LOST), 0, "{after_restart:?}");
    let missed: Vec<&String> = resumed
        .iter()
        .filter(|l| l.starts_with("alice: "))
        .collect();
    assert_eq!(
        missed,
        ["alice: while-down-1", "alice: while-down-2", "alice: last"],
        "{after_restart:?}"
    );
    assert_sent_again_once_and_nothing_blank(&after_restart);
}

/// SIGTERM (what Docker, Kubernetes and systemd send) is a graceful stop: the open stream ends
/// and the process exits successfully, instead of dying by the signal.
#[tokio::test]
async fn sigterm_ends_the_streams_and_the_program_exits_cleanly() {
    let mut chat = ChatProcess::start(0, None).await;
    let mut stream = get(chat.addr, "/rooms/general/events?name=ann", &[]).await;
    stream.read_until("event:user_joined").await;

    let pid = chat.process.id().expect("the chat example runs");
    let signalled = std::process::Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .expect("kill runs");
    assert!(signalled.success());

    tokio::time::timeout(PATIENCE, stream.read_to_end())
        .await
        .expect("the stream ends once the program is told to stop");
    let exit = tokio::time::timeout(PATIENCE, chat.process.wait())
        .await
        .expect("the program exits in time")
        .unwrap();
    assert!(exit.success(), "{exit:?}");
}
