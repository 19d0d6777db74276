//! Raw event checks: what makes an HTTP event safe to hand to `lambda_http`.
//!
//! `lambda_http` converts an HTTP event into an `http::Request` with `.expect(...)`s:
//! a `rawQueryString` holding characters `http::Uri` rejects (a space, `"`, `|`,
//! non-ASCII), a `Host` or `X-Forwarded-Proto` header that does not parse as a URL, a
//! URI over 64 KiB, or `isBase64Encoded: true` with a body that is not base64 each
//! panic inside that conversion. The runtime turns the panic into a function error, so
//! the client sees a 502 from API Gateway instead of an answer. [`prepare`] therefore
//! looks at the event first:
//!
//! - the body is dropped (this endpoint reads none);
//! - bytes of a raw query string that `http::Uri` would reject are percent-encoded,
//!   which decodes to the same parameters;
//! - a request target over [`MAX_TARGET_BYTES`] answers 414;
//! - an event whose URI still cannot be built (a malformed `Host`, for one) answers
//!   400 `{"detail": "Invalid HTTP request received."}` in the event source's format.
//!
//! The conversion itself then runs under `catch_unwind` (in `entry`) as a last guard,
//! should a future `lambda_http` add a panic this check does not know of.

use std::borrow::Cow;
use std::collections::HashMap;

use lambda_http::aws_lambda_events::query_map::QueryMap;
use lambda_http::http::{HeaderMap, Uri, header};
use lambda_http::request::LambdaRequest;

use super::answer::QUERY_ENCODED;
use super::convert::{self, path_with_stage};
use crate::error::Error;

/// The longest path plus query string answered: as uvicorn's default limit on a request
/// head, and inside `http::Uri`'s 64 KiB even when every byte is percent-encoded.
pub const MAX_TARGET_BYTES: usize = 16 * 1024;

/// The answer to an event whose URI cannot be built.
pub(super) fn invalid() -> Error {
    Error::InvalidRequest("Invalid HTTP request received.".into())
}

/// The request headers of an HTTP event (`None` for anything else).
pub(super) fn headers(event: &LambdaRequest) -> Option<&HeaderMap> {
    match event {
        LambdaRequest::ApiGatewayV2(ag) => Some(&ag.headers),
        LambdaRequest::ApiGatewayV1(ag) => Some(&ag.headers),
        LambdaRequest::Alb(alb) => Some(&alb.headers),
        _ => None,
    }
}

/// Makes an HTTP event safe to convert, or says why it cannot be answered. For an HTTP
/// API event whose target is plain, the URI it converts with (see `convert`).
pub(super) fn prepare(event: &mut LambdaRequest) -> Result<Option<Uri>, Error> {
    match event {
        LambdaRequest::ApiGatewayV2(ag) => {
            ag.body = None;
            without_empty_lists(&mut ag.query_string_parameters);
            one_query_v2(&mut ag.raw_query_string, &ag.query_string_parameters)?;
            if let Some(query) = &mut ag.raw_query_string {
                encode_query(query);
            }
            let path = ag.raw_path.as_deref().unwrap_or_default();
            let query = ag.raw_query_string.as_deref().unwrap_or_default();
            check_size(path, query)?;
            if let Some(uri) = convert::plain_uri(ag) {
                return Ok(Some(uri));
            }
            let host = host(&ag.headers).or(ag.request_context.domain_name.as_deref());
            let path = path_with_stage(ag.request_context.stage.as_deref(), path);
            check_uri(&path, &ag.headers, host, query).map(|()| None)
        }
        LambdaRequest::ApiGatewayV1(ag) => {
            ag.body = None;
            without_empty_lists(&mut ag.multi_value_query_string_parameters);
            without_empty_lists(&mut ag.query_string_parameters);
            one_query(
                &ag.multi_value_query_string_parameters,
                &ag.query_string_parameters,
            )?;
            let query = query_string(
                &ag.multi_value_query_string_parameters,
                &ag.query_string_parameters,
            );
            let path = ag.path.as_deref().unwrap_or_default();
            check_size(path, &query)?;
            let host = host(&ag.headers).or(ag.request_context.domain_name.as_deref());
            let path = path_with_stage(ag.request_context.stage.as_deref(), path);
            check_uri(&path, &ag.headers, host, &query).map(|()| None)
        }
        LambdaRequest::Alb(alb) => {
            alb.body = None;
            without_empty_lists(&mut alb.multi_value_query_string_parameters);
            without_empty_lists(&mut alb.query_string_parameters);
            one_query(
                &alb.multi_value_query_string_parameters,
                &alb.query_string_parameters,
            )?;
            let query = query_string(
                &alb.multi_value_query_string_parameters,
                &alb.query_string_parameters,
            );
            let path = alb.path.as_deref().unwrap_or_default();
            check_size(path, &query)?;
            check_uri(path, &alb.headers, host(&alb.headers), &query).map(|()| None)
        }
        _ => Ok(None),
    }
}

