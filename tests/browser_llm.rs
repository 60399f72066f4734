//! The llm example's page in a real browser (headless Chromium): the completion streams to its
//! final event and the page stops there, posting the prompt once; an empty prompt shows the
//! server's `422` reason.

use tidings_examples::llm;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use axum::extract::Request;
use axum::middleware::{self, Next};
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
