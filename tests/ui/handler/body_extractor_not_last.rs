use axum::extract::{Json, Query};
use tidings::{sse_events, sse_handler, Sender};

#[sse_events]
enum Feed {
    Tick,
}

#[derive(serde::Deserialize, schemars::JsonSchema)]
struct Export {
    name: String,
}

#[derive(serde::Deserialize, schemars::JsonSchema)]
struct Page {
    n: u32,
}

#[sse_handler(post, "/exports")]
async fn export(Json(job): Json<Export>, Query(page): Query<Page>, tx: Sender<Feed>) {
    let _ = (job.name, page.n);
    let _ = tx.send(Feed::Tick).await;
}

fn main() {}
