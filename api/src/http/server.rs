//! The accept loop, on hyper's HTTP/1 rather than `axum::serve` (which can set
//! no timeouts): a header-read timeout, a cap on open connections, WebSocket
//! upgrades and a graceful shutdown.
//!
//! hyper 1.12 starts its header-read timer whenever a connection waits for a
//! request head (`Conn::poll_read_head`), including a kept-alive connection
//! between two requests, so the one timeout closes both a half-sent head and
//! an idle connection; a half-sent body is bounded by the request timeout.

use axum::Router;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, watch};

/// Largest request head, and the most a connection buffers: a head is 1–4 KiB
/// (an OIDC token is the largest part); hyper's default (~400 KiB) would let
/// 10,000 half-sent heads hold 4 GiB. Over it: 431.
pub const MAX_HEAD_BYTES: usize = 64 * 1024;
/// Open files kept for other things than client connections: the database
/// pool, SQLite's files, the listener, outgoing HTTPS to the SSO servers, logs.
pub const RESERVED_FILES: usize = 256;
/// The open-file limit asked for at start, when the hard limit allows it.
const WANTED_OPEN_FILES: u64 = 1 << 20;

/// Resolves once the server starts shutting down; sockets and connections
/// watch it to close.
#[derive(Clone)]
pub struct Stopping(watch::Receiver<bool>);

impl Stopping {
    pub async fn wait(&mut self) {
        // A dropped sender means the server is gone: stop as well.
        let _ = self.0.wait_for(|stopping| *stopping).await;
    }
}

/// The sender that starts a shutdown, and what everyone else watches.
pub fn stop_signal() -> (watch::Sender<bool>, Stopping) {
    let (tx, rx) = watch::channel(false);
    (tx, Stopping(rx))
}

/// What the accept loop needs from the configuration.
#[derive(Clone, Copy, Debug)]
pub struct Listening {
    pub header_read_timeout: Duration,
    pub max_connections: usize,
}

/// Accepts until `signal`, then tells every connection and socket to finish
/// (in-flight requests complete) and waits until all have closed.
pub async fn run(
    listener: TcpListener,
    router: Router,
    listening: Listening,
    stop: watch::Sender<bool>,
    signal: impl Future<Output = ()> + Send + 'static,
) -> io::Result<()> {
    let max = usable_connections(listening.max_connections);
    let permits = Arc::new(Semaphore::new(max));
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(listening.header_read_timeout)
        .keep_alive(true)
        // The first refuses a complete head that is too large, the second stops buffering an incomplete one.
        .max_header_size(MAX_HEAD_BYTES)
        .max_buf_size(MAX_HEAD_BYTES);
    let stopping = Stopping(stop.subscribe());
    tokio::pin!(signal);
    loop {
        // At the cap, stop accepting: the kernel's backlog holds newcomers until one closes.
        let permit = tokio::select! {
            biased;
            () = &mut signal => break,
            permit = permits.clone().acquire_owned() => match permit {
                Ok(permit) => permit,
                Err(_) => break,
            },
        };
        let tcp = tokio::select! {
            biased;
            () = &mut signal => break,
            accepted = listener.accept() => match accepted {
                Ok((tcp, _)) => tcp,
                Err(error) => {
                    if !is_connection_error(&error) {
                        // Out of files, say: wait for some to close rather than spin.
                        tracing::warn!(%error, "cannot accept a connection");
                        tokio::time::sleep(Duration::from_millis(100)).await;
                    }
                    continue;
                }
            },
        };
        // Answers leave at once rather than wait on Nagle's algorithm for an ACK.
        if let Err(error) = tcp.set_nodelay(true) {
            tracing::debug!(%error, "cannot set TCP_NODELAY");
        }
        let io = TokioIo::new(Counted { tcp, _permit: permit });
        let connection = http
            .serve_connection(io, TowerToHyperService::new(router.clone()))
            .with_upgrades();
        let mut stopping = stopping.clone();
        tokio::spawn(async move {
            tokio::pin!(connection);
            let result = tokio::select! {
                result = connection.as_mut() => result,
                () = stopping.wait() => {
                    connection.as_mut().graceful_shutdown();
                    connection.await
                }
            };
            if let Err(error) = result {
                tracing::debug!(%error, "a connection ended with an error");
            }
        });
    }
    let _ = stop.send(true);
    drop(listener);
    // Every connection and socket holds a permit until it closes.
    let all = u32::try_from(max).unwrap_or(u32::MAX);
    let _ = permits.acquire_many(all).await;
    Ok(())
}

/// Errors of one connection that the accept loop can ignore.
fn is_connection_error(error: &io::Error) -> bool {
    matches!(
        error.kind(),
        io::ErrorKind::ConnectionRefused | io::ErrorKind::ConnectionAborted | io::ErrorKind::ConnectionReset
    )
}

/// The configured cap, lowered to fit the open-file limit (raised first).
fn usable_connections(configured: usize) -> usize {
    let usable = match raise_open_file_limit() {
        Ok((before, now)) => {
            let fit = now.saturating_sub(RESERVED_FILES).max(RESERVED_FILES);
            if now > before {
                tracing::info!("open-file limit raised from {before} to {now}");
            }
            if fit < configured {
                tracing::warn!(
                    "the open-file limit ({now}) allows {fit} connections, not the configured {configured}: raise `ulimit -n`"
                );
            }
            configured.min(fit)
        }
        Err(error) => {
            tracing::warn!(%error, "cannot read the open-file limit");
            configured
        }
    };
    tracing::info!("at most {usable} connections at once");
    usable
}

/// Raises the soft limit on open files to the hard one (default soft limits,
/// often 1,024, are exhausted by idle sockets long before memory is); returns
/// the soft limit before and after.
#[cfg(unix)]
fn raise_open_file_limit() -> io::Result<(usize, usize)> {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: getrlimit writes one `rlimit` through a pointer to a live local.
    if unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut limit) } != 0 {
        return Err(io::Error::last_os_error());
    }
    let as_usize = |value: libc::rlim_t| usize::try_from(value).unwrap_or(usize::MAX);
    let before = limit.rlim_cur;
    let wanted = limit.rlim_max.min(WANTED_OPEN_FILES as libc::rlim_t);
    if wanted <= before {
        return Ok((as_usize(before), as_usize(before)));
    }
    let raised = libc::rlimit {
        rlim_cur: wanted,
        rlim_max: limit.rlim_max,
    };
    // SAFETY: setrlimit reads one `rlimit` through a pointer to a live local.
    if unsafe { libc::setrlimit(libc::RLIMIT_NOFILE, &raised) } != 0 {
        tracing::debug!(error = %io::Error::last_os_error(), "cannot raise the open-file limit");
        return Ok((as_usize(before), as_usize(before)));
    }
    Ok((as_usize(before), as_usize(wanted)))
}

#[cfg(not(unix))]
fn raise_open_file_limit() -> io::Result<(usize, usize)> {
    Err(io::Error::other("not a unix"))
}

/// A client's TCP stream holding its place under the connection cap; after
/// a WebSocket upgrade the socket owns it, so sockets count too.
struct Counted {
    tcp: TcpStream,
    _permit: OwnedSemaphorePermit,
}

impl AsyncRead for Counted {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().tcp).poll_read(cx, buf)
    }
}

impl AsyncWrite for Counted {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().tcp).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().tcp).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().tcp).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().tcp).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.tcp.is_write_vectored()
    }
}
