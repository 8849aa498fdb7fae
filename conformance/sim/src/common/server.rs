//! Serving a simulator router on loopback.
//!
//! Each accepted connection is wrapped so that the fault layer can reset it: every request
//! carries a [`ConnectionHandle`] (as `ConnectInfo<ConnectionHandle>`), and
//! [`ConnectionHandle::reset`] makes the connection fail its next read or write, set
//! `SO_LINGER` to 0 and close — the client receives a TCP RST and not one byte of an answer.

use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};

use axum::extract::connect_info::Connected;
use axum::serve::{IncomingStream, Listener};
use axum::Router;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// The connection a request arrived on, found in the request's extensions as
/// `axum::extract::ConnectInfo<ConnectionHandle>` when the router is served by
/// [`RunningServer`].
#[derive(Debug, Clone)]
pub struct ConnectionHandle {
    remote: SocketAddr,
    reset: Arc<AtomicBool>,
}

impl ConnectionHandle {
    /// The client's address.
    pub fn remote_addr(&self) -> SocketAddr {
        self.remote
    }

    /// Reset the connection: its next read or write fails, and it is closed with `SO_LINGER`
    /// 0, so the client gets a TCP RST instead of an answer.
    pub fn reset(&self) {
        self.reset.store(true, Ordering::SeqCst);
    }
}

/// A TCP listener whose connections can be reset by the fault layer.
#[derive(Debug)]
struct ResettableListener(TcpListener);

/// A TCP stream that fails (and will close with an RST) once its handle was reset.
#[derive(Debug)]
struct ResettableStream {
    inner: TcpStream,
    reset: Arc<AtomicBool>,
    remote: SocketAddr,
}

impl ResettableStream {
    /// `Some(error)` once the connection was reset; arranges for the close to send an RST.
    fn check(&self) -> Option<io::Error> {
        if !self.reset.load(Ordering::SeqCst) {
            return None;
        }
        let _ = self.inner.set_zero_linger();
        Some(io::Error::new(
            io::ErrorKind::ConnectionReset,
            "connection reset by fault injection",
        ))
    }
}

impl AsyncRead for ResettableStream {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        if let Some(e) = self.check() {
            return Poll::Ready(Err(e));
        }
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl AsyncWrite for ResettableStream {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        if let Some(e) = self.check() {
            return Poll::Ready(Err(e));
        }
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        if let Some(e) = self.check() {
            return Poll::Ready(Err(e));
        }
        Pin::new(&mut self.inner).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if let Some(e) = self.check() {
            return Poll::Ready(Err(e));
        }
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        if let Some(e) = self.check() {
            return Poll::Ready(Err(e));
        }
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

impl Listener for ResettableListener {
    type Io = ResettableStream;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        let (stream, addr) = Listener::accept(&mut self.0).await;
        let io = ResettableStream {
            inner: stream,
            reset: Arc::new(AtomicBool::new(false)),
            remote: addr,
        };
        (io, addr)
    }

    fn local_addr(&self) -> io::Result<Self::Addr> {
        self.0.local_addr()
    }
}

impl Connected<IncomingStream<'_, ResettableListener>> for ConnectionHandle {
    fn connect_info(stream: IncomingStream<'_, ResettableListener>) -> Self {
        let io = stream.io();
        ConnectionHandle {
            remote: io.remote,
            reset: io.reset.clone(),
        }
    }
}

/// A router served on a local address until dropped or shut down.
#[derive(Debug)]
pub struct RunningServer {
    addr: SocketAddr,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl RunningServer {
    /// Serve `router` on `bind` (use port 0 for a free port).
    pub async fn start(router: Router, bind: SocketAddr) -> std::io::Result<Self> {
        let listener = TcpListener::bind(bind).await?;
        let addr = listener.local_addr()?;
        let listener = ResettableListener(listener);
        let service = router.into_make_service_with_connect_info::<ConnectionHandle>();
        let (tx, rx) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, service)
                .with_graceful_shutdown(async {
                    let _ = rx.await;
                })
                .await;
        });
        Ok(Self {
            addr,
            shutdown: Some(tx),
            task: Some(task),
        })
    }

    /// The address actually bound.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT` for this server.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stop accepting connections and wait for the server task to end.
    pub async fn shutdown(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for RunningServer {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}