/// The parameters that decide what is read and whose it is.
const DECIDING: [&str; 4] = ["user_id", "type", "db_id", "table"];

/// Drops names with no value (`"user_id": []`): `QueryMap`'s iterator indexes the first
/// value of every name, and panics on an empty list.
fn without_empty_lists(map: &mut QueryMap) {
    if map.is_empty() {
        return;
    }
    // The map's names are reachable only through that iterator, or its serialized form.
    let Ok(serde_json::Value::Object(names)) = serde_json::to_value(&*map) else {
        return;
    };
    if names
        .values()
        .all(|values| values.as_array().is_none_or(|v| !v.is_empty()))
    {
        return;
    }
    let kept: HashMap<String, Vec<String>> = names
        .into_iter()
        .filter_map(|(name, values)| {
            let values: Vec<String> = serde_json::from_value(values).ok()?;
            (!values.is_empty()).then_some((name, values))
        })
        .collect();
    *map = QueryMap::from(kept);
}

/// REST APIs and ALBs send a query twice, as a multi-value and a last-value map;
/// `lambda_http` reads the first when present. A forged event whose maps disagree on a
/// deciding parameter is refused, so no reading of it can widen access.
fn one_query(multi: &QueryMap, single: &QueryMap) -> Result<(), Error> {
    if multi.is_empty() || single.is_empty() {
        return Ok(());
    }
    for name in DECIDING {
        let last = multi.all(name).and_then(|values| values.last().copied());
        if last != single.first(name) {
            return Err(invalid());
        }
    }
    Ok(())
}

/// HTTP APIs send `rawQueryString`, which the service reads, and a decoded map, which
/// `lambda_http` exposes when the raw string is absent. Without a raw string the map
/// becomes it; with both, they must agree on the deciding parameters.
fn one_query_v2(raw: &mut Option<String>, map: &QueryMap) -> Result<(), Error> {
    if map.is_empty() {
        return Ok(());
    }
    let Some(query) = raw.as_deref().filter(|q| !q.is_empty()) else {
        *raw = Some(map.to_query_string());
        return Ok(());
    };
    for name in DECIDING {
        // The map joins repeated values with commas (and `query_map` splits them again).
        let from_map = map.all(name).map(|values| values.join(","));
        let values = |plus_is_space: bool| -> Option<String> {
            let found: Vec<String> = query
                .split('&')
                .filter_map(|pair| {
                    let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
                    (decode(key, true) == name).then(|| decode(value, plus_is_space))
                })
                .collect();
            (!found.is_empty()).then(|| found.join(","))
        };
        if from_map != values(true) && from_map != values(false) {
            return Err(invalid());
        }
    }
    Ok(())
}

/// Percent-decodes a query component (`+` as a space, as form decoding reads it, or as
/// itself, as API Gateway may leave it).
fn decode(text: &str, plus_is_space: bool) -> String {
    let text = if plus_is_space {
        Cow::Owned(text.replace('+', " "))
    } else {
        Cow::Borrowed(text)
    };
    percent_encoding::percent_decode_str(&text)
        .decode_utf8_lossy()
        .into_owned()
}

fn check_size(path: &str, query: &str) -> Result<(), Error> {
    if path.len() + query.len() > MAX_TARGET_BYTES {
        return Err(Error::UriTooLong);
    }
    Ok(())
}

fn host(headers: &HeaderMap) -> Option<&str> {
    headers.get(header::HOST).and_then(|h| h.to_str().ok())
}

/// `QueryMap::to_query_string` of the map `lambda_http` puts into the URI: always
/// form-encoded, so only its length matters here.
fn query_string(multi: &QueryMap, single: &QueryMap) -> String {
    if !multi.is_empty() {
        multi.to_query_string()
    } else {
        single.to_query_string()
    }
}

