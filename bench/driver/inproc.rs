//! Phase 1, in process: the handler end to end (event JSON in → response JSON out, real
//! `GetItem`) against a raw `GetItem` of the same item, on the handler's own SDK client
//! and on a stock one.

use std::time::Instant;

use agno_session_lambda::App;
use agno_session_lambda::Config;
use agno_session_lambda::DynamoStore;
use agno_session_lambda::testing::dispatch;
use agno_session_lambda::testing::{Database, KeyLayout};
use aws_sdk_dynamodb::types::AttributeValue;
use lambda_http::aws_lambda_events::apigw::ApiGatewayV2httpResponse;
use lambda_http::request::LambdaRequest;

use crate::events::event_for;
use crate::report::{Report, pct};
use crate::sessions::BenchSession;
use crate::{Settings, TABLE};

/// Iterations timed before the measured ones.
const WARM_UP: usize = 50;

/// Every session: `settings.inproc_iterations` interleaved iterations into
/// `report.inproc` and `report.inproc_stock`.
pub async fn measure(
    settings: &Settings,
    client: &aws_sdk_dynamodb::Client,
    sessions: &[BenchSession],
    report: &mut Report,
) {
    let app = App::new(
        Config {
            databases: vec![Database {
                id: "default".into(),
                table: TABLE.into(),
                layout: KeyLayout::Agno,
                runs_table: None,
            }],
            // EMF lines would flood the driver's stdout; the bootstrap figures keep them.
            metrics_namespace: None,
            ..Default::default()
        },
        DynamoStore::new(client.clone()),
    );
    for session in sessions {
        let event = event_for(session);
        let (stock, raw, handler) =
            triple(client, &app, session, &event, settings.inproc_iterations).await;
        eprintln!(
            "in process {:16} GetItem p50 {:8.1} µs (stock client {:8.1} µs), handler p50 {:8.1} µs",
            session.name,
            pct(&raw, 50.0),
            pct(&stock, 50.0),
            pct(&handler, 50.0)
        );
        report.inproc.push((session.name, raw, handler));
        report.inproc_stock.push(stock);
    }
}

/// Handler end to end in process vs raw GetItem on the handler's own client and on a
/// stock SDK client, interleaved, in µs.
async fn triple(
    stock_client: &aws_sdk_dynamodb::Client,
    app: &App<DynamoStore>,
    session: &BenchSession,
    event: &[u8],
    iterations: usize,
) -> (Vec<f64>, Vec<f64>, Vec<f64>) {
    let (mut stock, mut raw, mut handler) = (Vec::new(), Vec::new(), Vec::new());
    for i in 0..iterations + WARM_UP {
        let t = Instant::now();
        raw_get(stock_client, &session.session_id).await;
        let s = t.elapsed().as_secs_f64() * 1e6;

        let t = Instant::now();
        raw_get(app.store.client(), &session.session_id).await;
        let r = t.elapsed().as_secs_f64() * 1e6;

        let t = Instant::now();
        let out = handle_event(app, event).await;
        let h = t.elapsed().as_secs_f64() * 1e6;
        assert!(out.len() > 100, "{}: {}", session.name, out.len());
        if i >= WARM_UP {
            stock.push(s);
            raw.push(r);
            handler.push(h);
        }
    }
    (stock, raw, handler)
}

/// A raw `GetItem` of the session's item (which must be there).
pub async fn raw_get(client: &aws_sdk_dynamodb::Client, session_id: &str) {
    let output = client
        .get_item()
        .table_name(TABLE)
        .key("session_id", AttributeValue::S(session_id.to_owned()))
        .send()
        .await
        .expect("GetItem");
    assert!(output.item.is_some());
}

/// What the runtime does around the handler: event JSON → request, handler, response →
/// API Gateway v2 response JSON.
async fn handle_event(app: &App<DynamoStore>, event: &[u8]) -> Vec<u8> {
    let request: LambdaRequest = serde_json::from_slice(event).expect("event");
    let response = dispatch(app, request.into()).await.expect("handled");
    let (parts, body) = response.into_parts();
    let mut out = ApiGatewayV2httpResponse::default();
    out.status_code = parts.status.as_u16() as i64;
    out.headers = parts.headers;
    out.body = Some(body);
    serde_json::to_vec(&out).expect("response JSON")
}
