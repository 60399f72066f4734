//! [`CutProxy`]: a network outage on demand, for tests of clients that must reconnect.

use std::io;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use tokio::task::JoinSet;

/// A TCP proxy on a free loopback port, in front of a server: point a client at
/// [`addr`](CutProxy::addr), then cut its connections as a network failure would, keep the
/// server out of reach for as long as the test needs (to publish while the client is away,
/// say), or send it to another server (a restarted one).
///
/// ```
/// use std::time::Duration;
/// use futures::StreamExt;
/// use tidings::hub::Hub;
/// use tidings::testing::CutProxy;
/// use tidings::{sse_events, sse_handler, LastEventId, Sender, SseApi};
///
/// #[sse_events]
/// #[derive(Debug, PartialEq)]
/// enum Feed { Item(u32) }
///
/// #[sse_handler(get, "/feed")]
/// async fn feed(
///     axum::extract::State(hub): axum::extract::State<Hub<Feed>>,
///     last: LastEventId,
///     tx: Sender<Feed>,
/// ) -> Result<(), tidings::Error> {
///     tx.forward(hub.subscribe("feed", &last).await?).await?;
///     Ok(())
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// let hub: Hub<Feed> = Hub::builder().build();
/// let app = SseApi::stateful("Feed", "1").handler(feed).into_router().with_state(hub.clone());
/// let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
/// let server = listener.local_addr()?;
/// tokio::spawn(async move { axum::serve(listener, app).await });
///
/// let proxy = CutProxy::start(server).await?;
/// # #[cfg(feature = "client")] {
/// let source = tidings::client::EventSource::get(format!("http://{}/feed", proxy.addr()))
///     .initial_retry(Duration::from_millis(50));
/// let mut opens = source.handle().opens();
/// let mut events = source.typed::<Feed>();
/// // The stream connects as it is read: publish once it is live.
/// let publisher = hub.clone();
/// tokio::spawn(async move {
///     opens.wait_for(Option::is_some).await.unwrap();
///     publisher.publish("feed", Feed::Item(1)).await.unwrap();
/// });
/// assert_eq!(events.next().await.unwrap().unwrap().event, Feed::Item(1));
///
/// proxy.down();                                          // the network fails...
/// hub.publish("feed", Feed::Item(2)).await.unwrap();     // ...while this is published
/// proxy.up();                                            // the client reconnects, resumes
/// assert_eq!(events.next().await.unwrap().unwrap().event, Feed::Item(2));
/// # }
/// # Ok(())
/// # }
/// ```
pub struct CutProxy {
    addr: SocketAddr,
    state: Arc<Mutex<ProxyState>>,
    accepting: tokio::task::JoinHandle<()>,
}

struct ProxyState {
    target: SocketAddr,
    /// Closes new connections at once, as an unreachable server would.
    down: bool,
    connections: JoinSet<()>,
}

impl CutProxy {
    /// A proxy to `target`, listening on a free port of `127.0.0.1`.
    pub async fn start(target: SocketAddr) -> io::Result<CutProxy> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let state = Arc::new(Mutex::new(ProxyState {
            target,
            down: false,
            connections: JoinSet::new(),
        }));
        let shared = state.clone();
        let accepting = tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                let mut state = lock(&shared);
                if state.down {
                    continue; // dropped: the client sees its connection closed
                }
                let target = state.target;
                state.connections.spawn(async move {
                    if let Ok(mut server) = tokio::net::TcpStream::connect(target).await {
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                    }
                });
            }
        });
        Ok(CutProxy {
            addr,
            state,
            accepting,
        })
    }

    /// Where clients connect.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Closes every connection through the proxy; clients that reconnect get through again.
    pub fn cut(&self) {
        lock(&self.state).connections.abort_all();
    }

    /// Closes every connection and every new one until [`up`](CutProxy::up): the server is
    /// out of reach.
    pub fn down(&self) {
        let mut state = lock(&self.state);
        state.down = true;
        state.connections.abort_all();
    }

    /// Lets connections through again after [`down`](CutProxy::down).
    pub fn up(&self) {
        lock(&self.state).down = false;
    }

    /// Closes every connection; new ones go to `target` from now on (a server restarted
    /// elsewhere, or an address where nothing listens).
    pub fn cut_to(&self, target: SocketAddr) {
        let mut state = lock(&self.state);
        state.target = target;
        state.connections.abort_all();
    }
}

impl Drop for CutProxy {
    fn drop(&mut self) {
        self.accepting.abort();
        lock(&self.state).connections.abort_all();
    }
}

impl std::fmt::Debug for CutProxy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CutProxy")
            .field("addr", &self.addr)
            .finish_non_exhaustive()
    }
}

/// The state, whatever a panicking test thread left it in: the proxy holds nothing a panic
/// could leave half-changed.
fn lock(state: &Mutex<ProxyState>) -> MutexGuard<'_, ProxyState> {
    state
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}
