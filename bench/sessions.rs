//! Benchmark sessions, generated deterministically and shaped like what Agno's
//! `DynamoDb` storage writes: ids as `S`, timestamps as `N`, and `session_data`,
//! `runs`, … as JSON text in `S` attributes, dumped as Python's `json.dumps` does
//! (`", "` and `": "` separators, non-ASCII as `\uXXXX`). Messages carry id, content,
//! role, created_at and metrics; runs carry tool calls and history replays.
//!
//! Shared by `benches/render.rs` and the bench driver (`bench/driver/`).
#![allow(dead_code)]

use serde_json::{Value, json};

/// One benchmark session: a name, the type to ask for, the item in DynamoDB JSON.
pub struct BenchSession {
    pub name: &'static str,
    pub session_type: &'static str,
    pub session_id: String,
    pub item: Value,
}

impl BenchSession {
    /// Size of the item as DynamoDB counts it (names + values), roughly.
    pub fn item_bytes(&self) -> usize {
        self.item
            .as_object()
            .map(|o| {
                o.iter()
                    .map(|(k, v)| {
                        k.len()
                            + v.as_object()
                                .and_then(|t| t.values().next())
                                .and_then(Value::as_str)
                                .map_or(8, str::len)
                    })
                    .sum()
            })
            .unwrap_or(0)
    }
}

/// Every benchmark session: the three demo sessions (the first is the API reference's
/// example), the API reference's example again with a non-numeric `user_id` (AgentOS
/// 2.1.10 answers 500 on `"123"`, which its reader JSON-decodes to an int), and the
/// generated ones.
pub fn all(demo_dir: &std::path::Path) -> Vec<BenchSession> {
    let demo = |file: &str, name: &'static str, session_type: &'static str| {
        let path = demo_dir.join(file);
        let item: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap())
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let session_id = item["session_id"]["S"].as_str().unwrap().to_owned();
        BenchSession {
            name,
            session_type,
            session_id,
            item,
        }
    };
    vec![
        demo("agent-basic.json", "spec-example", "agent"),
        demo("team-travel.json", "team-demo", "team"),
        demo("workflow-blog.json", "workflow-demo", "workflow"),
        {
            let mut spec = demo("agent-basic.json", "spec-example-u", "agent");
            spec.session_id.push_str("-u");
            spec.item["session_id"]["S"] = Value::String(spec.session_id.clone());
            spec.item["user_id"]["S"] = Value::String("u123".into());
            spec
        },
        agent_runs("agent-100-runs", 100),
        agent_kb("agent-300kb", 300),
        team_kb("team-300kb", 300),
        workflow_kb("workflow-300kb", 300),
    ]
}

/// A small deterministic generator (64-bit LCG), so every run sees the same bytes.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407))
    }

    pub fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }

    pub fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    pub fn range(&mut self, lo: u64, hi: u64) -> u64 {
        lo + self.below(hi - lo + 1)
    }

    pub fn uuid(&mut self) -> String {
        let a = self.next() << 31 ^ self.next();
        let b = self.next() << 31 ^ self.next();
        let c = self.next() << 31 ^ self.next();
        format!(
            "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
            a & 0xffff_ffff,
            (a >> 32) & 0xffff,
            b & 0xfff,
            0x8000 | ((b >> 12) & 0x3fff),
            c & 0xffff_ffff_ffff
        )
    }

    const WORDS: &'static [&'static str] = &[
        "the",
        "session",
        "agent",
        "table",
        "item",
        "DynamoDB",
        "partition",
        "key",
        "latency",
        "request",
        "answer",
        "model",
        "tokens",
        "memory",
        "Kyoto",
        "café",
        "travel",
        "plan",
        "cost",
        "Lambda",
        "cold",
        "start",
        "stream",
        "index",
        "query",
        "design",
        "single-table",
        "access",
        "pattern",
        "user",
        "tool",
        "result",
        "summary",
        "日本",
        "coffee",
        "of",
        "and",
        "to",
        "a",
        "in",
        "is",
        "for",
        "with",
        "that",
        "on",
        "as",
        "it",
        "by",
        "this",
        "you",
        "can",
        "will",
        "should",
        "\"quoted\"",
        "naïve",
        "über",
        "—",
        "100%",
        "e.g.",
        "`code`",
    ];

    /// Text of about `len` bytes: sentences, markdown bullets and paragraphs.
    pub fn text(&mut self, len: usize) -> String {
        let mut out = String::with_capacity(len + 32);
        let mut sentence_start = true;
        while out.len() < len {
            let word = Self::WORDS[self.below(Self::WORDS.len() as u64) as usize];
            if sentence_start {
                let mut chars = word.chars();
                if let Some(first) = chars.next() {
                    out.extend(first.to_uppercase());
                    out.push_str(chars.as_str());
                }
                sentence_start = false;
            } else {
                out.push(' ');
                out.push_str(word);
            }
            match self.below(40) {
                0..=2 => {
                    out.push_str(".\n\n");
                    sentence_start = true;
                }
                3 => {
                    out.push_str(":\n- ");
                    sentence_start = true;
                }
                4..=6 => {
                    out.push_str(". ");
                    sentence_start = true;
                }
                7 => out.push(','),
                _ => {}
            }
        }
        out.push('.');
        out
    }
}

