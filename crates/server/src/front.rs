//! The front door: every connection and request passes here first.
//!
//! A public GET of a file already made for the live log state (the feeds
//! and every file under `/public/`, the map page `/` and the text page
//! `/text`, each in the reader's language) is answered here, before the
//! router and its layers: a look-up in the log state's files, the
//! precompressed form the client takes (gzip or plain, by
//! `Accept-Encoding`), 304 for a client that has it (`If-None-Match`),
//! headers made once, the body a shared `Bytes`, and the read counted in
//! the client address's rate-limit window (the same window as the router's
//! reads, `guard`). No store query, no thread hop, no copy.
//!
//! Anything else goes to the router, with everything the router's layers
//! do (limits, same-origin rule, compression, JSON errors): other methods,
//! paths, a query string, a file or page not made yet for this log state,
//! a log state not known to match the store lately
//! ([`AppState::public_live`]: a server's own writes are live before they
//! are answered; another server's, on a shared PostgreSQL, within
//! [`crate::routes::feeds::FRESH`]).
//!
//! [`serve`] runs the connections: HTTP/1.1 with keep-alive, `TCP_NODELAY`,
//! and a limit on the time to send a request's headers (which also closes
//! idle keep-alive connections), so that slow or idle clients cannot hold
//! connections for ever, and at most [`CONNECTIONS_PER_ADDRESS`] open from
//! one address at once, and a total kept below the open-file limit
//! ([`Connections`], [`connections_total`]).

use crate::error::ApiError;
use crate::state::AppState;
use axum::body::{Body, HttpBody};
use axum::extract::connect_info::{ConnectInfo, IntoMakeServiceWithConnectInfo};
use axum::http::{Method, Request};
use axum::response::{IntoResponse, Response};
use axum::{BoxError, Router};
use std::convert::Infallible;
use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

/// Longest time a client may take to send a request's headers, counted
/// from the end of the previous response on a kept-alive connection.
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(30);

/// Most connections one client address (an IPv6 host by its /64,
/// [`crate::guard::client_key`]) may hold open at once, by default: far
/// more than a browser (six) or a carrier's NAT in front of many phones
/// needs, far fewer than the descriptors a process has.
pub const CONNECTIONS_PER_ADDRESS: u32 = 256;

/// Descriptors the process keeps for anything but client connections:
/// the store, the published files, the alert delivery's connections.
pub const RESERVED_DESCRIPTORS: u64 = 256;

/// The most connections to hold open at once when the process may open
/// `nofile` descriptors: all but [`RESERVED_DESCRIPTORS`], at least 64.
pub fn connections_total(nofile: u64) -> u32 {
    nofile
        .saturating_sub(RESERVED_DESCRIPTORS)
        .clamp(64, u32::MAX as u64) as u32
}

/// Open connections per client address, across every serving thread, and
/// in all. A connection beyond an address's share, or beyond the total, is
/// closed as soon as it is accepted: no one address (a single host, or one
/// /64) can hold every descriptor the process has, and many addresses
/// together cannot take the descriptors the store, the published files and
/// the alert delivery need (the total is kept below the open-file limit).
/// The header and body timeouts bound how long a connection lasts; this
/// bounds how many are held at once. Only addresses with a connection open
/// are held, so the table is bounded by the connections themselves.
pub struct Connections {
    per_address: u32,
    total: u32,
    open: std::sync::Mutex<(u32, std::collections::HashMap<IpAddr, u32>)>,
}

