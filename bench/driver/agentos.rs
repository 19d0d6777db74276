//! AgentOS 2.1.10 under uvicorn (`bench/agentos_app.py`) on the same table: starting
//! it, a keep-alive HTTP/1.1 client for it, and comparing its documents with ours.

use std::process::Stdio;
use std::time::{Duration, Instant};

use serde_json::Value;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

use crate::sessions::BenchSession;
use crate::{Settings, TABLE};

/// uvicorn serving AgentOS, and a connection to it.
pub struct AgentOs {
    process: tokio::process::Child,
    pub pid: u32,
    http: HttpClient,
}

impl AgentOs {
    /// Starts uvicorn and waits (up to a minute) until it answers.
    pub async fn start(settings: &Settings, endpoint: &str) -> Self {
        let process = tokio::process::Command::new(&settings.python)
            .args(["-m", "uvicorn", "--app-dir"])
            .arg(settings.root.join("bench"))
            .args(["agentos_app:app", "--host", "127.0.0.1", "--port"])
            .arg(settings.agentos_port.to_string())
            .args(["--log-level", "warning", "--no-access-log"])
            .env("BENCH_DDB_ENDPOINT", endpoint)
            .env("BENCH_TABLE", TABLE)
            .env("AWS_ACCESS_KEY_ID", "local")
            .env("AWS_SECRET_ACCESS_KEY", "local")
            .env("AWS_DEFAULT_REGION", "us-east-1")
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .expect("start uvicorn");
        let pid = process.id().expect("pid");
        let http = HttpClient::connect(settings.agentos_port, Duration::from_secs(60)).await;
        AgentOs { process, pid, http }
    }

    /// GET of a session: status (0 when the connection failed) and body.
    pub async fn get(&mut self, session: &BenchSession) -> (u16, String) {
        self.http.get(&path_for(session)).await
    }

    pub async fn stop(mut self) {
        let _ = self.process.kill().await;
        let _ = self.process.wait().await;
    }
}

fn path_for(session: &BenchSession) -> String {
    format!(
        "/sessions/{}?type={}",
        session.session_id, session.session_type
    )
}

/// Whether our body and AgentOS's answer are the same document, and if not, how not.
pub fn compare(ours: &str, status: u16, theirs: &str) -> String {
    if status != 200 {
        return format!("no: AgentOS answered {status}");
    }
    let a: Value = match serde_json::from_str(ours) {
        Ok(v) => v,
        Err(e) => return format!("no: our body is not JSON ({e})"),
    };
    let mut b: Value = serde_json::from_str(theirs).expect("AgentOS JSON");
    if a == b {
        return "yes".into();
    }
    // AgentOS gives a message stored without an id a new random one on every request;
    // this service answers it without one (README). Compare without those ids.
    if let (Some(ours), Some(theirs)) = (
        a["chat_history"].as_array(),
        b["chat_history"].as_array_mut(),
    ) && ours.len() == theirs.len()
    {
        for (o, t) in ours.iter().zip(theirs.iter_mut()) {
            if o.get("id").is_none()
                && let Some(t) = t.as_object_mut()
            {
                t.shift_remove("id");
            }
        }
        if a == b {
            return "yes, but for the random ids AgentOS gives messages stored without one".into();
        }
    }
    let (Some(a), Some(b)) = (a.as_object(), b.as_object()) else {
        return "no".into();
    };
    let mut differing: Vec<&str> = a
        .keys()
        .chain(b.keys())
        .filter(|k| a.get(*k) != b.get(*k))
        .map(String::as_str)
        .collect();
    differing.sort_unstable();
    differing.dedup();
    format!("no: differs in {differing:?}")
}

// ---------------------------------------------------------------------------------------
// A keep-alive HTTP/1.1 client for AgentOS (uvicorn answers with Content-Length)

struct HttpClient {
    stream: BufReader<TcpStream>,
}

impl HttpClient {
    async fn connect(port: u16, patience: Duration) -> Self {
        let until = Instant::now() + patience;
        loop {
            if let Ok(stream) = TcpStream::connect(("127.0.0.1", port)).await {
                stream.set_nodelay(true).unwrap();
                let mut client = HttpClient {
                    stream: BufReader::new(stream),
                };
                let (status, _) = client.get("/health").await;
                if status != 0 {
                    return client;
                }
            }
            assert!(Instant::now() < until, "AgentOS did not start");
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    async fn get(&mut self, path: &str) -> (u16, String) {
        let request = format!("GET {path} HTTP/1.1\r\nhost: 127.0.0.1\r\naccept: */*\r\n\r\n");
        if self
            .stream
            .get_mut()
            .write_all(request.as_bytes())
            .await
            .is_err()
        {
            return (0, String::new());
        }
        let mut line = String::new();
        let mut status = 0;
        let mut length = 0usize;
        loop {
            line.clear();
            if self.stream.read_line(&mut line).await.unwrap_or(0) == 0 {
                return (0, String::new());
            }
            let trimmed = line.trim_end();
            if trimmed.is_empty() {
                break;
            }
            if let Some(rest) = trimmed.strip_prefix("HTTP/1.1 ") {
                status = rest[..3].parse().unwrap_or(0);
            } else if let Some((name, value)) = trimmed.split_once(':')
                && name.eq_ignore_ascii_case("content-length")
            {
                length = value.trim().parse().unwrap_or(0);
            }
        }
        let mut body = vec![0; length];
        self.stream.read_exact(&mut body).await.expect("body");
        (status, String::from_utf8_lossy(&body).into_owned())
    }
}
