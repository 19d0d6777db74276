//! HTTP events, once converted: routing as FastAPI routes (path, method, bearer token,
//! query parameters, in that order), then the session document or the error answer.
//! Also `GET /openapi.json`.

use std::borrow::Cow;

use lambda_http::http::{Method, header};
use lambda_http::request::RequestContext;
use lambda_http::{Body, Request, RequestExt, Response};
use serde_json::Value;

use super::{answer, limits};
use crate::error::Error;
use crate::operation::{App, access};
use crate::render::Document;
use crate::session::{Caller, Claims, Contract, SessionRequest, SessionType};
use crate::store::SessionStore;
use crate::telemetry::RequestRecord;
use crate::web;

/// Answers one HTTP request, noting what it learned in `record`.
pub(super) async fn handle<S: SessionStore>(
    app: &App<S>,
    request: &Request,
    record: &mut RequestRecord,
) -> Response<Body> {
    record.source = "http";
    let config = &app.config;
    // CORS preflights are answered before routing, as by Starlette's middleware.
    if let Some(cors) = &config.cors
        && let Some(response) = web::cors_preflight(cors, request.method(), request.headers())
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
                    document(app, request, found.body, record).unwrap_or_else(|error| {
                        record.error_type = Some(error.error_type());
                        answer::error(&error)
                    })
                }
                Err(error) => {
                    record.error_type = Some(error.error_type());
                    answer::error(&error)
                }
            }
        }
        Ok(Target::OpenApi) => {
            let description = match config.contract {
                Contract::V2_1 => OPENAPI_2_1,
                Contract::V3_1 => OPENAPI_3_1,
            };
            document(
                app,
                request,
                Document::plain(description.as_bytes().to_vec()),
                record,
            )
            .unwrap_or_else(|error| answer::error(&error))
        }
        Err(Reject::Redirect(location)) => answer::redirect(&location),
        Err(Reject::Error(error)) => {
            record.error_type = Some(error.error_type());
            answer::error(&error)
        }
    };
    answer::finish(config, request.headers(), &mut response);
    record.status = response.status().as_u16();
    record.response_bytes = body_len(response.body());
    if request.method() == Method::HEAD {
        // An answer to HEAD has no body.
        let (mut parts, _) = response.into_parts();
        parts.extensions.remove::<web::EscapedPart>();
        return Response::from_parts(parts, Body::Empty);
    }
    response
}

/// The OpenAPI description of this endpoint, as AgentOS 2.1.10 describes it.
const OPENAPI_2_1: &str = include_str!("../../openapi.json");
/// ... and as AgentOS 3.1.10 does.
const OPENAPI_3_1: &str = include_str!("../../openapi-3.1.json");

/// A 200 JSON document (see [`web::document`]). REST APIs (v1) need binary media types
/// configured to pass compressed bodies, so only HTTP APIs, Function URLs and ALBs get
/// them. A document too large for the event source as text is compressed whenever the
/// client accepts it, whatever `COMPRESSION` says; one too large even so is an error
/// that says so, rather than a response Lambda or the ALB would refuse.
fn document<S>(
    app: &App<S>,
    request: &Request,
    body: Document,
    record: &mut RequestRecord,
) -> Result<Response<Body>, Error> {
    let context = request.request_context_ref();
    let binary_ok = !matches!(context, Some(RequestContext::ApiGatewayV1(_)));
    let alb = matches!(context, Some(RequestContext::Alb(_)));
    let limit = if alb {
        limits::ALB_RESPONSE_BYTES
    } else {
        limits::LAMBDA_RESPONSE_BYTES
    };
    let mut settings = app.config.compression;
    if limits::may_exceed(body.len(), limit)
        && limits::document_bytes(&body) + limits::ENVELOPE_BYTES > limit
    {
        settings = web::CompressionSettings {
            gzip: true,
            brotli: true,
            min_bytes: 0,
        };
    }
    let (response, encoding) = web::document(&settings, request.headers(), binary_ok, body);
    let bytes = limits::response_bytes(&response, alb, limit);
    if bytes > limit {
        return Err(Error::ResponseTooLarge { bytes, limit });
    }
    record.encoding = encoding.map(web::Encoding::token);
    Ok(response)
}

