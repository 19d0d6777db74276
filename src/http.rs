//! HTTP events (API Gateway REST and HTTP APIs, Function URLs, ALB): request routing,
//! AgentOS's authentication and parameter rules, errors as status + `detail`, and what
//! a production API adds: ETags, compression, CORS, `GET /openapi.json`.

use std::borrow::Cow;

use lambda_http::http::{HeaderValue, Method, StatusCode, header};
use lambda_http::request::RequestContext;
use lambda_http::{Body, Request, RequestExt, Response};

use crate::compress::{self, Encoding};
use crate::conditional;
use crate::config::Config;
use crate::cors;
use crate::error::ApiError;
use crate::request::{SessionRequest, SessionType};
use crate::service::App;
use crate::store::SessionStore;
use crate::telemetry::RequestRecord;

/// Answers one HTTP request, noting what it learned in `record`.
pub async fn handle<S: SessionStore>(
    app: &App<S>,
    request: &Request,
    record: &mut RequestRecord,
) -> Response<Body> {
    record.source = "http";
    let config = &app.config;
    // CORS preflights are answered before routing, as by Starlette's middleware.
    if let Some(cors) = &config.cors
        && let Some(response) = cors::preflight(cors, request)
    {
        record.status = response.status().as_u16();
        return response;
    }

    let mut response = match parse(app, request) {
        Ok(Target::Session(query)) => {
            record.session_id = Some(query.session_id.clone());
            record.db_id = query.db_id.clone();
            match app.get_session(&query).await {
                Ok(found) => {
                    record.item_bytes = Some(found.item_bytes);
                    record.session_type = Some(found.session_type.as_str());
                    document_response(config, request, found.body, record)
                }
                Err(error) => {
                    record.error_type = Some(error.error_type());
                    error_response(&error)
                }
            }
        }
        Ok(Target::OpenApi) => {
            document_response(config, request, OPENAPI.as_bytes().to_vec(), record)
        }
        Err(Reject::Redirect(location)) => redirect(&location),
        Err(Reject::Error(error)) => {
            record.error_type = Some(error.error_type());
            error_response(&error)
        }
    };

    if let Some(cors) = &config.cors {
        cors::decorate(cors, request, &mut response);
    }
    if config.security_key.is_some() {
        // Authenticated answers must not be kept by shared caches.
        response
            .headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    record.status = response.status().as_u16();
    record.response_bytes = body_len(response.body());
    if request.method() == Method::HEAD {
        // An answer to HEAD has no body.
        let (parts, _) = response.into_parts();
        return Response::from_parts(parts, Body::Empty);
    }
    response
}

/// The OpenAPI description of this endpoint, as AgentOS 2.1.10 describes it.
pub const OPENAPI: &str = include_str!("../openapi.json");

/// A 200 JSON document: `ETag`, `304` for a matching `If-None-Match`, compression
/// where the client accepts it and the event source carries binary bodies.
fn document_response(
    config: &Config,
    request: &Request,
    body: Vec<u8>,
    record: &mut RequestRecord,
) -> Response<Body> {
    let headers = request.headers();
    if let Some(tags) = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        && conditional::not_modified(tags, &body)
    {
        let mut response = Response::new(Body::Empty);
        *response.status_mut() = StatusCode::NOT_MODIFIED;
        set(&mut response, header::ETAG, &conditional::etag(&body, None));
        return response;
    }

    // REST APIs (v1) need binary media types configured to pass compressed bodies, so
    // only HTTP APIs, Function URLs and ALBs get them.
    let binary_ok = !matches!(
        request.request_context_ref(),
        Some(RequestContext::ApiGatewayV1(_))
    );
    let accept = headers
        .get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok());
    let encoding =
        compress::negotiate(&config.compression, accept, body.len()).filter(|_| binary_ok);
    let compressible = binary_ok && (config.compression.gzip || config.compression.brotli);
    let etag = conditional::etag(&body, encoding.map(Encoding::token));

    let mut response = match encoding.map(|e| (e, compress::compress(e, &body))) {
        Some((encoding, Ok(compressed))) => {
            record.encoding = Some(encoding.token());
            let mut response = json_response(StatusCode::OK, Body::Binary(compressed));
            set(&mut response, header::CONTENT_ENCODING, encoding.token());
            response
        }
        _ => json_response(StatusCode::OK, text_body(body)),
    };
    set(&mut response, header::ETAG, &etag);
    if compressible {
        add_vary(response.headers_mut(), "Accept-Encoding");
    }
    response
}

/// JSON text as a text body, so every event source passes it as is (not base64).
fn text_body(body: Vec<u8>) -> Body {
    match String::from_utf8(body) {
        Ok(text) => Body::Text(text),
        Err(e) => Body::Binary(e.into_bytes()),
    }
}

fn body_len(body: &Body) -> usize {
    match body {
        Body::Text(t) => t.len(),
        Body::Binary(b) => b.len(),
        _ => 0,
    }
}

