//! Live heap bytes per open idle stream, in-process (no sockets, so hyper's own buffers are
//! left out): tidings' response for a handler that waits for its client to leave, against
//! axum's `Sse` of a pending stream, and the parts of tidings' share that stand out.
//!
//! `cargo bench --bench stream_heap`. A counting global allocator; each response is kept
//! alive after one poll of its body, as hyper polls it. Deterministic: no timing involved.

use std::alloc::{GlobalAlloc, Layout, System};
use std::convert::Infallible;
use std::sync::atomic::{AtomicIsize, Ordering};
use std::time::Duration;

use axum::response::sse::{Event, KeepAlive, Sse};
use http_body_util::BodyExt;
use tidings::{sse_events, sse_handler, Sender, SseApi};
use tower::ServiceExt;

/// Counts the bytes allocated and not yet freed.
struct Counting;

static LIVE: AtomicIsize = AtomicIsize::new(0);

// SAFETY: every call is passed on to the system allocator unchanged; only a counter is added.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size() as isize, Ordering::Relaxed);
        System.alloc(layout)
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size() as isize, Ordering::Relaxed);
        System.dealloc(ptr, layout)
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LIVE.fetch_add(
            new_size as isize - layout.size() as isize,
            Ordering::Relaxed,
        );
        System.realloc(ptr, layout, new_size)
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

#[sse_events]
enum Feed {
    Tick(u64),
}

#[sse_handler(get, "/idle")]
async fn idle(tx: Sender<Feed>) -> Result<(), tidings::Error> {
    // As an idle handler should: the head goes out now, not at the open deadline.
    tx.open().await?;
    tx.closed().await;
    Ok(())
}

const STREAMS: usize = 2_000;

/// Bytes held per value of what `make` returns, `STREAMS` of them alive at once.
fn held_per<T>(mut make: impl FnMut() -> T) -> f64 {
    let before = LIVE.load(Ordering::Relaxed);
    let kept: Vec<T> = (0..STREAMS).map(|_| make()).collect();
    let after = LIVE.load(Ordering::Relaxed);
    drop(kept);
    (after - before) as f64 / STREAMS as f64
}

/// Bytes held per open stream of `app` at `/idle`.
async fn per_stream(app: &axum::Router) -> f64 {
    let open = || async {
        let request = http::Request::get("/idle")
            .body(axum::body::Body::empty())
            .unwrap();
        let mut response = app.clone().oneshot(request).await.unwrap();
        let _ = tokio::time::timeout(Duration::ZERO, response.body_mut().frame()).await;
        response
    };
    drop(open().await); // the first stream starts what lives as long as the app
    let before = LIVE.load(Ordering::Relaxed);
    let mut kept = Vec::with_capacity(STREAMS);
    for _ in 0..STREAMS {
        kept.push(open().await);
    }
    let after = LIVE.load(Ordering::Relaxed);
    drop(kept);
    (after - before) as f64 / STREAMS as f64
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let tidings = SseApi::new("idle", "1").handler(idle).into_router();
    let axum = axum::Router::new().route(
        "/idle",
        axum::routing::get(|| async {
            Sse::new(futures::stream::pending::<Result<Event, Infallible>>())
                .keep_alive(KeepAlive::default())
        }),
    );
    let (tidings, axum) = (per_stream(&tidings).await, per_stream(&axum).await);
    println!("live heap bytes per open idle stream, in-process ({STREAMS} streams):");
    println!("  tidings  {tidings:>6.0}");
    println!("  axum     {axum:>6.0}");
    println!("  tidings' parts that stand out:");
    println!(
        "    what a tokio::sync::mpsc::channel(64) of its 32-byte queue items would hold \
         (its queue before 2026-12-06)  {:>6.0}",
        held_per(|| tokio::sync::mpsc::channel::<bytes::Bytes>(64))
    );
    println!(
        "    a keep-alive timer, Box<tokio::time::Sleep>                  {:>6.0}",
        held_per(|| Box::pin(tokio::time::sleep(Duration::from_secs(15))))
    );
}
