//! A language model's completion endpoint, without the model: `POST /complete` takes a prompt
//! as JSON and answers with a stream that ends by itself. Tokens arrive as raw text as they are
//! "generated", then the token counts, then `done`, the final event: after it the server ends
//! the stream, and a client knows the answer is whole (and must not post the prompt again).
//!
//! A prompt is checked before the first event, so an empty one gets a real `422` with a JSON
//! reason, documented in the API document, rather than a stream that starts and fails.

use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::{Json, Router};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::time::Duration;
use tidings::openapi::DocumentedError;
use tidings::{sse_events, sse_handler, Error, Sender, SseApi};
use utoipa_axum::routes;

/// How long the fake model "thinks" before each token: slow enough to watch the answer grow.
pub const TOKEN_DELAY: Duration = Duration::from_millis(40);

/// What to complete.
#[derive(Debug, Serialize, Deserialize, JsonSchema)]
pub struct Prompt {
    /// The text to answer; not empty.
    pub prompt: String,
}

/// How many tokens a completion took.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Usage {
    /// Tokens in the prompt.
    pub prompt_tokens: u32,
    /// Tokens in the answer.
    pub completion_tokens: u32,
}

/// The events of one completion, in this order: tokens, usage, done.
#[sse_events(rename_all = "snake_case")]
#[derive(Debug, Clone, PartialEq)]
pub enum Completion {
    /// The next piece of the answer, as raw text: appending them in order gives the answer.
    #[sse(raw)]
    Token(String),
    /// How many tokens the prompt and the answer took, once the answer is complete.
    Usage(Usage),
    /// The completion is finished.
    #[sse(end)]
    Done,
}

/// Why a completion did not start.
#[derive(Debug)]
pub enum CompletionError {
    /// The prompt is empty (or only whitespace).
    EmptyPrompt,
    /// The stream broke before its first event.
    Send(Error),
}

impl From<Error> for CompletionError {
    fn from(e: Error) -> Self {
        CompletionError::Send(e)
    }
}

impl IntoResponse for CompletionError {
    fn into_response(self) -> Response {
        match self {
            CompletionError::EmptyPrompt => (
                StatusCode::UNPROCESSABLE_ENTITY,
                Json(serde_json::json!({ "error": "the prompt is empty" })),
            )
                .into_response(),
            CompletionError::Send(e) => e.into_response(),
        }
    }
}

/// The API document lists the `422` of an empty prompt with its JSON body (beside the `422`
/// `Json<Prompt>` answers in text for a body that is not a prompt at all).
impl DocumentedError for CompletionError {
    fn responses(doc: &mut tidings::openapi::OperationDoc) {
        doc.response(
            "422",
            tidings::openapi::Response::new("The prompt is empty.").with_content(
                "application/json",
                schemars::json_schema!({
                    "type": "object",
                    "properties": { "error": { "type": "string" } },
                    "required": ["error"]
                }),
            ),
        );
        doc.only_error_statuses(&[500], Error::responses);
    }
}

/// The fake model's answer to `prompt`, as the tokens it streams: words, each with the space
/// after it, so that they add up to the answer exactly.
pub fn answer(prompt: &str) -> Vec<String> {
    let text = format!(
        "You wrote \"{}\". A real model would answer now; this one streams a made-up reply, \
         one word at a time.",
        prompt.trim()
    );
    text.split_inclusive(' ').map(str::to_owned).collect()
}

/// Completes a prompt.
///
/// Streams the answer as `token` events (raw text), then `usage`, then `done`, after which the
/// stream ends. An empty prompt is refused with `422` before the stream starts.
#[sse_handler(post, "/complete", tag = "llm")]
pub async fn complete(
    tx: Sender<Completion>,
    Json(prompt): Json<Prompt>,
) -> Result<(), CompletionError> {
    if prompt.prompt.trim().is_empty() {
        return Err(CompletionError::EmptyPrompt);
    }
    let tokens = answer(&prompt.prompt);
    for token in &tokens {
        tokio::time::sleep(TOKEN_DELAY).await;
        tx.send(Completion::Token(token.clone())).await?;
    }
    let usage = Usage {
        prompt_tokens: count(prompt.prompt.split_whitespace().count()),
        completion_tokens: count(tokens.len()),
    };
    tx.send(Completion::Usage(usage)).await?;
    tx.send(Completion::Done).await?;
    Ok(())
}

fn count(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// The stream, its API document (`/openapi.json`) and its page (`/docs`). Triggering `shutdown`
/// ends every open stream, so a graceful shutdown completes.
pub fn api(shutdown: tidings::Shutdown) -> SseApi {
    SseApi::new("Fake LLM", "1.0.0")
        .tag("llm", "Completions streamed token by token.")
        .handler(complete)
        .routes(routes!(page))
        .routes(routes!(page_script))
        .serve_openapi_json("/openapi.json")
        .serve_docs("/docs")
        .shutdown(shutdown)
}

/// The page's script: `page.ts` and the typed client it uses (`api.ts`, generated from this
/// service's API document), bundled by esbuild.
const PAGE_SCRIPT: &str = include_str!("page.js");

/// The chat page: ask, and read the answer as it streams.
#[utoipa::path(get, path = "/", responses(
    (status = 200, description = "The page (HTML).", content_type = "text/html", body = String)
))]
async fn page() -> Html<&'static str> {
    Html(include_str!("index.html"))
}

/// The page's script: its code and the typed client it reads the completion stream with.
#[utoipa::path(get, path = "/page.js", responses(
    (status = 200, description = "The script (JavaScript).", content_type = "text/javascript",
        body = String)
))]
async fn page_script() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
        PAGE_SCRIPT,
    )
}

/// The whole service: the completion stream, the page and its script.
pub fn app(shutdown: tidings::Shutdown) -> Router {
    api(shutdown).into_router()
}
