#!/usr/bin/env python3
"""Golden compatibility fixtures for GET /sessions/{session_id}, recorded from agno 2.1.10.

Run through tests/compat/generate.sh (it makes the venv and starts DynamoDB Local).
Directly:  python generate.py --endpoint http://127.0.0.1:8201 --out fixtures

Phases
  1. build   store a corpus of sessions with agno's own classes and agno's own
             DynamoDb(...).upsert_session (a few items are written with put_item where
             agno cannot produce them but real data looks like that), then dump the raw
             items with the low-level boto3 client  -> fixtures/items.json
  2. serve   for every setup (single / multi / secured) and every request, answer with
             agno 2.1.10's own AgentOS app through fastapi's TestClient, twice:
               reference: AgentOS exactly as shipped
               patched:   AgentOS with its DynamoDB reader fixed to JSON-decode only the
                          document-valued attributes, "runs": "[]" read as no runs, and a
                          non-string derived session_name turned into text with agno's own
                          Message.get_content_string(); ids that agno invents at random for
                          stored messages without an id are left out.
             Each serve runs in its own process: AgentOS reads OS_SECURITY_KEY for the
             session router when agno.os is imported (see README).
  3. cases   expected = patched answer; where the reference answer differs it is kept as
             "reference" with a one-line "reference_crash"    -> fixtures/cases.json
Nothing here is hand-written output: the only literal document is the API reference's
200 example, used to assert that the spec example session answers exactly that.
"""

from __future__ import annotations

import copy
import json
import os
import sys
import urllib.parse
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Dict, List, Optional

import goldens as g  # agno-independent helpers and corpus data, shared with tests/compat3 and tests/auth3
from goldens import (AGENT_DATA, CONTROL_CHARS, LOREM, NUMBERS, ODD_IDS, SPEC_ANSWER, SPEC_ID, SPEC_QUESTION,
                     SPEC_RUN_ID, SPEC_SUMMARY, SPEC_SUMMARY_AT, SPEC_SYSTEM, T0, TEAM_DATA, TOOL_CALLS, TYPES,
                     UNICODE_STATE, UNICODE_TEXT, aws_env, ddb_client, nested_state, qs, spath)

HERE = os.path.dirname(os.path.abspath(__file__))

AGNO_VERSION = "2.1.10"
PINNED = ["agno", "fastapi", "starlette", "pydantic", "pydantic-core", "pydantic-settings", "boto3", "botocore",
          "httpx", "openai", "python-multipart"]

DB1, DB2 = "compat-db", "compat-db-2"
TABLES = {DB1: "compat_sessions", DB2: "compat_sessions_2"}
SECURITY_KEY = "compat-secret-key"
SETTINGS_ENV = {"env", "docs_enabled", "os_security_key", "cors_origin_list"}

# The attributes that agno stores as JSON documents (S holding json.dumps(...)).
DOC_ATTRS = ("session_data", "agent_data", "team_data", "workflow_data", "metadata", "runs", "summary")
# The 200 example of /work/shared/spec/get-session-by-id.md (the API reference), verbatim.
SPEC_EXAMPLE_BODY = json.loads(r"""
{
  "user_id": "123",
  "agent_session_id": "6f6cfbfd-9643-479a-ae47-b8f32eb4d710",
  "session_id": "6f6cfbfd-9643-479a-ae47-b8f32eb4d710",
  "session_name": "What tools do you have?",
  "session_summary": {
    "summary": "The user and assistant engaged in a conversation about the tools the agent has available.",
    "updated_at": "2025-09-05T18:02:12.269392"
  },
  "session_state": {},
  "agent_id": "basic-agent",
  "total_tokens": 160,
  "agent_data": {
    "name": "Basic Agent",
    "agent_id": "basic-agent",
    "model": {"provider": "OpenAI", "name": "OpenAIChat", "id": "gpt-4o"}
  },
  "metrics": {
    "input_tokens": 134, "output_tokens": 26, "total_tokens": 160,
    "audio_input_tokens": 0, "audio_output_tokens": 0, "audio_total_tokens": 0,
    "cache_read_tokens": 0, "cache_write_tokens": 0, "reasoning_tokens": 0
  },
  "chat_history": [
    {
      "content": "<additional_information>\n- Use markdown to format your answers.\n- The current time is 2025-09-05 18:02:09.171627.\n</additional_information>\n\nYou have access to memories from previous interactions with the user that you can use:\n\n<memories_from_previous_interactions>\n- User really likes Digimon and Japan.\n- User really likes Japan.\n- User likes coffee.\n</memories_from_previous_interactions>\n\nNote: this information is from previous interactions and may be updated in this conversation. You should always prefer information from this conversation over the past memories.",
      "from_history": false, "stop_after_tool_call": false, "role": "system", "created_at": 1757088129
    },
    {
      "content": "What tools do you have?",
      "from_history": false, "stop_after_tool_call": false, "role": "user", "created_at": 1757088129
    },
    {
      "content": "I don't have access to external tools or the internet. However, I can assist you with a wide range of topics by providing information, answering questions, and offering suggestions based on the knowledge I've been trained on. If there's anything specific you need help with, feel free to ask!",
      "from_history": false, "stop_after_tool_call": false, "role": "assistant",
      "metrics": {"input_tokens": 134, "output_tokens": 26, "total_tokens": 160},
      "created_at": 1757088129
    }
  ],
  "created_at": "2025-09-05T16:02:09Z",
  "updated_at": "2025-09-05T16:02:09Z"
}
""")


# ----------------------------------------------------------------------------------------------
# Phase 1: the corpus
# ----------------------------------------------------------------------------------------------


@dataclass
class Entry:
    name: str
    db: str
    session_id: str
    session_type: Optional[str]  # None: item without session_type (agno layout only)
    note: str
    user_id: Optional[str] = None
    layout_only: bool = False
    big: bool = False


def frozen_clock(ts: int):
    """agno 2.1.10's upsert_session / merge use time.time() for updated_at: pin it."""
    return g.frozen_clock(ts, ("agno.db.dynamo.dynamo", "agno.db.dynamo.utils"))


class Corpus:
    def __init__(self, client):
        from agno.db.dynamo import DynamoDb

        self.client = client
        self.dbs = {db_id: DynamoDb(db_client=client, session_table=t, id=db_id) for db_id, t in TABLES.items()}
        for db in self.dbs.values():  # agno creates its table (with its GSIs) itself
            db._get_table("sessions", create_table_if_not_found=True)
        self.entries: List[Entry] = []
        self.names = set()

    def _register(self, e: Entry):
        assert e.name not in self.names, e.name
        for other in self.entries:
            assert not (other.db == e.db and other.session_id == e.session_id), f"duplicate session_id in {e.db}: {e.session_id!r}"
        self.names.add(e.name)
        self.entries.append(e)

    def add(self, name: str, session, note: str, db: str = DB1, updated_at: Optional[int] = None, **kw) -> Entry:
        """Store with agno's own upsert_session; updated_at > created_at needs a second upsert (agno's merge path)."""
        from agno.session import AgentSession, TeamSession

        stype = "agent" if isinstance(session, AgentSession) else "team" if isinstance(session, TeamSession) else "workflow"
        created = session.created_at if session.created_at is not None else T0
        with frozen_clock(created):
            self.dbs[db].upsert_session(copy.deepcopy(session))
        if updated_at is not None:
            with frozen_clock(updated_at):
                self.dbs[db].upsert_session(copy.deepcopy(session))
        e = Entry(name=name, db=db, session_id=session.session_id, session_type=stype, note=note, user_id=session.user_id, **kw)
        self._register(e)
        return e

    def put_raw(self, name: str, item: Dict[str, Any], note: str, db: str = DB1, layout_only: bool = False, **kw) -> Entry:
        """Hand-written item (put_item): only for shapes agno cannot produce but real data holds."""
        self.client.put_item(TableName=TABLES[db], Item=item)
        st = item.get("session_type", {}).get("S")
        uid = item.get("user_id", {}).get("S")
        e = Entry(name=name, db=db, session_id=item["session_id"]["S"], session_type=st, note=note, user_id=uid,
                  layout_only=layout_only, **kw)
        self._register(e)
        return e

    def raw_items(self) -> Dict[str, dict]:
        out = {}
        for e in self.entries:
            resp = self.client.get_item(TableName=TABLES[e.db], Key={"session_id": {"S": e.session_id}}, ConsistentRead=True)
            out[e.name] = resp["Item"]
        # every stored item is accounted for
        for db_id, table in TABLES.items():
            ids = {i["session_id"]["S"] for i in g.scan_all(self.client, table)}
            want = {e.session_id for e in self.entries if e.db == db_id}
            assert ids == want, (db_id, ids ^ want)
        return out