/// `json.dumps(value)`: Python's separators and `ensure_ascii`, keys in order (the
/// service's own implementation, which its workflow session names use).
pub fn python_dumps(value: &Value) -> String {
    let raw = serde_json::value::to_raw_value(value).expect("serializable");
    agno_session_lambda::testing::json_dumps(&raw).expect("valid JSON")
}

const EPOCH: u64 = 1_757_088_129;

fn s(text: impl Into<String>) -> Value {
    json!({ "S": text.into() })
}

fn doc(value: &Value) -> Value {
    s(python_dumps(value))
}

fn n(number: u64) -> Value {
    json!({ "N": number.to_string() })
}

fn metrics(rng: &mut Rng) -> Value {
    let input = rng.range(100, 4000);
    let output = rng.range(10, 900);
    json!({"input_tokens": input, "output_tokens": output, "total_tokens": input + output,
           "time_to_first_token": rng.range(100, 900) as f64 / 1000.0,
           "duration": rng.range(500, 9000) as f64 / 1000.0})
}

fn session_metrics(total_in: u64, total_out: u64) -> Value {
    json!({"input_tokens": total_in, "output_tokens": total_out, "total_tokens": total_in + total_out,
           "audio_input_tokens": 0, "audio_output_tokens": 0, "audio_total_tokens": 0,
           "cache_read_tokens": 0, "cache_write_tokens": 0, "reasoning_tokens": 0})
}

fn message(rng: &mut Rng, role: &str, content: String, at: u64) -> Value {
    json!({"id": rng.uuid(), "content": content, "from_history": false,
           "stop_after_tool_call": false, "role": role, "created_at": at})
}

/// One agent run as `RunOutput.to_dict()` stores it: system prompt, optional history
/// replays, the user's question, sometimes a tool round trip, the answer.
fn agent_run(
    rng: &mut Rng,
    session_id: &str,
    agent_id: &str,
    at: u64,
    answer_len: usize,
    history: &[Value],
) -> Value {
    let system = format!(
        "<additional_information>\n- Use markdown to format your answers.\n</additional_information>\n\n{}",
        rng.text(240)
    );
    let mut messages = vec![message(rng, "system", system, at)];
    for past in history {
        let mut replay = past.clone();
        replay["from_history"] = json!(true);
        messages.push(replay);
    }
    let question_len = rng.range(40, 200) as usize;
    let question = rng.text(question_len);
    messages.push(message(rng, "user", question, at));
    if rng.below(3) == 0 {
        let call_id = format!("call_{}", rng.next());
        let mut call = message(rng, "assistant", String::new(), at + 1);
        call["content"] = Value::Null;
        call["tool_calls"] = json!([{"id": call_id, "type": "function",
            "function": {"name": "search_sessions", "arguments": "{\"query\": \"dynamodb\"}"}}]);
        call["metrics"] = metrics(rng);
        messages.push(call);
        let result_len = rng.range(200, 900) as usize;
        let text = rng.text(result_len);
        let mut result = message(rng, "tool", text, at + 2);
        result["tool_call_id"] = json!(call_id);
        result["tool_name"] = json!("search_sessions");
        result["tool_args"] = json!({"query": "dynamodb"});
        result["tool_call_error"] = json!(false);
        result["metrics"] = json!({"duration": 0.042});
        messages.push(result);
    }
    let text = rng.text(answer_len);
    let mut answer = message(rng, "assistant", text, at + 3);
    answer["metrics"] = metrics(rng);
    let content = answer["content"].clone();
    messages.push(answer);
    json!({"run_id": rng.uuid(), "agent_id": agent_id, "agent_name": "Bench Agent",
           "session_id": session_id, "user_id": "bench-user", "content": content,
           "content_type": "str", "model": "gpt-4o", "model_provider": "OpenAI",
           "status": "COMPLETED", "created_at": at, "messages": messages,
           "metrics": metrics(rng)})
}

