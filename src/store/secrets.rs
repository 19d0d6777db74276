//! Keys kept out of the function's configuration: `OS_SECURITY_KEY` and
//! `JWT_VERIFICATION_KEY` read once, at cold start, from AWS Secrets Manager
//! (`<NAME>_SECRET`: a secret's ARN or name) or SSM Parameter Store (`<NAME>_PARAMETER`:
//! a SecureString parameter's name or ARN), instead of a plain environment variable
//! anyone who can read the function's configuration can see.
//!
//! Why not the services' SDK crates: each read is one SigV4-signed POST in AWS's JSON
//! protocol, and the two crates (models, endpoint rules, error types of some 200
//! operations) were most of a tenth of the zip Lambda unpacks at every cold start.

use std::collections::HashMap;
use std::time::SystemTime;

use aws_config::SdkConfig;
use aws_credential_types::Credentials;
use aws_credential_types::provider::ProvideCredentials;
use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings};
use aws_sigv4::sign::v4;
use aws_smithy_runtime::client::orchestrator::operation::Operation;
use aws_smithy_runtime::client::retries::classifiers::{
    HttpStatusCodeClassifier, TransientErrorClassifier,
};
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::orchestrator::{HttpRequest, HttpResponse, OrchestratorError};
use aws_smithy_types::body::SdkBody;
use aws_smithy_types::error::display::DisplayErrorContext;
use aws_smithy_types::retry::RetryConfig;
use aws_smithy_types::timeout::TimeoutConfig;
use aws_types::service_config::ServiceConfigKey;

/// The variables whose value may come from a secret store.
const SECRET_VARIABLES: [&str; 2] = ["OS_SECURITY_KEY", "JWT_VERIFICATION_KEY"];

/// A key that could not be read at cold start.
#[derive(Debug, thiserror::Error)]
#[error("{variable}: {problem}")]
pub struct SecretError {
    variable: String,
    problem: String,
}

/// `lookup`'s variables, with each `<NAME>_SECRET` / `<NAME>_PARAMETER` replaced by
/// `<NAME>` holding the value it names. Asks AWS only when one is set.
pub async fn environment(
    sdk: &SdkConfig,
    lookup: impl Fn(&str) -> Option<String>,
) -> Result<HashMap<String, String>, SecretError> {
    let mut resolved = HashMap::new();
    for name in SECRET_VARIABLES {
        let secret = lookup(&format!("{name}_SECRET")).filter(|v| !v.trim().is_empty());
        let parameter = lookup(&format!("{name}_PARAMETER")).filter(|v| !v.trim().is_empty());
        let error = |variable: &str, problem: String| SecretError {
            variable: variable.to_owned(),
            problem,
        };
        let value = match (secret, parameter) {
            (None, None) => continue,
            (Some(_), Some(_)) => {
                return Err(error(
                    name,
                    format!("set {name}_SECRET or {name}_PARAMETER, not both"),
                ));
            }
            (Some(id), None) => {
                let variable = format!("{name}_SECRET");
                let body = serde_json::json!({ "SecretId": id.trim() });
                let answer = call(sdk, &SECRETS_MANAGER, "GetSecretValue", body)
                    .await
                    .map_err(|e| error(&variable, format!("'{id}' could not be read: {e}")))?;
                answer["SecretString"]
                    .as_str()
                    .map(str::to_owned)
                    .ok_or_else(|| {
                        error(
                            &variable,
                            format!("secret '{id}' holds no text (SecretString)"),
                        )
                    })?
            }
            (None, Some(id)) => {
                let variable = format!("{name}_PARAMETER");
                let body = serde_json::json!({ "Name": id.trim(), "WithDecryption": true });
                let answer = call(sdk, &SSM, "GetParameter", body)
                    .await
                    .map_err(|e| error(&variable, format!("'{id}' could not be read: {e}")))?;
                answer["Parameter"]["Value"]
                    .as_str()
                    .map(str::to_owned)
                    .ok_or_else(|| error(&variable, format!("parameter '{id}' has no value")))?
            }
        };
        if lookup(name).is_some_and(|v| !v.is_empty()) {
            return Err(error(
                name,
                "is set, and read from a secret store too; set only one".to_owned(),
            ));
        }
        resolved.insert(name.to_owned(), value);
    }
    Ok(resolved)
}

/// An AWS service spoken to in its JSON protocol (`awsJson1_1`).
struct Service {
    /// The SDK's service id, whose `AWS_ENDPOINT_URL_<ID>` variable overrides the endpoint.
    id: &'static str,
    /// Endpoint prefix and SigV4 signing name.
    name: &'static str,
    /// `X-Amz-Target`'s prefix.
    target: &'static str,
}

const SECRETS_MANAGER: Service = Service {
    id: "Secrets Manager",
    name: "secretsmanager",
    target: "secretsmanager",
};

const SSM: Service = Service {
    id: "SSM",
    name: "ssm",
    target: "AmazonSSM",
};

/// A service's error answer: its code (`ResourceNotFoundException`) and message.
#[derive(Debug, thiserror::Error)]
#[error("{code} ({message})")]
struct ServiceError {
    code: String,
    message: String,
}

