//! X-Ray propagation to DynamoDB without the environment: the runtime loop runs each
//! invocation inside [`with_trace_id`], and [`TraceHeader`] puts the id on every
//! request the SDK sends for it (what the SDK's recursion-detection interceptor does
//! from `_X_AMZN_TRACE_ID`, which is never set here: see `entry::runtime`).

use std::future::Future;

use aws_sdk_dynamodb::config::interceptors::BeforeTransmitInterceptorContextMut;
use aws_sdk_dynamodb::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_smithy_runtime_api::box_error::BoxError;
use percent_encoding::{CONTROLS, percent_encode};

tokio::task_local! {
    static TRACE_ID: Option<String>;
}

/// Runs `future` (one invocation) with its X-Ray trace id, for the requests it sends.
pub async fn with_trace_id<F: Future>(trace_id: Option<String>, future: F) -> F::Output {
    TRACE_ID.scope(trace_id, future).await
}

const TRACE_ID_HEADER: &str = "x-amzn-trace-id";

/// Sets `X-Amzn-Trace-Id` from the invocation's trace id.
#[derive(Debug, Default)]
pub(super) struct TraceHeader;

impl Intercept for TraceHeader {
    fn name(&self) -> &'static str {
        "TraceHeader"
    }

    fn modify_before_signing(
        &self,
        context: &mut BeforeTransmitInterceptorContextMut<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let trace_id = TRACE_ID.try_with(Clone::clone).ok().flatten();
        let headers = context.request_mut().headers_mut();
        if let Some(trace_id) = trace_id
            && !headers.contains_key(TRACE_ID_HEADER)
        {
            // As the SDK encodes it: control characters percent-encoded.
            let value = percent_encode(trace_id.as_bytes(), CONTROLS).to_string();
            let _ = headers.try_insert(TRACE_ID_HEADER, value);
        }
        Ok(())
    }
}
