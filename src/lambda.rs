//! The Lambda entry point: one handler for HTTP events from every source and for
//! direct invocations, told apart by the event itself.

use std::time::Instant;

use lambda_http::request::RequestContext;
use lambda_http::{Body, Request, RequestExt, Response};

use crate::invoke::{self, InvocationError};
use crate::service::App;
use crate::store::SessionStore;
use crate::telemetry::{self, RequestRecord};

/// HTTP events get HTTP answers (errors included); a direct invocation gets the
/// document as its result, or a function error. Each request is logged once.
pub async fn handle<S: SessionStore>(
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
        invoke::handle(app, request.body(), &mut record)
            .await
            .map(|document| {
                record.response_bytes = document.len();
                // The runtime returns a pass-through body as the invocation's JSON result.
                Response::new(Body::Text(document))
            })
    } else {
        Ok(crate::http::handle(app, &request, &mut record).await)
    };
    record.latency = started.elapsed();
    telemetry::record(app.config.metrics_namespace.as_deref(), &record);
    result
}