/// The signed request: the operation's JSON body and the credentials to sign it with.
#[derive(Debug)]
struct Call {
    url: String,
    target: String,
    body: Vec<u8>,
    credentials: Credentials,
}

/// One call of `service`'s `operation`, as the service's SDK client would make it: SigV4
/// signed, through the SDK's orchestrator (so the same HTTPS client, timeouts and retries
/// of transient failures), at the endpoint the SDK would pick. Answers the JSON document.
async fn call(
    sdk: &SdkConfig,
    service: &Service,
    operation: &'static str,
    body: serde_json::Value,
) -> Result<serde_json::Value, String> {
    let region = sdk
        .region()
        .ok_or("no AWS region is configured (AWS_REGION)")?
        .to_string();
    let credentials = sdk
        .credentials_provider()
        .ok_or("no AWS credentials are configured")?
        .provide_credentials()
        .await
        .map_err(|e| DisplayErrorContext(e).to_string())?;
    let url = endpoint(sdk, service, &region);
    let mut builder = Operation::builder()
        .service_name(service.name)
        .operation_name(operation)
        .endpoint_url(&url)
        .no_auth()
        .timeout_config(sdk.timeout_config().cloned().unwrap_or_else(|| {
            // The SDK clients' own default.
            TimeoutConfig::builder()
                .connect_timeout(std::time::Duration::from_millis(3100))
                .build()
        }))
        .retry_classifier(TransientErrorClassifier::<ServiceError>::new())
        .retry_classifier(HttpStatusCodeClassifier::default());
    if let Some(client) = sdk.http_client() {
        builder = builder.http_client(client);
    }
    if let Some(time) = sdk.time_source() {
        builder = builder.time_source(time);
    }
    builder = match sdk.sleep_impl() {
        Some(sleep) => builder
            .standard_retry(
                &sdk.retry_config()
                    .cloned()
                    .unwrap_or_else(RetryConfig::standard),
            )
            .sleep_impl(sleep),
        None => builder.no_retry(),
    };
    let name = service.name;
    let target = format!("{}.{operation}", service.target);
    let operation = builder
        .serializer(move |call: Call| sign(call, &region, name))
        .deserializer(read_answer)
        .build();
    let call = Call {
        url,
        target,
        body: body.to_string().into_bytes(),
        credentials,
    };
    operation
        .invoke(call)
        .await
        .map_err(|error| match error.as_service_error() {
            Some(service) => service.to_string(),
            None => DisplayErrorContext(error).to_string(),
        })
}

/// `call` as an HTTP request signed with SigV4 for `region` and signing name `name`.
fn sign(call: Call, region: &str, name: &str) -> Result<HttpRequest, BoxError> {
    let headers = [
        ("content-type", "application/x-amz-json-1.1"),
        ("x-amz-target", call.target.as_str()),
    ];
    let identity = call.credentials.into();
    let params = v4::SigningParams::builder()
        .identity(&identity)
        .region(region)
        .name(name)
        .time(SystemTime::now())
        .settings(SigningSettings::default())
        .build()?
        .into();
    // Signed as sent: the orchestrator puts the endpoint in front of the path `/`.
    let url = format!("{}/", call.url.trim_end_matches('/'));
    let signable = SignableRequest::new(
        "POST",
        url.as_str(),
        headers.into_iter(),
        SignableBody::Bytes(&call.body),
    )?;
    let (signature, _) = aws_sigv4::http_request::sign(signable, &params)?.into_parts();
    let mut request = HttpRequest::new(SdkBody::from(call.body));
    request.set_method("POST")?;
    request.set_uri("/")?;
    for (name, value) in headers.into_iter().chain(signature.headers()) {
        request
            .headers_mut()
            .insert(name.to_owned(), value.to_owned());
    }
    Ok(request)
}

/// The answer's JSON document, or the service's error (`__type`, `message`).
fn read_answer(
    response: &HttpResponse,
) -> Result<serde_json::Value, OrchestratorError<ServiceError>> {
    let bytes = response.body().bytes().unwrap_or_default();
    let document: serde_json::Value =
        serde_json::from_slice(bytes).unwrap_or(serde_json::Value::Null);
    if response.status().is_success() {
        return match document.is_object() {
            true => Ok(document),
            false => Err(OrchestratorError::other("the answer is not a JSON object")),
        };
    }
    // `__type` may be qualified (`com.amazonaws.secretsmanager#ResourceNotFoundException`);
    // the header form may carry a suffix (`ParameterNotFound:http://…`).
    let code = document["__type"]
        .as_str()
        .or_else(|| response.headers().get("x-amzn-errortype"))
        .map(|c| c.rsplit('#').next().unwrap_or(c))
        .map(|c| c.split(':').next().unwrap_or(c))
        .unwrap_or("error");
    let message = ["message", "Message"]
        .iter()
        .find_map(|k| document[k].as_str())
        .unwrap_or("no message");
    Err(OrchestratorError::operation(ServiceError {
        code: format!("{code}, HTTP {}", response.status().as_u16()),
        message: message.to_owned(),
    }))
}

