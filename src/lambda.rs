//! The Lambda entry point: one handler for HTTP events from every source and for
//! direct invocations, told apart by the event itself.

use lambda_http::request::RequestContext;
use lambda_http::{Body, Request, RequestExt, Response};

use crate::invoke::{self, InvocationError};
use crate::service::App;
use crate::store::SessionStore;

/// HTTP events get HTTP answers (errors included); a direct invocation gets the
/// document as its result, or a function error.
pub async fn handle<S: SessionStore>(
    app: &App<S>,
    request: Request,
) -> Result<Response<Body>, InvocationError> {
    if matches!(
        request.request_context_ref(),
        Some(RequestContext::PassThrough)
    ) {
        let document = invoke::handle(app, request.body()).await?;
        // The runtime returns a pass-through body as the invocation's JSON result.
        let text = String::from_utf8(document).map_err(|_| InvocationError {
            error_type: "CorruptSession",
            message: "the rendered document is not UTF-8".into(),
        })?;
        return Ok(Response::new(Body::Text(text)));
    }
    Ok(crate::http::handle(app, &request).await)
}
