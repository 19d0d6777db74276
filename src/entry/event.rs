//! The invocation's event JSON read as `lambda_http` reads it, in one pass when it can.
//!
//! `lambda_http` copies the event into a `RawValue`, then parses it as each event source
//! in turn (REST API, HTTP API, ALB, ..., else pass-through) and keeps the first that
//! parses. An HTTP API or Function URL event, the common case, is therefore read three
//! times, the REST attempt building its header maps before it fails: about 57 K
//! instructions of a small session's request. A REST event always carries
//! `httpMethod`, which that attempt requires; an event whose bytes cannot spell that
//! key (the name absent, and no `\u` escape that could write it) cannot be one, so it
//! is read as an HTTP API event directly, and only if that fails the whole way.

use lambda_http::aws_lambda_events::apigw::ApiGatewayV2httpRequest;
use lambda_http::request::LambdaRequest;

/// The event as `serde_json::from_slice::<LambdaRequest>` reads it (same variant, same
/// contents, same failures).
pub fn read_event(body: &[u8]) -> Result<LambdaRequest, serde_json::Error> {
    // `lambda_http` reads the event as text first: invalid UTF-8 anywhere fails, even in
    // a field the HTTP API reading skips.
    if !may_be_rest(body)
        && std::str::from_utf8(body).is_ok()
        && let Ok(event) = serde_json::from_slice::<ApiGatewayV2httpRequest>(body)
    {
        return Ok(LambdaRequest::ApiGatewayV2(event));
    }
    serde_json::from_slice(body)
}

/// Whether the event could hold a top-level `httpMethod` key.
fn may_be_rest(body: &[u8]) -> bool {
    memchr::memmem::find(body, b"httpMethod").is_some()
        || memchr::memmem::find(body, b"\\u").is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn same(body: &[u8]) {
        let ours = read_event(body).map(|e| format!("{e:?}"));
        let theirs = serde_json::from_slice::<LambdaRequest>(body).map(|e| format!("{e:?}"));
        match (ours, theirs) {
            (Ok(ours), Ok(theirs)) => assert_eq!(ours, theirs),
            (Err(_), Err(_)) => {}
            (ours, theirs) => panic!("{}: {ours:?} vs {theirs:?}", String::from_utf8_lossy(body)),
        }
    }

    #[test]
    fn reads_every_event_as_lambda_http_does() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("events");
        let mut read = 0;
        for entry in std::fs::read_dir(dir).unwrap() {
            let body = std::fs::read(entry.unwrap().path()).unwrap();
            same(&body);
            let text = String::from_utf8(body).unwrap();
            // A REST key in an HTTP API event, escaped names, a v2 event missing what
            // v2 needs, trailing bytes, invalid UTF-8 in an ignored field.
            for changed in [
                text.replacen('{', r#"{"httpMethod": "GET", "#, 1),
                text.replacen('{', r#"{"http\u004dethod": "GET", "#, 1),
                text.replacen('{', r#"{"x\u0041": 1, "#, 1),
                text.replace(r#""rawPath""#, r#""rawPathX""#),
                text.replace(r#""requestContext""#, r#""requestContextX""#),
                text.replace(r#""headers""#, r#""headers": 5, "h""#),
                format!("{text} x"),
                format!(" {text}\n"),
                text.replacen('{', r#"{"ignored": "caf\u00e9", "#, 1),
            ] {
                same(changed.as_bytes());
            }
            let mut bad = text.replacen('{', r#"{"ignored": "ab", "#, 1).into_bytes();
            let at = bad.iter().position(|&b| b == b'a').unwrap();
            bad[at] = 0xff;
            same(&bad);
            read += 1;
        }
        assert!(read >= 8, "{read} events");
        for body in [
            &b""[..],
            b"{}",
            b"[]",
            b"null",
            b"{\"session_id\": \"s\"}",
            b"\"x\"",
        ] {
            same(body);
        }
    }

    #[test]
    fn http_api_events_are_read_once() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("events");
        for name in ["apigw-http-v2.json", "function-url.json"] {
            let body = std::fs::read(dir.join(name)).unwrap();
            assert!(!may_be_rest(&body), "{name}");
            assert!(matches!(
                read_event(&body),
                Ok(LambdaRequest::ApiGatewayV2(_))
            ));
        }
        let rest = std::fs::read(dir.join("apigw-rest-v1.json")).unwrap();
        assert!(may_be_rest(&rest));
    }
}