/// Adds a token to the one `Vary` header: API Gateway HTTP APIs keep a single value per
/// header name, so a second `Vary` line would be lost.
pub fn add_vary(headers: &mut lambda_http::http::HeaderMap, token: &str) {
    let merged = match headers.get(header::VARY).and_then(|v| v.to_str().ok()) {
        Some(existing)
            if existing
                .split(',')
                .any(|t| t.trim().eq_ignore_ascii_case(token)) =>
        {
            return;
        }
        Some(existing) => format!("{existing}, {token}"),
        None => token.to_owned(),
    };
    if let Ok(value) = HeaderValue::from_str(&merged) {
        headers.insert(header::VARY, value);
    }
}

fn set(response: &mut Response<Body>, name: header::HeaderName, value: &str) {
    if let Ok(value) = HeaderValue::from_str(value) {
        response.headers_mut().insert(name, value);
    }
}

enum Target {
    Session(SessionRequest),
    OpenApi,
}

enum Reject {
    Error(ApiError),
    /// Starlette redirects `/sessions/{id}/` to the path without the slash.
    Redirect(String),
}

impl From<ApiError> for Reject {
    fn from(error: ApiError) -> Self {
        Reject::Error(error)
    }
}

/// Route, method, bearer token, then query parameters: FastAPI's order.
fn parse<S>(app: &App<S>, request: &Request) -> Result<Target, Reject> {
    let path = event_path(request);
    if path == "/openapi.json" {
        // Like FastAPI's own, the description needs no token.
        return match *request.method() {
            Method::GET => Ok(Target::OpenApi),
            _ => Err(ApiError::MethodNotAllowed.into()),
        };
    }
    let session_id = match session_id_in(&path) {
        Some(id) => id,
        None => {
            // Starlette redirects a path with a trailing slash to the route without it.
            return match path
                .strip_suffix('/')
                .filter(|p| session_id_in(p).is_some() || *p == "/sessions")
            {
                Some(without_slash) => Err(Reject::Redirect(absolute_url(request, without_slash))),
                None => Err(ApiError::RouteNotFound.into()),
            };
        }
    };
    // FastAPI routes GET only: HEAD, like any other method, is 405.
    if request.method() != Method::GET {
        return Err(ApiError::MethodNotAllowed.into());
    }
    if let Some(key) = &app.config.security_key {
        let token = bearer_token(request).ok_or(ApiError::MissingToken)?;
        if !key.matches(token) {
            return Err(ApiError::InvalidToken.into());
        }
    }

    let (mut session_type, mut db_id, mut user_id) = (None, None, None);
    for (name, value) in form_urlencoded::parse(request.uri().query().unwrap_or("").as_bytes()) {
        // A repeated parameter: the last one wins, as in FastAPI.
        match name.as_ref() {
            "type" => session_type = Some(value),
            "db_id" => db_id = Some(value.into_owned()),
            "user_id" => user_id = Some(value.into_owned()),
            _ => {}
        }
    }
    let session_type = match session_type {
        None => None,
        Some(value) => Some(
            SessionType::parse(&value).ok_or_else(|| ApiError::InvalidType {
                input: value.into_owned(),
            })?,
        ),
    };
    Ok(Target::Session(SessionRequest::new(
        session_id,
        session_type,
        db_id,
        user_id,
    )))
}

/// The path as the client sent it (still percent-encoded), without an API Gateway
/// stage prefix.
fn event_path(request: &Request) -> Cow<'_, str> {
    let raw = request.raw_http_path();
    let path = if raw.is_empty() {
        request.uri().path()
    } else {
        raw
    };
    let stage = match request.request_context_ref() {
        Some(RequestContext::ApiGatewayV2(ctx)) => ctx.stage.as_deref(),
        Some(RequestContext::ApiGatewayV1(ctx)) => ctx.stage.as_deref(),
        _ => None,
    };
    if let Some(stage) = stage.filter(|s| *s != "$default")
        && let Some(rest) = path.strip_prefix('/').and_then(|p| p.strip_prefix(stage))
        && rest.starts_with('/')
        && session_id_in(path).is_none()
    {
        return Cow::Borrowed(rest);
    }
    Cow::Borrowed(path)
}

/// `/sessions/{session_id}`: one non-empty segment, percent-decoded as Starlette
/// decodes paths (invalid UTF-8 becomes U+FFFD).
fn session_id_in(path: &str) -> Option<String> {
    let segment = path.strip_prefix("/sessions/")?;
    if segment.is_empty() || segment.contains('/') {
        return None;
    }
    let decoded = percent_encoding::percent_decode_str(segment).decode_utf8_lossy();
    // An encoded slash decodes into a path Starlette would route elsewhere.
    (!decoded.contains('/')).then(|| decoded.into_owned())
}

