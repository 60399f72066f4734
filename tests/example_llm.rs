//! The LLM example, in-process: a completion streams its tokens, then its usage, then `done`,
//! and ends; an empty prompt is a `422` with a JSON reason; the API document describes both.

use tidings_examples::llm as app;
use tidings_test_support::example_pages;

use app::{Completion, Usage};
use example_pages::{assert_serves_page_and_docs, streamed_events};
use http::StatusCode;
use serde_json::json;
use tidings::testing::TestClient;
use tidings::Shutdown;

fn client() -> TestClient {
    TestClient::new(app::app(Shutdown::new()))
}

#[tokio::test]
async fn a_completion_streams_tokens_then_usage_then_done_and_ends() {
    let prompt = "why stream tokens";
    let stream = client()
        .post_json("/complete", &json!({ "prompt": prompt }))
        .await;
    assert_eq!(stream.status(), StatusCode::OK);
    // `collect` reads until the stream ends: nothing comes after `done`.
    let events = stream.collect::<Completion>().await.unwrap();

    let expected_tokens = app::answer(prompt);
    assert!(expected_tokens.len() > 5, "{expected_tokens:?}");
    let (tokens, rest) = events.split_at(expected_tokens.len());
    let tokens: Vec<String> = tokens
        .iter()
        .map(|event| match event {
            Completion::Token(token) => token.clone(),
            other => panic!("not a token: {other:?} in {events:?}"),
        })
        .collect();
    assert_eq!(tokens, expected_tokens);
    assert_eq!(
        tokens.concat(),
        "You wrote \"why stream tokens\". A real model would answer now; this one streams a \
         made-up reply, one word at a time."
    );
    assert_eq!(
        rest,
        [
            Completion::Usage(Usage {
                prompt_tokens: 3,
                completion_tokens: u32::try_from(expected_tokens.len()).unwrap(),
            }),
            Completion::Done,
        ]
    );
}

#[tokio::test]
async fn an_empty_prompt_is_a_422_with_a_json_reason_before_any_event() {
    for prompt in ["", "  \n "] {
        let refused = client()
            .post_json("/complete", &json!({ "prompt": prompt }))
            .await;
        assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(refused.headers()["content-type"], "application/json");
        assert_eq!(
            refused.text().await.unwrap(),
            r#"{"error":"the prompt is empty"}"#
        );
    }
}

#[tokio::test]
async fn the_api_document_describes_the_completion_its_end_and_the_422() {
    let document = app::api(Shutdown::new()).openapi_json();
    let events = streamed_events(&document, "/complete", "post");
    assert_eq!(
        events,
        [
            ("Token".to_owned(), false),
            ("Usage".to_owned(), false),
            ("Done".to_owned(), true)
        ]
    );
    let operation = &document["paths"]["/complete"]["post"];
    assert_eq!(operation["operationId"], "complete");
    let unprocessable = &operation["responses"]["422"]["content"];
    assert_eq!(
        unprocessable["application/json"]["schema"]["required"],
        json!(["error"]),
        "{unprocessable}"
    );
    assert!(
        operation["requestBody"]["content"]["application/json"]["schema"].is_object(),
        "{operation}"
    );
}

#[tokio::test]
async fn the_page_and_docs_are_served() {
    let client = client();
    assert_serves_page_and_docs(&client).await;
    // The page's script: the typed client generated from the document, bundled with the page.
    let script = client.get("/page.js").await;
    assert_eq!(script.status(), StatusCode::OK);
    assert_eq!(
        script.headers()["content-type"],
        "text/javascript; charset=utf-8"
    );
    let script = script.text().await.unwrap();
    assert!(script.contains("path: \"/complete\""), "{script}");
}
