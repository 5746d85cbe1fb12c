//! The listener's connections, bounded: how many are open node-wide and per address, how long
//! one may stay silent, and what a connection past the limit is told.
//!
//! tonic's own accept loop has no connection limit and retries a failed `accept` at once, so a
//! few thousand idle sockets (past the open-file limit, `accept` fails with EMFILE in a loop)
//! put the node at full CPU and starve every new client. Here a failed accept backs off, the
//! counts are kept below the file limit, and a connection past a limit is answered with a
//! gRPC status, `RESOURCE_EXHAUSTED` / `TOO_MANY_CONNECTIONS`, then closed, so the caller
//! learns why (on a plain-text listener; under TLS it is closed unanswered).
use super::ratelimit::address_key;
use std::collections::HashMap;
use std::future::Future;
use std::io;
use std::net::IpAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, Semaphore};
use tokio::time::Sleep;
use tokio_stream::wrappers::ReceiverStream;
use tonic::transport::server::{Connected, TcpConnectInfo};

/// Connections past a limit being answered at once; past this they are closed unanswered.
const MAX_REFUSING: usize = 1024;
/// How long a refused connection may take to send its first bytes (a real client sends its
/// HTTP/2 preface at once); a silent one is closed then, freeing its place among the refusing.
const REFUSAL_FIRST_BYTES: Duration = Duration::from_millis(500);
/// How long a refused connection is kept to carry its answer.
const REFUSAL_LINGER: Duration = Duration::from_secs(2);
/// Pause after an `accept` that failed for lack of resources (file descriptors, memory).
const ACCEPT_BACKOFF: Duration = Duration::from_millis(50);

/// The limits on connections (`[server]`).
#[derive(Debug, Clone)]
pub struct ConnectionLimits {
    pub max_total: usize,
    pub max_per_address: usize,
    pub idle_timeout: Duration,
    /// Addresses without a per-address limit (trusted reverse proxies).
    pub exempt: Vec<IpAddr>,
    /// Whether the listener speaks TLS (then a refused connection cannot be answered in clear).
    pub tls: bool,
}

/// Open connections, node-wide and per address (IPv6 per /64).
struct Counts {
    limits: ConnectionLimits,
    open: Mutex<(usize, HashMap<IpAddr, usize>)>,
}

/// One open connection's place in the counts; given back on drop.
struct Place {
    counts: Arc<Counts>,
    key: IpAddr,
}

impl Counts {
    fn admit(self: &Arc<Self>, ip: IpAddr) -> Result<Place, String> {
        let key = address_key(ip);
        let l = &self.limits;
        let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        if open.0 >= l.max_total {
            return Err(format!(
                "the node has {} connections open, its limit (server.max_connections)",
                open.0
            ));
        }
        let here = open.1.get(&key).copied().unwrap_or(0);
        if here >= l.max_per_address && !l.exempt.contains(&ip) {
            return Err(format!(
                "{here} connections are open from this address, its limit \
                 (server.max_connections_per_address)"
            ));
        }
        open.0 += 1;
        *open.1.entry(key).or_insert(0) += 1;
        Ok(Place {
            counts: self.clone(),
            key,
        })
    }
}

impl Drop for Place {
    fn drop(&mut self) {
        let mut open = self.counts.open.lock().unwrap_or_else(|e| e.into_inner());
        open.0 -= 1;
        if let Some(n) = open.1.get_mut(&self.key) {
            *n -= 1;
            if *n == 0 {
                open.1.remove(&self.key);
            }
        }
    }
}

