//! HTTP events into `http::Request`s, as `lambda_http` converts them.
//!
//! `lambda_http` builds every request's URI by formatting it and parsing it with the
//! `url` crate (then `http::Uri` parses it again): a sixth of what a small session's
//! handling costs beside its `GetItem`. For an HTTP API or Function URL event whose
//! target is plain (see [`guard::plain_target`]) and has no `.` or `..` segment,
//! that parse only lowercases the host, so the URI is written here directly ([`plain_uri`],
//! which the guard calls once, in place of its own URL check); every other event goes
//! through `lambda_http`'s own conversion. The request is the same either way (tested
//! field by field below).

use lambda_http::aws_lambda_events::apigw::ApiGatewayV2httpRequest;
use lambda_http::aws_lambda_events::query_map::QueryMap;
use lambda_http::http::{HeaderValue, Uri, header};
use lambda_http::request::{LambdaRequest, RequestContext};
use lambda_http::{Body, Request, RequestExt};

use super::guard;

/// `Request::from(event)`, given the event's [`plain_uri`] (which the guard has found).
pub(super) fn into_request(event: LambdaRequest, plain_uri: Option<Uri>) -> Request {
    match (event, plain_uri) {
        (LambdaRequest::ApiGatewayV2(ag), Some(uri)) => from_http_api(ag, uri),
        (event, _) => Request::from(event),
    }
}

/// The URI `lambda_http` builds for the event, when its target is plain.
pub(super) fn plain_uri(ag: &ApiGatewayV2httpRequest) -> Option<Uri> {
    let host = ag
        .headers
        .get(header::HOST)
        .and_then(|s| s.to_str().ok())
        .or(ag.request_context.domain_name.as_deref());
    let raw_path = ag.raw_path.as_deref().unwrap_or_default();
    let path = path_with_stage(ag.request_context.stage.as_deref(), raw_path);
    let query = ag.raw_query_string.as_deref().unwrap_or_default();
    let dot_segment = path.split('/').any(|s| s == "." || s == "..");
    if dot_segment || !guard::plain_target(&path, &ag.headers, host, query) {
        return None;
    }
    let mut uri = match host {
        None => path,
        Some(host) => {
            let scheme = ag
                .headers
                .get("x-forwarded-proto")
                .and_then(|s| s.to_str().ok())
                .unwrap_or("https");
            format!("{scheme}://{}{path}", host.to_ascii_lowercase())
        }
    };
    if !query.is_empty() {
        uri.push('?');
        uri.push_str(query);
    }
    // A plain target always parses: should one not, the conversion is lambda_http's.
    uri.parse().ok()
}

/// `lambda_http`'s `apigw_path_with_stage` (which reads the variable as `env::var`).
pub(super) fn path_with_stage(stage: Option<&str>, path: &str) -> String {
    if std::env::var("AWS_LAMBDA_HTTP_IGNORE_STAGE_IN_PATH").is_ok() {
        return path.into();
    }
    match stage {
        None | Some("$default") => path.into(),
        Some(stage) if path.starts_with(&format!("/{stage}/")) => path.into(),
        Some(stage) => format!("/{stage}{path}"),
    }
}