def agno_item(session) -> Dict[str, Any]:
    """The plain (decoded) dict agno's upsert_session would write for a new session."""
    from agno.db.dynamo.utils import prepare_session_data

    d = prepare_session_data(session)
    d["updated_at"] = d["created_at"]
    return d


def to_ddb(plain: Dict[str, Any]) -> Dict[str, Any]:
    from agno.db.dynamo.utils import serialize_to_dynamo_item

    return serialize_to_dynamo_item(plain)


def build_corpus(corpus: Corpus) -> None:  # noqa: C901  (a long, flat list of sessions)
    from agno.media import Audio, File, Image, Video
    from agno.models.message import Citations, DocumentCitation, Message, MessageReferences, UrlCitation
    from agno.models.metrics import Metrics
    from agno.models.response import ToolExecution
    from agno.reasoning.step import ReasoningStep
    from agno.run.agent import RunInput, RunOutput
    from agno.run.base import RunStatus
    from agno.run.team import TeamRunInput, TeamRunOutput
    from agno.run.workflow import WorkflowRunOutput
    from agno.session import AgentSession, TeamSession, WorkflowSession
    from agno.session.summary import SessionSummary
    from agno.workflow.types import StepMetrics, StepOutput, WorkflowMetrics

    mid = g.message_ids()

    def M(sid: str, role: str, content: Any = None, t: int = T0, **kw) -> Message:
        kw.setdefault("id", mid(sid))
        return Message(role=role, content=content, created_at=t, **kw)

    def usage(i: int, o: int, **kw) -> Metrics:
        return Metrics(input_tokens=i, output_tokens=o, total_tokens=i + o, **kw)

    def session_metrics(i: int, o: int, **kw) -> Metrics:
        # what agno keeps in session_data["session_metrics"]: a Metrics dataclass (asdict -> all 14 fields)
        return usage(i, o, **kw)

    def RUN(sid: str, run_id: str, msgs: Optional[List[Message]], t: int = T0, agent_id: Optional[str] = "basic-agent",
            status=RunStatus.completed, text: Optional[str] = None, content: Any = None, metrics: Optional[Metrics] = None,
            user_id: Optional[str] = None, **kw) -> RunOutput:
        return RunOutput(run_id=run_id, agent_id=agent_id, agent_name="Basic Agent" if agent_id else None, session_id=sid,
                         user_id=user_id, input=RunInput(input_content=text) if text is not None else None,
                         content=content, messages=msgs, metrics=metrics, status=status, created_at=t,
                         model="gpt-4o", model_provider="OpenAI", **kw)

    def chat(sid: str, question: str, answer: str, t: int = T0, system: Optional[str] = "You are a helpful assistant.",
             run_id: Optional[str] = None, user_id: Optional[str] = None, **kw) -> RunOutput:
        msgs = ([M(sid, "system", system, t)] if system is not None else []) + [
            M(sid, "user", question, t), M(sid, "assistant", answer, t + 2, metrics=usage(20, 10))]
        return RUN(sid, run_id or f"{sid}-run", msgs, t, text=question, content=answer, metrics=usage(20, 10, duration=1.5),
                   user_id=user_id, **kw)

    def agent(sid: str, runs=None, user_id: Optional[str] = "user-1", session_data: Any = "default", t: int = T0, **kw):
        if session_data == "default":
            session_data = {"session_state": {}, "session_metrics": session_metrics(20 * len(runs or []), 10 * len(runs or []))}
        return AgentSession(session_id=sid, agent_id=kw.pop("agent_id", "basic-agent"), user_id=user_id,
                            agent_data=kw.pop("agent_data", AGENT_DATA), session_data=session_data, runs=runs,
                            created_at=t, **kw)

    # ------------------------------------------------------------------ the API reference example
    sid = SPEC_ID
    spec_run = RUN(sid, SPEC_RUN_ID, [
        M(sid, "system", SPEC_SYSTEM), M(sid, "user", SPEC_QUESTION),
        M(sid, "assistant", SPEC_ANSWER, metrics=usage(134, 26))], text=SPEC_QUESTION, content=SPEC_ANSWER,
        metrics=usage(134, 26, duration=2.4), user_id="123")
    spec_session = agent(sid, [spec_run], user_id="123", summary=SessionSummary(
        summary=SPEC_SUMMARY, updated_at=datetime(*SPEC_SUMMARY_AT)))
    plain = agno_item(spec_session)
    runs = json.loads(json.dumps(plain["runs"]))
    for r in runs:  # real data of that era: messages without "id"
        for m in r["messages"]:
            m.pop("id")
    plain["runs"] = runs
    counters = ["input_tokens", "output_tokens", "total_tokens", "audio_input_tokens", "audio_output_tokens",
                "audio_total_tokens", "cache_read_tokens", "cache_write_tokens", "reasoning_tokens"]
    m9 = asdict(usage(134, 26))
    plain["session_data"] = json.dumps({"session_state": {}, "session_metrics": {k: m9[k] for k in counters}})
    corpus.put_raw("spec-example", to_ddb(plain),
                   "the API reference's 200 example: user_id \"123\", messages without id, session_metrics with the 9 counters only")

    # ------------------------------------------------------------------ agent sessions
    sid = "agent-basic"
    corpus.add("agent-basic", agent(sid, [chat(sid, "Hello, who are you?", "I am Basic Agent.", user_id="user-1")],
                                    session_data={"session_state": {"counter": 1, "tags": ["a", "b"]},
                                                  "session_metrics": session_metrics(20, 10, duration=1.5)},
                                    summary=SessionSummary(summary="A greeting.", topics=["greeting"],
                                                           updated_at=datetime(2025, 9, 5, 16, 5, 0, 123456)),
                                    metadata={"source": "compat"}, team_id="some-team", workflow_id="some-workflow"),
               "one chat run; agno-written session_metrics (all 14 fields, nulls included); summary with topics; "
               "updated_at later than created_at (second upsert)", updated_at=T0 + 3600)

    sid = "agent-named"
    corpus.add("agent-named", agent(sid, [chat(sid, "first question", "answer")],
                                    session_data={"session_name": "My named session", "session_state": {"x": 1}}),
               "session_name stored in session_data wins over the first user message")
    sid = "agent-named-empty"
    corpus.add("agent-named-empty", agent(sid, [chat(sid, "first question", "answer")],
                                          session_data={"session_name": "", "session_state": {}}),
               "stored empty session_name \"\" is kept (it is not None)")
    sid = "agent-named-null"
    corpus.add("agent-named-null", agent(sid, [chat(sid, "derived from me", "answer")],
                                         session_data={"session_name": None}),
               "session_name stored as null: derived from the first user message")

    corpus.add("agent-no-runs", agent("agent-no-runs", None, session_data=None, agent_data=None, agent_id=None),
               "no runs attribute, no session_data, no agent_data, no agent_id: nulls and empty chat_history")
    sid = "agent-runs-no-messages"
    corpus.add("agent-runs-no-messages", agent(sid, [
        RUN(sid, f"{sid}-r1", None, status=RunStatus.error, text="this run failed before any message", content="boom"),
        RUN(sid, f"{sid}-r2", [], t=T0 + 10, status=RunStatus.cancelled, text="cancelled")]),
        "runs present but without messages (None and []): session_name \"\" and empty chat_history")

    sid = "agent-runs-empty-list"
    plain = agno_item(agent(sid, None, session_data={"session_state": {}}))
    plain["runs"] = []
    corpus.put_raw("agent-runs-empty-list", to_ddb(plain), "runs stored as the JSON string \"[]\"")

    sid = "agent-history"
    r1 = chat(sid, "My name is Ana.", "Nice to meet you, Ana.", t=T0, system="System prompt v1", run_id=f"{sid}-r1")
    hist = [M(sid, m.role, m.content, m.created_at, from_history=True, metrics=m.metrics) for m in r1.messages if m.role != "system"]
    r2 = RUN(sid, f"{sid}-r2", [M(sid, "system", "System prompt v2", T0 + 60)] + hist + [
        M(sid, "user", "What is my name?", T0 + 60), M(sid, "assistant", "Your name is Ana.", T0 + 61, metrics=usage(40, 5))],
        t=T0 + 60, text="What is my name?", content="Your name is Ana.")
    r3 = RUN(sid, f"{sid}-r3", [M(sid, "system", "System prompt v1", T0 + 120), M(sid, "user", "Thanks", T0 + 120),
                                M(sid, "assistant", "You're welcome.", T0 + 121)], t=T0 + 120, text="Thanks")
    corpus.add("agent-history", agent(sid, [r1, r2, r3]),
               "from_history messages are dropped; every run's system message is kept (agents do not de-duplicate)",
               updated_at=T0 + 121)

    sid = "agent-tools"
    r = RUN(sid, f"{sid}-r1", [
        M(sid, "system", "Use tools."), M(sid, "user", "Weather and time in Paris?"),
        M(sid, "assistant", None, tool_calls=TOOL_CALLS, metrics=usage(50, 20, time_to_first_token=0.25)),
        M(sid, "tool", "Sunny, 21°C", tool_call_id="call_1", tool_name="get_weather", tool_args={"city": "Paris"},
          tool_call_error=False, metrics=Metrics(duration=0.0123)),
        M(sid, "tool", "Error: clock unavailable", tool_call_id="call_2", tool_name="get_time", tool_args={},
          tool_call_error=True, stop_after_tool_call=True),
        M(sid, "assistant", "It is sunny (21°C); the time is unknown.", reasoning_content="The clock tool failed.",
          redacted_reasoning_content="[redacted]", provider_data={"finish_reason": "stop", "logprobs": None},
          metrics=usage(90, 15, reasoning_tokens=7, cache_read_tokens=64, provider_metrics={"service_tier": "default"},
                        additional_metrics={"cost_usd": 0.00042}))],
        text="Weather and time in Paris?", content="It is sunny (21°C); the time is unknown.",
        tools=[ToolExecution(tool_call_id="call_1", tool_name="get_weather", tool_args={"city": "Paris"}, result="Sunny, 21°C",
                             created_at=T0, metrics=Metrics(duration=0.0123)),
               ToolExecution(tool_call_id="call_2", tool_name="get_time", tool_args={}, tool_call_error=True,
                             result="Error: clock unavailable", created_at=T0, stop_after_tool_call=True)],
        reasoning_steps=[ReasoningStep(title="Check tools", action="call get_weather", confidence=0.9)],
        reasoning_content="The clock tool failed.")
    corpus.add("agent-tools", agent(sid, [r]),
               "assistant tool_calls (content null), tool-role messages with tool_call_id/tool_name/tool_args/"
               "tool_call_error, stop_after_tool_call, reasoning/redacted content, provider_data, rich message metrics")

    sid = "agent-multimodal"
    r1 = chat(sid, "Plain first question", "Plain answer", run_id=f"{sid}-r1")
    r2 = RUN(sid, f"{sid}-r2", [
        M(sid, "user", [{"type": "text", "text": "What is in this picture?"},
                        {"type": "image_url", "image_url": {"url": "https://example.com/cat.png", "detail": "low"}}], T0 + 30,
          images=[Image(url="https://example.com/cat.png", id="img-1", detail="low", alt_text="a cat")]),
        M(sid, "user", "And this audio, file and video?", T0 + 31,
          audio=[Audio(content=b"RIFF\x00\x00WAVEfmt ", id="aud-1", format="wav", mime_type="audio/wav", transcript="hi")],
          files=[File(url="https://example.com/report.pdf", id="file-1", mime_type="application/pdf", name="report.pdf")],
          videos=[Video(url="https://example.com/clip.mp4", id="vid-1", format="mp4")],
          images=[Image(content=b"\x89PNG\r\n\x1a\n", id="img-2", format="png", mime_type="image/png", alt_text="lost on read")]),
        M(sid, "user", "With references", T0 + 32,
          references=MessageReferences(query="cats", references=[{"name": "doc1", "content": "Cats purr."}, "plain ref"],
                                       time=0.0042)),
        M(sid, "assistant", "A cat. Here is a drawing.", T0 + 33,
          citations=Citations(urls=[UrlCitation(url="https://example.com/c", title="C")],
                              documents=[DocumentCitation(document_title="D", cited_text="t", file_name="d.pdf")]),
          audio_output=Audio(content=b"OggS", id="aud-out-1", format="ogg", mime_type="audio/ogg", transcript="A cat."),
          image_output=Image(url="https://example.com/out.png", id="img-out-1"),
          metrics=usage(300, 12, audio_input_tokens=5, audio_total_tokens=5)),
        M(sid, "user", [{"type": "input_audio", "input_audio": {"data": "AAAA", "format": "wav"}}], T0 + 34),
        M(sid, "user", [], T0 + 35), M(sid, "user", "", T0 + 36)],
        t=T0 + 30, text="What is in this picture?", content="A cat.",
        images=[Image(url="https://example.com/out.png", id="img-out-1")],
        citations=Citations(urls=[UrlCitation(url="https://example.com/c", title="C")]))
    corpus.add("agent-multimodal", agent(sid, [r1, r2]),
               "list (multimodal) content; images/audio/files/videos on messages; references; citations and "
               "audio/image output (agno's to_dict leaves citations and image_output out); empty list and empty string content")

    sid = "agent-unicode"
    text = UNICODE_TEXT
    corpus.add("agent-unicode", agent(sid, [chat(sid, text, "答案: ✅ " + text[::-1], system="Système 🧠")],
                                      session_data={"session_state": UNICODE_STATE},
                                      agent_data={"name": "Agent Ünïcødé 🤖", "agent_id": "basic-agent"},
                                      summary=SessionSummary(summary="Résumé: 🌍 多言語")),
               "unicode everywhere (emoji with modifiers/ZWJ, CJK, RTL, combining marks, astral plane); agno stores "
               "\\uXXXX escapes (json.dumps ensure_ascii) and AgentOS answers raw UTF-8")

    sid = "agent-control-chars"
    ctl = CONTROL_CHARS
    corpus.add("agent-control-chars", agent(sid, [chat(sid, "ctl " + ctl, ctl)],
                                            session_data={"session_state": {"ctl": ctl, "key\nwith\x00ctl": True}}),
               "control characters, DEL/NEL, U+2028/U+2029, BOM, quotes and backslashes")

    sid = "agent-large"
    big_runs = []
    for i in range(80):
        t = T0 + i * 60
        big_runs.append(RUN(sid, f"{sid}-r{i:03d}", [
            M(sid, "system", f"System prompt for run {i}", t), M(sid, "user", f"Question {i}: {LOREM[:200]}", t),
            M(sid, "assistant", f"Answer {i}: {LOREM}", t + 1, metrics=usage(1000 + i, 500 + i))],
            t=t, text=f"Question {i}", content=f"Answer {i}", metrics=usage(1000 + i, 500 + i)))
    corpus.add("agent-large", agent(sid, big_runs, session_data={"session_state": {"blob": "x" * 20000},
                                                                "session_metrics": session_metrics(61770, 31770)}),
               "a ~300 KB item: 80 runs, 240 messages", updated_at=T0 + 3600, big=True)

    sid = "agent-numbers"
    corpus.add("agent-numbers", agent(sid, [RUN(sid, f"{sid}-r1", [
        M(sid, "user", "numbers"), M(sid, "assistant", "ok", metrics=Metrics(
            input_tokens=2 ** 53 + 1, output_tokens=-5, total_tokens=2 ** 53 - 4, time_to_first_token=0.000123,
            duration=12.5, provider_metrics={"x": 1e-7, "big": 2 ** 64}))], text="numbers")],
        session_data={"session_state": NUMBERS, "session_metrics": session_metrics(
            9007199254740993, -7, duration=1e-9, time_to_first_token=3.0, provider_metrics={"float": 0.30000000000000004},
            additional_metrics={"neg": -1.25e-5, "big": 18446744073709551617})}),
        "floats and large ints (> 2^53, > 2^64, negative, -0.0, 1e308, 1e-300) in metrics and session_state")

    sid = "agent-nan"
    corpus.add("agent-nan", agent(sid, [RUN(sid, f"{sid}-r1", [
        M(sid, "user", "not a number"), M(sid, "assistant", "ok", metrics=Metrics(output_tokens=1, duration=float("inf")))],
        text="not a number")],
        session_data={"session_state": {"nan": float("nan"), "inf": float("inf"), "ninf": float("-inf"), "list": [float("nan")]},
                      "session_metrics": session_metrics(1, 2, duration=float("nan"), additional_metrics={"inf": float("inf")})}),
        "NaN/Infinity/-Infinity: agno stores the non-standard JSON tokens (json.dumps allows them); AgentOS answers null")

    sid = "agent-metrics-9"
    plain = agno_item(agent(sid, [chat(sid, "nine counters", "ok")], user_id="user-9"))
    plain["session_data"] = json.dumps({"session_state": {"k": "v"},
                                        "session_metrics": {k: asdict(usage(20, 10))[k] for k in counters}})
    corpus.put_raw("agent-metrics-9", to_ddb(plain), "session_metrics with only the 9 token counters (older agno)")
    corpus.add("agent-metrics-empty", agent("agent-metrics-empty", [chat("agent-metrics-empty", "q", "a")],
                                            session_data={"session_state": {}, "session_metrics": {}}),
               "session_metrics {}: metrics {} and total_tokens null")
    corpus.add("agent-metrics-missing", agent("agent-metrics-missing", [chat("agent-metrics-missing", "q", "a")],
                                              session_data={"session_state": {"only": "state"}}),
               "session_data without session_metrics: metrics {} (agno's .get default) and total_tokens null")
    corpus.add("agent-state-missing", agent("agent-state-missing", [chat("agent-state-missing", "q", "a")],
                                            session_data={"session_metrics": session_metrics(1, 2)}),
               "session_data without session_state: session_state null")
    corpus.add("agent-session-data-empty", agent("agent-session-data-empty", [chat("agent-session-data-empty", "q", "a")],
                                                 session_data={}),
               "session_data {}: falsy, so session_state/metrics/total_tokens are all null")

    sid = "agent-no-user"
    corpus.add("agent-no-user", agent(sid, [chat(sid, "anonymous", "hi")], user_id=None), "no user_id attribute")

    sid = "agent-statuses"
    st_runs = []
    for i, st in enumerate([RunStatus.completed, RunStatus.paused, RunStatus.cancelled, RunStatus.error, RunStatus.pending,
                            RunStatus.running]):
        st_runs.append(RUN(sid, f"{sid}-{st.value.lower()}", [M(sid, "user", f"run {st.value}", T0 + i),
                                                            M(sid, "assistant", f"status {st.value}", T0 + i)],
                           t=T0 + i, status=st, text=f"run {st.value}"))
    corpus.add("agent-statuses", agent(sid, st_runs),
               "runs with every status: get_chat_history keeps paused/cancelled/error/pending/running runs too")

    sid = "agent-roles"
    corpus.add("agent-roles", agent(sid, [RUN(sid, f"{sid}-r1", [
        M(sid, "developer", "dev instructions"), M(sid, "system", "sys"), M(sid, "model", "model turn"),
        M(sid, "CHATBOT", "chatbot turn"), M(sid, "assistant", "assistant before user"), M(sid, "user", "the user"),
        M(sid, "tool", "tool output", tool_call_id="t1"), M(sid, "custom-role", "custom", name="someone")], text="the user")]),
        "roles developer/system/model/CHATBOT/assistant/user/tool/custom; name; session_name is the first role=user message")

    sid = "agent-summary-no-updated"
    corpus.add("agent-summary-no-updated", agent(sid, [chat(sid, "q", "a")], summary=SessionSummary(summary="No timestamp.")),
               "summary without updated_at (and without topics)")
    sid = "agent-summary-tz"
    corpus.add("agent-summary-tz", agent(sid, [chat(sid, "q", "a")], summary=SessionSummary(
        summary="Aware timestamp.", topics=[], updated_at=datetime(2025, 9, 5, 18, 2, 12, tzinfo=timezone(timedelta(hours=2))))),
        "summary updated_at with a UTC offset and no fraction; empty topics list")
    sid = "agent-summary-empty"
    corpus.add("agent-summary-empty", agent(sid, [chat(sid, "q", "a")], summary=SessionSummary(summary="")),
               "summary with an empty text")

    corpus.add("agent-created-zero", agent("agent-created-zero", [chat("agent-created-zero", "q", "a")], t=0),
               "created_at = updated_at = 0: falsy, so AgentOS answers null for both")

    sid = "agent-nested-state"
    corpus.add("agent-nested-state", agent(sid, [chat(sid, "q", "a")], session_data={"session_state": nested_state()}),
               "deeply nested session_state with empty containers")

    sid = "agent-first-user-list"
    corpus.add("agent-first-user-list", agent(sid, [RUN(sid, f"{sid}-r1", [
        M(sid, "user", [{"type": "text", "text": "Describe this image"},
                        {"type": "image_url", "image_url": {"url": "https://example.com/a.png"}}]),
        M(sid, "assistant", "An image.")], text="Describe this image")]),
        "first user message content is a list: agno's derived session_name is that list")
    sid = "agent-first-user-list-notext"
    corpus.add("agent-first-user-list-notext", agent(sid, [RUN(sid, f"{sid}-r1", [
        M(sid, "user", [{"type": "image_url", "image_url": {"url": "https://example.com/ü.png"}}]),
        M(sid, "assistant", "An image.")], text="")]),
        "first user message content is a list without a text part")
    sid = "agent-first-user-no-content"
    corpus.add("agent-first-user-no-content", agent(sid, [RUN(sid, f"{sid}-r1", [
        M(sid, "user", None, images=[Image(url="https://example.com/only-image.png", id="img-only")]),
        M(sid, "user", "second user message"), M(sid, "assistant", "An image.")])]),
        "first user message has no content (image only)")

    sid = "agent-no-message-ids"
    plain = agno_item(agent(sid, [chat(sid, "some of my messages have no id", "ok"),
                                  chat(sid, "second run", "ok", t=T0 + 60, run_id=f"{sid}-r2")]))
    runs = json.loads(json.dumps(plain["runs"]))
    for m in runs[0]["messages"] + runs[1]["messages"][:1]:
        m.pop("id")
    plain["runs"] = runs
    corpus.put_raw("agent-no-message-ids", to_ddb(plain),
                   "stored messages without id next to messages with one (older agno): id is left out for those")

    sid = "agent-message-extras"
    plain = agno_item(agent(sid, [chat(sid, "extra keys", "ok")]))
    runs = json.loads(json.dumps(plain["runs"]))
    runs[0]["messages"][1]["future_field"] = {"from": "a newer agno"}
    runs[0]["messages"][1]["citations"] = {"urls": [{"url": "https://example.com", "title": "t"}]}
    plain["runs"] = runs
    corpus.put_raw("agent-message-extras", to_ddb(plain),
                   "stored message with keys Message.to_dict never emits (unknown key, citations): left out of chat_history")

    # ids / attributes that agno's reader JSON-decodes
    sid = "agent-user-numeric"
    corpus.add("agent-user-numeric", agent(sid, [chat(sid, "my user id looks like a number", "ok", user_id="12345")],
                                           user_id="12345"), "user_id \"12345\" (agno reads it back as the number 12345)")
    sid = "agent-user-null-string"
    corpus.add("agent-user-null-string", agent(sid, [chat(sid, "q", "a")], user_id="null"), "user_id \"null\"")
    sid = "agent-user-quoted"
    corpus.add("agent-user-quoted", agent(sid, [chat(sid, "q", "a")], user_id="\"alice\""), "user_id '\"alice\"' (JSON string literal)")
    sid = "agent-user-true"
    corpus.add("agent-user-true", agent(sid, [chat(sid, "q", "a")], user_id="true"), "user_id \"true\"")
    sid = "agent-id-exp"
    corpus.add("agent-id-exp", agent(sid, [chat(sid, "q", "a")], agent_id="1e3",
                                     agent_data={"name": "Exp", "agent_id": "1e3"}), "agent_id \"1e3\" (a JSON number)")

    # odd session ids
    odd_ids = ODD_IDS + [
        ("id-json-array", "[1,2]", "id \"[1,2]\" (a JSON array)"),
    ]
    for name, oid, note in odd_ids:
        corpus.add(name, agent(oid, [chat(oid, f"question for {oid}", "answer", run_id=f"run-{name}")]), note)

    # ------------------------------------------------------------------ team sessions
    def member_run(sid: str, run_id: str, parent: Optional[str], task: str, answer: str, t: int, agent_id: str = "researcher",
                   status=RunStatus.completed, **kw) -> RunOutput:
        return RunOutput(run_id=run_id, agent_id=agent_id, agent_name=agent_id.title(), session_id=sid, parent_run_id=parent,
                         input=RunInput(input_content=task), content=answer, status=status, created_at=t,
                         messages=[M(sid, "system", f"You are {agent_id}.", t), M(sid, "user", task, t),
                                   M(sid, "assistant", answer, t + 1, metrics=usage(30, 15))],
                         metrics=usage(30, 15), model="gpt-4o-mini", model_provider="OpenAI", **kw)

    def team_run(sid: str, run_id: str, question: str, answer: str, t: int, members=(), team_id: Optional[str] = "research-team",
                 status=RunStatus.completed, history: Optional[List[Message]] = None, **kw) -> TeamRunOutput:
        msgs = [M(sid, "system", "You lead the research team.", t)] + (history or []) + [
            M(sid, "user", question, t),
            M(sid, "assistant", None, t + 1, tool_calls=[{"id": f"call-{run_id}", "type": "function", "function": {
                "name": "delegate_task_to_member", "arguments": json.dumps({"member_id": "researcher", "task": question})}}]),
            M(sid, "tool", "member answered", t + 2, tool_call_id=f"call-{run_id}", tool_name="delegate_task_to_member",
              tool_args={"member_id": "researcher", "task": question}),
            M(sid, "assistant", answer, t + 3, metrics=usage(80, 40))]
        return TeamRunOutput(run_id=run_id, team_id=team_id, team_name="Research Team" if team_id else None, session_id=sid,
                             input=TeamRunInput(input_content=question), content=answer, messages=msgs, status=status,
                             member_responses=list(members), metrics=usage(80, 40), created_at=t, model="gpt-4o",
                             model_provider="OpenAI", **kw)

    def team(sid: str, runs, user_id: Optional[str] = "user-1", session_data: Any = "default", t: int = T0, **kw):
        if session_data == "default":
            session_data = {"session_state": {"topic": "research"}, "session_metrics": session_metrics(110, 55)}
        return TeamSession(session_id=sid, team_id=kw.pop("team_id", "research-team"), user_id=user_id,
                           team_data=kw.pop("team_data", TEAM_DATA), session_data=session_data, runs=runs, created_at=t, **kw)

    sid = "team-basic"
    m1 = member_run(sid, f"{sid}-m1", f"{sid}-t1", "Find papers on DynamoDB", "Found 3 papers.", T0 + 1)
    t1 = team_run(sid, f"{sid}-t1", "Research DynamoDB for me", "Here is the research.", T0, members=[m1])
    corpus.add("team-basic", team(sid, [m1, t1], summary=SessionSummary(summary="Team research.",
                                                                        updated_at=datetime(2025, 9, 6, 8, 0, 0, 1))),
               "member run stored before the team run (as agno does): session_name comes from the first run without "
               "agent_id; chat_history includes the member run's messages", updated_at=T0 + 7200)

    sid = "team-two-runs"
    m1 = member_run(sid, f"{sid}-m1", f"{sid}-t1", "task one", "member one", T0 + 1)
    t1 = team_run(sid, f"{sid}-t1", "First team question", "first answer", T0, members=[m1])
    m2 = member_run(sid, f"{sid}-m2", f"{sid}-t2", "task two", "member two", T0 + 101, agent_id="writer")
    hist = [M(sid, "user", "First team question", T0 + 100, from_history=True),
            M(sid, "assistant", "first answer", T0 + 100, from_history=True)]
    t2 = team_run(sid, f"{sid}-t2", "Second team question", "second answer", T0 + 100, members=[m2], history=hist)
    corpus.add("team-two-runs", team(sid, [m1, t1, m2, t2]),
               "two team runs with members; from_history messages dropped; both team system messages kept")

    sid = "team-named"
    corpus.add("team-named", team(sid, [team_run(sid, f"{sid}-t1", "q", "a", T0)],
                                  session_data={"session_name": "Named team session"}), "stored team session_name")
    sid = "team-only-members"
    corpus.add("team-only-members", team(sid, [member_run(sid, f"{sid}-m1", "gone-team-run", "member task first", "x", T0),
                                               member_run(sid, f"{sid}-m2", "gone-team-run", "member task second", "y", T0 + 5,
                                                          agent_id="writer")]),
               "only member runs: session_name falls back to the first run")
    corpus.add("team-no-runs", team("team-no-runs", None, session_data=None, team_data=None, team_id=None, user_id=None),
               "team session without runs, session_data, team_data, team_id, user_id")
    sid = "team-run-no-team-id"
    corpus.add("team-run-no-team-id", team(sid, [team_run(sid, f"{sid}-t0", "I have no team_id", "dropped", T0, team_id=None),
                                                 team_run(sid, f"{sid}-t1", "I have a team_id", "kept", T0 + 10)]),
               "a team run stored without team_id is dropped by TeamSession.from_dict (neither agent_id nor team_id)")
    sid = "team-nested"
    inner_m = member_run(sid, f"{sid}-im", f"{sid}-sub", "inner task", "inner answer", T0 + 2, agent_id="fact-checker")
    sub = TeamRunOutput(run_id=f"{sid}-sub", team_id="sub-team", team_name="Sub Team", session_id=sid, parent_run_id=f"{sid}-t1",
                        input=TeamRunInput(input_content="sub-team task"), content="sub answer", created_at=T0 + 1,
                        status=RunStatus.completed, member_responses=[inner_m],
                        messages=[M(sid, "system", "You are the sub team.", T0 + 1), M(sid, "user", "sub-team task", T0 + 1),
                                  M(sid, "assistant", "sub answer", T0 + 2)])
    top = team_run(sid, f"{sid}-t1", "Nested team question", "nested answer", T0, members=[sub])
    corpus.add("team-nested", team(sid, [inner_m, sub, top]),
               "a sub-team run (team_id, parent_run_id) and its member stored before the top team run")
    sid = "team-statuses"
    corpus.add("team-statuses", team(sid, [
        team_run(sid, f"{sid}-t1", "paused question", "paused", T0, status=RunStatus.paused),
        team_run(sid, f"{sid}-t2", "errored question", "error", T0 + 10, status=RunStatus.error),
        team_run(sid, f"{sid}-t3", "cancelled question", "cancelled", T0 + 20, status=RunStatus.cancelled)]),
        "team runs paused/error/cancelled: all kept in chat_history")
    sid = "team-runs-empty-list"
    plain = agno_item(team(sid, None, session_data={"session_state": {}}))
    plain["runs"] = []
    corpus.put_raw("team-runs-empty-list", to_ddb(plain), "team session with runs stored as \"[]\"")
    sid = "team-id-numeric"
    corpus.add("team-id-numeric", team(sid, [team_run(sid, f"{sid}-t1", "q", "a", T0, team_id="7")], team_id="7",
                                       team_data={"name": "Seven", "team_id": "7"}), "team_id \"7\" (a JSON number)")
    sid = "team-unicode-summary"
    corpus.add("team-unicode-summary", team(sid, [team_run(sid, f"{sid}-t1", "¿Qué tal? 🤝", "¡Bien! 🎉", T0)],
                                            summary=SessionSummary(summary="Résumé 🎉", topics=["équipe", "チーム"])),
               "team with unicode question and summary topics")

    # ------------------------------------------------------------------ workflow sessions
    def wf(sid: str, runs, name: Optional[str] = "Blog Workflow", user_id: Optional[str] = "user-1", t: int = T0,
           session_data: Optional[dict] = None, workflow_data: Optional[dict] = "default", metadata: Optional[dict] = None, **kw):
        if workflow_data == "default":
            workflow_data = g.workflow_data(name)
        return WorkflowSession(session_id=sid, user_id=user_id, workflow_id=kw.pop("workflow_id", "blog-workflow"),
                               workflow_name=name, runs=runs, session_data=session_data, workflow_data=workflow_data,
                               metadata=metadata, created_at=t, updated_at=t)

    def wf_run(sid: str, run_id: str, inp: Any, t: int = T0, status=RunStatus.completed, **kw) -> WorkflowRunOutput:
        step_run = RunOutput(run_id=f"{run_id}-step1", agent_id="researcher", session_id=sid, parent_run_id=run_id,
                             workflow_id="blog-workflow", created_at=t, status=RunStatus.completed, content="notes",
                             messages=[M(sid, "user", "research it", t), M(sid, "assistant", "notes", t + 1)])
        return WorkflowRunOutput(
            input=inp, content="Final blog post", workflow_id="blog-workflow", workflow_name="Blog Workflow", run_id=run_id,
            session_id=sid, created_at=t, status=status,
            step_results=[StepOutput(step_name="research", step_id="step-1", step_type="Step", executor_type="agent",
                                     executor_name="researcher", content="notes", step_run_id=f"{run_id}-step1",
                                     metrics=usage(10, 5)),
                          [StepOutput(step_name="write", step_id="step-2", content={"title": "Post", "words": 900},
                                      success=True)]],
            step_executor_runs=[step_run],
            metrics=WorkflowMetrics(steps={"research": StepMetrics(step_name="research", executor_type="agent",
                                                                   executor_name="researcher", metrics=usage(10, 5))}),
            metadata={"trace": "abc"}, **kw)

    sid = "wf-text-input"
    corpus.add("wf-text-input", wf(sid, [wf_run(sid, f"{sid}-r1", "Write a blog post about DynamoDB"),
                                         wf_run(sid, f"{sid}-r2", "second input", T0 + 50)],
                                   session_data={"session_state": {"drafts": 2, "nested": {"ok": True}}},
                                   metadata={"env": "test", "tags": ["a", "b"], "n": 1.5}),
               "workflow: session_name is the first run's text input; session_data, workflow_data, metadata; "
               "created_at/updated_at answered as integers", updated_at=T0 + 600)
    sid = "wf-dict-input"
    corpus.add("wf-dict-input", wf(sid, [wf_run(sid, f"{sid}-r1", {"topic": "Zürich ☕", "words": 500, "draft": None})]),
               "workflow: dict input -> session_name is json.dumps(input) (ASCII escapes, ', ' and ': ' separators)")
    sid = "wf-list-input"
    corpus.add("wf-list-input", wf(sid, [wf_run(sid, f"{sid}-r1", ["a", "b"])]),
               "workflow: list input -> 'New <workflow_data.name> Session'")
    sid = "wf-no-input"
    corpus.add("wf-no-input", wf(sid, [wf_run(sid, f"{sid}-r1", None)]),
               "workflow: run without input -> 'New <workflow_data.name> Session'")
    sid = "wf-no-input-no-name"
    corpus.add("wf-no-input-no-name", wf(sid, [wf_run(sid, f"{sid}-r1", None)], name=None, workflow_data={}),
               "workflow: no input and no workflow_data.name -> \"\"")
    sid = "wf-empty-input"
    corpus.add("wf-empty-input", wf(sid, [wf_run(sid, f"{sid}-r1", "")]), "workflow: empty string input -> \"\"")
    corpus.add("wf-no-runs", wf("wf-no-runs", None, session_data={"session_state": {}}),
               "workflow without runs -> session_name \"\"; session_data is answered whole")
    sid = "wf-named"
    corpus.add("wf-named", wf(sid, [wf_run(sid, f"{sid}-r1", "ignored input")],
                              session_data={"session_name": "Named workflow session", "session_state": {"a": 1}}),
               "workflow: stored session_name")
    sid = "wf-statuses"
    corpus.add("wf-statuses", wf(sid, [wf_run(sid, f"{sid}-r1", "errored first", status=RunStatus.error),
                                       wf_run(sid, f"{sid}-r2", "cancelled", T0 + 5, status=RunStatus.cancelled),
                                       wf_run(sid, f"{sid}-r3", "pending", T0 + 6, status=RunStatus.pending)]),
               "workflow runs error/cancelled/pending: the first run's input still names the session")
    sid = "wf-empty-docs"
    corpus.add("wf-empty-docs", wf(sid, [wf_run(sid, f"{sid}-r1", "q")], user_id=None, session_data={}, workflow_data={},
                                   metadata={}, name=None, workflow_id=None),
               "workflow with empty session_data/workflow_data/metadata and no user_id/workflow_id/workflow_name")
    corpus.add("wf-created-zero", wf("wf-created-zero", None, t=0),
               "workflow created_at 0: workflow answers the integer 0 (agents answer null)")
    sid = "wf-name-numeric"
    corpus.add("wf-name-numeric", wf(sid, [wf_run(sid, f"{sid}-r1", "q")], name="2024"),
               "workflow_name \"2024\" (a JSON number)")
    sid = "wf-runs-empty-list"
    plain = agno_item(wf(sid, None))
    plain["runs"] = []
    corpus.put_raw("wf-runs-empty-list", to_ddb(plain), "workflow with runs stored as \"[]\" (no crash for workflows)")
    sid = "wf-unicode"
    corpus.add("wf-unicode", wf(sid, [wf_run(sid, f"{sid}-r1", "Écris un article 📝 sur 東京")],
                                metadata={"ключ": "значение", "emoji": "🚀"}, session_data={"session_state": {"ü": "ö"}}),
               "workflow with unicode input, metadata and state")

    # ------------------------------------------------------------------ not keyable on (session_id, session_type)
    plain = agno_item(agent("no-session-type", [chat("no-session-type", "q", "a")]))
    plain.pop("session_type")
    corpus.put_raw("no-session-type", to_ddb(plain), "item without session_type: never matches any type",
                   layout_only=True)

    # ------------------------------------------------------------------ database routing (multi)
    sid = "shared-session"
    corpus.add("db1-shared", agent(sid, [chat(sid, "I live in compat-db", "db one")], user_id="user-db1"),
               "same session_id as db2-shared, in compat-db")
    corpus.add("db2-shared", agent(sid, [chat(sid, "I live in compat-db-2", "db two")], user_id="user-db2",
                                   agent_data={"name": "Second Agent", "agent_id": "second-agent"}, agent_id="second-agent"),
               "same session_id as db1-shared, in compat-db-2", db=DB2)
    sid = "only-in-db2"
    corpus.add("db2-only", agent(sid, [chat(sid, "only in the second database", "ok")]), "exists only in compat-db-2", db=DB2)
    sid = "db2-team"
    corpus.add("db2-team", team(sid, [team_run(sid, f"{sid}-t1", "team in db2", "ok", T0)]), "team session in compat-db-2",
               db=DB2)
    sid = "db2-workflow"
    corpus.add("db2-workflow", wf(sid, [wf_run(sid, f"{sid}-r1", "workflow in db2")]), "workflow session in compat-db-2", db=DB2)


