//! Cold start: configuration, one DynamoDB client, then the runtime loop.

use agno_session_lambda::{App, cold_start, init_logging, run};
use lambda_http::Error;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Error> {
    keep_freed_memory();
    init_logging();
    let (config, store) = cold_start().await?;
    tracing::info!(
        databases = ?config.databases,
        contract = config.contract.as_str(),
        security_key = config.security_key.is_some(),
        jwt = ?config.auth.jwt,
        rbac = config.auth.rbac,
        user_isolation = config.auth.user_isolation,
        trust_api_gateway = config.auth.trust_api_gateway,
        "configured"
    );
    let app = App::new(config, store);

    run(&app).await
}

/// glibc gives blocks of 128 KB and more back to the kernel when they are freed, and
/// trims the heap's top: a 300 KB session's buffers then cost dozens of page faults per
/// request (fresh zeroed pages, cold in cache). Freed memory is kept for the next
/// request instead, up to 8 MB: 3 faults per request instead of 30-90, ~9 % less CPU.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn keep_freed_memory() {
    // SAFETY: `mallopt` only sets the allocator's parameters (it takes its own lock);
    // the values are in range.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 4 << 20);
        libc::mallopt(libc::M_TRIM_THRESHOLD, 8 << 20);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn keep_freed_memory() {}
