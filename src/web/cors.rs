//! CORS, off unless configured; when on, it behaves as Starlette's `CORSMiddleware`
//! (which AgentOS uses): preflights are answered before routing, and answers to allowed
//! origins carry `Access-Control-Allow-Origin`.

use lambda_http::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use lambda_http::{Body, Response};

use super::{add_vary, header_str, insert};

/// The methods this API serves; preflights for others are refused.
const METHODS: &str = "GET, HEAD, OPTIONS";
/// Headers browsers may always send (CORS-safelisted), lower case.
const SAFELISTED: [&str; 4] = [
    "accept",
    "accept-language",
    "content-language",
    "content-type",
];

/// Who may call from a browser (`CORS_ALLOW_*`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CorsSettings {
    /// Allowed origins; `*` allows any.
    pub allow_origins: Vec<String>,
    /// Allowed request headers (lower case); `*` allows any.
    pub allow_headers: Vec<String>,
    /// Answer `Access-Control-Allow-Credentials: true`.
    pub allow_credentials: bool,
    /// Seconds a preflight may be cached.
    pub max_age: u32,
}

impl CorsSettings {
    fn any_origin(&self) -> bool {
        self.allow_origins.iter().any(|o| o == "*")
    }

    fn allows_origin(&self, origin: &str) -> bool {
        self.any_origin() || self.allow_origins.iter().any(|o| o == origin)
    }

    fn allows_header(&self, name: &str) -> bool {
        let name = name.trim().to_ascii_lowercase();
        SAFELISTED.contains(&name.as_str())
            || self.allow_headers.iter().any(|h| h == "*" || *h == name)
    }

    /// The origin to echo: `*` when any origin may read and no credentials are involved.
    fn allow_origin_value(&self, origin: &str) -> String {
        if self.any_origin() && !self.allow_credentials {
            "*".to_owned()
        } else {
            origin.to_owned()
        }
    }
}

/// Answers a CORS preflight (`OPTIONS` with `Origin` and
/// `Access-Control-Request-Method`), or `None` for any other request.
pub fn preflight(
    settings: &CorsSettings,
    method: &Method,
    headers: &HeaderMap,
) -> Option<Response<Body>> {
    let origin = header_str(headers, &header::ORIGIN)?;
    if method != Method::OPTIONS {
        return None;
    }
    let method = header_str(headers, &header::ACCESS_CONTROL_REQUEST_METHOD)?;
    let requested_headers = header_str(headers, &header::ACCESS_CONTROL_REQUEST_HEADERS);

    let mut failures = Vec::new();
    if !settings.allows_origin(origin) {
        failures.push("origin");
    }
    if !METHODS.split(", ").any(|m| m == method) {
        failures.push("method");
    }
    if let Some(requested) = requested_headers
        && !requested.split(',').all(|h| settings.allows_header(h))
    {
        failures.push("headers");
    }

    let (status, text) = if failures.is_empty() {
        (StatusCode::OK, "OK".to_owned())
    } else {
        (
            StatusCode::BAD_REQUEST,
            format!("Disallowed CORS {}", failures.join(", ")),
        )
    };
    let mut response = Response::new(Body::from(text));
    *response.status_mut() = status;
    let out = response.headers_mut();
    out.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; charset=utf-8"),
    );
    out.insert(
        header::VARY,
        HeaderValue::from_static(
            "Origin, Access-Control-Request-Method, Access-Control-Request-Headers",
        ),
    );
    if settings.allows_origin(origin) {
        insert(
            out,
            header::ACCESS_CONTROL_ALLOW_ORIGIN,
            &settings.allow_origin_value(origin),
        );
    }
    out.insert(
        header::ACCESS_CONTROL_ALLOW_METHODS,
        HeaderValue::from_static(METHODS),
    );
    out.insert(
        header::ACCESS_CONTROL_MAX_AGE,
        HeaderValue::from(settings.max_age),
    );
    let allowed_headers = if settings.allow_headers.iter().any(|h| h == "*") {
        requested_headers.unwrap_or_default().to_owned()
    } else {
        let mut all: Vec<&str> = SAFELISTED
            .iter()
            .copied()
            .chain(settings.allow_headers.iter().map(String::as_str))
            .collect();
        all.sort_unstable();
        all.dedup();
        all.join(", ")
    };
    if !allowed_headers.is_empty() {
        insert(out, header::ACCESS_CONTROL_ALLOW_HEADERS, &allowed_headers);
    }
    if settings.allow_credentials {
        out.insert(
            header::ACCESS_CONTROL_ALLOW_CREDENTIALS,
            HeaderValue::from_static("true"),
        );
    }
    Some(response)
}

