//! The LLM example: a completion endpoint that streams a fake model's answer token by token
//! (`POST /complete`, raw `token` events, then `usage`, then the final `done`), and a page that
//! posts a prompt with `fetch` and shows the answer as it arrives. No model, no network: the
//! answer is made up from the prompt.
//!
//! Run it with `cargo run -p tidings-examples --bin llm`, then open the printed URL.
//! `PORT` chooses the port (default 3001; 0 picks a free one).

use tidings_examples::llm as app;
use tidings_examples::serve;

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let shutdown = tidings::Shutdown::new();
    serve::serve("llm", 3001, app::app(shutdown.clone()), shutdown).await
}
