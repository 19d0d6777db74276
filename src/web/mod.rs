//! What a production HTTP API adds around a JSON document: conditional GET (`ETag`,
//! `304`), compression, CORS.

mod compress;
mod conditional;
mod cors;

use std::ops::Range;

use lambda_http::http::{HeaderMap, HeaderValue, StatusCode, header};
use lambda_http::{Body, Response};

use crate::render::Document;

pub use compress::{CompressionSettings, Encoding, compress};
pub use conditional::etag;
pub use cors::{CorsSettings, decorate as cors_decorate, preflight as cors_preflight};

/// A 200 JSON document for a request with these headers: `ETag`, `304` for a matching
/// `If-None-Match`, compression where the client accepts it and the event source
/// carries binary bodies (`binary_ok`). Returns the encoding used, if any.
pub fn document(
    settings: &CompressionSettings,
    request: &HeaderMap,
    binary_ok: bool,
    body: Document,
) -> (Response<Body>, Option<Encoding>) {
    let accept = header_str(request, &header::ACCEPT_ENCODING);
    let encoding = compress::negotiate(settings, accept, body.len()).filter(|_| binary_ok);
    let compressible = binary_ok && (settings.gzip || settings.brotli);
    // The tag hashes the document as held: the same stored session always is held
    // alike, whichever way it is sent.
    let etag = conditional::etag(body.held(), encoding.map(Encoding::token));

    if let Some(tags) = header_str(request, &header::IF_NONE_MATCH)
        && conditional::not_modified(tags, body.held())
    {
        // The tag and `Vary` of the representation a 200 would have sent.
        let mut response = Response::new(Body::Empty);
        *response.status_mut() = StatusCode::NOT_MODIFIED;
        insert(response.headers_mut(), header::ETAG, &etag);
        if compressible {
            add_vary(response.headers_mut(), "Accept-Encoding");
        }
        return (response, None);
    }

    let (mut response, used) = match encoding {
        Some(encoding) => {
            let plain = body.into_plain();
            match compress::compress(encoding, &plain) {
                Ok(compressed) => {
                    let mut response = json_response(StatusCode::OK, Body::Binary(compressed));
                    insert(
                        response.headers_mut(),
                        header::CONTENT_ENCODING,
                        encoding.token(),
                    );
                    (response, Some(encoding))
                }
                Err(_) => (json_response(StatusCode::OK, text_body(plain)), None),
            }
        }
        None => {
            let (text, escaped) = body.into_parts();
            let mut response = json_response(StatusCode::OK, text_body(text));
            if let Some(range) = escaped {
                response.extensions_mut().insert(EscapedPart(range));
            }
            (response, None)
        }
    };
    insert(response.headers_mut(), header::ETAG, &etag);
    if compressible {
        add_vary(response.headers_mut(), "Accept-Encoding");
    }
    (response, used)
}

/// On a response whose body is a [`Document`]'s text: where in it the part written
/// escaped as a JSON string's contents is. Whoever writes the body into Lambda's
/// response copies that part as it is; whoever reads the body as text must unescape it
/// ([`plain_body`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EscapedPart(pub Range<usize>);

/// `response` with its body's escaped part, if any, unescaped.
pub fn plain_body(response: Response<Body>) -> Response<Body> {
    let (mut parts, body) = response.into_parts();
    let body = match (parts.extensions.remove::<EscapedPart>(), body) {
        (Some(EscapedPart(range)), Body::Text(text)) => {
            let document = Document::held_as(text.into_bytes(), range);
            text_body(document.into_plain())
        }
        (_, body) => body,
    };
    Response::from_parts(parts, body)
}

/// A JSON answer with this status and body.
pub fn json_response(status: StatusCode, body: Body) -> Response<Body> {
    let mut response = Response::new(body);
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

/// JSON text as a text body, so every event source passes it as is (not base64).
fn text_body(body: Vec<u8>) -> Body {
    match String::from_utf8(body) {
        Ok(text) => Body::Text(text),
        Err(e) => Body::Binary(e.into_bytes()),
    }
}

/// Adds a token to the one `Vary` header: API Gateway HTTP APIs keep a single value per
/// header name, so a second `Vary` line would be lost.
pub fn add_vary(headers: &mut HeaderMap, token: &str) {
    let merged = match header_str(headers, &header::VARY) {
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
    insert(headers, header::VARY, &merged);
}

/// A header's value, when it is visible ASCII.
pub fn header_str<'a>(headers: &'a HeaderMap, name: &header::HeaderName) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// Sets a header, unless the value cannot be a header value.
pub fn insert(headers: &mut HeaderMap, name: header::HeaderName, value: &str) {
    if let Ok(value) = HeaderValue::from_str(value) {
        headers.insert(name, value);
    }
}