/// Adds CORS headers to an answer for an allowed origin (`request`: the request's
/// headers); `Vary: Origin` always, since the answer depends on it.
pub fn decorate(settings: &CorsSettings, request: &HeaderMap, response: &mut Response<Body>) {
    let headers = response.headers_mut();
    add_vary(headers, "Origin");
    let Some(origin) = header_str(request, &header::ORIGIN) else {
        return;
    };
    if !settings.allows_origin(origin) {
        return;
    }
    insert(
        headers,
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        &settings.allow_origin_value(origin),
    );
    headers.insert(
        header::ACCESS_CONTROL_EXPOSE_HEADERS,
        HeaderValue::from_static("ETag, Content-Encoding, Retry-After"),
    );
    if settings.allow_credentials {
        headers.insert(
            header::ACCESS_CONTROL_ALLOW_CREDENTIALS,
            HeaderValue::from_static("true"),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(origins: &[&str], credentials: bool) -> CorsSettings {
        CorsSettings {
            allow_origins: origins.iter().map(|s| s.to_string()).collect(),
            allow_headers: vec!["authorization".into(), "if-none-match".into()],
            allow_credentials: credentials,
            max_age: 600,
        }
    }

    fn request(method: Method, headers: &[(&str, &str)]) -> (Method, HeaderMap) {
        let mut map = HeaderMap::new();
        for (k, v) in headers {
            map.insert(
                header::HeaderName::from_bytes(k.as_bytes()).unwrap(),
                HeaderValue::from_str(v).unwrap(),
            );
        }
        (method, map)
    }

    fn preflight(
        s: &CorsSettings,
        (method, headers): &(Method, HeaderMap),
    ) -> Option<Response<Body>> {
        super::preflight(s, method, headers)
    }

    fn decorate(
        s: &CorsSettings,
        (_, headers): &(Method, HeaderMap),
        response: &mut Response<Body>,
    ) {
        super::decorate(s, headers, response)
    }

    #[test]
    fn preflight_for_an_allowed_origin() {
        let s = settings(&["https://app.example"], true);
        let r = request(
            Method::OPTIONS,
            &[
                ("origin", "https://app.example"),
                ("access-control-request-method", "GET"),
                ("access-control-request-headers", "Authorization"),
            ],
        );
        let response = preflight(&s, &r).unwrap();
        assert_eq!(response.status(), 200);
        let h = response.headers();
        assert_eq!(h["access-control-allow-origin"], "https://app.example");
        assert_eq!(h["access-control-allow-methods"], METHODS);
        assert_eq!(h["access-control-allow-credentials"], "true");
        assert_eq!(
            h["access-control-allow-headers"],
            "accept, accept-language, authorization, content-language, content-type, if-none-match"
        );
    }

    #[test]
    fn preflight_refusals_say_why() {
        let s = settings(&["https://app.example"], false);
        let r = request(
            Method::OPTIONS,
            &[
                ("origin", "https://evil.example"),
                ("access-control-request-method", "DELETE"),
                ("access-control-request-headers", "x-custom"),
            ],
        );
        let response = preflight(&s, &r).unwrap();
        assert_eq!(response.status(), 400);
        assert_eq!(
            response.body(),
            &Body::from("Disallowed CORS origin, method, headers")
        );
        assert!(
            response
                .headers()
                .get("access-control-allow-origin")
                .is_none()
        );
        // Not a preflight: no Origin, or no requested method.
        assert!(
            preflight(
                &s,
                &request(Method::OPTIONS, &[("origin", "https://app.example")])
            )
            .is_none()
        );
        assert!(
            preflight(
                &s,
                &request(Method::OPTIONS, &[("access-control-request-method", "GET")])
            )
            .is_none()
        );
    }

    #[test]
    fn simple_answers_name_the_origin() {
        let s = settings(&["*"], false);
        let mut response = Response::new(Body::Empty);
        decorate(
            &s,
            &request(Method::GET, &[("origin", "https://any.example")]),
            &mut response,
        );
        assert_eq!(response.headers()["access-control-allow-origin"], "*");
        assert_eq!(response.headers()["vary"], "Origin");

        let s = settings(&["https://app.example"], false);
        let mut response = Response::new(Body::Empty);
        decorate(
            &s,
            &request(Method::GET, &[("origin", "https://other.example")]),
            &mut response,
        );
        assert!(
            response
                .headers()
                .get("access-control-allow-origin")
                .is_none()
        );
    }
}
