//! Every answer that is not a session document: errors (routed or refused before
//! routing), redirects, and the headers every HTTP answer carries. The status, body and
//! headers of an error all come from [`Error`]; this module only writes them out.

use lambda_http::aws_lambda_events::alb::AlbTargetGroupResponse;
use lambda_http::aws_lambda_events::apigw::{ApiGatewayProxyResponse, ApiGatewayV2httpResponse};
use lambda_http::http::{HeaderMap, HeaderValue, StatusCode, header};
use lambda_http::request::RequestOrigin;
use lambda_http::{Body, Response};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC};
use serde::Serialize;

use crate::config::Config;
use crate::error::Error;
use crate::web;

/// An error as AgentOS answers it: status, `{"detail": …}`, and its headers.
pub(super) fn error(error: &Error) -> Response<Body> {
    let status = StatusCode::from_u16(error.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    if status.is_server_error() {
        let detail = match error {
            Error::Storage(e) => e.log_detail(),
            _ => None,
        };
        tracing::error!(status = status.as_u16(), error = %error, detail, "request failed");
    }
    let mut response = web::json_response(status, Body::Text(error.body().to_string()));
    let headers = response.headers_mut();
    if let Some(methods) = error.allow() {
        headers.insert(header::ALLOW, HeaderValue::from_static(methods));
    }
    if let Some(after) = error.retry_after() {
        headers.insert(header::RETRY_AFTER, HeaderValue::from(after.as_secs()));
    }
    response
}

/// What every HTTP answer gets, routed or not: CORS for the request's origin (when
/// configured), and `Cache-Control: no-store` when a key is configured, since
/// authenticated answers must not be kept by shared caches.
pub(super) fn finish(config: &Config, request: &HeaderMap, response: &mut Response<Body>) {
    if let Some(cors) = &config.cors {
        web::cors_decorate(cors, request, response);
    }
    if config.security_key.is_some() {
        response
            .headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
}

/// Bytes kept as they are in a query string (RFC 3986's query characters, and `%`);
/// others are percent-encoded.
pub(super) const QUERY_ENCODED: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~')
    .remove(b'!')
    .remove(b'$')
    .remove(b'&')
    .remove(b'\'')
    .remove(b'(')
    .remove(b')')
    .remove(b'*')
    .remove(b'+')
    .remove(b',')
    .remove(b';')
    .remove(b'=')
    .remove(b':')
    .remove(b'@')
    .remove(b'/')
    .remove(b'?')
    .remove(b'%');

/// Starlette's `quote(url, safe=":/%#?=@[]!$&'()*+,;")` for a redirect's `Location`.
const LOCATION_ENCODED: &AsciiSet = &QUERY_ENCODED.remove(b'#').remove(b'[').remove(b']');

/// Starlette's redirect of `/sessions/{id}/` to the path without the slash. A header
/// value holds visible ASCII only, so other bytes (non-ASCII, controls, spaces) are
/// percent-encoded.
pub(super) fn redirect(location: &str) -> Response<Body> {
    let location = percent_encoding::utf8_percent_encode(location, LOCATION_ENCODED).to_string();
    let mut response = Response::new(Body::Empty);
    *response.status_mut() = StatusCode::TEMPORARY_REDIRECT;
    web::insert(response.headers_mut(), header::LOCATION, &location);
    response
}

/// An HTTP answer in the event source's response format, as `lambda_http` writes it.
#[derive(Debug, Serialize)]
#[serde(untagged)]
pub enum SourceResponse {
    /// API Gateway REST API (v1).
    ApiGatewayV1(ApiGatewayProxyResponse),
    /// API Gateway HTTP API (v2) and Function URLs.
    ApiGatewayV2(ApiGatewayV2httpResponse),
    /// Application Load Balancer.
    Alb(AlbTargetGroupResponse),
}

/// The answer to an HTTP event refused before `lambda_http` converts it: the error with
/// every header a routed answer gets (`request`: the event's headers), in the source's
/// format.
pub(super) fn refused(
    config: &Config,
    request: &HeaderMap,
    origin: &RequestOrigin,
    error: &Error,
) -> SourceResponse {
    let mut response = self::error(error);
    finish(config, request, &mut response);
    in_source_format(origin, response)
}

/// A routed answer as `lambda_http`'s adapter hands it on (`ConvertBody`): an encoded
/// body is binary, a body of a text type (or of no type) is text, any other binary.
pub(super) fn as_lambda_http_converts(response: Response<Body>) -> Response<Body> {
    const TEXT_PREFIXES: [&str; 5] = [
        "text",
        "application/json",
        "application/javascript",
        "application/xml",
        "application/yaml",
    ];
    const TEXT_SUFFIXES: [&str; 3] = ["+xml", "+yaml", "+json"];
    let (parts, body) = response.into_parts();
    let as_text = !parts.headers.contains_key(header::CONTENT_ENCODING)
        && match parts.headers.get(header::CONTENT_TYPE) {
            None => true,
            Some(value) => {
                let kind = value.to_str().unwrap_or_default();
                let mime = kind.trim().split(';').next().unwrap_or_default();
                TEXT_PREFIXES.iter().any(|p| kind.starts_with(p))
                    || TEXT_SUFFIXES.iter().any(|s| mime.ends_with(s))
                    || parts
                        .headers
                        .get("x-lambda-http-content-encoding")
                        .is_some_and(|v| v == "text")
            }
        };
    // `lambda_http` decodes text as UTF-8 (`encoding_rs`, which drops a leading BOM);
    // a `String` is UTF-8 already.
    let body = match body {
        Body::Text(text) if as_text => Body::Text(match text.strip_prefix('\u{feff}') {
            Some(rest) => rest.to_owned(),
            None => text,
        }),
        Body::Text(text) => Body::Binary(text.into_bytes()),
        Body::Binary(bytes) if as_text => {
            let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
            Body::Text(String::from_utf8_lossy(bytes).into_owned())
        }
        Body::Binary(bytes) => Body::Binary(bytes),
        _ if as_text => Body::Text(String::new()),
        _ => Body::Binary(Vec::new()),
    };
    Response::from_parts(parts, body)
}

pub(super) fn in_source_format(origin: &RequestOrigin, response: Response<Body>) -> SourceResponse {
    let (parts, body) = response.into_parts();
    let status = i64::from(parts.status.as_u16());
    let (is_base64_encoded, body) = match body {
        Body::Empty => (false, None),
        text @ Body::Text(_) => (false, Some(text)),
        binary @ Body::Binary(_) => (true, Some(binary)),
        _ => (false, None),
    };
    match origin {
        RequestOrigin::ApiGatewayV1 => {
            let mut out = ApiGatewayProxyResponse::default();
            out.status_code = status;
            out.multi_value_headers = parts.headers;
            out.body = body;
            out.is_base64_encoded = is_base64_encoded;
            SourceResponse::ApiGatewayV1(out)
        }
        RequestOrigin::Alb => {
            let mut out = AlbTargetGroupResponse::default();
            out.status_code = status;
            out.status_description = Some(format!(
                "{status} {}",
                parts.status.canonical_reason().unwrap_or_default()
            ));
            out.headers = parts.headers.clone();
            out.multi_value_headers = parts.headers;
            out.body = body;
            out.is_base64_encoded = is_base64_encoded;
            SourceResponse::Alb(out)
        }
        _ => {
            let mut out = ApiGatewayV2httpResponse::default();
            out.status_code = status;
            out.headers = parts.headers;
            out.body = body;
            out.is_base64_encoded = is_base64_encoded;
            SourceResponse::ApiGatewayV2(out)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn redirects_always_carry_a_location() {
        for (path, location) in [
            ("/sessions/a?type=team", "/sessions/a?type=team"),
            ("/sessions/caf%C3%A9", "/sessions/caf%C3%A9"),
            ("/sessions/\u{a1} \t\"", "/sessions/%C2%A1%20%09%22"),
            ("/sessions/a#b[c]", "/sessions/a#b[c]"),
        ] {
            let response = redirect(path);
            assert_eq!(response.status(), StatusCode::TEMPORARY_REDIRECT);
            assert_eq!(response.headers()[header::LOCATION], location, "{path}");
        }
    }

    #[test]
    fn errors_carry_their_headers() {
        let response = error(&Error::MethodNotAllowed);
        assert_eq!(response.status(), 405);
        assert_eq!(response.headers()[header::ALLOW], "GET");
        let timeout = Error::Storage(crate::store::StoreError::Timeout("t".into()));
        let response = error(&timeout);
        assert_eq!(response.status(), 504);
        assert_eq!(response.headers()[header::RETRY_AFTER], "2");
    }

    #[test]
    fn refused_answers_use_the_source_format() {
        let invalid = || Error::InvalidRequest("Invalid HTTP request received.".into());
        let v1 = serde_json::to_value(in_source_format(
            &RequestOrigin::ApiGatewayV1,
            error(&invalid()),
        ))
        .unwrap();
        assert_eq!(v1["statusCode"], 400);
        assert_eq!(
            v1["multiValueHeaders"]["content-type"],
            json!(["application/json"])
        );
        assert_eq!(
            v1["body"],
            json!({"detail": "Invalid HTTP request received."}).to_string()
        );
        let config = Config {
            security_key: Some(crate::config::SecurityKey::new("k")),
            ..Config::default()
        };
        let mut too_long = error(&Error::UriTooLong);
        finish(&config, &HeaderMap::new(), &mut too_long);
        let alb = serde_json::to_value(in_source_format(&RequestOrigin::Alb, too_long)).unwrap();
        assert_eq!(alb["statusCode"], 414);
        assert_eq!(alb["statusDescription"], "414 URI Too Long");
        assert_eq!(alb["headers"]["cache-control"], "no-store");
        let v2 = serde_json::to_value(in_source_format(
            &RequestOrigin::ApiGatewayV2,
            error(&invalid()),
        ))
        .unwrap();
        assert_eq!(v2["headers"]["content-type"], "application/json");
    }
}
