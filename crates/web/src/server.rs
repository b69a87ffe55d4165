//! The accept loop: HTTP/1.1 connections, each watched so that a client
//! cannot hold one open for nothing (a slow-loris trickling header lines,
//! a kept-alive connection left idle), with a cap on how many are open at
//! once, and a graceful stop that lets answers under way finish.

use axum::body::Body;
use axum::extract::ConnectInfo;
use hyper_util::rt::{TokioIo, TokioTimer};
use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tower::{Service, ServiceExt};

/// How long clients may take, and how many may be connected.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// From a request's first byte to the end of its headers.
    pub header_timeout: Duration,
    /// How long a kept-alive connection may wait for its next request.
    pub idle_timeout: Duration,
    /// Connections open at once; more wait to be accepted.
    pub max_connections: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            header_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(60),
            max_connections: 1024,
        }
    }
}

/// How long answers under way may take to finish once a stop is asked.
const GRACE: Duration = Duration::from_secs(10);

/// Serves `service` on `listener` until `shutdown` completes. A failed
/// accept (no file descriptors left) is logged and waited out, never fatal.
pub async fn serve<S>(
    listener: TcpListener,
    service: S,
    limits: Limits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) where
    S: Service<axum::extract::Request, Response = axum::response::Response, Error = Infallible>
        + Clone
        + Send
        + 'static,
    S::Future: Send + 'static,
{
    let slots = Arc::new(tokio::sync::Semaphore::new(limits.max_connections.max(1)));
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let mut connections = tokio::task::JoinSet::new();
    tokio::pin!(shutdown);
    loop {
        // Past the cap, new connections wait in the kernel's backlog.
        let slot = tokio::select! {
            slot = slots.clone().acquire_owned() => slot.expect("the semaphore is never closed"),
            _ = &mut shutdown => break,
        };
        let (tcp, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // Out of file descriptors and the like: wait, don't spin.
                    tracing::warn!("could not accept a connection: {e}");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = &mut shutdown => break,
        };
        // A large page's last segment must not wait for an ACK (Nagle).
        if let Err(e) = tcp.set_nodelay(true) {
            tracing::warn!("could not set TCP_NODELAY: {e}");
        }
        let service = service.clone();
        let stopped = stopped.clone();
        connections.spawn(async move {
            connection(tcp, peer, service, &limits, stopped).await;
            drop(slot);
        });
        // Reap finished connections as we go.
        while connections.try_join_next().is_some() {}
    }
    let _ = stop.send(true);
    while connections.join_next().await.is_some() {}
}

/// One connection, closed when a limit of [`Limits`] is passed.
async fn connection<S>(
    tcp: TcpStream,
    peer: SocketAddr,
    service: S,
    limits: &Limits,
    mut stopped: tokio::sync::watch::Receiver<bool>,
) where
    S: Service<axum::extract::Request, Response = axum::response::Response, Error = Infallible>
        + Clone
        + Send
        + 'static,
    S::Future: Send + 'static,
{
    let watch = Arc::new(Watch::new());
    let io = TokioIo::new(Watched {
        io: tcp,
        watch: watch.clone(),
    });
    let on_request = watch.clone();
    let handler = hyper::service::service_fn(move |req: hyper::Request<hyper::body::Incoming>| {
        let mut req = req.map(Body::new);
        req.extensions_mut().insert(ConnectInfo(peer));
        let busy = Busy::start(on_request.clone());
        let call = service.clone().oneshot(req);
        async move {
            // Busy until the answer's last byte is sent, not just made.
            let response = call.await?;
            Ok::<_, Infallible>(response.map(|body| {
                Body::new(Sending {
                    body,
                    busy: Some(busy),
                })
            }))
        }
    });
    let conn = hyper::server::conn::http1::Builder::new()
        .timer(TokioTimer::new())
        // Our own watch times headers from their first byte and idle
        // waits apart; hyper's one timer would count both as one.
        .header_read_timeout(None)
        .serve_connection(io, handler);
    tokio::pin!(conn);
    let mut tick = tokio::time::interval(Duration::from_millis(250));
    loop {
        tokio::select! {
            done = conn.as_mut() => {
                if let Err(e) = done {
                    tracing::debug!("connection from {peer} ended: {e}");
                }
                return;
            }
            _ = stopped.changed() => {
                conn.as_mut().graceful_shutdown();
                let _ = tokio::time::timeout(GRACE, conn.as_mut()).await;
                return;
            }
            _ = tick.tick() => {
                if let Some(why) = watch.expired(limits) {
                    tracing::debug!("closing the connection from {peer}: {why}");
                    return;
                }
            }
        }
    }
}