impl Connections {
    /// At most `per_address` connections per address and `total` in all
    /// (0: no limit).
    pub fn new(per_address: u32, total: u32) -> Arc<Connections> {
        Arc::new(Connections {
            per_address,
            total,
            open: Default::default(),
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, (u32, std::collections::HashMap<IpAddr, u32>)> {
        self.open.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A slot for one more connection from `addr`, given back when
    /// dropped; `None` when the address holds its share already, or the
    /// server its total.
    pub fn open(self: &Arc<Self>, addr: IpAddr) -> Option<Slot> {
        let key = crate::guard::client_key(addr);
        let mut open = self.lock();
        let (all, by_address) = &mut *open;
        if self.total > 0 && *all >= self.total {
            return None;
        }
        let n = by_address.entry(key).or_insert(0);
        if self.per_address > 0 && *n >= self.per_address {
            return None;
        }
        *n += 1;
        *all += 1;
        Some(Slot {
            table: self.clone(),
            key,
        })
    }

    /// Connections open from `addr`'s client key.
    pub fn held(&self, addr: IpAddr) -> u32 {
        let key = crate::guard::client_key(addr);
        self.lock().1.get(&key).copied().unwrap_or(0)
    }

    /// Connections open in all, and addresses they come from.
    pub fn counts(&self) -> (u32, usize) {
        let open = self.lock();
        (open.0, open.1.len())
    }
}

/// One open connection of [`Connections`].
pub struct Slot {
    table: Arc<Connections>,
    key: IpAddr,
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut open = self.table.lock();
        let (all, by_address) = &mut *open;
        *all = all.saturating_sub(1);
        if let Some(n) = by_address.get_mut(&self.key) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                by_address.remove(&self.key);
            }
        }
    }
}

/// The application: the public fast path in front of the router.
#[derive(Clone)]
pub struct App {
    inner: Arc<Inner>,
    /// The peer's address, when [`serve`] runs the connection.
    peer: Option<SocketAddr>,
}

struct Inner {
    state: Arc<AppState>,
    router: Router,
}

impl App {
    /// The fast path in front of `router` (the full application on `state`).
    pub fn new(state: Arc<AppState>, router: Router) -> App {
        App {
            inner: Arc::new(Inner { state, router }),
            peer: None,
        }
    }

    /// A make-service for `axum::serve` that gives every request the
    /// peer's address ([`ConnectInfo`]), as `Router`'s method of this name.
    /// [`serve`] does the same without a per-request extension.
    pub fn into_make_service_with_connect_info<C>(self) -> IntoMakeServiceWithConnectInfo<Self, C> {
        axum::ServiceExt::<Request<Body>>::into_make_service_with_connect_info(self)
    }

    /// The response to `req`, by the fast path or the router.
    fn dispatch<B>(&self, req: Request<B>) -> AppFuture
    where
        B: HttpBody<Data = axum::body::Bytes> + Send + 'static,
        B::Error: Into<BoxError>,
    {
        if let Some(r) = self.fast(&req) {
            return AppFuture::Ready(Some(r));
        }
        let mut req = req.map(Body::new);
        if let Some(peer) = self.peer {
            req.extensions_mut().insert(ConnectInfo(peer));
        }
        let mut router = self.inner.router.clone();
        AppFuture::Router(Box::pin(tower_service::Service::call(&mut router, req)))
    }

    /// The public fast path alone: the answer to `req` without the router,
    /// or `None` when the router must answer (tests and benchmarks call it
    /// to see which path a request takes; a request answered here counts
    /// in its address's read limit).
    pub fn answer_fast<B>(&self, req: &Request<B>) -> Option<Response> {
        self.fast(req)
    }

    /// The public fast path: `None` leaves the request to the router.
    fn fast<B>(&self, req: &Request<B>) -> Option<Response> {
        if req.method() != Method::GET || req.uri().query().is_some() {
            return None;
        }
        let st = &self.inner.state;
        let path = req.uri().path();
        let live = st.public_live(crate::routes::feeds::FRESH)?;
        let res = match crate::routes::feeds::file_of(path) {
            Some(file) => live
                .views
                .public
                .get()?
                .get(file)?
                .respond(req.headers(), crate::routes::feeds::CACHE),
            None => crate::routes::public::page_headers(
                crate::routes::public::rendered_page(&live, path, req.headers())?
                    .respond(req.headers(), "no-cache"),
            ),
        };
        let peer = self
            .peer
            .map(|p| p.ip())
            .or_else(|| peer_of(req.extensions()));
        if !st.limits.admit_read(peer, st.per_minute.1) {
            return Some(ApiError::TooMany.into_response());
        }
        Some(res)
    }
}

fn peer_of(ext: &axum::http::Extensions) -> Option<IpAddr> {
    ext.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip())
}

