//! The runtime loop: polls the Lambda Runtime API, answers each invocation with
//! [`handle_event`], and stops cleanly on SIGTERM.
//!
//! Not `lambda_runtime::Runtime`: it calls `std::env::set_var("_X_AMZN_TRACE_ID", …)`
//! on every invocation so that the AWS SDK can read the X-Ray trace id, and glibc never
//! frees a replaced environment value (about 150–180 bytes an invocation, ~15 MB per
//! 100,000 on one instance). Here the trace id reaches the SDK through the store
//! ([`crate::store::with_trace_id`]), and the environment is never written.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::Arc;
use std::task::Poll;

use bytes::Bytes;
use http_body::{Frame, SizeHint};

use futures_util::FutureExt;
use http_body_util::BodyExt;
use lambda_http::http::{HeaderMap, HeaderValue, Method, Request, Uri};
use lambda_http::lambda_runtime::{Config, Context, Diagnostic, LambdaEvent};
use lambda_runtime_api_client::body::Body;
use lambda_runtime_api_client::{Client, build_request};
use tokio::signal::unix::{SignalKind, signal};

use super::{handle_event, read_event};
use crate::operation::App;
use crate::store::{SessionStore, with_trace_id};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

const REQUEST_ID: &str = "lambda-runtime-aws-request-id";
const INVOCATION_ID: &str = "lambda-runtime-invocation-id";
const DEADLINE: &str = "lambda-runtime-deadline-ms";

/// Serves invocations until the Runtime API fails or SIGTERM arrives (Lambda sends it
/// before shutting an instance down when an extension is registered).
pub async fn run<S: SessionStore>(app: &App<S>) -> Result<(), BoxError> {
    let client = Client::builder().build()?;
    let config = Arc::new(Config::from_env());
    let mut terminate = signal(SignalKind::terminate())?;
    loop {
        let next = tokio::select! {
            biased;
            _ = terminate.recv() => {
                shut_down();
                return Ok(());
            }
            next = client.call(get("/2018-06-01/runtime/invocation/next")?) => next?,
        };
        let (parts, body) = next.into_parts();
        let body = body.collect().await?.to_bytes();
        if !parts.status.is_success() {
            return Err(format!("the Runtime API answered {} to /next", parts.status).into());
        }
        let mut headers = parts.headers;
        let request_id = headers
            .get(REQUEST_ID)
            .and_then(|v| v.to_str().ok())
            .ok_or("an invocation without a request id")?
            .to_owned();
        let invocation_id = headers.get(INVOCATION_ID).cloned();
        // `Context::new` panics without a deadline; Lambda always sends one.
        if !headers.contains_key(DEADLINE) {
            headers.insert(DEADLINE, HeaderValue::from_static("0"));
        }
        let outcome = invoke(app, &config, &request_id, &headers, &body).await;
        let request = match outcome {
            Ok(result) => post(&request_id, "response", invocation_id, result, None)?,
            Err(diagnostic) => post(
                &request_id,
                "error",
                invocation_id,
                vec![serde_json::to_vec(&diagnostic)?.into()],
                Some("Unhandled"),
            )?,
        };
        // The answer's body says nothing we act on, but is read to reuse the connection.
        client.call(request).await?.into_body().collect().await?;
    }
}

/// One invocation: the event read, answered and serialized, or the function error.
async fn invoke<S: SessionStore>(
    app: &App<S>,
    config: &Arc<Config>,
    request_id: &str,
    headers: &HeaderMap,
    body: &[u8],
) -> Result<Vec<Bytes>, Diagnostic> {
    let invalid = |message: &str| Diagnostic {
        error_type: "InvalidRequest".into(),
        error_message: message.into(),
    };
    let context = Context::new(request_id, config.clone(), headers)
        .map_err(|_| invalid("the invocation's context headers cannot be read"))?;
    let event = read_event(body).map_err(|_| {
        invalid(
            "the event is empty or not JSON: expected an HTTP event or {\"session_id\": \"...\"}",
        )
    })?;
    let trace_id = context.xray_trace_id.clone();
    let answer = with_trace_id(
        trace_id,
        handle_event(app, LambdaEvent::new(event, context)),
    );
    match AssertUnwindSafe(answer).catch_unwind().await {
        Ok(Ok(output)) => output.into_frames().map_err(|_| Diagnostic {
            error_type: "InternalError".into(),
            error_message: "the answer could not be serialized".into(),
        }),
        Ok(Err(error)) => Err(error.into()),
        // The panic hook (telemetry) has logged where; the message may quote data.
        Err(_) => Err(Diagnostic {
            error_type: "Panic".into(),
            error_message: "the handler panicked".into(),
        }),
    }
}

fn get(path: &'static str) -> Result<Request<Body>, BoxError> {
    Ok(build_request()
        .method(Method::GET)
        .uri(Uri::from_static(path))
        .body(Body::empty())?)
}

/// `/invocation/{id}/response` or `/invocation/{id}/error`.
fn post(
    request_id: &str,
    outcome: &str,
    invocation_id: Option<HeaderValue>,
    body: Vec<Bytes>,
    error_type: Option<&'static str>,
) -> Result<Request<Body>, BoxError> {
    let uri: Uri = format!("/2018-06-01/runtime/invocation/{request_id}/{outcome}").parse()?;
    let mut request = build_request().method(Method::POST).uri(uri);
    if let Some(id) = invocation_id {
        request = request.header(INVOCATION_ID, id);
    }
    if let Some(kind) = error_type {
        request = request.header("lambda-runtime-function-error-type", kind);
    }
    Ok(request.body(Body::new(Frames(body.into())))?)
}

/// A body sent as its pieces, in order, with its length known: hyper writes them with
/// one vectored write, so a big answer's history goes out without being copied into
/// one buffer with the rest (`Output::into_frames`).
struct Frames(VecDeque<Bytes>);

impl http_body::Body for Frames {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        Poll::Ready(self.0.pop_front().map(|piece| Ok(Frame::data(piece))))
    }

    fn is_end_stream(&self) -> bool {
        self.0.is_empty()
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.0.iter().map(|piece| piece.len() as u64).sum())
    }
}

/// Logs and metrics are written a line at a time, so nothing is held back; the flush
/// makes sure of it before the process ends.
fn shut_down() {
    use std::io::Write;
    tracing::info!("SIGTERM: shutting down");
    let _ = std::io::stdout().flush();
    let _ = std::io::stderr().flush();
}