# ----------------------------------------------------------------------------------------------
# Phase 2: requests
# ----------------------------------------------------------------------------------------------


def plan_requests(entries: List[Entry]) -> List[dict]:
    plan = g.Plan()
    add = plan.add
    single = [e for e in entries if e.db == DB1]
    by_name = {e.name: e for e in entries}

    # every session of compat-db: own type, the two wrong types, no type
    for e in single:
        p = spath(e.session_id)
        for t in TYPES:
            own = t == e.session_type
            add(f"{e.name}/type={t}", "single", p, qs(("type", t)),
                note=(f"{e.note}" if own else f"{e.name} ({e.session_type}) asked as {t}"))
        add(f"{e.name}/no-type", "single", p, "", note=f"{e.name} without type (defaults to agent)")
        if e.layout_only or e.session_type is None:
            continue
        own = qs(("type", e.session_type))
        if e.user_id is not None and not e.big:
            add(f"{e.name}/user=owner", "single", p, own + "&" + qs(("user_id", e.user_id)), note="user_id of the owner")
            add(f"{e.name}/user=other", "single", p, own + "&" + qs(("user_id", "someone-else")), note="user_id of someone else")
        elif e.user_id is None:
            add(f"{e.name}/user=someone", "single", p, own + "&" + qs(("user_id", "someone")),
                note="user_id given, session has none")

    # query variants on a small agent session
    b = by_name["agent-basic"]
    p = spath(b.session_id)
    variants = [
        ("type=bogus", "type=bogus", "invalid type -> 422"),
        ("type=Agent", "type=Agent", "type is case-sensitive -> 422"),
        ("type=AGENT", "type=AGENT", "upper-case type -> 422"),
        ("type=empty", "type=", "empty type -> 422 (not the default)"),
        ("type=agent-space", "type=agent%20", "trailing space in type -> 422"),
        ("type=agent+", "type=agent+", "'+' decodes to a space -> 422"),
        ("type-repeated-agent-team", "type=agent&type=team", "repeated type: the last one wins (team -> 404)"),
        ("type-repeated-team-agent", "type=team&type=agent", "repeated type: the last one wins (agent -> 200)"),
        ("type-repeated-agent-bogus", "type=agent&type=bogus", "repeated type: the last one (bogus) is validated -> 422"),
        ("type-repeated-bogus-agent", "type=bogus&type=agent", "repeated type: the first (bogus) is ignored -> 200"),
        ("type-encoded-name", "ty%70e=team", "percent-encoded parameter name 'ty%70e' is 'type'"),
        ("type-param-case", "Type=team", "parameter names are case-sensitive: 'Type' is ignored -> agent"),
        ("type=agent-encoded", "type=%61gent", "percent-encoded value"),
        ("unknown-param", "type=agent&foo=bar&limit=1", "unknown parameters are ignored"),
        ("no-value-type", "type", "'type' without '=' is an empty value -> 422"),
        ("empty-query-pairs", "&&type=agent&&", "empty pairs are ignored"),
        ("user=empty", "type=agent&user_id=", "empty user_id means no user filter"),
        ("user=owner-encoded", "type=agent&user_id=user%2D1", "percent-encoded user_id"),
        ("user-repeated-other-owner", "type=agent&user_id=someone&user_id=user-1", "repeated user_id: the last one wins"),
        ("user-repeated-owner-other", "type=agent&user_id=user-1&user_id=someone", "repeated user_id: the last one wins"),
        ("user=owner-case", "type=agent&user_id=USER-1", "user_id comparison is case-sensitive"),
        ("db=right", "type=agent&db_id=compat-db", "db_id of the only database"),
        ("db=unknown", "type=agent&db_id=nope", "unknown db_id -> 404 even with one database"),
        ("db=empty", "type=agent&db_id=", "empty db_id means no db_id"),
        ("db=unknown-bogus-type", "type=bogus&db_id=nope", "422 for type wins over the unknown db_id"),
        ("db=unknown-user", "type=agent&db_id=nope&user_id=someone", "unknown db_id is checked before the session"),
    ]
    for cid, q, note in variants:
        add(f"agent-basic/{cid}", "single", p, q, note=note)
    # team/workflow variants
    add("team-basic/type=TEAM", "single", spath("team-basic"), "type=TEAM", note="upper-case team -> 422")
    add("wf-text-input/type=Workflow", "single", spath("wf-text-input"), "type=Workflow", note="capitalised -> 422")
    add("team-basic/user=empty", "single", spath("team-basic"), "type=team&user_id=", note="empty user_id")
    add("wf-text-input/user=empty", "single", spath("wf-text-input"), "type=workflow&user_id=", note="empty user_id")
    # a user_id filter with the value agno's reader turns a stored '"alice"' into
    add("agent-user-quoted/user=alice", "single", spath("agent-user-quoted"), qs(("type", "agent"), ("user_id", "alice")),
        note="user_id filter 'alice' on a session whose stored user_id is '\"alice\"'")
    # unknown sessions
    for t in TYPES:
        add(f"unknown/type={t}", "single", spath("does-not-exist"), qs(("type", t)), note="unknown session id -> 404")
    add("unknown/no-type", "single", spath("does-not-exist"), "", note="unknown session id, default type")
    add("unknown/user", "single", spath("does-not-exist"), "type=agent&user_id=user-1", note="unknown session id with user_id")
    add("unknown/unicode", "single", spath("nope-ü-😀"), "type=agent", note="unknown unicode id: the detail echoes it")
    add("unknown/quote", "single", spath("it's \"quoted\""), "type=team", note="unknown id with quotes: the detail echoes it")
    add("unknown/slash-case", "single", spath("AGENT-BASIC"), "type=agent", note="session ids are case-sensitive")
    add("unknown/long", "single", spath("z" * 1024), "type=workflow", note="unknown 1024-character id")
    # paths and methods
    add("path/sessions-x-y", "single", "/sessions/x/y", "", note="two path segments -> 404 Not Found")
    add("path/encoded-dash", "single", "/sessions/agent%2Dbasic", "type=agent",
        note="percent-encoded '-' in the path is decoded -> agent-basic")
    add("path/nope", "single", "/nope", "", note="unknown path -> 404 Not Found")
    add("path/nope-query", "single", "/nope", "type=agent", note="unknown path with a query -> 404 Not Found")
    add("path/sessions-trailing-slash", "single", "/sessions/", "", note="'/sessions/': redirect to /sessions")
    add("path/session-trailing-slash", "single", "/sessions/agent-basic/", "type=agent",
        note="trailing slash after the id: 307 redirect (location keeps the query)")
    add("path/double-slash", "single", "/sessions//agent-basic", "", note="empty segment -> 404 Not Found")
    add("path/case", "single", "/Sessions/agent-basic", "", note="paths are case-sensitive -> 404 Not Found")
    for m in ("POST", "PUT", "PATCH"):
        add(f"method/{m}", "single", spath("agent-basic"), "type=agent", method=m, note=f"{m} -> 405 with allow")
    add("method/HEAD", "single", spath("agent-basic"), "type=agent", method="HEAD", note="HEAD is not routed -> 405")
    add("method/OPTIONS", "single", spath("agent-basic"), "type=agent", method="OPTIONS",
        note="OPTIONS without Origin is not a CORS preflight -> 405")
    add("method/POST-unknown-path", "single", "/nope", "", method="POST", note="unknown path wins over method -> 404")
    add("method/POST-unknown-session", "single", spath("does-not-exist"), "", method="POST", note="405 for any id")
    add("method/POST-bogus-type", "single", spath("agent-basic"), "type=bogus", method="POST", note="405 before 422")
    add("header/authorization-ignored", "single", spath("agent-basic"), "type=agent",
        headers={"authorization": "Bearer whatever"}, note="no security key: Authorization is ignored")

    # multi: two databases
    add("multi/no-db", "multi", spath("shared-session"), "type=agent", note="several databases and no db_id -> 400")
    add("multi/no-db-unknown-session", "multi", spath("does-not-exist"), "type=agent", note="400 before the lookup")
    add("multi/no-db-no-type", "multi", spath("shared-session"), "", note="400 without type too")
    add("multi/db-empty", "multi", spath("shared-session"), "type=agent&db_id=", note="empty db_id counts as missing -> 400")
    add("multi/bogus-type-no-db", "multi", spath("shared-session"), "type=bogus", note="422 wins over the missing db_id")
    add("multi/db1-shared", "multi", spath("shared-session"), "type=agent&db_id=compat-db", note="db_id selects compat-db")
    add("multi/db2-shared", "multi", spath("shared-session"), "type=agent&db_id=compat-db-2", note="db_id selects compat-db-2")
    add("multi/db2-shared-user-db1", "multi", spath("shared-session"), "type=agent&db_id=compat-db-2&user_id=user-db1",
        note="user of the compat-db copy asks compat-db-2 -> 404")
    add("multi/db-repeated", "multi", spath("shared-session"), "type=agent&db_id=compat-db&db_id=compat-db-2",
        note="repeated db_id: the last one wins")
    add("multi/db-unknown", "multi", spath("shared-session"), "type=agent&db_id=compat-db-3", note="unknown db_id -> 404")
    add("multi/db-case", "multi", spath("shared-session"), "type=agent&db_id=COMPAT-DB", note="db_id is case-sensitive")
    add("multi/db2-only-in-db1", "multi", spath("only-in-db2"), "type=agent&db_id=compat-db", note="not in compat-db -> 404")
    add("multi/db2-only-in-db2", "multi", spath("only-in-db2"), "type=agent&db_id=compat-db-2", note="found in compat-db-2")
    add("multi/db2-team", "multi", spath("db2-team"), "type=team&db_id=compat-db-2", note="team session in compat-db-2")
    add("multi/db2-team-as-agent", "multi", spath("db2-team"), "type=agent&db_id=compat-db-2", note="wrong type -> 404")
    add("multi/db2-workflow", "multi", spath("db2-workflow"), "type=workflow&db_id=compat-db-2", note="workflow in compat-db-2")
    add("multi/db1-basic", "multi", spath("agent-basic"), "type=agent&db_id=compat-db", note="compat-db holds the corpus")
    add("multi/db1-spec-example", "multi", spath(SPEC_ID), "type=agent&db_id=compat-db", note="the spec example in multi")
    add("multi/db2-basic", "multi", spath("agent-basic"), "type=agent&db_id=compat-db-2", note="not in compat-db-2 -> 404")
    add("multi/db1-team-basic", "multi", spath("team-basic"), "type=team&db_id=compat-db", note="team in compat-db")
    add("multi/unknown-path", "multi", "/nope", "", note="404 Not Found")
    add("multi/post", "multi", spath("shared-session"), "db_id=compat-db", method="POST", note="405")

    # secured: security key compat-secret-key
    good = f"Bearer {SECURITY_KEY}"
    auth_variants = [
        ("none", {}, "no Authorization header -> 401"),
        ("right", {"authorization": good}, "right bearer token -> 200"),
        ("wrong", {"authorization": "Bearer wrong-key"}, "wrong token -> 401"),
        ("basic", {"authorization": f"Basic {SECURITY_KEY}"}, "scheme Basic is not Bearer -> 401 (as if missing)"),
        ("basic-b64", {"authorization": "Basic dXNlcjpwYXNz"}, "Basic credentials -> 401"),
        ("bearer-lower", {"authorization": f"bearer {SECURITY_KEY}"}, "the scheme is case-insensitive -> 200"),
        ("bearer-upper", {"authorization": f"BEARER {SECURITY_KEY}"}, "the scheme is case-insensitive -> 200"),
        ("bearer-empty", {"authorization": "Bearer"}, "'Bearer' without a token -> 401 (as if missing)"),
        ("bearer-empty-space", {"authorization": "Bearer "}, "'Bearer ' with an empty token -> 401 (as if missing)"),
        ("bearer-two-spaces", {"authorization": f"Bearer  {SECURITY_KEY}"}, "two spaces after Bearer: the token is stripped -> 200"),
        ("bearer-trailing-space", {"authorization": f"Bearer {SECURITY_KEY} "}, "trailing space after the token is stripped -> 200"),
        ("token-only", {"authorization": SECURITY_KEY}, "token without a scheme -> 401 (as if missing)"),
        ("token-case", {"authorization": f"Bearer {SECURITY_KEY.upper()}"}, "the token is case-sensitive -> 401"),
        ("empty-header", {"authorization": ""}, "empty Authorization header -> 401 (as if missing)"),
        ("x-api-key", {"x-api-key": SECURITY_KEY}, "only Authorization counts -> 401 (as if missing)"),
    ]
    for cid, h, note in auth_variants:
        add(f"secured/{cid}", "secured", spath("agent-basic"), "type=agent", headers=h, note=note)
    add("secured/none-unknown-session", "secured", spath("does-not-exist"), "type=agent", note="401 before the lookup")
    add("secured/right-unknown-session", "secured", spath("does-not-exist"), "type=agent", headers={"authorization": good},
        note="authorised, unknown session -> 404")
    add("secured/none-bogus-type", "secured", spath("agent-basic"), "type=bogus", note="no token and invalid type: 401 comes before 422")
    add("secured/wrong-bogus-type", "secured", spath("agent-basic"), "type=bogus", headers={"authorization": "Bearer nope"},
        note="wrong token and invalid type")
    add("secured/right-bogus-type", "secured", spath("agent-basic"), "type=bogus", headers={"authorization": good},
        note="authorised, invalid type -> 422")
    add("secured/none-db-unknown", "secured", spath("agent-basic"), "type=agent&db_id=nope", note="401 before the db_id check")
    add("secured/right-db-unknown", "secured", spath("agent-basic"), "type=agent&db_id=nope", headers={"authorization": good},
        note="authorised, unknown db_id -> 404")
    add("secured/right-team", "secured", spath("team-basic"), "type=team", headers={"authorization": good}, note="team, authorised")
    add("secured/right-workflow", "secured", spath("wf-text-input"), "type=workflow", headers={"authorization": good},
        note="workflow, authorised")
    add("secured/right-spec-example", "secured", spath(SPEC_ID), "type=agent", headers={"authorization": good},
        note="the spec example, authorised")
    add("secured/right-user-other", "secured", spath("agent-basic"), "type=agent&user_id=someone-else",
        headers={"authorization": good}, note="authorised, other user -> 404")
    add("secured/none-unknown-path", "secured", "/nope", "", note="unknown path: 404 without auth")
    add("secured/none-post", "secured", spath("agent-basic"), "type=agent", method="POST", note="405 without auth")
    add("secured/none-sessions-x-y", "secured", "/sessions/x/y", "", note="404 without auth")
    add("secured/none-slash-in-id", "secured", spath("slash/inside"), "type=agent", note="encoded slash: 404 Not Found")
    return plan.requests