/// The future of [`App`]'s response.
pub enum AppFuture {
    /// Answered by the fast path.
    Ready(Option<Response>),
    /// Answered by the router.
    Router(Pin<Box<dyn Future<Output = Result<Response, Infallible>> + Send>>),
}

impl Future for AppFuture {
    type Output = Result<Response, Infallible>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.get_mut() {
            AppFuture::Ready(r) => Poll::Ready(Ok(r
                .take()
                .unwrap_or_else(|| ApiError::internal("a response polled twice").into_response()))),
            AppFuture::Router(f) => f.as_mut().poll(cx),
        }
    }
}

impl<B> tower_service::Service<Request<B>> for App
where
    B: HttpBody<Data = axum::body::Bytes> + Send + 'static,
    B::Error: Into<BoxError>,
{
    type Response = Response;
    type Error = Infallible;
    type Future = AppFuture;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: Request<B>) -> AppFuture {
        self.dispatch(req)
    }
}

impl hyper::service::Service<Request<hyper::body::Incoming>> for App {
    type Response = Response;
    type Error = Infallible;
    type Future = AppFuture;

    fn call(&self, req: Request<hyper::body::Incoming>) -> AppFuture {
        self.dispatch(req)
    }
}

/// Serves `app` on `listener` until `shutdown` completes, then lets the
/// requests in flight finish (at most 5 seconds). Each connection:
/// HTTP/1.1, keep-alive, `TCP_NODELAY` (a response is written at once,
/// never held back waiting for an acknowledgement), and at most
/// [`HEADER_READ_TIMEOUT`] to send a request's headers.
pub async fn serve(
    listener: tokio::net::TcpListener,
    app: App,
    shutdown: impl Future<Output = ()>,
) -> std::io::Result<()> {
    let (stop, stopped) = tokio::sync::watch::channel(());
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (tcp, addr) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(c) => c,
                Err(e) => {
                    // Out of descriptors or a connection reset before it was
                    // taken: wait a moment rather than spin, then go on.
                    tracing::warn!(error = %e, "accepting a connection");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            _ = &mut shutdown => break,
        };
        // Beyond its address's share, or the total, a connection is
        // closed unread.
        let Some(slot) = app.inner.state.connections.open(addr.ip()) else {
            tracing::debug!(peer = %addr.ip(), "too many connections");
            drop(tcp);
            continue;
        };
        let _ = tcp.set_nodelay(true);
        let svc = App {
            inner: app.inner.clone(),
            peer: Some(addr),
        };
        let mut stopped = stopped.clone();
        tokio::spawn(async move {
            let conn = hyper::server::conn::http1::Builder::new()
                .timer(hyper_util::rt::TokioTimer::new())
                .header_read_timeout(HEADER_READ_TIMEOUT)
                .keep_alive(true)
                .serve_connection(hyper_util::rt::TokioIo::new(tcp), svc);
            let mut conn = std::pin::pin!(conn);
            tokio::select! {
                _ = conn.as_mut() => {}
                _ = stopped.changed() => {
                    conn.as_mut().graceful_shutdown();
                    let _ = conn.await;
                }
            }
            drop(stopped);
            drop(slot);
        });
    }
    drop(listener);
    drop(stopped);
    let _ = stop.send(());
    let _ = tokio::time::timeout(Duration::from_secs(5), stop.closed()).await;
    Ok(())
}

/// Serving threads started by [`serve_per_core`].
pub struct Listening {
    addr: SocketAddr,
    stop: tokio::sync::watch::Sender<bool>,
    threads: Vec<std::thread::JoinHandle<()>>,
}

impl Listening {
    /// The address listened on (with the port the system chose for port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Stops accepting, lets the requests in flight finish (as [`serve`])
    /// and waits for the threads.
    pub fn stop(self) {
        let _ = self.stop.send(true);
        for t in self.threads {
            let _ = t.join();
        }
    }
}

