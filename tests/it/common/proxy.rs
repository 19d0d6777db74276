//! A small HTTP/1.1 proxy in front of DynamoDB Local that injects faults: it reads each
//! request whole, then forwards it, delays it, cuts the answer, answers an error of its
//! own, or is not there at all (connection refused). Every answer closes the
//! connection, so a changed mode applies to the very next request.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

#[derive(Debug, Clone, PartialEq)]
pub enum Mode {
    /// Pass requests to DynamoDB Local.
    Forward,
    /// Nobody listens: connections are refused.
    Down,
    /// Hold each request this long before forwarding it.
    Delay(Duration),
    /// Read the request, then close without answering.
    CloseWithoutAnswer,
    /// Forward, then send only the first half of DynamoDB's answer and close.
    CutAnswer,
    /// Answer this status with a DynamoDB error body of this `__type` (short name).
    Error(u16, &'static str),
    /// Answer 200 with a body that is not DynamoDB's JSON.
    Garbage,
    /// Answer 200 and stream this many bytes of one endless JSON string, with the
    /// length declared up front or (`false`) in chunks.
    Huge(usize, bool),
}

pub struct FaultProxy {
    pub addr: SocketAddr,
    upstream: SocketAddr,
    mode: Arc<Mutex<Mode>>,
    requests: Arc<AtomicUsize>,
    /// The `X-Amzn-Trace-Id` of every request seen (empty when absent).
    traces: Arc<Mutex<Vec<String>>>,
    accept: Mutex<Option<JoinHandle<()>>>,
}

impl FaultProxy {
    /// A proxy on a free loopback port in front of `upstream` (`http://host:port`).
    pub async fn start(upstream: &str) -> FaultProxy {
        let upstream: SocketAddr = upstream
            .trim_start_matches("http://")
            .trim_end_matches('/')
            .replace("localhost", "127.0.0.1")
            .parse()
            .expect("upstream is http://ip:port");
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let proxy = FaultProxy {
            addr: listener.local_addr().unwrap(),
            upstream,
            mode: Arc::new(Mutex::new(Mode::Forward)),
            requests: Arc::default(),
            traces: Arc::default(),
            accept: Mutex::new(None),
        };
        proxy.serve(listener);
        proxy
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The `X-Amzn-Trace-Id` headers seen since the last call, in order.
    pub fn take_traces(&self) -> Vec<String> {
        std::mem::take(&mut *self.traces.lock().unwrap())
    }

    /// Requests that reached the proxy since the last call.
    pub fn take_requests(&self) -> usize {
        self.requests.swap(0, Ordering::SeqCst)
    }

    pub async fn set_mode(&self, mode: Mode) {
        let listening = self.accept.lock().unwrap().is_some();
        match (&mode, listening) {
            (Mode::Down, true) => {
                if let Some(task) = self.accept.lock().unwrap().take() {
                    task.abort();
                }
                // Wait until the listener is closed, so the next connect is refused
                // (10 s at most: a busy machine may take its time to run the abort).
                for _ in 0..1000 {
                    if TcpStream::connect(self.addr).await.is_err() {
                        break;
                    }
                    tokio::time::sleep(Duration::from_millis(10)).await;
                }
            }
            (Mode::Down, false) | (_, true) => {}
            (_, false) => {
                let listener = TcpListener::bind(self.addr)
                    .await
                    .expect("rebind the proxy port");
                self.serve(listener);
            }
        }
        *self.mode.lock().unwrap() = mode;
    }

    fn serve(&self, listener: TcpListener) {
        let (mode, requests, upstream) = (self.mode.clone(), self.requests.clone(), self.upstream);
        let traces = self.traces.clone();
        let task = tokio::spawn(async move {
            loop {
                let Ok((client, _)) = listener.accept().await else {
                    continue;
                };
                let (mode, requests, traces) = (mode.clone(), requests.clone(), traces.clone());
                tokio::spawn(async move {
                    let _ = handle(client, upstream, mode, requests, traces).await;
                });
            }
        });
        *self.accept.lock().unwrap() = Some(task);
    }
}

impl Drop for FaultProxy {
    fn drop(&mut self) {
        if let Some(task) = self.accept.lock().unwrap().take() {
            task.abort();
        }
    }
}

async fn handle(
    mut client: TcpStream,
    upstream: SocketAddr,
    mode: Arc<Mutex<Mode>>,
    requests: Arc<AtomicUsize>,
    traces: Arc<Mutex<Vec<String>>>,
) -> std::io::Result<()> {
    let Some(request) = read_request(&mut client).await? else {
        return Ok(());
    };
    requests.fetch_add(1, Ordering::SeqCst);
    let trace = String::from_utf8_lossy(&request)
        .lines()
        .take_while(|line| !line.is_empty())
        .find_map(|line| {
            let (name, value) = line.split_once(':')?;
            name.eq_ignore_ascii_case("x-amzn-trace-id")
                .then(|| value.trim().to_owned())
        })
        .unwrap_or_default();
    traces.lock().unwrap().push(trace);
    let mode = mode.lock().unwrap().clone();
    match mode {
        Mode::Forward | Mode::Down => {
            let answer = forward(&request, upstream).await?;
            client.write_all(&answer).await?;
        }
        Mode::Delay(delay) => {
            tokio::time::sleep(delay).await;
            let answer = forward(&request, upstream).await?;
            client.write_all(&answer).await?;
        }
        Mode::CloseWithoutAnswer => {}
        Mode::CutAnswer => {
            let answer = forward(&request, upstream).await?;
            client.write_all(&answer[..answer.len() / 2]).await?;
        }
        Mode::Error(status, kind) => {
            let body = format!(
                r#"{{"__type":"com.amazonaws.dynamodb.v20120810#{kind}","message":"injected by the test proxy"}}"#
            );
            client.write_all(answer(status, &body).as_bytes()).await?;
        }
        Mode::Garbage => {
            client
                .write_all(answer(200, "<html>not json").as_bytes())
                .await?;
        }
        Mode::Huge(bytes, declared) => {
            let framing = if declared {
                format!("Content-Length: {bytes}")
            } else {
                "Transfer-Encoding: chunked".to_owned()
            };
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: application/x-amz-json-1.0\r\n\
                 x-amzn-RequestId: PROXY\r\n{framing}\r\n\r\n{{\"Item\":{{\"a\":{{\"S\":\""
            );
            client.write_all(head.as_bytes()).await?;
            let block = vec![b'x'; 64 * 1024];
            let mut sent = 0;
            // The client hangs up once it has read enough: that ends the stream.
            while sent < bytes {
                let result = if declared {
                    client.write_all(&block).await
                } else {
                    let size = format!("{:x}\r\n", block.len());
                    match client.write_all(size.as_bytes()).await {
                        Ok(()) => match client.write_all(&block).await {
                            Ok(()) => client.write_all(b"\r\n").await,
                            Err(e) => Err(e),
                        },
                        Err(e) => Err(e),
                    }
                };
                if result.is_err() {
                    return Ok(());
                }
                sent += block.len();
            }
        }
    }
    client.shutdown().await
}

fn answer(status: u16, body: &str) -> String {
    format!(
        "HTTP/1.1 {status} Injected\r\nContent-Type: application/x-amz-json-1.0\r\n\
         x-amzn-RequestId: PROXY\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
}

/// One request: head and `Content-Length` body, with `Connection: close` put in.
async fn read_request(client: &mut TcpStream) -> std::io::Result<Option<Vec<u8>>> {
    let mut buffer = Vec::new();
    let mut chunk = [0u8; 8192];
    let head_end = loop {
        if let Some(i) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        let n = client.read(&mut chunk).await?;
        if n == 0 {
            return Ok(None);
        }
        buffer.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buffer[..head_end]).into_owned();
    let length: usize = head
        .lines()
        .find_map(|line| {
            let (name, value) = line.split_once(':')?;
            name.eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse().ok())?
        })
        .unwrap_or(0);
    while buffer.len() < head_end + length {
        let n = client.read(&mut chunk).await?;
        if n == 0 {
            return Ok(None);
        }
        buffer.extend_from_slice(&chunk[..n]);
    }
    let mut lines: Vec<&str> = head
        .trim_end()
        .split("\r\n")
        .filter(|line| !line.to_ascii_lowercase().starts_with("connection:"))
        .collect();
    lines.push("Connection: close");
    let mut request = format!("{}\r\n\r\n", lines.join("\r\n")).into_bytes();
    request.extend_from_slice(&buffer[head_end..head_end + length]);
    Ok(Some(request))
}

async fn forward(request: &[u8], upstream: SocketAddr) -> std::io::Result<Vec<u8>> {
    let mut server = TcpStream::connect(upstream).await?;
    server.write_all(request).await?;
    let mut answer = Vec::new();
    server.read_to_end(&mut answer).await?;
    Ok(answer)
}
