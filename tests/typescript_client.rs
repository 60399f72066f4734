//! The typed TypeScript client (`clients/typescript`) against the examples as they run.
//!
//! - Each example's generated module (`examples/*/api.ts`) is what the generator makes of the
//!   document the running example serves, and the llm page's script (`examples/llm/page.js`)
//!   is what esbuild makes of its source: a change to an event enum that is not generated
//!   again fails here. `UPDATE_SNAPSHOTS=1` writes them again.
//! - The client, run in Node against real servers (`clients/typescript/test/live/probe.ts`):
//!   it resumes after a cut with exactly the missed events, stops at a final event, surfaces a
//!   `422`'s typed body without retrying, waits out a `503`'s `Retry-After`, computes headers
//!   again for each connection, and reconnects after its inactivity timeout (but not while
//!   keep-alive comments arrive).

use tidings_examples::chat;
use tidings_examples::dashboard;
use tidings_examples::llm;
use tidings_examples::logs;
use tidings_examples::stocks;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use axum::extract::Request;
use axum::middleware::{self, Next};
use axum::Router;
use serde_json::{json, Value};
use tidings::hub::Hub;
use tidings::{KeepAlive, Shutdown};
use tidings_test_support::{assert_checked_in, npm_installed, serve, CutProxy, PATIENCE};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The npm package's folder, once `npm ci` installed its tools; otherwise `None`, after saying
/// the test is skipped (under `CI=true`, failing it).
fn package() -> Option<PathBuf> {
    npm_installed("clients/typescript", "esbuild").then(|| root().join("clients/typescript"))
}

/// Runs esbuild on `entry` (relative to the repository), with `@tidings/client` resolved to
/// the package's sources. From the repository's root, so that the paths esbuild writes in its
/// output are the same on every machine.
fn esbuild(package: &Path, entry: &str, args: &[&str], outfile: &Path) {
    let output = std::process::Command::new(package.join("node_modules/.bin/esbuild"))
        .current_dir(root())
        .arg(entry)
        .args(["--bundle", "--log-level=warning"])
        .arg("--alias:@tidings/client=./clients/typescript/src/index.ts")
        .args(args)
        .arg(format!("--outfile={}", outfile.display()))
        .output()
        .expect("esbuild runs");
    assert!(
        output.status.success(),
        "esbuild {entry}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// `entry` bundled for Node, once per test run, into the package's `.build/` (where Node finds
/// the package's dependencies that stay outside the bundle).
fn node_script(package: &Path, entry: &str, name: &str, once: &OnceLock<PathBuf>) -> PathBuf {
    once.get_or_init(|| {
        let outfile = package.join(".build/rust").join(name);
        esbuild(
            package,
            entry,
            &[
                "--platform=node",
                "--format=esm",
                "--target=node20",
                "--packages=external",
            ],
            &outfile,
        );
        outfile
    })
    .clone()
}

/// The `tidings-ts` command, from its sources.
fn generator(package: &Path) -> PathBuf {
    static BUILT: OnceLock<PathBuf> = OnceLock::new();
    node_script(
        package,
        "clients/typescript/src/generator/cli.ts",
        "tidings-ts.mjs",
        &BUILT,
    )
}

#[tokio::test]
async fn each_examples_client_is_generated_from_the_document_it_serves() {
    let Some(package) = package() else {
        return;
    };
    let log = std::env::temp_dir().join(format!("tidings-ts-log-{}", std::process::id()));
    std::fs::write(&log, "a line\n").unwrap();
    let apps: Vec<(&str, Router)> = vec![
        ("chat", chat::app(Hub::builder().build(), Shutdown::new())),
        (
            "dashboard",
            dashboard::app(Duration::from_secs(1), Shutdown::new()),
        ),
        ("llm", llm::app(Shutdown::new())),
        ("logs", logs::app(log.clone(), Shutdown::new())),
        (
            "stocks",
            stocks::app(Hub::builder().build(), Shutdown::new()),
        ),
    ];
    let generator = generator(&package);
    for (name, app) in apps {
        let server = serve(app).await;
        let url = format!("http://{}/openapi.json", server.addr);
        let module = root().join(format!("examples/{name}/api.ts"));
        let out = std::env::temp_dir().join(format!("tidings-ts-{name}-{}.ts", std::process::id()));
        let run = tokio::process::Command::new("node")
            .arg(&generator)
            .args([url.as_str(), "-o"])
            .arg(&out)
            .output()
            .await
            .unwrap();
        assert!(
            run.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&run.stderr)
        );
        let generated = std::fs::read_to_string(&out).unwrap();
        std::fs::remove_file(&out).unwrap();
        assert_checked_in(&module, &generated, "the generator");

        // The check users run in their CI says the committed module is current.
        let check = tokio::process::Command::new("node")
            .arg(&generator)
            .args([url.as_str(), "--check", "-o"])
            .arg(&module)
            .output()
            .await
            .unwrap();
        assert!(
            check.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&check.stderr)
        );
    }
    std::fs::remove_file(&log).unwrap();
}

