//! The Lambda entry: a raw event in, the runtime's answer out. HTTP events from every
//! source (API Gateway REST and HTTP APIs, Function URLs, ALB) are checked first
//! (`guard`), converted by `lambda_http`, routed (`http`) and answered; direct
//! invocations (`direct`) get the document or a function error. Nothing a hostile event
//! carries can make it panic on the way.

mod answer;
mod direct;
mod guard;
mod http;
mod limits;

use std::panic::AssertUnwindSafe;
use std::time::Instant;

use lambda_http::http::{HeaderMap, header};
use lambda_http::lambda_runtime::layers::TracingLayer;
use lambda_http::lambda_runtime::tower::Layer;
use lambda_http::lambda_runtime::{LambdaInvocation, Runtime};
use lambda_http::request::{LambdaRequest, RequestContext, RequestOrigin};
use lambda_http::{Adapter, Body, LambdaEvent, Request, RequestExt, Response, Service, service_fn};
use serde::Serialize;

pub use answer::SourceResponse;
pub use direct::InvocationError;
pub use guard::MAX_TARGET_BYTES;

use crate::error::Error;
use crate::operation::App;
use crate::store::SessionStore;
use crate::telemetry::{self, RequestRecord};

/// What the runtime sends back: the handler's answer in the event source's format (or
/// a direct invocation's document), or an HTTP event answered before conversion.
#[derive(Debug, Serialize)]
#[serde(untagged)]
pub enum Output<T> {
    /// Converted by `lambda_http` and answered by [`dispatch`].
    Handled(T),
    /// Refused before conversion (see `guard`).
    Refused(Box<SourceResponse>),
}

/// The runtime loop `main` runs: every invocation answered by [`handle_event`], events
/// that are not JSON included (see [`JsonEvents`]).
pub async fn run<S: SessionStore>(app: &App<S>) -> Result<(), lambda_http::Error> {
    // Not `lambda_http::run`: `handle_event` checks each HTTP event before `lambda_http`
    // converts it, since that conversion panics on some inputs.
    Runtime::new(service_fn(move |event| handle_event(app, event)))
        .layer(TracingLayer::new())
        .layer(JsonEventsLayer)
        .run()
        .await
}

/// Events that are not JSON (empty, or other bytes) would fail in the runtime's own
/// deserializer, before the handler, and come back as a function error named after a
/// Rust type. This layer, outermost, hands them on as a marker the direct-invocation
/// parser answers with `InvalidRequest`.
#[derive(Clone, Copy)]
struct JsonEventsLayer;

impl<S> Layer<S> for JsonEventsLayer {
    type Service = JsonEvents<S>;

    fn layer(&self, inner: S) -> JsonEvents<S> {
        JsonEvents(inner)
    }
}

/// See [`JsonEventsLayer`].
struct JsonEvents<S>(S);

impl<S: Service<LambdaInvocation>> Service<LambdaInvocation> for JsonEvents<S> {
    type Response = S::Response;
    type Error = S::Error;
    type Future = S::Future;

    fn poll_ready(
        &mut self,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<(), S::Error>> {
        self.0.poll_ready(cx)
    }

    fn call(&mut self, mut invocation: LambdaInvocation) -> S::Future {
        if serde_json::from_slice::<serde::de::IgnoredAny>(&invocation.body).is_err() {
            invocation.body = bytes::Bytes::from_static(direct::NOT_JSON);
        }
        self.0.call(invocation)
    }
}

/// Answers one invocation, as `main` runs it: HTTP events from every source and direct
/// invocations.
pub async fn handle_event<S: SessionStore>(
    app: &App<S>,
    event: LambdaEvent<LambdaRequest>,
) -> Result<Output<impl Serialize + use<S>>, InvocationError> {
    let LambdaEvent {
        mut payload,
        context,
    } = event;
    let origin = payload.request_origin();
    // The checks read the event through `aws_lambda_events`' own types, which may panic
    // too: a panic there is a refused event, like one in the conversion below.
    let prepared = std::panic::catch_unwind(AssertUnwindSafe(|| guard::prepare(&mut payload)))
        .unwrap_or_else(|_| {
            tracing::error!("an HTTP event could not be checked");
            Err(guard::invalid())
        });
    if let Err(error) = prepared {
        tracing::info!(status = error.status(), detail = %error, "HTTP event refused before routing");
        return Ok(refuse(app, &payload, &origin, &error));
    }
    let mut adapter = Adapter::from(service_fn(|request| dispatch(app, request)));
    // Kept to answer (with CORS) should the conversion panic after all.
    let origin_header = guard::headers(&payload)
        .and_then(|h| h.get(header::ORIGIN))
        .cloned();
    let call = std::panic::catch_unwind(AssertUnwindSafe(|| {
        adapter.call(LambdaEvent::new(payload, context))
    }));
    match call {
        Ok(answer) => answer.await.map(Output::Handled),
        Err(_) => {
            tracing::error!("an HTTP event could not be converted into a request");
            let mut headers = HeaderMap::new();
            if let Some(value) = origin_header {
                headers.insert(header::ORIGIN, value);
            }
            let mut response = answer::error(&guard::invalid());
            answer::finish(&app.config, &headers, &mut response);
            Ok(Output::Refused(Box::new(answer::in_source_format(
                &origin, response,
            ))))
        }
    }
}

fn refuse<S, T>(
    app: &App<S>,
    event: &LambdaRequest,
    origin: &RequestOrigin,
    error: &Error,
) -> Output<T> {
    let mut response = answer::error(error);
    if let Some(headers) = guard::headers(event) {
        answer::finish(&app.config, headers, &mut response);
    }
    Output::Refused(Box::new(answer::in_source_format(origin, response)))
}

/// One converted event: HTTP events get HTTP answers (errors included); a direct
/// invocation gets the document as its result, or a function error. Each request is
/// logged once, with its metrics.
pub async fn dispatch<S: SessionStore>(
    app: &App<S>,
    request: Request,
) -> Result<Response<Body>, InvocationError> {
    let started = Instant::now();
    let mut record = RequestRecord {
        request_id: request
            .lambda_context_ref()
            .map(|c| c.request_id.clone())
            .unwrap_or_default(),
        ..Default::default()
    };
    let result = if matches!(
        request.request_context_ref(),
        Some(RequestContext::PassThrough)
    ) {
        direct::handle(app, request.body(), &mut record)
            .await
            .map(|document| {
                record.response_bytes = document.len();
                // The runtime returns a pass-through body as the invocation's JSON result.
                Response::new(Body::Text(document))
            })
    } else {
        Ok(http::handle(app, &request, &mut record).await)
    };
    record.latency = started.elapsed();
    telemetry::record(app.config.metrics_namespace.as_deref(), &record);
    result
}