/// FastAPI's `HTTPBearer(auto_error=False)`: `Bearer <token>`, scheme case-insensitive,
/// spaces around the token ignored; anything else counts as no credentials.
fn bearer_token(request: &Request) -> Option<&str> {
    let value = request
        .headers()
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    let (scheme, token) = value.split_once(' ').unwrap_or((value, ""));
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

/// The URL Starlette puts in a redirect: absolute when the request names its host,
/// with the query kept.
fn absolute_url(request: &Request, path: &str) -> String {
    let headers = request.headers();
    let text = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let mut url = match text("host") {
        Some(host) => format!(
            "{}://{host}{path}",
            text("x-forwarded-proto").unwrap_or("https")
        ),
        None => path.to_owned(),
    };
    if let Some(query) = request.uri().query() {
        url.push('?');
        url.push_str(query);
    }
    url
}

fn json_response(status: StatusCode, body: Body) -> Response<Body> {
    let mut response = Response::new(body);
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

/// An error as AgentOS answers it: status and `{"detail": …}`.
pub fn error_response(error: &ApiError) -> Response<Body> {
    let status = StatusCode::from_u16(error.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    if status.is_server_error() {
        tracing::error!(status = status.as_u16(), error = %error, "request failed");
    }
    let mut response = json_response(status, Body::Text(error.body().to_string()));
    let headers = response.headers_mut();
    if matches!(error, ApiError::MethodNotAllowed) {
        headers.insert(header::ALLOW, HeaderValue::from_static("GET"));
    }
    if let Some(after) = error.retry_after() {
        headers.insert(header::RETRY_AFTER, HeaderValue::from(after.as_secs()));
    }
    response
}

fn redirect(location: &str) -> Response<Body> {
    // As Starlette's `quote(url, safe=":/%#?=@[]!$&'()*+,;")`: a header value holds
    // visible ASCII only, so other bytes (non-ASCII, controls, spaces) are encoded.
    const UNSAFE: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
        .remove(b'_')
        .remove(b'.')
        .remove(b'-')
        .remove(b'~')
        .remove(b':')
        .remove(b'/')
        .remove(b'%')
        .remove(b'#')
        .remove(b'?')
        .remove(b'=')
        .remove(b'@')
        .remove(b'[')
        .remove(b']')
        .remove(b'!')
        .remove(b'$')
        .remove(b'&')
        .remove(b'\'')
        .remove(b'(')
        .remove(b')')
        .remove(b'*')
        .remove(b'+')
        .remove(b',')
        .remove(b';');
    let location = percent_encoding::utf8_percent_encode(location, UNSAFE).to_string();
    let mut response = Response::new(Body::Empty);
    *response.status_mut() = StatusCode::TEMPORARY_REDIRECT;
    if let Ok(value) = HeaderValue::from_str(&location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_ids_are_one_decoded_segment() {
        assert_eq!(session_id_in("/sessions/abc").as_deref(), Some("abc"));
        assert_eq!(
            session_id_in("/sessions/a%20b%2Bc+d").as_deref(),
            Some("a b+c+d")
        );
        assert_eq!(
            session_id_in("/sessions/caf%C3%A9").as_deref(),
            Some("café")
        );
        assert_eq!(session_id_in("/sessions/%FF").as_deref(), Some("\u{FFFD}"));
        assert_eq!(session_id_in("/sessions/"), None);
        assert_eq!(session_id_in("/sessions/a/b"), None);
        assert_eq!(session_id_in("/sessions/a%2Fb"), None);
        assert_eq!(session_id_in("/session/a"), None);
    }

    #[test]
    fn redirects_always_carry_a_location() {
        for (path, location) in [
            ("/sessions/a?type=team", "/sessions/a?type=team"),
            ("/sessions/caf%C3%A9", "/sessions/caf%C3%A9"),
            ("/sessions/\u{a1} \t\"", "/sessions/%C2%A1%20%09%22"),
        ] {
            let response = redirect(path);
            assert_eq!(response.status(), StatusCode::TEMPORARY_REDIRECT);
            assert_eq!(response.headers()[header::LOCATION], location, "{path}");
        }
    }

    #[test]
    fn bearer_scheme_rules() {
        let with = |value: &str| {
            let mut request = Request::default();
            request
                .headers_mut()
                .insert(header::AUTHORIZATION, HeaderValue::from_str(value).unwrap());
            bearer_token(&request).map(str::to_owned)
        };
        assert_eq!(with("Bearer k").as_deref(), Some("k"));
        assert_eq!(with("Bearer  k ").as_deref(), Some("k"));
        assert_eq!(with("Bearer  k ").as_deref(), Some("k"));
        assert_eq!(with("bearer k").as_deref(), Some("k"));
        assert_eq!(with("Basic k"), None);
        assert_eq!(with("Bearer"), None);
        assert_eq!(bearer_token(&Request::default()), None);
    }
}