#[tokio::test]
async fn the_generator_makes_its_folder_and_refuses_a_stream_for_a_document() {
    let Some(package) = package() else {
        return;
    };
    let generator = generator(&package);
    let server = serve(chat::app(Hub::builder().build(), Shutdown::new())).await;
    let run = |source: String, out: PathBuf| {
        let command = tokio::process::Command::new("node")
            .arg(&generator)
            .arg(source)
            .arg("-o")
            .arg(out)
            .kill_on_drop(true)
            .output();
        async move {
            tokio::time::timeout(PATIENCE, command)
                .await
                .expect("tidings-ts finished")
                .unwrap()
        }
    };
    let dir = std::env::temp_dir().join(format!("tidings-ts-new-{}", std::process::id()));
    let module = dir.join("src/api.ts");

    // `-o src/api.ts` in a new project, whose `src/` does not exist yet.
    let document = format!("http://{}/openapi.json", server.addr);
    let made = run(document, module.clone()).await;
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    assert!(std::fs::read_to_string(&module)
        .unwrap()
        .contains("export function roomEvents("));

    // A stream's URL where the document's belongs: refused, not read forever.
    let stream = format!("http://{}/rooms/general/events?name=a", server.addr);
    let refused = run(stream, dir.join("other.ts")).await;
    assert_eq!(refused.status.code(), Some(1));
    let said = String::from_utf8_lossy(&refused.stderr);
    assert!(
        said.contains("it is an event stream, not the API document"),
        "{said}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn the_llm_pages_script_is_built_from_its_source() {
    let Some(package) = package() else {
        return;
    };
    let out = package.join(".build/rust/llm-page.js");
    esbuild(
        &package,
        "examples/llm/page.ts",
        &[
            "--format=esm",
            "--target=es2022",
            "--banner:js=// Built by esbuild from page.ts and the client it imports; do not edit.",
        ],
        &out,
    );
    let built = std::fs::read_to_string(&out).unwrap();
    assert_checked_in(&root().join("examples/llm/page.js"), &built, "esbuild");
}

/// The generated client of an example, run in Node on one operation: what it reports, a line
/// at a time (see `clients/typescript/test/live/probe.ts`).
struct Probe {
    child: tokio::process::Child,
    stdin: Option<tokio::process::ChildStdin>,
    lines: tokio::io::Lines<BufReader<tokio::process::ChildStdout>>,
    seen: Vec<Value>,
}

impl Probe {
    /// Calls `operation` of the server at `addr` with `arguments` and the `StreamOptions`
    /// `options` (`headers: "counting"` for a token that changes with each connection).
    async fn start(
        package: &Path,
        operation: &str,
        arguments: Value,
        addr: std::net::SocketAddr,
        mut options: Value,
    ) -> Probe {
        options["baseUrl"] = json!(format!("http://{addr}"));
        static BUILT: OnceLock<PathBuf> = OnceLock::new();
        let script = node_script(
            package,
            "clients/typescript/test/live/probe.ts",
            "probe.mjs",
            &BUILT,
        );
        let mut child = tokio::process::Command::new("node")
            .arg(script)
            .args([operation, &arguments.to_string(), &options.to_string()])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("node runs");
        let stdin = child.stdin.take();
        let lines = BufReader::new(child.stdout.take().unwrap()).lines();
        Probe {
            child,
            stdin,
            lines,
            seen: Vec::new(),
        }
    }

    /// The chat example's `roomEvents`, for member `ts` of room `general`.
    async fn chat(package: &Path, addr: std::net::SocketAddr, options: Value) -> Probe {
        let member = json!({ "room": "general", "name": "ts" });
        Probe::start(package, "roomEvents", member, addr, options).await
    }

    /// The next line the client reports; fails the test after [`PATIENCE`].
    async fn next(&mut self) -> Option<Value> {
        let line = tokio::time::timeout(PATIENCE, self.lines.next_line())
            .await
            .unwrap_or_else(|_| {
                panic!("the client reported nothing more; so far: {:#?}", self.seen)
            })
            .unwrap()?;
        let line: Value = serde_json::from_str(&line).unwrap();
        self.seen.push(line.clone());
        Some(line)
    }

    /// Reads until a line of `kind` for which `matches` holds, and returns it; fails the test
    /// when none came within [`PATIENCE`] (however many other lines did).
    async fn until(&mut self, kind: &str, matches: impl Fn(&Value) -> bool) -> Value {
        let deadline = tokio::time::Instant::now() + PATIENCE;
        loop {
            let line = tokio::time::timeout_at(deadline, self.next()).await;
            let Ok(Some(line)) = line else {
                panic!("no `{kind}` came; the client reported: {:#?}", self.seen);
            };
            if line["type"] == kind && matches(&line) {
                return line;
            }
        }
    }

    /// Asks the client to close its stream.
    async fn close(&mut self) {
        let stdin = self.stdin.as_mut().unwrap();
        stdin.write_all(b"close\n").await.unwrap();
    }

    /// Lets the client exit (once its stream has ended), and returns every line it reported;
    /// fails the test when it is still running after [`PATIENCE`].
    async fn finish(mut self) -> Vec<Value> {
        drop(self.stdin.take());
        let deadline = tokio::time::Instant::now() + PATIENCE;
        while let Ok(Some(_)) = tokio::time::timeout_at(deadline, self.next()).await {}
        let status = tokio::time::timeout_at(deadline, self.child.wait()).await;
        let Ok(Ok(status)) = status else {
            panic!("the client did not stop; it reported: {:#?}", self.seen);
        };
        assert!(status.success(), "the client failed: {:#?}", self.seen);
        self.seen
    }
}

/// The `data` of the `event` events among `lines`.
fn data_of(lines: &[Value], event: &str) -> Vec<Value> {
    lines
        .iter()
        .filter(|line| line["type"] == "event" && line["event"] == event)
        .map(|line| line["data"].clone())
        .collect()
}

/// Records the `Authorization` header of each request to the stream.
fn record_authorization(app: Router, seen: Arc<Mutex<Vec<String>>>) -> Router {
    app.layer(middleware::from_fn(move |request: Request, next: Next| {
        if request.uri().path().ends_with("/events") {
            let header = request.headers().get("authorization");
            let value = header
                .map_or("", |value| value.to_str().unwrap())
                .to_owned();
            seen.lock().unwrap().push(value);
        }
        next.run(request)
    }))
}

fn posted(user: &str, text: &str) -> chat::ChatEvent {
    chat::ChatEvent::Posted {
        user: user.to_owned(),
        text: text.to_owned(),
        reply_to: None,
    }
}

/// A loopback address with nothing listening: a connection there is refused.
fn nothing_listening() -> std::net::SocketAddr {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
}

#[tokio::test]
async fn a_cut_stream_resumes_with_exactly_the_events_it_missed_once_in_order() {
    let Some(package) = package() else {
        return;
    };
    let hub: Hub<chat::ChatEvent> = Hub::builder().replay(chat::REPLAY).build();
    let server = serve(chat::app(hub.clone(), Shutdown::new())).await;
    let proxy = CutProxy::start(server.addr).await.unwrap();
    let mut client = Probe::chat(
        &package,
        proxy.addr(),
        json!({ "retry": { "initialDelay": 50, "maxDelay": 200 } }),
    )
    .await;
    client
        .until("event", |line| line["event"] == "user_joined")
        .await;
    for text in ["before-1", "before-2"] {
        hub.publish("general", posted("alice", text)).await.unwrap();
    }
    let last_seen = client
        .until("event", |line| line["data"]["text"] == "before-2")
        .await;

    // The network fails: the connection is cut, and reconnections fail, while events go on.
    proxy.cut_to(nothing_listening());
    client
        .until("disconnect", |line| line["reason"] == "network")
        .await;
    for text in ["missed-1", "missed-2"] {
        hub.publish("general", posted("alice", text)).await.unwrap();
    }
    proxy.cut_to(server.addr);
    let reopened = client.until("open", |_| true).await;
    client
        .until("event", |line| line["data"]["text"] == "missed-2")
        .await;
    hub.publish("general", posted("alice", "after"))
        .await
        .unwrap();
    client
        .until("event", |line| line["data"]["text"] == "after")
        .await;
    client.close().await;
    let lines = client.finish().await;

    assert_eq!(
        reopened["lastEventId"], last_seen["id"],
        "it resumed after the last event it saw"
    );
    let texts: Vec<Value> = data_of(&lines, "posted")
        .iter()
        .map(|post| post["text"].clone())
        .collect();
    assert_eq!(
        texts,
        ["before-1", "before-2", "missed-1", "missed-2", "after"]
    );
    // The welcome (the default `message` event, a JSON string) comes with each connection.
    assert_eq!(data_of(&lines, "message").len(), 2, "{lines:#?}");
    assert!(data_of(&lines, "message")[0].is_string(), "{lines:#?}");
    assert_eq!(lines.last().unwrap()["kind"], "closed");
}

#[tokio::test]
async fn headers_are_computed_again_for_each_connection() {
    let Some(package) = package() else {
        return;
    };
    let hub: Hub<chat::ChatEvent> = Hub::builder().build();
    let sent = Arc::new(Mutex::new(Vec::new()));
    let app = record_authorization(chat::app(hub, Shutdown::new()), sent.clone());
    let server = serve(app).await;
    let proxy = CutProxy::start(server.addr).await.unwrap();
    let mut client = Probe::chat(
        &package,
        proxy.addr(),
        json!({ "headers": "counting",
            "retry": { "initialDelay": 50 } }),
    )
    .await;
    client.until("open", |_| true).await;
    proxy.cut();
    client.until("open", |line| line["reconnection"] == 1).await;
    client.close().await;
    let lines = client.finish().await;

    let tokens: Vec<&Value> = lines
        .iter()
        .filter(|line| line["type"] == "headers")
        .map(|line| &line["token"])
        .collect();
    assert_eq!(tokens, ["token-1", "token-2"]);
    assert_eq!(*sent.lock().unwrap(), ["Bearer token-1", "Bearer token-2"]);
}

/// Completes `prompt` with the llm example's generated client: the lines it reported until it
/// stopped (and a moment more, for a client that would post again), and how many POSTs the
/// server received.
async fn complete(package: &Path, prompt: &str) -> (Vec<Value>, usize) {
    let posts = Arc::new(Mutex::new(0));
    let app = llm::app(Shutdown::new()).layer(middleware::from_fn({
        let posts = posts.clone();
        move |request: Request, next: Next| {
            if request.method() == http::Method::POST {
                *posts.lock().unwrap() += 1;
            }
            next.run(request)
        }
    }));
    let server = serve(app).await;
    let body = json!({ "prompt": prompt });
    let options = json!({ "retry": { "initialDelay": 50 } });
    let mut client = Probe::start(package, "complete", body, server.addr, options).await;
    client.until("end", |_| true).await;
    // Time for a client that reconnects after the end of a response to have posted again.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let lines = client.finish().await;
    let posts = *posts.lock().unwrap();
    (lines, posts)
}

#[tokio::test]
async fn a_completion_stops_after_its_final_event_and_is_posted_once() {
    let Some(package) = package() else {
        return;
    };
    let (lines, posts) = complete(&package, "why stream").await;

    let end = lines.last().unwrap();
    assert_eq!(end["kind"], "final");
    assert_eq!(end["event"], "done");
    let tokens: Vec<String> = data_of(&lines, "token")
        .iter()
        .map(|token| token.as_str().unwrap().to_owned())
        .collect();
    assert_eq!(tokens.concat(), llm::answer("why stream").concat());
    assert_eq!(
        data_of(&lines, "usage"),
        [json!({ "prompt_tokens": 2, "completion_tokens": tokens.len() })]
    );
    let done: Vec<&Value> = lines
        .iter()
        .filter(|line| line["type"] == "event" && line["event"] == "done")
        .collect();
    assert_eq!(done.len(), 1);
    assert!(
        done[0].get("data").is_none(),
        "a unit event has no data: {lines:#?}"
    );
    assert!(
        !lines.iter().any(|line| line["type"] == "disconnect"),
        "{lines:#?}"
    );
    assert_eq!(posts, 1);
}

#[tokio::test]
async fn a_refusal_surfaces_its_typed_body_and_is_not_retried() {
    let Some(package) = package() else {
        return;
    };
    let (lines, posts) = complete(&package, "   ").await;

    let end = lines.last().unwrap();
    assert_eq!(end["kind"], "refused");
    assert_eq!(
        end["refusal"],
        json!({ "documented": true, "status": 422, "body": { "error": "the prompt is empty" } })
    );
    assert_eq!(posts, 1);
}

#[tokio::test]
async fn a_503_is_tried_again_after_its_retry_after() {
    let Some(package) = package() else {
        return;
    };
    // A stream cap of 0 refuses every stream with `503` and `Retry-After: 5`.
    let full = chat::api(Shutdown::new())
        .max_streams(0)
        .into_router()
        .with_state(chat::Chat::new(Hub::builder().build()));
    let server = serve(full).await;
    let mut client = Probe::chat(
        &package,
        server.addr,
        json!({ "retry": { "initialDelay": 50, "maxDelay": 100 } }),
    )
    .await;
    let first = client.until("disconnect", |_| true).await;
    let second = client.until("disconnect", |_| true).await;
    client.close().await;
    client.finish().await;

    assert_eq!(first["reason"], "unavailable");
    assert_eq!(first["status"], 503);
    assert_eq!(
        first["retryIn"], 5000,
        "Retry-After, not the backoff's 100 ms cap"
    );
    let waited = second["at"].as_u64().unwrap() - first["at"].as_u64().unwrap();
    assert!(waited >= 4_990, "the next try came {waited} ms later");
}

#[tokio::test]
async fn a_silent_connection_is_made_again_after_the_inactivity_timeout() {
    let Some(package) = package() else {
        return;
    };
    // The room says nothing after its welcome, and keep-alive comments come every 15 s.
    let server = serve(chat::app(Hub::builder().build(), Shutdown::new())).await;
    let mut client = Probe::chat(
        &package,
        server.addr,
        json!({ "inactivityTimeout": 300,
            "retry": { "initialDelay": 50 } }),
    )
    .await;
    let opened = client.until("open", |_| true).await;
    let lost = client.until("disconnect", |_| true).await;
    client.until("open", |line| line["reconnection"] == 1).await;
    client.close().await;
    client.finish().await;

    assert_eq!(lost["reason"], "inactive");
    let silent = lost["at"].as_u64().unwrap() - opened["at"].as_u64().unwrap();
    assert!(silent >= 300, "given up after {silent} ms");
}

#[tokio::test]
async fn keep_alive_comments_keep_a_quiet_connection() {
    let Some(package) = package() else {
        return;
    };
    let lively = chat::api(Shutdown::new())
        .keep_alive(KeepAlive::comment(Duration::from_millis(100)))
        .into_router()
        .with_state(chat::Chat::new(Hub::builder().build()));
    let server = serve(lively).await;
    let mut client = Probe::chat(&package, server.addr, json!({ "inactivityTimeout": 400 })).await;
    client.until("open", |_| true).await;
    tokio::time::sleep(Duration::from_millis(1_500)).await;
    client.close().await;
    let lines = client.finish().await;

    let opens = lines.iter().filter(|line| line["type"] == "open").count();
    assert_eq!(opens, 1, "{lines:#?}");
    assert!(
        !lines.iter().any(|line| line["type"] == "disconnect"),
        "{lines:#?}"
    );
}
