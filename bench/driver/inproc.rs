//! Phase 1, in process: the handler end to end (event JSON in → response JSON out, as
//! the runtime loop does it, real `GetItem`) against a raw `GetItem` of the same item, on
//! the handler's own SDK client and on a stock one.

use std::time::Instant;

use agno_session_lambda::App;
use agno_session_lambda::Config;
use agno_session_lambda::Contract;
use agno_session_lambda::DynamoStore;
use agno_session_lambda::testing::{Database, KeyLayout};
use aws_sdk_dynamodb::types::AttributeValue;
use lambda_http::lambda_runtime::{Context, LambdaEvent};

use crate::dynamo_local;
use crate::events::event_for;
use crate::report::{Report, pct};
use crate::sessions::BenchSession;
use crate::{Settings, TABLE};

/// Iterations timed before the measured ones.
const WARM_UP: usize = 50;

/// Every session: `settings.inproc_iterations` interleaved iterations into
/// `report.inproc`, `report.inproc_stock` and (the handler under `AGENTOS_VERSION=3.1`,
/// which also queries the runs table, empty here: the sessions keep their runs in the
/// item, as after an upgrade from agno 2.x) `report.inproc_3_1`.
pub async fn measure(
    settings: &Settings,
    client: &aws_sdk_dynamodb::Client,
    sessions: &[BenchSession],
    report: &mut Report,
) {
    let app = |contract: Contract, runs_table: Option<String>| {
        App::new(
            Config {
                databases: vec![Database {
                    id: "default".into(),
                    table: TABLE.into(),
                    layout: KeyLayout::Agno,
                    runs_table,
                }],
                contract,
                detect_session_type: contract == Contract::V3_1,
                // EMF lines would flood the driver's stdout; the bootstrap figures keep them.
                metrics_namespace: None,
                ..Default::default()
            },
            DynamoStore::new(client.clone()),
        )
    };
    let runs_table = format!("{TABLE}_runs");
    dynamo_local::create_runs_table(client, &runs_table).await;
    let (app_2_1, app_3_1) = (
        app(Contract::V2_1, None),
        app(Contract::V3_1, Some(runs_table)),
    );
    for session in sessions {
        let event = event_for(session);
        let [stock, raw, handler, handler_3_1] = timed(
            client,
            [&app_2_1, &app_3_1],
            session,
            &event,
            settings.inproc_iterations,
        )
        .await;
        eprintln!(
            "in process {:16} GetItem p50 {:8.1} µs (stock client {:8.1} µs), handler p50 {:8.1} µs (3.1: {:8.1} µs)",
            session.name,
            pct(&raw, 50.0),
            pct(&stock, 50.0),
            pct(&handler, 50.0),
            pct(&handler_3_1, 50.0)
        );
        report.inproc.push((session.name, raw, handler));
        report.inproc_stock.push(stock);
        report.inproc_3_1.push(handler_3_1);
    }
}

/// Raw GetItem on a stock SDK client and on the handler's own client, then the handler
/// end to end in process under each contract, interleaved, in µs.
async fn timed(
    stock_client: &aws_sdk_dynamodb::Client,
    [app, app_3_1]: [&App<DynamoStore>; 2],
    session: &BenchSession,
    event: &[u8],
    iterations: usize,
) -> [Vec<f64>; 4] {
    let mut series: [Vec<f64>; 4] = Default::default();
    for i in 0..iterations + WARM_UP {
        let t = Instant::now();
        raw_get(stock_client, &session.session_id).await;
        let s = t.elapsed().as_secs_f64() * 1e6;

        let t = Instant::now();
        raw_get(app.store.client(), &session.session_id).await;
        let r = t.elapsed().as_secs_f64() * 1e6;

        let mut handled = [0.0; 2];
        for (app, time) in [app, app_3_1].into_iter().zip(&mut handled) {
            let t = Instant::now();
            let out = handle_event(app, event).await;
            *time = t.elapsed().as_secs_f64() * 1e6;
            let len: usize = out.iter().map(|piece| piece.len()).sum();
            assert!(len > 100, "{}: {len}", session.name);
        }
        if i >= WARM_UP {
            for (list, value) in series.iter_mut().zip([s, r, handled[0], handled[1]]) {
                list.push(value);
            }
        }
    }
    series
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

/// What the runtime does around the handler (`entry/runtime.rs`): event JSON → the
/// service's `handle_event` → the response JSON it posts back (in pieces, as it sends
/// them).
async fn handle_event(app: &App<DynamoStore>, event: &[u8]) -> Vec<bytes::Bytes> {
    let request = agno_session_lambda::read_event(event).expect("event");
    let event = LambdaEvent::new(request, Context::default());
    agno_session_lambda::handle_event(app, event)
        .await
        .expect("handled")
        .into_frames()
        .expect("response JSON")
}