/// Whether `lambda_http`'s `build_request_uri` and `http::Request::builder().uri(...)`
/// succeed on these parts: the same steps, without the `unwrap`s.
fn check_uri(
    path: &str,
    headers: &HeaderMap,
    host: Option<&str>,
    query: &str,
) -> Result<(), Error> {
    if plain_target(path, headers, host, query) {
        return Ok(());
    }
    let base = match host {
        None => {
            url::Url::parse(&format!("http://localhost{path}")).map(|url| url.path().to_owned())
        }
        Some(host) => {
            let scheme = headers
                .get("x-forwarded-proto")
                .and_then(|s| s.to_str().ok())
                .unwrap_or("https");
            url::Url::parse(&format!("{scheme}://{host}{path}")).map(String::from)
        }
    }
    .map_err(|_| invalid())?;
    let uri = if query.is_empty() {
        base
    } else {
        format!("{base}?{query}")
    };
    // `http::Uri` holds at most 64 KiB - 2 bytes.
    let too_long = uri.len() >= usize::from(u16::MAX) - 1;
    match lambda_http::http::Uri::try_from(uri) {
        Ok(_) => Ok(()),
        Err(_) if too_long => Err(Error::UriTooLong),
        Err(_) => Err(invalid()),
    }
}

/// Whether the parts are of the plain kind that `check_uri`'s steps always take (almost
/// every request): a path of unreserved characters and slashes, a query of those and
/// `=&+,%`, a host name ending in a label that starts with a letter (never an IPv4
/// address, never punycode), `http` or `https`. Those steps parse the URL twice, a
/// tenth of a small session's handling, and `lambda_http` parses it again anyway.
pub(super) fn plain_target(
    path: &str,
    headers: &HeaderMap,
    host: Option<&str>,
    query: &str,
) -> bool {
    let unreserved = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~');
    let path_ok = path.starts_with('/') && path.bytes().all(|b| unreserved(b) || b == b'/');
    let query_ok = query
        .bytes()
        .all(|b| unreserved(b) || matches!(b, b'=' | b'&' | b'+' | b',' | b'%'));
    let host_ok = match host {
        None => true,
        Some(host) => {
            let scheme_ok = headers
                .get("x-forwarded-proto")
                .is_none_or(|s| s == "https" || s == "http");
            let labels_ok = host.len() <= 253
                && host.split('.').all(|label| {
                    !label.is_empty()
                        && label
                            .bytes()
                            .all(|b| b.is_ascii_alphanumeric() || b == b'-')
                        && !label
                            .get(..4)
                            .is_some_and(|p| p.eq_ignore_ascii_case("xn--"))
                });
            let last_ok = host
                .rsplit('.')
                .next()
                .is_some_and(|label| label.starts_with(|c: char| c.is_ascii_alphabetic()));
            scheme_ok && labels_ok && last_ok
        }
    };
    path_ok && query_ok && host_ok
}

