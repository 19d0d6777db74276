//! HTTP events (API Gateway REST and HTTP APIs, Function URLs, ALB): request routing,
//! AgentOS's authentication and parameter rules, and errors as status + `detail`.

use std::borrow::Cow;

use lambda_http::http::{HeaderValue, Method, StatusCode, header};
use lambda_http::request::RequestContext;
use lambda_http::{Body, Request, RequestExt, Response};

use crate::error::ApiError;
use crate::request::{SessionRequest, SessionType};
use crate::service::App;
use crate::store::SessionStore;

/// Answers one HTTP request.
pub async fn handle<S: SessionStore>(app: &App<S>, request: &Request) -> Response<Body> {
    let head = request.method() == Method::HEAD;
    let mut response = match parse(app, request) {
        Ok(query) => match app.get_session(&query).await {
            Ok(body) => json_response(StatusCode::OK, Body::from(body)),
            Err(error) => error_response(&error),
        },
        Err(Reject::Redirect(location)) => redirect(&location),
        Err(Reject::Error(error)) => error_response(&error),
    };
    if app.config.security_key.is_some() {
        // Authenticated answers must not be kept by shared or browser caches.
        response
            .headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    if head {
        // HEAD answers GET's status and headers without the body, as Starlette does.
        let (parts, _) = response.into_parts();
        return Response::from_parts(parts, Body::Empty);
    }
    response
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
fn parse<S>(app: &App<S>, request: &Request) -> Result<SessionRequest, Reject> {
    let path = event_path(request);
    let session_id = match session_id_in(&path) {
        Some(id) => id,
        None => {
            return match path
                .strip_suffix('/')
                .filter(|p| session_id_in(p).is_some())
            {
                Some(without_slash) => {
                    let mut location = without_slash.to_owned();
                    if let Some(query) = request.uri().query() {
                        location.push('?');
                        location.push_str(query);
                    }
                    Err(Reject::Redirect(location))
                }
                None => Err(ApiError::RouteNotFound.into()),
            };
        }
    };
    if !matches!(*request.method(), Method::GET | Method::HEAD) {
        return Err(ApiError::MethodNotAllowed.into());
    }
    if let Some(key) = &app.config.security_key {
        let token = bearer_token(request).ok_or(ApiError::MissingToken)?;
        if !key.matches(token) {
            return Err(ApiError::InvalidToken.into());
        }
    }

    let (mut session_type, mut db_id) = (None, None);
    // Every user id given must own the session. FastAPI keeps the last of a repeated
    // parameter, so `?user_id=me&user_id=other` would override a user id a gateway put
    // first; and `user_id[]=me` would be ignored, scoping to no one. Here both scope.
    let mut user_ids: Vec<String> = Vec::new();
    for (name, value) in form_urlencoded::parse(request.uri().query().unwrap_or("").as_bytes()) {
        // A repeated parameter: the last one wins, as in FastAPI.
        match name.as_ref() {
            "type" => session_type = Some(value),
            "db_id" => db_id = Some(value.into_owned()),
            name if (name == "user_id" || name.starts_with("user_id["))
                && !value.is_empty()
                && !user_ids.iter().any(|u| *u == value) =>
            {
                user_ids.push(value.into_owned());
            }
            _ => {}
        }
    }
    let session_type = match session_type {
        None => SessionType::Agent,
        Some(value) => SessionType::parse(&value).ok_or_else(|| ApiError::InvalidType {
            input: value.into_owned(),
        })?,
    };
    if user_ids.len() > 1 {
        // A session has one owner: no session is every one of these users'.
        app.config
            .database(db_id.as_deref().filter(|d| !d.is_empty()))
            .map_err(ApiError::from)?;
        return Err(ApiError::SessionNotFound {
            session_type,
            session_id,
        }
        .into());
    }
    Ok(SessionRequest::new(
        session_id,
        session_type,
        db_id,
        user_ids.pop(),
    ))
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

/// FastAPI's `HTTPBearer(auto_error=False)`: `Bearer <token>`, scheme case-insensitive;
/// anything else counts as no credentials.
fn bearer_token(request: &Request) -> Option<&str> {
    let value = request
        .headers()
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?;
    let (scheme, token) = value.split_once(' ').unwrap_or((value, ""));
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
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
    let mut response = json_response(status, Body::from(error.body().to_string()));
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
        assert_eq!(with("bearer k").as_deref(), Some("k"));
        assert_eq!(with("Basic k"), None);
        assert_eq!(with("Bearer"), None);
        assert_eq!(bearer_token(&Request::default()), None);
    }
}
