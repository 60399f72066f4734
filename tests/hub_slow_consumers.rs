//! Clients that never read, over real sockets: they do not grow the server's memory, do not
//! delay the others, and are counted as dropped when their connections finally go.

use tidings_test_support::hub_feed;

use hub_feed::Feed;
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use tidings::client::Decoder;
use tidings::hub::Hub;
use tidings::SseApi;
use tidings_test_support::{get, serve, PATIENCE};
use tokio::io::AsyncWriteExt;

/// Counts the bytes allocated and not yet freed, in this whole test process.
struct Counting;

static LIVE_BYTES: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE_BYTES.fetch_add(layout.size(), Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE_BYTES.fetch_sub(layout.size(), Ordering::Relaxed);
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LIVE_BYTES.fetch_add(new_size, Ordering::Relaxed);
        LIVE_BYTES.fetch_sub(layout.size(), Ordering::Relaxed);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

const STUCK: usize = 20;
const ROUNDS: usize = 400;
const PER_ROUND: usize = 25;
/// About 2 KiB per event: 20 MB published in all, 400 MB if every stuck client kept it.
const PAYLOAD: usize = 2_000;
/// What one stuck connection may hold: hyper's write buffer (about 400 KiB by default, which
/// `axum::serve` does not let us lower) plus the stream's own buffer of 64 events.
const PER_STUCK_CONNECTION: usize = 1 << 20;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clients_that_never_read_grow_no_memory_delay_nobody_and_are_counted() {
    let hub: Hub<Feed> = Hub::builder()
        .replay(100)
        .subscriber_queue(64)
        .subscriber_queue_bytes(256 << 10)
        .build();
    let router = SseApi::stateful("Feeds", "1")
        .handler(hub_feed::feed)
        .into_router()
        .with_state(hub.clone());
    let server = serve(router).await;

    // Clients that send their request, then never read a byte, with small receive buffers so
    // that the kernel stops taking bytes for them early.
    let mut stuck = Vec::new();
    for _ in 0..STUCK {
        let socket = tokio::net::TcpSocket::new_v4().unwrap();
        socket.set_recv_buffer_size(4096).unwrap();
        let mut tcp = socket.connect(server.addr).await.unwrap();
        tcp.write_all(b"GET /topics/t HTTP/1.1\r\nhost: test\r\n\r\n")
            .await
            .unwrap();
        stuck.push(tcp);
    }
    let mut reader = get(server.addr, "/topics/t", &[]).await;
    let subscribed = tokio::time::timeout(PATIENCE, async {
        while hub.stats().subscribers < STUCK + 1 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    });
    subscribed.await.expect("every client subscribed");
    let baseline = LIVE_BYTES.load(Ordering::Relaxed);

    // Publish in rounds; the reading client gets each round whole, in order, while 20 others
    // are stuck on the same topic.
    let mut decoder = Decoder::new();
    let mut received = Vec::new();
    let mut peaks = [0; 2];
    for round in 0..ROUNDS {
        let mut ids = Vec::new();
        for i in 0..PER_ROUND {
            let n = (round * PER_ROUND + i) as u32;
            let event = Feed::Text(format!("{n:0width$}", width = PAYLOAD));
            ids.push(hub.publish("t", event).await.unwrap().as_str().to_owned());
        }
        received.clear();
        while received.len() < PER_ROUND {
            let chunk = reader
                .next_chunk()
                .await
                .expect("the reading client was cut off");
            decoder.feed(&chunk, &mut received).unwrap();
        }
        let got: Vec<_> = received.iter().map(|e| e.id.clone()).collect();
        assert_eq!(got, ids, "round {round}");
        let half = &mut peaks[round * 2 / ROUNDS];
        *half = (*half).max(LIVE_BYTES.load(Ordering::Relaxed));
    }
    // Bounded per connection, and flat: the second 10 MB published add nothing.
    let growth = peaks[1].saturating_sub(baseline);
    eprintln!(
        "peak growth: {} KiB after 10 MB published, {} KiB after 20 MB, {STUCK} stuck clients",
        (peaks[0] - baseline) >> 10,
        growth >> 10
    );
    assert!(
        growth < STUCK * PER_STUCK_CONNECTION,
        "the process grew by {growth} bytes with {STUCK} stuck clients"
    );
    assert!(
        peaks[1] < peaks[0] + (1 << 20),
        "memory kept growing: peak {} in the first half, {} in the second",
        peaks[0] - baseline,
        peaks[1] - baseline
    );
    let stats = hub.stats();
    assert!(stats.retained_events <= 100, "{stats:?}");

    // When their connections go, the stuck clients are counted as dropped, not the reader.
    let closing = std::time::Instant::now();
    drop(stuck);
    let counted = tokio::time::timeout(PATIENCE, async {
        while hub.stats().subscribers > 1 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    });
    counted
        .await
        .expect("the stuck clients' subscriptions outlived their connections");
    eprintln!(
        "stuck subscriptions ended {:?} after their sockets closed",
        closing.elapsed()
    );
    assert_eq!(hub.stats().dropped_subscribers, STUCK as u64);
}