/// Serves `app` on `addr` from `threads` threads, as nginx runs one event
/// loop per worker process: each thread has its own single-threaded
/// runtime and its own listening socket on the same address
/// (`SO_REUSEPORT`: the kernel spreads new connections over them), so a
/// request is read, answered and written by one thread, never handed
/// between threads or woken across cores. Each thread runs [`serve`];
/// what a handler spawns (blocking store work, event streams) runs on its
/// thread's runtime. Returns once every socket listens (or the first
/// error, with every thread stopped).
pub fn serve_per_core(addr: &str, app: App, threads: usize) -> std::io::Result<Listening> {
    use std::net::ToSocketAddrs;
    let addr = addr.to_socket_addrs()?.next().ok_or_else(|| {
        std::io::Error::new(std::io::ErrorKind::InvalidInput, "no address to listen on")
    })?;
    // A port another process holds, even one that shares it with
    // SO_REUSEPORT (a second server started by mistake), is refused here as
    // "address in use", rather than silently shared.
    let addr = std::net::TcpListener::bind(addr)?.local_addr()?;
    let (stop, _) = tokio::sync::watch::channel(false);
    let mut started = Listening {
        addr,
        stop,
        threads: Vec::new(),
    };
    for i in 0..threads.max(1) {
        // The first socket may take port 0: the others then bind the port
        // it was given.
        let at = started.addr;
        let (ready_tx, ready_rx) = std::sync::mpsc::channel::<std::io::Result<SocketAddr>>();
        let mut stopped = started.stop.subscribe();
        let app = app.clone();
        let spawned = std::thread::Builder::new()
            .name(format!("corridor-http-{i}"))
            .spawn(move || {
                let rt = match tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                {
                    Ok(rt) => rt,
                    Err(e) => {
                        let _ = ready_tx.send(Err(e));
                        return;
                    }
                };
                rt.block_on(async move {
                    let listener = match listen(at) {
                        Ok(l) => l,
                        Err(e) => {
                            let _ = ready_tx.send(Err(e));
                            return;
                        }
                    };
                    let _ = ready_tx.send(listener.local_addr());
                    let _ = serve(listener, app, async move {
                        let _ = stopped.wait_for(|s| *s).await;
                    })
                    .await;
                });
            });
        let ready = match spawned {
            Ok(t) => {
                started.threads.push(t);
                ready_rx.recv().unwrap_or_else(|_| {
                    Err(std::io::Error::other("a serving thread ended at its start"))
                })
            }
            Err(e) => Err(e),
        };
        match ready {
            Ok(a) => started.addr = a,
            Err(e) => {
                started.stop();
                return Err(e);
            }
        }
    }
    Ok(started)
}

/// A listening socket on `addr` that other sockets of this process may
/// share (`SO_REUSEPORT`), registered with the current runtime.
fn listen(addr: SocketAddr) -> std::io::Result<tokio::net::TcpListener> {
    let s = match addr {
        SocketAddr::V4(_) => tokio::net::TcpSocket::new_v4()?,
        SocketAddr::V6(_) => tokio::net::TcpSocket::new_v6()?,
    };
    s.set_reuseaddr(true)?;
    s.set_reuseport(true)?;
    s.bind(addr)?;
    s.listen(1024)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each address its share, the server its total; a /64 is one
    /// address; a slot given back is free again, and an address without a
    /// connection is forgotten.
    #[test]
    fn connections_are_bounded_per_address_and_in_all() {
        let c = Connections::new(2, 3);
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        let a1 = c.open(ip("10.0.0.1")).unwrap();
        let _a2 = c.open(ip("10.0.0.1")).unwrap();
        assert!(c.open(ip("10.0.0.1")).is_none(), "the address's share");
        let b = c.open(ip("2001:db8::1")).unwrap();
        assert!(c.open(ip("10.0.0.2")).is_none(), "the total");
        drop(a1);
        let c2 = c.open(ip("10.0.0.2")).unwrap();
        assert_eq!(c.counts(), (3, 3));
        drop((b, c2));
        assert_eq!(c.counts(), (1, 1));
        let c = Connections::new(1, 0);
        let _x = c.open(ip("2001:db8::1")).unwrap();
        assert!(c.open(ip("2001:db8::ffff")).is_none(), "one /64, one share");
        assert!(c.open(ip("2001:db8:0:1::1")).is_some(), "another /64");
        assert_eq!(connections_total(20_000), 19_744);
        assert_eq!(connections_total(100), 64);
    }
}
