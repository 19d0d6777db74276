//! The runtime's answer as the JSON text it posts to Lambda.
//!
//! A session document (up to megabytes) travels as a JSON string inside the event
//! source's response, so every quote in it is escaped once more. `serde_json` escapes a
//! byte at a time and copies each run between escapes with a call of its own; on a
//! 300 KB session that was a fifth of the instructions of a whole invocation. Here the
//! envelope (status, headers) is written by `serde_json` without the body, and the body
//! is appended, escaped sixteen bytes at a time where nothing needs escaping: the same
//! JSON value, with `body` as its last member.

use bytes::Bytes;
use lambda_http::Body;

use super::Output;
use super::answer::SourceResponse;
use crate::json_string::copy_plain;
use crate::render::Document;

impl Output {
    /// The JSON text the runtime posts as the invocation's result.
    pub fn into_json(self) -> serde_json::Result<Vec<u8>> {
        let frames = self.into_frames()?;
        Ok(match <[Bytes; 1]>::try_from(frames) {
            Ok([json]) => Vec::from(json),
            Err(frames) => frames.concat(),
        })
    }

    /// [`Output::into_json`]'s text in the pieces the runtime sends one after the other:
    /// a document's already escaped part (the chat history, most of a big answer) is its
    /// own piece, shared with the document rather than copied beside the envelope.
    pub fn into_frames(self) -> serde_json::Result<Vec<Bytes>> {
        let response = match self {
            Output::Document(document) => {
                return Ok(vec![Box::<str>::from(document).into_string().into()]);
            }
            Output::Http(response, escaped) => (response, escaped),
        };
        let (mut response, escaped) = response;
        let slot = response.body_mut();
        let text = match slot.take() {
            Some(Body::Text(text)) => Bytes::from(text),
            other => {
                *slot = other;
                let mut out = Vec::with_capacity(1024);
                serde_json::to_writer(&mut out, &response)?;
                return Ok(vec![out.into()]);
            }
        };
        let [before, part, after] = escaped
            .and_then(|range| Document::split(&text, &range))
            .unwrap_or([&text[..], &[], &[]]);
        // Room for the envelope and what `escape_into` reserves: one allocation each.
        let room = |text: &[u8]| text.len() + text.len() / 4;
        let mut out = Vec::with_capacity(room(before) + 1024);
        serde_json::to_writer(&mut out, &response)?;
        // The envelope is an object: `{…}` becomes `{…,"body":"…"}`.
        out.pop();
        if out.last() != Some(&b'{') {
            out.push(b',');
        }
        out.extend_from_slice(br#""body":""#);
        escape_into(&mut out, before);
        if part.is_empty() {
            escape_into(&mut out, after);
            out.extend_from_slice(b"\"}");
            return Ok(vec![out.into()]);
        }
        let mut tail = Vec::with_capacity(room(after) + 2);
        escape_into(&mut tail, after);
        tail.extend_from_slice(b"\"}");
        Ok(vec![out.into(), text.slice_ref(part), tail.into()])
    }
}

impl SourceResponse {
    fn body_mut(&mut self) -> &mut Option<Body> {
        match self {
            SourceResponse::ApiGatewayV1(r) => &mut r.body,
            SourceResponse::ApiGatewayV2(r) => &mut r.body,
            SourceResponse::Alb(r) => &mut r.body,
        }
    }
}

/// What a byte becomes inside a JSON string, as `serde_json` writes it: 0 for itself,
/// `u` for `\u00XX`, else the letter after the backslash.
const ESCAPE: [u8; 256] = {
    let mut table = [0u8; 256];
    let mut b = 0;
    while b < 0x20 {
        table[b] = b'u';
        b += 1;
    }
    table[0x08] = b'b';
    table[0x09] = b't';
    table[0x0a] = b'n';
    table[0x0c] = b'f';
    table[0x0d] = b'r';
    table[b'"' as usize] = b'"';
    table[b'\\' as usize] = b'\\';
    table
};

/// Appends `text` as the contents of a JSON string, escaped exactly as `serde_json`
/// escapes it (so the answer is byte for byte what it wrote before).
///
/// Sixteen bytes are copied at a time, then the output is cut back to the first byte
/// that needs escaping, if any, which is written escaped.
pub fn escape_into(out: &mut Vec<u8>, text: &[u8]) {
    out.reserve(text.len() + text.len() / 4 + 16);
    let mut i = 0;
    loop {
        i = copy_plain(out, text, i);
        let Some(&b) = text.get(i) else { break };
        escape_byte(out, b);
        i += 1;
    }
}

/// How many bytes `b` takes inside a JSON string.
pub(super) fn escaped_len(b: u8) -> usize {
    match ESCAPE[usize::from(b)] {
        0 => 1,
        b'u' => 6,
        _ => 2,
    }
}

/// Appends `b`, escaped if it needs to be.
fn escape_byte(out: &mut Vec<u8>, b: u8) {
    match ESCAPE[usize::from(b)] {
        0 => out.push(b),
        b'u' => {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            out.extend_from_slice(&[
                b'\\',
                b'u',
                b'0',
                b'0',
                HEX[usize::from(b >> 4)],
                HEX[usize::from(b & 0xf)],
            ]);
        }
        letter => out.extend_from_slice(&[b'\\', letter]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn escaped(text: &str) -> String {
        let mut out = Vec::new();
        escape_into(&mut out, text.as_bytes());
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn escapes_as_serde_json_does() {
        for text in [
            "",
            "plain text, longer than one word",
            r#"{"a": "q\"uote", "b": "back\\slash"}"#,
            "\u{0}\u{1}\u{8}\u{9}\u{a}\u{b}\u{c}\u{d}\u{1f} \u{7f}",
            "caf\u{e9} \u{1F600} \u{2028}",
            "1234567\"",
            "\"1234567",
        ] {
            let expected = serde_json::to_string(text).unwrap();
            assert_eq!(escaped(text), expected[1..expected.len() - 1], "{text:?}");
        }
    }

    proptest! {
        #[test]
        fn any_text_escapes_as_serde_json_does(text in any::<String>()) {
            let expected = serde_json::to_string(&text).unwrap();
            prop_assert_eq!(escaped(&text), &expected[1..expected.len() - 1]);
        }

        #[test]
        fn json_heavy_text_escapes_as_serde_json_does(text in r#"[ -~"\\\n\t\u{0}-\u{1f}é]{0,700}"#) {
            let expected = serde_json::to_string(&text).unwrap();
            prop_assert_eq!(escaped(&text), &expected[1..expected.len() - 1]);
        }
    }
}

/// The answer is the one `lambda_http`'s adapter writes, for every event source and
/// every kind of body this service answers with.
#[cfg(test)]
mod same_as_lambda_http {
    use lambda_http::aws_lambda_events::apigw::ApiGatewayV2httpResponse;
    use lambda_http::http::{StatusCode, header};
    use lambda_http::request::LambdaRequest;
    use lambda_http::{Adapter, Context, LambdaEvent, Response, Service, service_fn};
    use serde_json::Value;

    use super::super::answer::{as_lambda_http_converts, in_source_format};
    use super::*;

    fn answers() -> Vec<Response<Body>> {
        let json = |status: u16, body: &str| {
            Response::builder()
                .status(status)
                .header(header::CONTENT_TYPE, "application/json")
                .header(header::ETAG, "\"e\"")
                .body(Body::Text(body.to_owned()))
                .unwrap()
        };
        vec![
            json(
                200,
                r#"{"session_id":"s","chat_history":[{"content":"a \"b\"\n\u00e9"}]}"#,
            ),
            json(404, r#"{"detail":"Session not found"}"#),
            json(200, ""),
            Response::builder()
                .status(StatusCode::TEMPORARY_REDIRECT)
                .header(header::LOCATION, "/sessions/a")
                .body(Body::Empty)
                .unwrap(),
            Response::builder().status(304).body(Body::Empty).unwrap(),
            Response::builder()
                .status(200)
                .header(header::CONTENT_TYPE, "application/json")
                .header(header::CONTENT_ENCODING, "gzip")
                .body(Body::Binary(vec![0x1f, 0x8b, 0, 255]))
                .unwrap(),
            Response::builder()
                .status(200)
                .header(
                    header::CONTENT_TYPE,
                    "application/problem+json; charset=utf-8",
                )
                .body(Body::Text("{}".into()))
                .unwrap(),
            Response::builder()
                .status(200)
                .header(header::CONTENT_TYPE, "image/png")
                .body(Body::Text("png".into()))
                .unwrap(),
            Response::builder()
                .status(200)
                .header(header::CONTENT_TYPE, "text/plain")
                .body(Body::Binary(b"\xEF\xBB\xBFbom \xFF".to_vec()))
                .unwrap(),
            json(200, "\u{feff}{}"),
        ]
    }

    fn event(name: &str) -> LambdaRequest {
        let path = format!("{}/events/{name}", env!("CARGO_MANIFEST_DIR"));
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
    }

    #[tokio::test]
    async fn every_source_and_body() {
        for name in [
            "apigw-http-v2.json",
            "apigw-rest-v1.json",
            "alb.json",
            "function-url.json",
        ] {
            for (i, answer) in answers().into_iter().enumerate() {
                let (parts, body) = answer.into_parts();
                let expected = {
                    let (parts, body) = (parts.clone(), body.clone());
                    let mut adapter = Adapter::from(service_fn(move |_| {
                        let response = Response::from_parts(parts.clone(), body.clone());
                        async move { Ok::<_, std::convert::Infallible>(response) }
                    }));
                    let converted = adapter
                        .call(LambdaEvent::new(event(name), Context::default()))
                        .await
                        .unwrap();
                    serde_json::to_value(converted).unwrap()
                };
                let origin = event(name).request_origin();
                let ours = in_source_format(
                    &origin,
                    as_lambda_http_converts(Response::from_parts(parts, body)),
                );
                let ours = Output::Http(Box::new(ours), None).into_json().unwrap();
                let ours: Value = serde_json::from_slice(&ours).unwrap();
                assert_eq!(ours, expected, "{name}, answer {i}");
            }
        }
    }

    /// A body with a part escaped already: that part is copied, the rest escaped, and
    /// the answer carries the same text as the plain body would.
    #[test]
    fn an_escaped_part_is_copied_as_it_is() {
        let (head, part, tail) = (
            "{\"a\":\"x\\\"\",\"h\":",
            "[{\"c\":\"q\\\"\\n\"}]",
            ",\"z\":1}",
        );
        let escaped_part = serde_json::to_string(part).unwrap();
        let escaped_part = &escaped_part[1..escaped_part.len() - 1];
        let held = format!("{head}{escaped_part}{tail}");
        let range = head.len()..head.len() + escaped_part.len();
        let answer = |body: String, range: Option<std::ops::Range<usize>>| {
            let mut response = ApiGatewayV2httpResponse::default();
            response.status_code = 200;
            response.body = Some(Body::Text(body));
            let json = Output::Http(Box::new(SourceResponse::ApiGatewayV2(response)), range)
                .into_json()
                .unwrap();
            serde_json::from_slice::<Value>(&json).unwrap()["body"].clone()
        };
        let plain = format!("{head}{part}{tail}");
        assert_eq!(
            answer(held.clone(), Some(range.clone())),
            Value::from(plain.clone())
        );
        assert_eq!(answer(plain.clone(), None), Value::from(plain));
        // A range that does not fit the body is not used.
        assert_eq!(
            answer(held.clone(), Some(0..held.len() + 1)),
            Value::from(held.clone())
        );
        // The runtime sends the escaped part as a piece of its own, not copied.
        let mut response = ApiGatewayV2httpResponse::default();
        response.status_code = 200;
        response.body = Some(Body::Text(held.clone()));
        let output = || {
            Output::Http(
                Box::new(SourceResponse::ApiGatewayV2(response.clone())),
                Some(range.clone()),
            )
        };
        let frames = output().into_frames().unwrap();
        assert_eq!(frames.len(), 3);
        assert_eq!(&frames[1][..], escaped_part.as_bytes());
        assert_eq!(frames.concat(), output().into_json().unwrap());
        assert!(frames[2].ends_with(b"\"}"));
    }
}