fn body_len(body: &Body) -> usize {
    match body {
        Body::Text(t) => t.len(),
        Body::Binary(b) => b.len(),
        _ => 0,
    }
}

enum Target {
    Session(SessionRequest),
    OpenApi,
}

enum Reject {
    Error(Error),
    /// Starlette redirects `/sessions/{id}/` to the path without the slash.
    Redirect(String),
}

impl From<Error> for Reject {
    fn from(error: Error) -> Self {
        Reject::Error(error)
    }
}

/// Paths AgentOS 3.1.10's auth middleware lets through without a token
/// (`_get_default_excluded_routes`); here they answer 404, or the OpenAPI document.
const OPEN_PATHS: [&str; 7] = [
    "/",
    "/health",
    "/info",
    "/docs",
    "/redoc",
    "/openapi.json",
    "/docs/oauth2-redirect",
];

/// Route, method, bearer token, then query parameters: FastAPI's order. AgentOS 3.1.10
/// checks the token first, in a middleware, on every path but a few.
fn parse<S>(app: &App<S>, request: &Request) -> Result<Target, Reject> {
    let path = event_path(request);
    // Starlette reads header bytes as Latin-1: a token with other bytes is a token (a
    // wrong one), not a missing header.
    let authorization = request
        .headers()
        .get(header::AUTHORIZATION)
        .map(|value| latin1(value.as_bytes()));
    let config = &app.config;
    let contract = config.contract;
    // AgentOS 3.1.10 authenticates in a middleware, before routing; so does any setup
    // where a token (or authorizer) identifies the caller.
    let middleware = contract == Contract::V3_1 || config.auth.identifies_callers();
    let route = percent_encoding::percent_decode_str(&path).decode_utf8_lossy();
    let mut caller = Caller::Unidentified;
    if middleware && request.method() != Method::OPTIONS && !OPEN_PATHS.contains(&route.as_ref()) {
        let credentials = access::Credentials {
            authorization: authorization.as_deref(),
            authorizer: authorizer(request),
        };
        caller = access::authenticate(config, &credentials, unix_now())?;
        // AgentOS maps `GET /sessions/*` to `sessions:read`; other routes need no scope.
        if request.method() == Method::GET && route.starts_with("/sessions/") {
            access::check_scopes(&config.auth, &caller)?;
        }
    }
    let session_id = match contract {
        Contract::V2_1 => route_v2(request, &path)?,
        Contract::V3_1 => route_v3(request, &route)?,
    };
    let Some(session_id) = session_id else {
        return Ok(Target::OpenApi);
    };
    // FastAPI routes GET only: HEAD, like any other method, is 405.
    if request.method() != Method::GET {
        return Err(Error::MethodNotAllowed.into());
    }
    if !middleware {
        access::authorize_key(config.security_key.as_ref(), authorization.as_deref())?;
    }

    let (mut session_type, mut db_id, mut user_id, mut table) = (None, None, None, None);
    for (name, value) in form_urlencoded::parse(request.uri().query().unwrap_or("").as_bytes()) {
        // A repeated parameter: the last one wins, as in FastAPI.
        match name.as_ref() {
            "type" => session_type = Some(value),
            "db_id" => db_id = Some(value.into_owned()),
            "user_id" => user_id = Some(value.into_owned()),
            "table" => table = Some(value.into_owned()),
            _ => {}
        }
    }
    let session_type = match session_type {
        None => None,
        Some(value) => Some(
            SessionType::parse(&value).ok_or_else(|| Error::InvalidType {
                input: value.into_owned(),
            })?,
        ),
    };
    Ok(Target::Session(
        SessionRequest::new(session_id, session_type, db_id, user_id)
            .with_table(table)
            .by(caller),
    ))
}

fn unix_now() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

