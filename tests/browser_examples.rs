//! Each example's page in a real browser (headless Chromium), served in-process: it goes live,
//! shows what it should, raises no script error and asks for nothing the server lacks (no
//! `/favicon.ico` 404); and each example's API page (`/docs`) lists every route. A screenshot of
//! each is kept in `target/browser-screenshots/`. The chat page has a test of its own, cut and
//! restarted (`examples/tests/chat_process.rs`).

use tidings::hub::Hub;
use tidings::Shutdown;
use tidings_examples::{chat, dashboard, llm, logs, stocks};
use tidings_test_support::example_pages::routes;
use tidings_test_support::{browser, chromium, screenshot, serve};

/// Opens `app`'s page, waits for `selector`, and returns the text of `read`, after checking
/// that no script failed and the console reports nothing.
async fn open_page(app: axum::Router, name: &str, selector: &str, read: &str) -> Option<String> {
    open_page_at(app, "/", name, selector, read).await
}

/// [`open_page`], at `path`.
async fn open_page_at(
    app: axum::Router,
    path: &str,
    name: &str,
    selector: &str,
    read: &str,
) -> Option<String> {
    let chromium = chromium()?;
    let server = serve(app).await;
    let url = format!("http://{}{path}", server.addr);
    let shot = screenshot(name);
    let shown = browser(
        &chromium,
        "browser_screenshot.mjs",
        &[
            url.as_ref(),
            shot.as_ref(),
            selector.as_ref(),
            read.as_ref(),
        ],
    )
    .await;
    assert_eq!(shown["errors"], serde_json::json!([]), "{name}: {shown}");
    assert_eq!(
        shown["consoleErrors"],
        serde_json::json!([]),
        "{name}: {shown}"
    );
    Some(shown["text"].as_str().unwrap().to_owned())
}

#[tokio::test]
async fn the_stocks_page_goes_live_with_the_prices_kept_already_charted() {
    let hub: Hub<stocks::StockEvent> = Hub::builder().replay(stocks::REPLAY).build();
    for n in 0..20 {
        let quote = stocks::Quote {
            symbol: "ACME".to_owned(),
            price: 100.0 + f64::from(n),
        };
        hub.publish("ACME", stocks::StockEvent::Price(quote))
            .await
            .unwrap();
    }
    let app = stocks::app(hub, Shutdown::new());
    let Some(price) = open_page(app, "stocks", "#status.live", "#price").await else {
        return;
    };
    assert_eq!(price, "$119.00", "the newest kept price shows at once");
}

#[tokio::test]
async fn the_dashboard_page_goes_live() {
    let app = dashboard::app(dashboard::PERIOD, Shutdown::new());
    let Some(status) = open_page(app, "dashboard", "#status.live", "#status").await else {
        return;
    };
    assert_eq!(status, "live");
}

#[tokio::test]
async fn the_logs_page_follows_its_file() {
    let dir = std::env::temp_dir().join(format!("tidings-logs-page-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("app.log");
    std::fs::write(&file, "first line\nsecond line\n").unwrap();
    let app = logs::app(file, Shutdown::new());
    let shown = open_page(app, "logs", "#status.live", "#log").await;
    let _ = std::fs::remove_dir_all(&dir);
    let Some(log) = shown else {
        return;
    };
    assert!(log.contains("second line"), "{log}");
}

#[tokio::test]
async fn the_llm_page_is_ready_for_a_prompt() {
    let app = llm::app(Shutdown::new());
    let Some(_) = open_page(app, "llm", "#prompt", "#status").await else {
        return;
    };
}

/// Each example's `/docs` lists every operation of its document (its streams and its plain
/// routes: pages, scripts, lists, posting) in its contents, with no script or console error.
#[tokio::test]
async fn each_examples_docs_page_lists_every_route() {
    let dir = std::env::temp_dir().join(format!("tidings-docs-pages-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let log = dir.join("app.log");
    std::fs::write(&log, "a line\n").unwrap();
    let examples: [(&str, axum::Router, &[&str]); 5] = [
        (
            "chat-docs",
            chat::app(Hub::builder().build(), Shutdown::new()),
            routes::CHAT,
        ),
        (
            "stocks-docs",
            stocks::app(Hub::builder().build(), Shutdown::new()),
            routes::STOCKS,
        ),
        (
            "dashboard-docs",
            dashboard::app(dashboard::PERIOD, Shutdown::new()),
            routes::DASHBOARD,
        ),
        ("llm-docs", llm::app(Shutdown::new()), routes::LLM),
        ("logs-docs", logs::app(log, Shutdown::new()), routes::LOGS),
    ];
    for (name, app, routes) in examples {
        let Some(contents) = open_page_at(app, "/docs", name, "nav.toc", "nav.toc").await else {
            return;
        };
        let mut listed: Vec<String> = contents
            .lines()
            .filter(|line| line.starts_with("GET ") || line.starts_with("POST "))
            .map(|line| line.split(' ').take(2).collect::<Vec<_>>().join(" "))
            .collect();
        listed.sort();
        let mut expected: Vec<&str> = routes.to_vec();
        expected.sort();
        assert_eq!(listed, expected, "{name}: {contents}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}
