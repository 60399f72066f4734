//! The llm example's page in a real browser (headless Chromium): the completion streams to its
//! final event and the page stops there, posting the prompt once; an empty prompt shows the
//! server's `422` reason.

use tidings_examples::llm;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use axum::extract::Request;
use axum::middleware::{self, Next};
use tidings::testing::CutProxy;
use tidings::Shutdown;
use tidings_test_support::{browser, chromium, screenshot, serve};

#[tokio::test]
async fn the_llm_page_stops_at_the_final_event_and_posts_once() {
    let Some(chromium) = chromium() else {
        return;
    };
    let posts = Arc::new(AtomicUsize::new(0));
    let counted = posts.clone();
    let app = llm::app(Shutdown::new()).layer(middleware::from_fn(
        move |request: Request, next: Next| {
            if request.method() == http::Method::POST {
                counted.fetch_add(1, Ordering::SeqCst);
            }
            next.run(request)
        },
    ));
    let server = serve(app).await;
    let page = format!("http://{}/", server.addr);
    let shot = screenshot("llm");
    let shown = browser(
        &chromium,
        "browser_llm.mjs",
        &[page.as_ref(), shot.as_ref()],
    )
    .await;

    assert_eq!(shown["errors"], serde_json::json!([]), "no script error");
    assert_eq!(
        shown["answer"],
        llm::answer("What is SSE?").concat().trim_end()
    );
    let done = shown["done"].as_str().unwrap();
    assert!(done.ends_with("· done"), "{done}");
    assert!(done.contains("completion tokens"), "{done}");
    assert_eq!(shown["refused"], "422: the prompt is empty");
    assert_eq!(
        posts.load(Ordering::SeqCst),
        2,
        "one post per click, none repeated"
    );
}

/// Serves the llm page through a cuttable connection, breaks it mid-answer as `breakage` says
/// (`cut`, `down`, or `stop`: the server's streams shut down), and returns what the page
/// showed, after checking that no script failed.
async fn broken_mid_answer(breakage: &str) -> Option<serde_json::Value> {
    let chromium = chromium()?;
    let shutdown = Shutdown::new();
    let server = serve(llm::app(shutdown.clone())).await;
    let proxy = Arc::new(CutProxy::start(server.addr).await.unwrap());
    let control = axum::Router::new()
        .route(
            "/stop",
            axum::routing::post(move || async move { shutdown.trigger() }),
        )
        .route(
            "/cut",
            axum::routing::post({
                let proxy = proxy.clone();
                move || async move { proxy.cut() }
            }),
        )
        .route(
            "/down",
            axum::routing::post({
                let proxy = proxy.clone();
                move || async move { proxy.down() }
            }),
        )
        .route(
            "/up",
            axum::routing::post({
                let proxy = proxy.clone();
                move || async move { proxy.up() }
            }),
        );
    let control = serve(control).await;
    let page = format!("http://{}/", proxy.addr());
    let control_url = format!("http://{}", control.addr);
    let shot = screenshot(&format!("llm-{breakage}"));
    let shown = browser(
        &chromium,
        "browser_llm_cut.mjs",
        &[
            page.as_ref(),
            control_url.as_ref(),
            breakage.as_ref(),
            shot.as_ref(),
        ],
    )
    .await;
    assert_eq!(
        shown["errors"],
        serde_json::json!([]),
        "no script error: {shown}"
    );
    Some(shown)
}

/// The page shows the whole answer.
fn assert_whole_answer(shown: &serde_json::Value) {
    assert_eq!(
        shown["answer"],
        llm::answer("What is SSE?").concat().trim_end(),
        "{shown}"
    );
}

#[tokio::test]
async fn a_connection_cut_mid_answer_is_posted_again_and_the_answer_completes() {
    let Some(shown) = broken_mid_answer("cut").await else {
        return;
    };
    assert_whole_answer(&shown);
    assert!(
        shown["done"].as_str().unwrap().ends_with("· done"),
        "{shown}"
    );
}

#[tokio::test]
async fn a_server_out_of_reach_mid_answer_is_said_plainly_then_the_answer_completes() {
    let Some(shown) = broken_mid_answer("down").await else {
        return;
    };
    let while_broken = shown["whileBroken"].as_str().unwrap();
    println!("while the server was out of reach, the page said: {while_broken}");
    assert!(
        !while_broken.contains("TypeError") && !while_broken.contains("network error"),
        "a user-facing message, not a developer's: {while_broken}"
    );
    assert_whole_answer(&shown);
}

#[tokio::test]
async fn a_server_that_stops_mid_answer_is_said_plainly_and_the_prompt_is_not_sent_again() {
    let Some(shown) = broken_mid_answer("stop").await else {
        return;
    };
    assert_eq!(
        shown["stopped"],
        "the server ended the answer early before the answer was whole: send it again",
        "{shown}"
    );
}
