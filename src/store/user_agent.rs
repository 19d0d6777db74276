//! The SDK's `User-Agent` and `X-Amz-User-Agent` headers, built once per store.
//!
//! The SDK's `UserAgentInterceptor` rebuilds both on every request: it reads the
//! environment, collects the config's features, and formats two strings (about 30 K
//! instructions, 6 % of a small session's `GetItem`). Here they cannot change between
//! requests: one configuration, an environment nobody writes (see `entry::runtime`),
//! and operations without per-call features (no paginators, no waiters). So the first
//! request's headers are kept, and every later request sends them again with the
//! SDK's interceptor switched off for it.

use std::sync::OnceLock;

use aws_runtime::user_agent::UserAgentInterceptor;
use aws_sdk_dynamodb::config::interceptors::{
    BeforeSerializationInterceptorContextRef, BeforeTransmitInterceptorContextMut,
    BeforeTransmitInterceptorContextRef,
};
use aws_sdk_dynamodb::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::disable_interceptor;
use aws_smithy_types::config_bag::{Storable, StoreReplace};

const USER_AGENT: &str = "user-agent";
const X_AMZ_USER_AGENT: &str = "x-amz-user-agent";

/// Keeps the first request's user-agent headers and sends them on every later one.
#[derive(Debug, Default)]
pub(super) struct KeptUserAgent {
    headers: OnceLock<Headers>,
}

/// The two header values, in the config bag of a request that sends them.
#[derive(Debug, Clone)]
struct Headers {
    user_agent: String,
    x_amz_user_agent: String,
}

impl Storable for Headers {
    type Storer = StoreReplace<Self>;
}

impl Intercept for KeptUserAgent {
    fn name(&self) -> &'static str {
        "KeptUserAgent"
    }

    fn read_before_execution(
        &self,
        _context: &BeforeSerializationInterceptorContextRef<'_>,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        // Decided once per request, so a request that starts before the headers are
        // kept (two at once, as the 3.x runs-table read) gets the SDK's own.
        if let Some(headers) = self.headers.get() {
            let state = cfg.interceptor_state();
            state.store_put(headers.clone());
            state.store_put(disable_interceptor::<UserAgentInterceptor>(
                "the first request's user agent is sent again",
            ));
        }
        Ok(())
    }

    fn modify_before_signing(
        &self,
        context: &mut BeforeTransmitInterceptorContextMut<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if let Some(kept) = cfg.load::<Headers>() {
            let headers = context.request_mut().headers_mut();
            headers.append(USER_AGENT, kept.user_agent.clone());
            headers.append(X_AMZ_USER_AGENT, kept.x_amz_user_agent.clone());
        }
        Ok(())
    }

    fn read_before_transmit(
        &self,
        context: &BeforeTransmitInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        // Once kept, every request sends the kept headers: nothing more to learn.
        if self.headers.get().is_none() {
            let headers = context.request().headers();
            if let (Some(user_agent), Some(x_amz_user_agent)) =
                (headers.get(USER_AGENT), headers.get(X_AMZ_USER_AGENT))
            {
                let _ = self.headers.set(Headers {
                    user_agent: user_agent.to_owned(),
                    x_amz_user_agent: x_amz_user_agent.to_owned(),
                });
            }
        }
        Ok(())
    }
}
