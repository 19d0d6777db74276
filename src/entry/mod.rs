//! The Lambda entry: the runtime loop (`runtime`), and for each raw event the runtime's
//! answer. HTTP events from every source (API Gateway REST and HTTP APIs, Function URLs,
//! ALB) are checked first (`guard`), converted by `lambda_http`, routed (`http`) and
//! answered; direct invocations (`direct`) get the document or a function error.
//! Nothing a hostile event carries can make it panic on the way.

mod answer;
mod convert;
mod direct;
mod encode;
mod event;
pub use encode::escape_into;
pub use event::read_event;
mod guard;
mod http;
mod limits;
mod runtime;

use std::ops::Range;
use std::panic::AssertUnwindSafe;
use std::time::Instant;

use lambda_http::http::{HeaderMap, HeaderValue, header};
use lambda_http::request::{LambdaRequest, RequestContext, RequestOrigin};
use lambda_http::{Body, LambdaEvent, Request, RequestExt, Response};
use serde_json::value::RawValue;

pub use answer::SourceResponse;
pub use direct::InvocationError;
pub use guard::MAX_TARGET_BYTES;
pub use runtime::run;

use crate::error::Error;
use crate::operation::App;
use crate::store::SessionStore;
use crate::telemetry::{self, RequestRecord};
use crate::web::{self, EscapedPart};

/// What the runtime sends back: an HTTP answer in the event source's format, or a
/// direct invocation's document. [`Output::into_json`] writes it (and is the only
/// writer: the body goes last, escaped there).
#[derive(Debug)]
pub enum Output {
    /// An HTTP event's answer, routed by [`dispatch`] or refused before (see `guard`),
    /// and where in its text body a part is written escaped already (copied as it is).
    Http(Box<SourceResponse>, Option<Range<usize>>),
    /// A direct invocation's result: the document itself.
    Document(Box<RawValue>),
}

/// Answers one invocation, as `main` runs it: HTTP events from every source and direct
/// invocations. The event becomes a request as `lambda_http`'s adapter makes it, and
/// the answer is written as the adapter writes it, but without reading a direct
/// invocation's document into a tree and out again.
pub async fn handle_event<S: SessionStore>(
    app: &App<S>,
    event: LambdaEvent<LambdaRequest>,
) -> Result<Output, InvocationError> {
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
    let plain_uri = match prepared {
        Ok(plain_uri) => plain_uri,
        Err(error) => {
            tracing::info!(status = error.status(), detail = %error, "HTTP event refused before routing");
            return Ok(refuse(app, &payload, &origin, &error));
        }
    };
    // Kept to answer (with CORS) should the conversion panic after all.
    let origin_header = guard::headers(&payload)
        .and_then(|h| h.get(header::ORIGIN))
        .cloned();
    let converted = std::panic::catch_unwind(AssertUnwindSafe(|| {
        let mut request = convert::into_request(payload, plain_uri);
        if let Some(trace_id) = context.xray_trace_id.as_deref()
            && let Ok(value) = HeaderValue::from_str(trace_id)
        {
            request.headers_mut().insert("x-amzn-trace-id", value);
        }
        request.with_lambda_context(context)
    }));
    let Ok(request) = converted else {
        tracing::error!("an HTTP event could not be converted into a request");
        let mut headers = HeaderMap::new();
        if let Some(value) = origin_header {
            headers.insert(header::ORIGIN, value);
        }
        let refused = answer::refused(&app.config, &headers, &origin, &guard::invalid());
        return Ok(Output::Http(Box::new(refused), None));
    };
    let mut response = route(app, request).await?;
    if matches!(origin, RequestOrigin::PassThrough) {
        response = web::plain_body(response);
        // `lambda_http` answers a body that is not JSON with `null`.
        let document = match response.into_body() {
            Body::Text(text) => RawValue::from_string(text).ok(),
            _ => None,
        };
        return Ok(Output::Document(document.unwrap_or_else(|| {
            RawValue::from_string("null".into()).expect("null is JSON")
        })));
    }
    let response = answer::as_lambda_http_converts(response);
    let escaped = match (response.extensions().get::<EscapedPart>(), response.body()) {
        (Some(EscapedPart(range)), Body::Text(_)) => Some(range.clone()),
        _ => None,
    };
    Ok(Output::Http(
        Box::new(answer::in_source_format(&origin, response)),
        escaped,
    ))
}

fn refuse<S>(app: &App<S>, event: &LambdaRequest, origin: &RequestOrigin, error: &Error) -> Output {
    // Only HTTP events are refused, and they have headers.
    let none = HeaderMap::new();
    let headers = guard::headers(event).unwrap_or(&none);
    Output::Http(
        Box::new(answer::refused(&app.config, headers, origin, error)),
        None,
    )
}

/// One converted event: HTTP events get HTTP answers (errors included); a direct
/// invocation gets the document as its result, or a function error. Each request is
/// logged once, with its metrics.
pub async fn dispatch<S: SessionStore>(
    app: &App<S>,
    request: Request,
) -> Result<Response<Body>, InvocationError> {
    route(app, request).await.map(web::plain_body)
}

/// [`dispatch`], a document's body possibly held with an escaped part
/// ([`EscapedPart`]), for [`Output::into_json`] to copy as it is.
async fn route<S: SessionStore>(
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