/// `lambda_http`'s `into_api_gateway_v2_request`, with the URI given.
fn from_http_api(ag: ApiGatewayV2httpRequest, uri: Uri) -> Request {
    let query_string_parameters = match &ag.raw_query_string {
        Some(query) => match query.parse::<QueryMap>() {
            Ok(map) => map,
            Err(never) => match never {},
        },
        None => ag.query_string_parameters,
    };
    let body = ag.body.as_deref().map_or_else(Body::default, |b| {
        Body::from_maybe_encoded(ag.is_base64_encoded, b)
    });
    let mut request = Request::new(body);
    *request.method_mut() = ag.request_context.http.method.clone();
    *request.uri_mut() = uri;
    let mut headers = ag.headers;
    if let Some(cookies) = ag.cookies
        && let Ok(value) = HeaderValue::from_str(&cookies.join("; "))
    {
        headers.insert(header::COOKIE, value);
    }
    *request.headers_mut() = headers;
    request
        .with_raw_http_path(ag.raw_path.unwrap_or_default())
        .with_query_string_parameters(query_string_parameters)
        .with_path_parameters(QueryMap::from(ag.path_parameters))
        .with_stage_variables(QueryMap::from(ag.stage_variables))
        .with_request_context(RequestContext::ApiGatewayV2(ag.request_context))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(request: &Request) -> String {
        format!(
            "{} {} {:?} {:?} {:?} | {} | {:?} | {:?} | {:?} | {:?}",
            request.method(),
            request.uri(),
            request.version(),
            request.headers(),
            request.body(),
            request.raw_http_path(),
            sorted(request.query_string_parameters_ref()),
            sorted(request.path_parameters_ref()),
            sorted(request.stage_variables_ref()),
            request.request_context_ref(),
        )
    }

    /// A query map's names and values in order (its own `Debug` follows a hash order).
    fn sorted(map: Option<&QueryMap>) -> Option<std::collections::BTreeMap<String, Vec<String>>> {
        map.map(|map| serde_json::from_value(serde_json::to_value(map).unwrap()).unwrap())
    }

    /// Converts the event both ways; whether it took the direct way.
    fn same(event: &serde_json::Value) -> bool {
        let read = || serde_json::from_value::<LambdaRequest>(event.clone()).unwrap();
        let (request, direct) = ours(read());
        assert_eq!(parts(&request), parts(&Request::from(read())));
        direct
    }

    /// The event converted as the guard and `into_request` convert it; whether it took
    /// the direct way.
    fn ours(event: LambdaRequest) -> (Request, bool) {
        let uri = match &event {
            LambdaRequest::ApiGatewayV2(ag) => plain_uri(ag),
            _ => None,
        };
        let direct = uri.is_some();
        (into_request(event, uri), direct)
    }

    proptest::proptest! {
        /// Random targets near and across the plain kind's edges: whichever way each is
        /// converted, the request is the one `lambda_http` makes (where it makes one).
        #[test]
        fn random_targets_are_converted_as_lambda_http_converts_them(
            path in "/[a-zA-Z0-9._~/-]{0,10}|(/(\\.|\\.\\.|[a-z.]{1,3}|)){1,4}|[/a-zA-Z0-9._~%:@-]{0,12}",
            query in "[a-zA-Z0-9=&+,%._~-]{0,12}|[a-zA-Z0-9=&+,%._~?/:;-]{0,12}",
            stage in "\\$default|[a-z]{1,4}",
            host in proptest::option::of("[a-zA-Z0-9-]{1,8}(\\.[a-zA-Z0-9-]{1,8}){0,3}|[0-9.]{1,15}|[a-zA-Z0-9.:_-]{0,14}"),
            proto in proptest::option::of("https|http|HTTP|ftp"),
        ) {
            let mut event = serde_json::json!({
                "version": "2.0", "routeKey": "$default", "rawPath": path, "rawQueryString": query,
                "headers": {},
                "requestContext": {"accountId": "1", "apiId": "a", "stage": stage,
                    "http": {"method": "GET", "path": path, "protocol": "HTTP/1.1",
                        "sourceIp": "127.0.0.1", "userAgent": "t"},
                    "requestId": "r", "routeKey": "$default", "time": "t", "timeEpoch": 0},
                "isBase64Encoded": false
            });
            if let Some(host) = &host {
                event["headers"]["host"] = host.as_str().into();
            }
            if let Some(proto) = &proto {
                event["headers"]["x-forwarded-proto"] = proto.as_str().into();
            }
            let read = || serde_json::from_value::<LambdaRequest>(event.clone()).unwrap();
            let hook = std::panic::take_hook();
            std::panic::set_hook(Box::new(|_| {}));
            let theirs = std::panic::catch_unwind(|| parts(&Request::from(read())));
            std::panic::set_hook(hook);
            if let Ok(theirs) = theirs {
                proptest::prop_assert_eq!(parts(&ours(read()).0), theirs);
            } else {
                // Only the plain test here: the conversion would panic as lambda_http's did.
                let direct = matches!(read(), LambdaRequest::ApiGatewayV2(ag) if plain_uri(&ag).is_some());
                proptest::prop_assert!(!direct, "lambda_http refuses a target taken as plain");
            }
        }
    }

    #[test]
    fn requests_are_converted_as_lambda_http_converts_them() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("events");
        let v2: serde_json::Value =
            serde_json::from_slice(&std::fs::read(dir.join("apigw-http-v2.json")).unwrap())
                .unwrap();
        assert!(same(&v2));
        let url: serde_json::Value =
            serde_json::from_slice(&std::fs::read(dir.join("function-url.json")).unwrap()).unwrap();
        assert!(same(&url));
        for name in ["apigw-rest-v1.json", "alb.json", "alb-multi-value.json"] {
            let event = serde_json::from_slice(&std::fs::read(dir.join(name)).unwrap()).unwrap();
            assert!(!same(&event), "{name}");
        }
        // Plain and not: stages, hosts (cased, absent, with a port, an address), schemes,
        // dot segments, queries, cookies, a body.
        type Case<'a> = (
            &'a str,
            &'a str,
            &'a str,
            Option<&'a str>,
            Option<&'a str>,
            bool,
        );
        #[rustfmt::skip]
        let cases: [Case; 14] = [
            ("/sessions/s", "type=agent", "$default", Some("API.Example.com"), None, true),
            ("/sessions/s", "", "prod", Some("a.example.com"), Some("http"), true),
            ("/prod/sessions/s", "db_id=d&user_id=u%40x", "prod", None, None, true),
            ("/sessions/s", "type=agent", "$default", None, Some("https"), true),
            ("/sessions/./s", "", "$default", Some("h.example"), None, false),
            ("/sessions/../s", "", "$default", None, None, false),
            ("/sessions/s", "a=b:c", "$default", Some("h.example"), None, false),
            ("/sessions/s", "", "$default", Some("h.example:8443"), None, false),
            ("/sessions/s", "", "$default", Some("10.0.0.1"), None, false),
            ("/sessions/s", "", "$default", Some("h.example"), Some("wss"), false),
            ("/sessions/s%20t", "", "$default", Some("h.example"), None, false),
            ("/sessions/s", "", "st", Some("xn--bcher-kva.example"), None, false),
            ("sessions/s", "", "$default", Some("h.example"), None, false),
            ("/sessions/s", "x=1&&y=%zz", "$default", Some("h.example"), None, true),
        ];
        for (path, query, stage, host, proto, direct) in cases {
            let mut event = v2.clone();
            event["rawPath"] = path.into();
            event["rawQueryString"] = query.into();
            event["requestContext"]["stage"] = stage.into();
            event["cookies"] = serde_json::json!(["a=1", "b=2"]);
            event["body"] = "eyJ4IjoxfQ==".into();
            event["isBase64Encoded"] = true.into();
            event["pathParameters"] = serde_json::json!({"session_id": "s"});
            event["stageVariables"] = serde_json::json!({"v": "1"});
            let headers = event["headers"].as_object_mut().unwrap();
            headers.remove("host");
            if let Some(host) = host {
                headers.insert("host".into(), host.into());
            }
            if let Some(proto) = proto {
                headers.insert("x-forwarded-proto".into(), proto.into());
            }
            assert_eq!(same(&event), direct, "{path} {query} {host:?} {proto:?}");
        }
    }
}