# ----------------------------------------------------------------------------------------------
# Phase 3: serving (runs in a child process per setup and mode)
# ----------------------------------------------------------------------------------------------


def serve(args) -> None:
    """Answer the requests of one setup with agno's AgentOS; mode 'reference' or 'patched'."""
    aws_env()
    assert (os.environ.get("OS_SECURITY_KEY") or None) == (SECURITY_KEY if args.setup == "secured" else None)
    random_ids: set = set()
    g.record_uuid4(random_ids, ("agno.models.message", "agno.media"))

    import agno.db.dynamo.dynamo as dyn
    import agno.os.schema as schema
    from agno.agent import Agent
    from agno.db.dynamo import DynamoDb
    from agno.models.message import Message
    from agno.os import AgentOS

    deviations: List[str] = []
    if args.mode == "patched":
        original_reader = dyn.deserialize_from_dynamodb_item
        original_name = schema.get_session_name

        def reader(item: Dict[str, Any]) -> Dict[str, Any]:
            decoded = original_reader(item)
            for key, value in item.items():
                if key in DOC_ATTRS or "S" not in value:
                    continue
                if decoded.get(key) != value["S"] or not isinstance(decoded.get(key), str):
                    deviations.append(f"decoded:{key}")
                decoded[key] = value["S"]
            if decoded.get("runs") == [] and decoded.get("session_type") in ("agent", "team"):
                deviations.append("empty-runs")
                decoded.pop("runs")
            return decoded

        def session_name(session: Dict[str, Any]) -> str:
            try:
                name = original_name(session)
            except KeyError:  # first user message stored without content
                name = None
            if not isinstance(name, str):
                deviations.append("session-name")
                name = Message(role="user", content=name).get_content_string()
            return name

        dyn.deserialize_from_dynamodb_item = reader
        schema.get_session_name = session_name

    setup = json.loads(args.setup_json)
    client = ddb_client(args.endpoint)
    agents = [Agent(id=f"compat-agent-{i + 1}", db=DynamoDb(db_client=client, session_table=TABLES[d["id"]], id=d["id"]))
              for i, d in enumerate(setup["databases"])]
    app = AgentOS(id="compat-os", agents=agents, telemetry=False).get_app()

    g.save_json(args.output, g.answer_requests(app, g.load_json(args.requests), args.mode, random_ids, deviations))