fn agent_item(name: &str, session_id: &str, runs: &[Value], rng: &mut Rng) -> Value {
    json!({
        "session_id": s(session_id),
        "session_type": s("agent"),
        "agent_id": s("bench-agent"),
        "user_id": s("bench-user"),
        "session_data": doc(&json!({"session_state": {"bench": name, "turns": runs.len()},
            "session_metrics": session_metrics(rng.range(10_000, 90_000), rng.range(1_000, 9_000))})),
        "agent_data": doc(&json!({"name": "Bench Agent", "agent_id": "bench-agent",
            "model": {"provider": "OpenAI", "name": "OpenAIChat", "id": "gpt-4o"}})),
        "runs": doc(&Value::Array(runs.to_vec())),
        "summary": doc(&json!({"summary": rng.text(300), "topics": ["dynamodb", "lambda"],
            "updated_at": "2025-09-05T18:02:12.269392"})),
        "created_at": n(EPOCH),
        "updated_at": n(EPOCH + runs.len() as u64 * 60),
    })
}

/// An agent session of `count` runs, each replaying the previous turn as history.
pub fn agent_runs(name: &'static str, count: usize) -> BenchSession {
    let mut rng = Rng::new(100);
    let session_id = format!("bench-{name}");
    let mut runs: Vec<Value> = Vec::with_capacity(count);
    for i in 0..count {
        let history: Vec<Value> = runs
            .last()
            .map(|r: &Value| {
                r["messages"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .filter(|m| m["role"] == "user" && m["from_history"] == false)
                    .cloned()
                    .collect()
            })
            .unwrap_or_default();
        let answer_len = rng.range(200, 900) as usize;
        runs.push(agent_run(
            &mut rng,
            &session_id,
            "bench-agent",
            EPOCH + i as u64 * 60,
            answer_len,
            &history,
        ));
    }
    let item = agent_item(name, &session_id, &runs, &mut rng);
    BenchSession {
        name,
        session_type: "agent",
        session_id,
        item,
    }
}

/// Adds runs from `make` until the stored `runs` text reaches `kb` KiB, less room for
/// the other attributes.
fn runs_up_to(kb: usize, mut make: impl FnMut(usize) -> Value) -> Vec<Value> {
    let target = kb * 1024 - 4 * 1024;
    let mut runs = Vec::new();
    let mut size = 2;
    while size < target {
        let run = make(runs.len());
        size += python_dumps(&run).len() + 2;
        runs.push(run);
    }
    runs
}

/// An agent session of about `kb` KiB: long answers, tool calls.
pub fn agent_kb(name: &'static str, kb: usize) -> BenchSession {
    let mut rng = Rng::new(300);
    let session_id = format!("bench-{name}");
    let runs = runs_up_to(kb, |i| {
        let answer_len = rng.range(2_000, 8_000) as usize;
        agent_run(
            &mut rng,
            &session_id,
            "bench-agent",
            EPOCH + i as u64 * 60,
            answer_len,
            &[],
        )
    });
    let item = agent_item(name, &session_id, &runs, &mut rng);
    BenchSession {
        name,
        session_type: "agent",
        session_id,
        item,
    }
}

/// A team session of about `kb` KiB: each team run delegates to a member, whose run is
/// stored beside it (`parent_run_id`), as `TeamSession` stores them.
pub fn team_kb(name: &'static str, kb: usize) -> BenchSession {
    let mut rng = Rng::new(400);
    let session_id = format!("bench-{name}");
    let mut team_run_id = String::new();
    let runs = runs_up_to(kb, |i| {
        let at = EPOCH + i as u64 * 60;
        if i % 2 == 0 {
            team_run_id = rng.uuid();
            let answer_len = rng.range(1_000, 5_000) as usize;
            let mut run = agent_run(&mut rng, &session_id, "researcher", at, answer_len, &[]);
            run["agent_name"] = json!("Researcher");
            run["parent_run_id"] = json!(team_run_id);
            run
        } else {
            let answer_len = rng.range(1_000, 5_000) as usize;
            let mut run = agent_run(&mut rng, &session_id, "x", at, answer_len, &[]);
            let object = run.as_object_mut().unwrap();
            object.shift_remove("agent_id");
            object.shift_remove("agent_name");
            object.shift_remove("user_id");
            object.insert("run_id".into(), json!(team_run_id));
            object.insert("team_id".into(), json!("bench-team"));
            object.insert("team_name".into(), json!("Bench Team"));
            object.insert("member_responses".into(), json!([]));
            run
        }
    });
    let item = json!({
        "session_id": s(&session_id),
        "session_type": s("team"),
        "team_id": s("bench-team"),
        "user_id": s("bench-user"),
        "team_data": doc(&json!({"name": "Bench Team", "team_id": "bench-team",
            "model": {"provider": "OpenAI", "name": "OpenAIChat", "id": "gpt-4o"}})),
        "session_data": doc(&json!({"session_state": {"trip": {"country": "Japan", "days": 7}},
            "session_metrics": session_metrics(52_000, 7_300)})),
        "runs": doc(&Value::Array(runs)),
        "created_at": n(EPOCH),
        "updated_at": n(EPOCH + 3600),
    });
    BenchSession {
        name,
        session_type: "team",
        session_id,
        item,
    }
}

/// A workflow session of about `kb` KiB: runs with step results, no stored session
/// name (so the name comes from the first run's input).
pub fn workflow_kb(name: &'static str, kb: usize) -> BenchSession {
    let mut rng = Rng::new(500);
    let session_id = format!("bench-{name}");
    let runs = runs_up_to(kb, |i| {
        let at = EPOCH + i as u64 * 60;
        let steps: Vec<Value> = ["research", "outline", "write"]
            .iter()
            .map(|step| {
                let len = rng.range(800, 3_000) as usize;
                json!({"step_name": step, "step_id": rng.uuid(), "step_type": "Step",
                       "executor_type": "agent", "executor_name": format!("{step}-agent"),
                       "content": rng.text(len), "step_run_id": rng.uuid(),
                       "success": true, "stop": false})
            })
            .collect();
        let content = steps[2]["content"].clone();
        json!({"input": format!("Write a post about {}", rng.text(60)), "content": content,
               "content_type": "str", "workflow_id": "bench-workflow",
               "workflow_name": "Bench Pipeline", "run_id": rng.uuid(),
               "session_id": session_id, "created_at": at, "status": "COMPLETED",
               "step_results": steps})
    });
    let item = json!({
        "session_id": s(&session_id),
        "session_type": s("workflow"),
        "workflow_id": s("bench-workflow"),
        "workflow_name": s("Bench Pipeline"),
        "user_id": s("bench-user"),
        "session_data": doc(&json!({"session_state": {"drafts": runs.len()}})),
        "workflow_data": doc(&json!({"name": "Bench Pipeline",
            "steps": [{"name": "research"}, {"name": "outline"}, {"name": "write"}]})),
        "metadata": doc(&json!({"team": "content"})),
        "runs": doc(&Value::Array(runs)),
        "created_at": n(EPOCH),
        "updated_at": n(EPOCH + 3600),
    });
    BenchSession {
        name,
        session_type: "workflow",
        session_id,
        item,
    }
}