/// Where the service's SDK client would send the call: `AWS_ENDPOINT_URL_<SERVICE>`,
/// then `AWS_ENDPOINT_URL`, then the region's endpoint (FIPS and dual-stack as
/// configured) in its partition's domain.
fn endpoint(sdk: &SdkConfig, service: &Service, region: &str) -> String {
    let configured = sdk
        .service_config()
        .and_then(|c| {
            let key = ServiceConfigKey::builder()
                .service_id(service.id)
                .env("AWS_ENDPOINT_URL")
                .profile("endpoint_url")
                .build()
                .ok()?;
            c.load_config(key)
        })
        .or_else(|| sdk.endpoint_url().map(str::to_owned));
    if let Some(url) = configured {
        return url;
    }
    regional_endpoint(
        service.name,
        region,
        sdk.use_fips().unwrap_or(false),
        sdk.use_dual_stack().unwrap_or(false),
    )
}

/// `https://<name>[-fips].<region>.<domain>` in the region's partition.
fn regional_endpoint(name: &str, region: &str, fips: bool, dual_stack: bool) -> String {
    let (domain, dual_stack_domain) = [
        ("cn-", "amazonaws.com.cn", "api.amazonwebservices.com.cn"),
        ("us-isob-", "sc2s.sgov.gov", "sc2s.sgov.gov"),
        ("us-isof-", "csp.hci.ic.gov", "csp.hci.ic.gov"),
        ("us-iso-", "c2s.ic.gov", "c2s.ic.gov"),
        ("eu-isoe-", "cloud.adc-e.uk", "cloud.adc-e.uk"),
    ]
    .iter()
    .find(|(prefix, ..)| region.starts_with(prefix))
    .map_or(("amazonaws.com", "api.aws"), |(_, d, ds)| (*d, *ds));
    let fips = if fips { "-fips" } else { "" };
    let domain = if dual_stack {
        dual_stack_domain
    } else {
        domain
    };
    format!("https://{name}{fips}.{region}.{domain}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_as_the_sdk_resolves_them() {
        let cases = [
            (
                "us-east-1",
                false,
                false,
                "https://ssm.us-east-1.amazonaws.com",
            ),
            (
                "us-gov-west-1",
                true,
                false,
                "https://ssm-fips.us-gov-west-1.amazonaws.com",
            ),
            ("eu-west-1", false, true, "https://ssm.eu-west-1.api.aws"),
            (
                "cn-north-1",
                false,
                false,
                "https://ssm.cn-north-1.amazonaws.com.cn",
            ),
            (
                "us-iso-east-1",
                false,
                false,
                "https://ssm.us-iso-east-1.c2s.ic.gov",
            ),
            (
                "us-isob-east-1",
                false,
                false,
                "https://ssm.us-isob-east-1.sc2s.sgov.gov",
            ),
        ];
        for (region, fips, dual_stack, url) in cases {
            assert_eq!(regional_endpoint("ssm", region, fips, dual_stack), url);
        }
    }

    #[test]
    fn calls_are_signed_for_their_service_and_region() {
        let call = Call {
            url: "https://ssm.eu-west-1.amazonaws.com".into(),
            target: "AmazonSSM.GetParameter".into(),
            body: br#"{"Name":"p"}"#.to_vec(),
            credentials: Credentials::new("AKID", "secret", Some("token".into()), None, "t"),
        };
        let request = sign(call, "eu-west-1", "ssm").unwrap();
        let header = |name: &str| request.headers().get(name).unwrap_or_default().to_owned();
        let authorization = header("authorization");
        assert!(
            authorization.starts_with("AWS4-HMAC-SHA256 Credential=AKID/"),
            "{authorization}"
        );
        assert!(
            authorization.contains("/eu-west-1/ssm/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-security-token;x-amz-target, Signature="),
            "{authorization}"
        );
        assert_eq!(header("x-amz-target"), "AmazonSSM.GetParameter");
        assert_eq!(header("x-amz-security-token"), "token");
        assert_eq!(request.uri(), "/");
    }

    #[test]
    fn error_answers_name_their_code() {
        let answer = |status: u16, header: Option<&str>, body: &str| {
            let mut response =
                HttpResponse::new(status.try_into().unwrap(), SdkBody::from(body.to_owned()));
            if let Some(h) = header {
                response
                    .headers_mut()
                    .insert("x-amzn-errortype", h.to_owned());
            }
            match read_answer(&response) {
                Ok(document) => document.to_string(),
                Err(e) => format!("{:?}", e.as_operation_error().map(|e| e.to_string())),
            }
        };
        assert_eq!(
            answer(
                400,
                None,
                r#"{"__type":"com.amazonaws.secretsmanager#ResourceNotFoundException","message":"gone"}"#
            ),
            r#"Some("ResourceNotFoundException, HTTP 400 (gone)")"#
        );
        assert_eq!(
            answer(400, Some("ParameterNotFound:http://internal/"), "{}"),
            r#"Some("ParameterNotFound, HTTP 400 (no message)")"#
        );
        assert_eq!(answer(200, None, r#"{"a":1}"#), r#"{"a":1}"#);
        assert_eq!(answer(200, None, "[]"), "None");
    }
}