# ----------------------------------------------------------------------------------------------
# Reference crash explanations
# ----------------------------------------------------------------------------------------------


def explain(devs: List[str], item: Optional[dict], ref: dict, exp: dict) -> str:
    parts = []
    for d in devs:
        if d.startswith("decoded:"):
            attr = d.split(":", 1)[1]
            raw = item[attr]["S"]
            dec = json.loads(raw)
            if ref["status"] == 500:
                how = "the str schema field rejects it (500)"
            elif attr == "session_id" and dec is None:
                how = "AgentSession.from_dict then finds no session_id and agno answers 404"
            elif ref["status"] == 404:
                how = "so the user_id filter no longer matches (404)"
            elif exp["status"] == 404:
                how = "so the user_id filter matches the decoded value (200)"
            else:
                how = "and answers the decoded value (200)"
            parts.append(f"agno's DynamoDB reader JSON-decodes every S attribute: {attr} {raw!r} becomes {g.json_kind(dec)}; {how}")
        elif d == "empty-runs":
            parts.append("runs stored as \"[]\": agno's from_dict reads runs[0] -> IndexError (500); expected treats it as no runs")
        elif d == "session-name":
            parts.append("the first user message's content is not a string (a list, or absent): agno's get_session_name "
                         "returns it and the str session_name field fails (500); expected uses agno's "
                         "Message.get_content_string() of it (\"\" when absent)")
        elif d == "random-id":
            parts.append("stored message(s) without an id: agno invents a fresh uuid4 on every request; expected leaves id out")
    assert parts, (ref, exp)
    return " + ".join(parts)