/// The claims an authorizer put into the event: API Gateway's (an HTTP API JWT or
/// Lambda authorizer; a REST API Cognito or Lambda authorizer). A Function URL event
/// never carries any: claims in one were not put there by AWS.
fn authorizer(request: &Request) -> access::Authorizer {
    use lambda_http::aws_lambda_events::apigw::ApiGatewayRequestAuthorizer;
    let from_fields = |fields: &std::collections::HashMap<String, Value>| {
        let claims = fields.get("claims").and_then(Value::as_object);
        let text = |name: &str| {
            claims
                .and_then(|c| c.get(name))
                .or_else(|| fields.get(name))
                .and_then(Value::as_str)
        };
        let subject = text("sub").or_else(|| text("principalId"));
        let mut scopes = Vec::new();
        for name in ["scopes", "scope"] {
            match claims
                .and_then(|c| c.get(name))
                .or_else(|| fields.get(name))
            {
                Some(Value::String(list)) => scopes.extend(split_scopes(list)),
                Some(Value::Array(list)) => {
                    scopes.extend(list.iter().filter_map(Value::as_str).map(str::to_owned))
                }
                _ => {}
            }
        }
        (subject.is_some() || !scopes.is_empty()).then(|| Claims {
            subject: subject.map(str::to_owned),
            scopes: Some(scopes),
        })
    };
    let v2 = |authorizer: &ApiGatewayRequestAuthorizer| match &authorizer.jwt {
        Some(jwt) => {
            let mut scopes = jwt.scopes.clone().unwrap_or_default();
            for name in ["scopes", "scope"] {
                if let Some(list) = jwt.claims.get(name) {
                    scopes.extend(split_scopes(list));
                }
            }
            Some(Claims {
                subject: jwt.claims.get("sub").cloned(),
                scopes: Some(scopes),
            })
        }
        None => from_fields(&authorizer.fields),
    };
    let claims = match request.request_context_ref() {
        Some(RequestContext::ApiGatewayV2(ctx)) => {
            let claims = ctx.authorizer.as_ref().and_then(v2);
            let function_url = ctx
                .domain_name
                .as_deref()
                .is_some_and(|d| d.contains(".lambda-url."));
            if function_url && claims.is_some() {
                return access::Authorizer::Unexpected;
            }
            claims
        }
        Some(RequestContext::ApiGatewayV1(ctx)) => from_fields(&ctx.authorizer.fields),
        _ => None,
    };
    claims.map_or(access::Authorizer::None, access::Authorizer::ApiGateway)
}

/// A scope claim as API Gateway hands it over: space-separated (`scope`), or a JSON
/// list it flattened to `[a b]`.
fn split_scopes(text: &str) -> impl Iterator<Item = String> + '_ {
    let inner = text
        .strip_prefix('[')
        .and_then(|t| t.strip_suffix(']'))
        .unwrap_or(text);
    inner
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

/// The session id the path names (`None`: the OpenAPI document), as AgentOS 2.1.10
/// routes: on the raw path, redirecting a trailing slash.
fn route_v2(request: &Request, path: &str) -> Result<Option<String>, Reject> {
    if path == "/openapi.json" {
        // Like FastAPI's own, the description needs no token.
        return match *request.method() {
            Method::GET => Ok(None),
            _ => Err(Error::MethodNotAllowed.into()),
        };
    }
    match session_id_in(path) {
        Some(id) => Ok(Some(id)),
        // Starlette redirects a path with a trailing slash to the route without it.
        None => match path
            .strip_suffix('/')
            .filter(|p| session_id_in(p).is_some() || *p == "/sessions")
        {
            Some(without_slash) => Err(Reject::Redirect(absolute_url(request, without_slash))),
            None => Err(Error::RouteNotFound.into()),
        },
    }
}

/// ... and as AgentOS 3.1.10 routes: on the decoded path, whose trailing slashes its
/// `TrailingSlashMiddleware` strips.
fn route_v3(request: &Request, route: &str) -> Result<Option<String>, Reject> {
    let route = match route.trim_end_matches('/') {
        "" => route,
        trimmed => trimmed,
    };
    if route == "/openapi.json" {
        return match *request.method() {
            Method::GET => Ok(None),
            _ => Err(Error::MethodNotAllowed.into()),
        };
    }
    match route.strip_prefix("/sessions/") {
        Some(id) if !id.is_empty() && !id.contains('/') => Ok(Some(id.to_owned())),
        _ => Err(Error::RouteNotFound.into()),
    }
}

/// Bytes read as Latin-1, as Starlette decodes header values.
fn latin1(bytes: &[u8]) -> Cow<'_, str> {
    match std::str::from_utf8(bytes) {
        Ok(text) if text.is_ascii() => Cow::Borrowed(text),
        _ => Cow::Owned(bytes.iter().map(|&b| char::from(b)).collect()),
    }
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
}