/// An answer's body being sent; the request stays busy until it ends.
struct Sending {
    body: Body,
    busy: Option<Busy>,
}

impl http_body::Body for Sending {
    type Data = axum::body::Bytes;
    type Error = axum::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Self::Data>, Self::Error>>> {
        let polled = Pin::new(&mut self.body).poll_frame(cx);
        if matches!(polled, Poll::Ready(None) | Poll::Ready(Some(Err(_)))) {
            self.busy = None;
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.body.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.body.size_hint()
    }
}

/// What a connection is doing, kept by its reads, writes and requests.
struct Watch {
    opened: Instant,
    /// When bytes last went either way, in ms since opened.
    last_io: AtomicU64,
    /// Requests being answered.
    busy: AtomicUsize,
    /// When the current request's first byte came, in ms since opened
    /// (`NONE`: no request is being read).
    head_since: AtomicU64,
    /// When the connection last went idle (opened, or an answer done).
    idle_since: AtomicU64,
}

const NONE: u64 = u64::MAX;

impl Watch {
    fn new() -> Watch {
        Watch {
            opened: Instant::now(),
            last_io: AtomicU64::new(0),
            busy: AtomicUsize::new(0),
            // The first request's headers are timed from the connection's
            // start: a client that connects and says nothing is not idle,
            // it is slow.
            head_since: AtomicU64::new(0),
            idle_since: AtomicU64::new(0),
        }
    }

    fn now(&self) -> u64 {
        self.opened.elapsed().as_millis() as u64
    }

    /// Bytes went out.
    fn wrote(&self) {
        self.last_io.store(self.now(), Ordering::Release);
    }

    /// Bytes came in: between requests, that starts a request's head.
    fn read(&self) {
        self.last_io.store(self.now(), Ordering::Release);
        if self.busy.load(Ordering::Acquire) == 0 {
            let _ = self.head_since.compare_exchange(
                NONE,
                self.now(),
                Ordering::AcqRel,
                Ordering::Relaxed,
            );
        }
    }

    /// Why the connection should close now, if it should.
    fn expired(&self, limits: &Limits) -> Option<&'static str> {
        let now = self.now();
        let head = self.head_since.load(Ordering::Acquire);
        if head != NONE {
            return (now.saturating_sub(head) > limits.header_timeout.as_millis() as u64)
                .then_some("its request's headers took too long");
        }
        let idle_limit = limits.idle_timeout.as_millis() as u64;
        if self.busy.load(Ordering::Acquire) > 0 {
            // A request under way whose body stopped coming, or whose
            // answer the client stopped reading.
            let stalled = now.saturating_sub(self.last_io.load(Ordering::Acquire)) > idle_limit;
            return stalled.then_some("its request stalled");
        }
        let idle = now.saturating_sub(self.idle_since.load(Ordering::Acquire)) > idle_limit;
        idle.then_some("it was idle too long")
    }
}

/// A request being answered: its headers are in; the connection is not idle.
struct Busy(Arc<Watch>);

impl Busy {
    fn start(watch: Arc<Watch>) -> Busy {
        watch.busy.fetch_add(1, Ordering::AcqRel);
        watch.head_since.store(NONE, Ordering::Release);
        Busy(watch)
    }
}

impl Drop for Busy {
    fn drop(&mut self) {
        // Whatever the client sent meanwhile starts a new request's head.
        self.0.head_since.store(NONE, Ordering::Release);
        self.0.idle_since.store(self.0.now(), Ordering::Release);
        self.0.busy.fetch_sub(1, Ordering::AcqRel);
    }
}

/// A socket that tells its [`Watch`] when bytes arrive.
struct Watched {
    io: TcpStream,
    watch: Arc<Watch>,
}

impl AsyncRead for Watched {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.io).poll_read(cx, buf);
        if buf.filled().len() > before {
            self.watch.read();
        }
        polled
    }
}

impl AsyncWrite for Watched {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        let polled = Pin::new(&mut self.io).poll_write(cx, buf);
        if matches!(polled, Poll::Ready(Ok(n)) if n > 0) {
            self.watch.wrote();
        }
        polled
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.io).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.io).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        let polled = Pin::new(&mut self.io).poll_write_vectored(cx, bufs);
        if matches!(polled, Poll::Ready(Ok(n)) if n > 0) {
            self.watch.wrote();
        }
        polled
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }
}