# ----------------------------------------------------------------------------------------------
# main
# ----------------------------------------------------------------------------------------------


def generate(args) -> None:
    aws_env()
    g.drop_env(SETTINGS_ENV)
    import agno.os  # noqa: F401  (import check: agno and its server deps are installed)

    versions = g.pinned_versions(PINNED)
    assert versions["agno"] == AGNO_VERSION, versions
    client = ddb_client(args.endpoint)
    g.drop_tables(client, TABLES.values())  # re-runnable against a DynamoDB Local that is already up

    corpus = Corpus(client)
    build_corpus(corpus)
    raw = corpus.raw_items()
    entries = corpus.entries
    by_name = {e.name: e for e in entries}

    items_doc = {"generator": {"agno": AGNO_VERSION, "versions": versions, "command": "bash tests/compat/generate.sh"},
                 "items": [{"name": e.name, "agno_layout_only": e.layout_only, "database": e.db, "note": e.note,
                            "item": g.sort_keys_deep(raw[e.name])}
                           for e in sorted(entries, key=lambda e: e.name)]}

    db1_items = sorted(e.name for e in entries if e.db == DB1)
    db2_items = sorted(e.name for e in entries if e.db == DB2)
    setups = {
        "single": {"databases": [{"id": DB1, "items": db1_items}], "security_key": None},
        "multi": {"databases": [{"id": DB1, "items": db1_items}, {"id": DB2, "items": db2_items}], "security_key": None},
        "secured": {"databases": [{"id": DB1, "items": db1_items}], "security_key": SECURITY_KEY},
    }

    requests = plan_requests(entries)
    results = g.serve_setups(__file__, args.endpoint, setups, requests, g.without(os.environ, SETTINGS_ENV), "compat-")

    id_to_entry = {(e.db, e.session_id): e for e in entries}

    def item_for(r: dict) -> Optional[dict]:
        db_ids = [v for k, v in urllib.parse.parse_qsl(r["query"], keep_blank_values=True) if k == "db_id"]
        db = db_ids[-1] if db_ids and db_ids[-1] in TABLES else DB1
        entry = id_to_entry.get((db, g.session_id_of(r["path"])))
        return raw[entry.name] if entry else None

    cases = g.build_cases(requests, results, {"random-id"}, item_for, explain)

    # the API reference's example must come out exactly
    spec_case = next(c for c in cases if c["id"] == "spec-example/type=agent")
    body = spec_case["expected"]["body"]
    if spec_case["expected"]["status"] != 200 or body != SPEC_EXAMPLE_BODY or list(body) != list(SPEC_EXAMPLE_BODY):
        sys.exit("FATAL: the spec example session does not answer the spec's 200 example:\n"
                 + json.dumps(body, indent=2, ensure_ascii=False))
    assert by_name["spec-example"].session_id == SPEC_ID

    cases_doc = {"generator": items_doc["generator"], "setups": setups, "cases": cases}
    g.write_fixtures(args.out, {"items.json": items_doc, "cases.json": cases_doc})

    # self-check summary
    print(f"items: {len(entries)} ({sum(e.layout_only for e in entries)} agno-layout-only)")
    g.summarize(cases)
    assert len(cases) >= 250, len(cases)


if __name__ == "__main__":
    g.main(__doc__, HERE, 8201, generate, serve)