/// Percent-encodes the bytes of a raw query string that `http::Uri` rejects. Form
/// decoding reads `%XX` as the byte itself, so the parameters are unchanged: a client
/// sending `?user_id=a|b` asks for `a|b` either way.
fn encode_query(query: &mut String) {
    let encoded: Cow<str> = percent_encoding::utf8_percent_encode(query, QUERY_ENCODED).into();
    if let Cow::Owned(encoded) = encoded {
        *query = encoded;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::panic::AssertUnwindSafe;

    fn v2(path: &str, query: &str, headers: serde_json::Value) -> LambdaRequest {
        serde_json::from_value(json!({
            "version": "2.0", "routeKey": "$default", "rawPath": path, "rawQueryString": query,
            "headers": headers,
            "requestContext": {"accountId": "1", "apiId": "a", "domainName": "localhost",
                "http": {"method": "GET", "path": path, "protocol": "HTTP/1.1",
                    "sourceIp": "127.0.0.1", "userAgent": "t"},
                "requestId": "r", "routeKey": "$default", "stage": "$default",
                "time": "05/Sep/2025:16:02:09 +0000", "timeEpoch": 0},
            "isBase64Encoded": false
        }))
        .unwrap()
    }

    proptest::proptest! {
        /// What the plain-target shortcut lets through, the full check accepts.
        #[test]
        fn plain_targets_pass_the_full_check(
            path in "/[a-zA-Z0-9._~/-]{0,10}|[/a-zA-Z0-9._~%:@ -]{0,12}",
            query in "[a-zA-Z0-9=&+,%._~-]{0,12}|[a-zA-Z0-9=&+,%._~#?/ |-]{0,12}",
            host in proptest::option::of(
                "[a-z0-9-]{1,8}(\\.[a-zA-Z0-9-]{1,8}){0,3}|[0-9.]{1,15}|[0-9]{1,3}\\.0x[0-9a-f]{1,3}\
                 |xn--[a-z0-9-]{0,6}(\\.[a-z]{1,3})?|[a-zA-Z0-9.:_-]{0,14}"
            ),
            proto in proptest::option::of("https|http|ftp|h ttp|"),
        ) {
            let mut headers = HeaderMap::new();
            if let Some(proto) = &proto {
                headers.insert("x-forwarded-proto", proto.parse().unwrap());
            }
            if plain_target(&path, &headers, host.as_deref(), &query) {
                let mut checked = check_uri(&path, &headers, host.as_deref(), &query);
                proptest::prop_assert!(checked.is_ok(), "{path:?} {query:?} {host:?} {proto:?}");
                // Nor does `lambda_http` panic on them.
                let mut event = v2(&path, &query, json!({}));
                if let (LambdaRequest::ApiGatewayV2(ag), Some(host)) = (&mut event, &host) {
                    ag.headers = headers.clone();
                    ag.headers.insert("host", host.parse().unwrap());
                }
                checked = if conversion_panics(event) { Err(invalid()) } else { Ok(()) };
                proptest::prop_assert!(checked.is_ok(), "{path:?} {query:?} {host:?}");
            }
        }
    }

    #[test]
    fn usual_targets_are_plain() {
        let mut headers = HeaderMap::new();
        for (path, host, query) in [
            (
                "/sessions/6f6cfbfd-9643-479a-ae47-b8f32eb4d710",
                Some("abc123.execute-api.us-east-1.amazonaws.com"),
                "type=agent&db_id=default",
            ),
            (
                "/prod/sessions/s",
                Some("abc.lambda-url.eu-west-1.on.aws"),
                "user_id=a%40b.c",
            ),
            ("/sessions/s", None, ""),
        ] {
            assert!(plain_target(path, &headers, host, query), "{path}");
        }
        headers.insert("x-forwarded-proto", "https".parse().unwrap());
        assert!(plain_target("/s", &headers, Some("localhost"), ""));
        for (path, host) in [
            ("/a b", Some("h")),
            ("/s", Some("1.2.3.4")),
            ("/s", Some("h:9000")),
            ("/s", Some("xn--a.com")),
        ] {
            assert!(!plain_target(path, &headers, host, ""), "{path} {host:?}");
        }
    }

    /// Whether `lambda_http`'s own conversion panics on the event.
    fn conversion_panics(event: LambdaRequest) -> bool {
        let hook = std::panic::take_hook();
        std::panic::set_hook(Box::new(|_| {}));
        let panicked = std::panic::catch_unwind(AssertUnwindSafe(|| {
            let _: lambda_http::Request = event.into();
        }))
        .is_err();
        std::panic::set_hook(hook);
        panicked
    }

    #[test]
    fn hostile_events_that_panic_lambda_http_are_caught_first() {
        let cases = [
            ("/sessions/a", "user_id=a b", json!({})),
            ("/sessions/a", "user_id=\"x\"|{}", json!({})),
            ("/sessions/a", "user_id=a\u{1}\u{7f}", json!({})),
            ("/sessions/a", "", json!({"host": "exa mple.com"})),
            ("/sessions/a", "", json!({"host": "999.999.999.999"})),
            (
                "/sessions/a",
                "",
                json!({"x-forwarded-proto": "no such scheme"}),
            ),
            ("/sessions/a", &"q=1&".repeat(20_000), json!({})),
        ];
        for (path, query, headers) in cases {
            let unguarded = v2(path, query, headers.clone());
            assert!(
                conversion_panics(unguarded),
                "expected lambda_http to panic on {path}?{:.40} {headers}",
                query
            );
            let mut guarded = v2(path, query, headers.clone());
            match prepare(&mut guarded) {
                Ok(_) => assert!(!conversion_panics(guarded), "{query:.40} {headers}"),
                Err(e) => assert!(
                    matches!(e.status(), 400 | 414),
                    "{query:.40} {headers}: {e}"
                ),
            }
        }
    }

    #[test]
    fn encoded_queries_decode_to_the_same_parameters() {
        let raw = "user_id=a b&type=\"agent\"|x&k=caf\u{e9}&%41=%zz+1";
        let mut encoded = raw.to_owned();
        encode_query(&mut encoded);
        assert!(encoded.is_ascii() && !encoded.contains(' '), "{encoded}");
        let pairs = |q: &str| -> Vec<(String, String)> {
            form_urlencoded::parse(q.as_bytes()).into_owned().collect()
        };
        assert_eq!(pairs(&encoded), pairs(raw));
    }
}