/// Accepts connections from `listener` within `limits`; the stream ends when the server drops
/// it, and the listening socket closes with it.
pub fn bounded(
    listener: TcpListener,
    limits: ConnectionLimits,
) -> ReceiverStream<io::Result<Conn>> {
    let (tx, rx) = mpsc::channel(16);
    let counts = Arc::new(Counts {
        limits,
        open: Mutex::new((0, HashMap::new())),
    });
    let refusing = Arc::new(Semaphore::new(MAX_REFUSING));
    tokio::spawn(async move {
        loop {
            let accepted = tokio::select! {
                a = listener.accept() => a,
                () = tx.closed() => break,
            };
            let (tcp, addr) = match accepted {
                Ok(a) => a,
                Err(e) => {
                    // EMFILE, ENFILE, ENOBUFS, ENOMEM: retrying at once would spin.
                    tracing::warn!(error = %e, "accept failed");
                    if !matches!(
                        e.kind(),
                        io::ErrorKind::ConnectionAborted | io::ErrorKind::ConnectionReset
                    ) {
                        tokio::time::sleep(ACCEPT_BACKOFF).await;
                    }
                    continue;
                }
            };
            // Without it a response written in several segments waits for the client's delayed
            // ACK (~40 ms on Linux).
            let _ = tcp.set_nodelay(true);
            match counts.admit(addr.ip()) {
                Ok(place) => {
                    let idle = counts.limits.idle_timeout;
                    if tx.send(Ok(Conn::new(tcp, place, idle))).await.is_err() {
                        break;
                    }
                }
                Err(why) => {
                    tracing::debug!(peer = %addr, %why, "connection refused");
                    let tls = counts.limits.tls;
                    if let Ok(permit) = refusing.clone().try_acquire_owned() {
                        tokio::spawn(async move {
                            if !tls {
                                refuse(tcp, why).await;
                            }
                            drop(permit);
                        });
                    }
                }
            }
        }
    });
    ReceiverStream::new(rx)
}

/// Answers every call on a connection past a limit with RESOURCE_EXHAUSTED, briefly.
async fn refuse(tcp: TcpStream, why: String) {
    let mut first = [0u8; 1];
    match tokio::time::timeout(REFUSAL_FIRST_BYTES, tcp.peek(&mut first)).await {
        Ok(Ok(n)) if n > 0 => {}
        _ => return,
    }
    let status = super::ratelimit::exhausted("TOO_MANY_CONNECTIONS", why);
    let service = hyper::service::service_fn(move |_| {
        let answer = status
            .clone()
            .into_http::<http_body_util::Empty<tonic::codegen::Bytes>>();
        async move { Ok::<_, std::convert::Infallible>(answer) }
    });
    let conn = hyper::server::conn::http2::Builder::new(hyper_util::rt::TokioExecutor::new())
        .serve_connection(hyper_util::rt::TokioIo::new(tcp), service);
    let _ = tokio::time::timeout(REFUSAL_LINGER, conn).await;
}

/// An accepted connection: closed when nothing has arrived from the peer for the idle timeout
/// (a live client answers the node's keepalive pings), and counted until dropped.
pub struct Conn {
    tcp: TcpStream,
    _place: Place,
    idle: Duration,
    last_read: Instant,
    /// Fires at the earliest the connection can have been idle for `idle`; re-armed from
    /// `last_read` when it fires early, so a busy connection does not touch the timer per read.
    deadline: Pin<Box<Sleep>>,
}

impl Conn {
    fn new(tcp: TcpStream, place: Place, idle: Duration) -> Conn {
        Conn {
            tcp,
            _place: place,
            idle,
            last_read: Instant::now(),
            deadline: Box::pin(tokio::time::sleep(idle)),
        }
    }
}

impl Connected for Conn {
    type ConnectInfo = TcpConnectInfo;
    fn connect_info(&self) -> TcpConnectInfo {
        self.tcp.connect_info()
    }
}

impl AsyncRead for Conn {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        match Pin::new(&mut self.tcp).poll_read(cx, buf) {
            Poll::Ready(r) => {
                if buf.filled().len() > before {
                    self.last_read = Instant::now();
                }
                Poll::Ready(r)
            }
            Poll::Pending => loop {
                match self.deadline.as_mut().poll(cx) {
                    Poll::Pending => return Poll::Pending,
                    Poll::Ready(()) => {
                        let due = self.last_read + self.idle;
                        if due <= Instant::now() {
                            return Poll::Ready(Err(io::Error::new(
                                io::ErrorKind::TimedOut,
                                "nothing arrived within server.idle_timeout_ms",
                            )));
                        }
                        self.deadline.as_mut().reset(due.into());
                    }
                }
            },
        }
    }
}

impl AsyncWrite for Conn {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.tcp).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.tcp).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.tcp).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.tcp).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.tcp.is_write_vectored()
    }
}
