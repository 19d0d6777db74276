#!/usr/bin/env python3
"""Golden compatibility fixtures for GET /sessions/{session_id}, recorded from agno 3.1.10 (AgentOS).

Run through tests/compat3/generate.sh (it makes the venv and starts DynamoDB Local).
Directly:  python generate.py --endpoint http://127.0.0.1:8202 --out fixtures

Phases
  1. build   store a corpus with agno 3.1.10's own classes and its own DynamoDb writers
             (upsert_session, upsert_run, rename_session, the v3.0.0 migration); a few items
             are written with put_item/update_item where 3.1.10 no longer writes that shape
             (the legacy `runs` attribute) or cannot write it; load every compat-db item of the
             agno 2.1.10 suite (tests/compat/fixtures/items.json) as-is into a 3.1.10-configured
             table (the upgrade path); then dump every session item and its runs-table rows
             with the low-level boto3 client                      -> fixtures/items.json
  2. serve   for every setup (single / multi / secured / upgrade) and every request, answer with
             agno 3.1.10's own AgentOS app through fastapi's TestClient, twice:
               reference: AgentOS exactly as shipped
               patched:   AgentOS with only what answers 500 (or obviously wrong) on stored data
                          fixed (see PATCHES below and the README)
             Each serve runs in its own process: AgentOS reads OS_SECURITY_KEY for the
             session router when agno.os is imported.
  3. cases   expected = patched answer; where the reference answer differs it is kept as
             "reference" with a one-line "reference_crash"    -> fixtures/cases.json
Nothing here is hand-written output.

Agno-independent helpers and corpus data (JSON dumping, quoting, DynamoDB Local, the child
process and request loop, the API reference's example texts, odd ids, …) come from
tests/compat/goldens.py, shared with the 2.1.10 generator; its module level imports only the
standard library (it checks that itself).
"""

from __future__ import annotations

import copy
import json
import logging
import os
import sys
import types
import urllib.parse
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Dict, List, Optional, Tuple

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
V2_DIR = os.path.join(ROOT, "tests", "compat")
sys.path.insert(0, V2_DIR)

import goldens as g  # noqa: E402  (stdlib only at import: no agno, boto or fastapi)
from goldens import (AGENT_DATA, CONTROL_CHARS, LOREM, NUMBERS, ODD_IDS, SPEC_ANSWER, SPEC_ID,  # noqa: E402
                     SPEC_QUESTION, SPEC_RUN_ID, SPEC_SUMMARY, SPEC_SUMMARY_AT, SPEC_SYSTEM, T0, TEAM_DATA, TOOL_CALLS,
                     TYPES, UNICODE_STATE, UNICODE_TEXT, aws_env, ddb_client, nested_state, qs, spath)

AGNO_VERSION = "3.1.10"
PINNED = ["agno", "fastapi", "starlette", "pydantic", "pydantic-core", "pydantic-settings", "boto3", "botocore",
          "httpx", "PyJWT", "python-multipart"]
COMMAND = "bash tests/compat3/generate.sh"

# Databases: (database id, session table). agno derives the runs table: "agno_runs" for the
# default session table, "<session_table>_runs" for a custom one.
DB_MAIN, DB_2, DB_V2 = "compat3-db", "compat3-db-2", "compat-db"
DEFAULT_SESSION_TABLE = "agno_sessions"
MAIN = (DB_MAIN, DEFAULT_SESSION_TABLE)       # agno's default table names
DB2 = (DB_2, "compat3_sessions_2")            # first DynamoDb of compat3-db-2
DB2B = (DB_2, "compat3_sessions_b")           # second DynamoDb of compat3-db-2 (same id, other table)
V2 = (DB_V2, "compat_sessions")               # the 2.1.10 suite's table, now read by 3.1.10
LOCATIONS = (MAIN, DB2, DB2B, V2)
SECURITY_KEY = "compat3-secret-key"
# AgnoAPISettings fields (pydantic-settings reads them case-insensitively), and the variables agno.os reads
# with getenv (JWT keys, MCP/OAuth, host); every AGNO_* variable is dropped too (AGNO_TELEMETRY is set false).
SETTINGS_ENV = {"env", "docs_enabled", "os_security_key", "authorization_enabled", "service_account_cache_ttl_seconds",
                "cors_origin_list", "jwt_verification_key", "jwt_jwks_file", "app_env", "agentos_url",
                "agentos_mcp_signing_key", "mcp_connect_secret", "agent_os_host", "agent_os_port"}


def clean_env(environ: Dict[str, str]) -> Dict[str, str]:
    env = {k: v for k, v in g.without(environ, SETTINGS_ENV).items() if not k.upper().startswith("AGNO_")}
    env["AGNO_TELEMETRY"] = "false"
    return env


REQUEST_TIME = 4102444800  # 2100-01-01T00:00:00Z: agno's clock while answering, to spot time.time() in answers
REQUEST_TIME_TEXT = "2100-01-01T00:00:00Z"
REQUEST_TIME_MASK = "<request time>"


def quiet(level: int) -> None:
    """agno logs every handled error and every table it creates; the answers are what we record."""
    logging.disable(level)


# ----------------------------------------------------------------------------------------------
# Phase 1: the corpus
# ----------------------------------------------------------------------------------------------


@dataclass
class Entry:
    name: str
    loc: Tuple[str, str]
    session_id: str
    session_type: Optional[str]  # None: item without session_type
    note: str
    user_id: Optional[str] = None
    big: bool = False


def make_db(client, loc):
    from agno.db.dynamo import DynamoDb

    db_id, table = loc
    if table == DEFAULT_SESSION_TABLE:
        db = DynamoDb(db_client=client, id=db_id)  # agno's default table names
        assert db.session_table_name == DEFAULT_SESSION_TABLE
    else:
        db = DynamoDb(db_client=client, session_table=table, id=db_id)
    return db


# agno 3.1.10's writers stamp updated_at (and a run row's created_at fallback) with time.time() in these.
CLOCK_MODULES = ("agno.db.dynamo.dynamo", "agno.db.dynamo.utils", "agno.db.utils")


def frozen_clock(ts: int):
    return g.frozen_clock(ts, CLOCK_MODULES)


class Corpus:
    def __init__(self, client):
        self.client = client
        self.dbs = {loc: make_db(client, loc) for loc in LOCATIONS}
        for db in self.dbs.values():  # agno creates its tables (with their GSIs) itself
            db._get_table("sessions", create_table_if_not_found=True)
            db._get_table("runs", create_table_if_not_found=True)
        # The memory table of the default layout exists (so `table=agno_memories` names an existing
        # table of another kind); metrics, evals, knowledge, learnings are configured but absent.
        self.dbs[MAIN]._get_table("memories", create_table_if_not_found=True)
        self.entries: List[Entry] = []
        self.names = set()

    def _register(self, e: Entry) -> Entry:
        assert e.name not in self.names, e.name
        for other in self.entries:
            assert not (other.loc == e.loc and other.session_id == e.session_id), f"duplicate id in {e.loc}: {e.session_id!r}"
        self.names.add(e.name)
        self.entries.append(e)
        return e

    @staticmethod
    def stype(session) -> str:
        from agno.session import AgentSession, TeamSession

        return "agent" if isinstance(session, AgentSession) else "team" if isinstance(session, TeamSession) else "workflow"

    def write_runs(self, loc, session, runs, first_index: int = 0, ts: Optional[int] = None) -> List[str]:
        """Each run as agno's run loop persists it: upsert_run(run, session_id, user_id, run_index)."""
        db = self.dbs[loc]
        ids = []
        for i, run in enumerate(runs):
            # agents attribute a run to its own user_id first; teams and workflows to the session's
            uid = (getattr(run, "user_id", None) or session.user_id) if self.stype(session) == "agent" else session.user_id
            with frozen_clock(ts if ts is not None else (run.created_at or T0)):
                db.upsert_run(copy.deepcopy(run), session_id=session.session_id, user_id=uid, run_index=first_index + i)
            ids.append(run.run_id)
        return ids

    def add(self, name: str, session, note: str, loc=MAIN, updated_at: Optional[int] = None, **kw) -> Entry:
        """agno's own writes: upsert_session, then upsert_run for every run (runs live in the runs table);
        updated_at > created_at is a second upsert_session (agno's merge path)."""
        db = self.dbs[loc]
        created = session.created_at if session.created_at is not None else T0
        with frozen_clock(created):
            assert db.upsert_session(copy.deepcopy(session)) is not None, name
        self.write_runs(loc, session, session.runs or [], ts=created)
        if updated_at is not None:
            with frozen_clock(updated_at):
                assert db.upsert_session(copy.deepcopy(session)) is not None, name
        return self._register(Entry(name=name, loc=loc, session_id=session.session_id, session_type=self.stype(session),
                                    note=note, user_id=session.user_id, **kw))

    def add_legacy(self, name: str, session, legacy_runs, note: str, loc=MAIN, table_runs=(), table_first_index=None,
                   updated_at: Optional[int] = None) -> Entry:
        """A session whose history is (partly) in the legacy `runs` attribute, as agno <= 2.x wrote it.
        agno 3.1.10 never writes that attribute (it only carries it forward on upsert_session), so it is
        set with update_item, exactly as 2.x's writer would have serialised it (json.dumps of the run
        dicts). Runs written afterwards by 3.1.10 go to the runs table with agno's own upsert_run."""
        from agno.db.dynamo.utils import serialize_to_dynamo_item

        db = self.dbs[loc]
        s = copy.deepcopy(session)
        s.runs = None
        created = session.created_at
        with frozen_clock(created):
            assert db.upsert_session(s) is not None, name
        blob = serialize_to_dynamo_item({"runs": [r.to_dict() for r in legacy_runs]})["runs"]
        self.client.update_item(TableName=loc[1], Key={"session_id": {"S": session.session_id}},
                                UpdateExpression="SET #r = :r", ExpressionAttributeNames={"#r": "runs"},
                                ExpressionAttributeValues={":r": blob})
        first = len(legacy_runs) if table_first_index is None else table_first_index
        self.write_runs(loc, session, list(table_runs), first_index=first, ts=updated_at or created)
        if updated_at is not None:
            s2 = copy.deepcopy(session)
            s2.runs = None
            with frozen_clock(updated_at):
                assert db.upsert_session(s2) is not None, name
        return self._register(Entry(name=name, loc=loc, session_id=session.session_id, session_type=self.stype(session),
                                    note=note, user_id=session.user_id))

    def put_raw(self, name: str, item: Dict[str, Any], note: str, loc=MAIN, **kw) -> Entry:
        """Hand-written item (put_item): only for shapes agno 3.1.10 does not write but tables hold."""
        self.client.put_item(TableName=loc[1], Item=item)
        st = item.get("session_type", {}).get("S")
        uid = item.get("user_id", {}).get("S")
        return self._register(Entry(name=name, loc=loc, session_id=item["session_id"]["S"], session_type=st, note=note,
                                    user_id=uid, **kw))

    def rename(self, entry: Entry, new_name: str, ts: int) -> None:
        from agno.db.base import SessionType

        with frozen_clock(ts):
            assert self.dbs[entry.loc].rename_session(entry.session_id, SessionType(entry.session_type), new_name)

    def runs_table(self, loc) -> str:
        return self.dbs[loc].runs_table_name

    def dump(self) -> Tuple[Dict[str, dict], Dict[str, List[dict]]]:
        """Every stored item and its runs-table rows, exactly as stored; a scan checks nothing else is."""
        items, rows = {}, {}
        for e in self.entries:
            resp = self.client.get_item(TableName=e.loc[1], Key={"session_id": {"S": e.session_id}}, ConsistentRead=True)
            items[e.name] = resp["Item"]
            found = g.all_items(self.client.query, TableName=self.runs_table(e.loc), IndexName="session_id-created_at-index",
                                KeyConditionExpression="session_id = :sid",
                                ExpressionAttributeValues={":sid": {"S": e.session_id}})
            found.sort(key=lambda r: (int(r.get("run_index", {}).get("N", "0")), int(r.get("created_at", {}).get("N", "0")),
                                      r["run_id"]["S"]))
            rows[e.name] = found
        for loc in LOCATIONS:
            want_items = {e.session_id for e in self.entries if e.loc == loc}
            got = {i["session_id"]["S"] for i in g.scan_all(self.client, loc[1])}
            assert got == want_items, (loc, got ^ want_items)
            want_rows = sorted(r["run_id"]["S"] for e in self.entries if e.loc == loc for r in rows[e.name])
            got_rows = sorted(i["run_id"]["S"] for i in g.scan_all(self.client, self.runs_table(loc)))
            assert got_rows == want_rows, (loc, set(got_rows) ^ set(want_rows))
        return items, rows


def build_corpus(corpus: Corpus) -> None:  # noqa: C901  (a long, flat list of sessions)
    from agno.db.dynamo.utils import prepare_session_data, serialize_to_dynamo_item
    from agno.media import Audio, File, Image, Video
    from agno.metrics import MessageMetrics, RunMetrics, SessionMetrics, ToolCallMetrics
    from agno.models.message import Citations, DocumentCitation, Message, MessageReferences, UrlCitation
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

    def usage(i: int, o: int, **kw) -> MessageMetrics:
        return MessageMetrics(input_tokens=i, output_tokens=o, total_tokens=i + o, **kw)

    def run_usage(i: int, o: int, **kw) -> RunMetrics:
        return RunMetrics(input_tokens=i, output_tokens=o, total_tokens=i + o, **kw)

    def session_metrics(i: int, o: int, **kw) -> Dict[str, Any]:
        # what agno keeps in session_data["session_metrics"]: SessionMetrics.to_dict() (zeros and nulls left out)
        return SessionMetrics(input_tokens=i, output_tokens=o, total_tokens=i + o, **kw).to_dict()

    def RUN(sid: str, run_id: str, msgs: Optional[List[Message]], t: int = T0, agent_id: Optional[str] = "basic-agent",
            status=RunStatus.completed, text: Optional[str] = None, content: Any = None, metrics: Optional[RunMetrics] = None,
            user_id: Optional[str] = None, **kw) -> RunOutput:
        return RunOutput(run_id=run_id, agent_id=agent_id, agent_name="Basic Agent" if agent_id else None, session_id=sid,
                         user_id=user_id, input=RunInput(input_content=text) if text is not None else None,
                         content=content, messages=msgs, metrics=metrics, status=status, created_at=t,
                         model="gpt-4o", model_provider="OpenAI", **kw)

    def chat(sid: str, question: str, answer: str, t: int = T0, system: Optional[str] = "You are a helpful assistant.",
             run_id: Optional[str] = None, user_id: Optional[str] = None, **kw) -> RunOutput:
        msgs = ([M(sid, "system", system, t)] if system is not None else []) + [
            M(sid, "user", question, t), M(sid, "assistant", answer, t + 2, metrics=usage(20, 10))]
        return RUN(sid, run_id or f"{sid}-run", msgs, t, text=question, content=answer,
                   metrics=run_usage(20, 10, duration=1.5), user_id=user_id, **kw)

    def agent(sid: str, runs=None, user_id: Optional[str] = "user-1", session_data: Any = "default", t: int = T0, **kw):
        if session_data == "default":
            session_data = {"session_state": {}, "session_metrics": session_metrics(20 * len(runs or []), 10 * len(runs or []))}
        return AgentSession(session_id=sid, agent_id=kw.pop("agent_id", "basic-agent"), user_id=user_id,
                            agent_data=kw.pop("agent_data", AGENT_DATA), session_data=session_data, runs=runs,
                            created_at=t, **kw)

    # ------------------------------------------------------------------ the API reference's example session
    sid = SPEC_ID
    spec_run = RUN(sid, SPEC_RUN_ID, [
        M(sid, "system", SPEC_SYSTEM), M(sid, "user", SPEC_QUESTION),
        M(sid, "assistant", SPEC_ANSWER, metrics=usage(134, 26))], text=SPEC_QUESTION, content=SPEC_ANSWER,
        metrics=run_usage(134, 26, duration=2.4), user_id="123")
    corpus.add("spec-example", agent(sid, [spec_run], user_id="123",
                                     session_data={"session_state": {}, "session_metrics": session_metrics(134, 26)},
                                     summary=SessionSummary(summary=SPEC_SUMMARY, updated_at=datetime(*SPEC_SUMMARY_AT))),
               "the API reference's example conversation as agno 3.1.10 writes it (user_id \"123\", message ids, "
               "SessionMetrics.to_dict() without zero counters)")

    # ------------------------------------------------------------------ agent sessions
    sid = "agent-basic"
    corpus.add("agent-basic", agent(sid, [chat(sid, "Hello, who are you?", "I am Basic Agent.", user_id="user-1")],
                                    session_data={"session_state": {"counter": 1, "tags": ["a", "b"]},
                                                  "session_metrics": session_metrics(20, 10, cost=0.0012)},
                                    summary=SessionSummary(summary="A greeting.", topics=["greeting"],
                                                           updated_at=datetime(2025, 9, 5, 16, 5, 0, 123456)),
                                    metadata={"source": "compat"}, team_id="some-team", workflow_id="some-workflow"),
               "one chat run; summary with topics; metadata; updated_at later than created_at (second upsert_session)",
               updated_at=T0 + 3600)

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
    sid = "agent-renamed"
    e = corpus.add("agent-renamed", agent(sid, [chat(sid, "the original question", "answer")]),
                   "renamed with agno's own DynamoDb.rename_session (session_data.session_name, updated_at)")
    corpus.rename(e, "Renamed by rename_session ✓", T0 + 500)

    corpus.add("agent-no-runs", agent("agent-no-runs", None, session_data=None, agent_data=None, agent_id=None),
               "no runs, no session_data, no agent_data, no agent_id")
    sid = "agent-runs-no-messages"
    corpus.add("agent-runs-no-messages", agent(sid, [
        RUN(sid, f"{sid}-r1", None, status=RunStatus.error, text="this run failed before any message", content="boom"),
        RUN(sid, f"{sid}-r2", [], t=T0 + 10, status=RunStatus.cancelled, text="cancelled")]),
        "runs without messages (None and []): session_name falls back to the first run's stored input "
        "(stringify_input_content of the input dict: indented JSON)")
    sid = "agent-name-from-input"
    corpus.add("agent-name-from-input", agent(sid, [RUN(sid, f"{sid}-r1", [
        M(sid, "system", "sys"), M(sid, "assistant", "I speak first")], text="the stored input text", content="x")]),
        "first run has no user message but an input: session_name is the input dict as indented JSON")
    sid = "agent-name-second-run"
    corpus.add("agent-name-second-run", agent(sid, [
        RUN(sid, f"{sid}-r1", [M(sid, "assistant", "no user here")], text=None, content="x"),
        chat(sid, "named from the second run", "ok", t=T0 + 20, run_id=f"{sid}-r2")]),
        "first run has neither a user message nor an input: session_name comes from the second run")
    sid = "agent-name-empty-user"
    corpus.add("agent-name-empty-user", agent(sid, [RUN(sid, f"{sid}-r1", [
        M(sid, "user", ""), M(sid, "user", "the second user message"), M(sid, "assistant", "ok")], text="")]),
        "first user message content \"\" is skipped (falsy): session_name is the next user message")

    sid = "agent-history"
    r1 = chat(sid, "My name is Ana.", "Nice to meet you, Ana.", t=T0, system="System prompt v1", run_id=f"{sid}-r1")
    hist = [M(sid, m.role, m.content, m.created_at, from_history=True, metrics=m.metrics) for m in r1.messages if m.role != "system"]
    r2 = RUN(sid, f"{sid}-r2", [M(sid, "system", "System prompt v2", T0 + 60)] + hist + [
        M(sid, "user", "What is my name?", T0 + 60), M(sid, "assistant", "Your name is Ana.", T0 + 61, metrics=usage(40, 5))],
        t=T0 + 60, text="What is my name?", content="Your name is Ana.")
    r3 = RUN(sid, f"{sid}-r3", [M(sid, "system", "System prompt v1", T0 + 120), M(sid, "user", "Thanks", T0 + 120),
                                M(sid, "assistant", "You're welcome.", T0 + 121)], t=T0 + 120, text="Thanks")
    corpus.add("agent-history", agent(sid, [r1, r2, r3]),
               "from_history messages and system messages are left out of chat_history", updated_at=T0 + 121)

    sid = "agent-tools"
    r = RUN(sid, f"{sid}-r1", [
        M(sid, "system", "Use tools."), M(sid, "user", "Weather and time in Paris?"),
        M(sid, "assistant", None, tool_calls=TOOL_CALLS, metrics=usage(50, 20, time_to_first_token=0.25)),
        M(sid, "tool", "Sunny, 21°C", tool_call_id="call_1", tool_name="get_weather", tool_args={"city": "Paris"},
          tool_call_error=False, metrics=MessageMetrics(duration=0.0123)),
        M(sid, "tool", "Error: clock unavailable", tool_call_id="call_2", tool_name="get_time", tool_args={},
          tool_call_error=True, stop_after_tool_call=True),
        M(sid, "assistant", "It is sunny (21°C); the time is unknown.", reasoning_content="The clock tool failed.",
          redacted_reasoning_content="[redacted]", provider_data={"finish_reason": "stop", "logprobs": None},
          metrics=usage(90, 15, reasoning_tokens=7, cache_read_tokens=64, cost=0.00042,
                        provider_metrics={"service_tier": "default"}))],
        text="Weather and time in Paris?", content="It is sunny (21°C); the time is unknown.",
        tools=[ToolExecution(tool_call_id="call_1", tool_name="get_weather", tool_args={"city": "Paris"}, result="Sunny, 21°C",
                             created_at=T0, metrics=ToolCallMetrics(duration=0.0123)),
               ToolExecution(tool_call_id="call_2", tool_name="get_time", tool_args={}, tool_call_error=True,
                             result="Error: clock unavailable", created_at=T0, stop_after_tool_call=True)],
        reasoning_steps=[ReasoningStep(title="Check tools", action="call get_weather", confidence=0.9)],
        reasoning_content="The clock tool failed.")
    corpus.add("agent-tools", agent(sid, [r]),
               "assistant tool_calls (content null), tool-role messages (left out of chat_history), "
               "reasoning/redacted content, provider_data, message metrics with cost")

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
          images=[Image(content=b"\x89PNG\r\n\x1a\n", id="img-2", format="png", mime_type="image/png", alt_text="bytes")]),
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
               "audio/image output; empty list and empty string content")

    sid = "agent-unicode"
    text = UNICODE_TEXT
    corpus.add("agent-unicode", agent(sid, [chat(sid, text, "答案: ✅ " + text[::-1], system="Système 🧠")],
                                      session_data={"session_state": UNICODE_STATE},
                                      agent_data={"name": "Agent Ünïcødé 🤖", "agent_id": "basic-agent"},
                                      metadata={"ключ": "значение"}, summary=SessionSummary(summary="Résumé: 🌍 多言語")),
               "unicode everywhere; agno stores \\uXXXX escapes (json.dumps) and AgentOS answers raw UTF-8")

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
            t=t, text=f"Question {i}", content=f"Answer {i}", metrics=run_usage(1000 + i, 500 + i)))
    corpus.add("agent-large", agent(sid, big_runs, session_data={"session_state": {"blob": "x" * 20000},
                                                                "session_metrics": session_metrics(83160, 43160)}),
               "~300 KB: 80 runs (80 runs-table rows), 240 messages", updated_at=T0 + 3600, big=True)

    sid = "agent-numbers"
    corpus.add("agent-numbers", agent(sid, [RUN(sid, f"{sid}-r1", [
        M(sid, "user", "numbers"), M(sid, "assistant", "ok", metrics=MessageMetrics(
            input_tokens=2 ** 53 + 1, output_tokens=-5, total_tokens=2 ** 53 - 4, time_to_first_token=0.000123,
            duration=12.5, provider_metrics={"x": 1e-7, "big": 2 ** 64}))], text="numbers")],
        session_data={"session_state": NUMBERS, "session_metrics": session_metrics(
            9007199254740993, -7, cost=1e-9, additional_metrics={"neg": -1.25e-5, "big": 18446744073709551617,
                                                                 "float": 0.30000000000000004})}),
        "floats and large ints (> 2^53, > 2^64, negative, -0.0, 1e308, 1e-300) in metrics and session_state")

    sid = "agent-nan"
    corpus.add("agent-nan", agent(sid, [RUN(sid, f"{sid}-r1", [
        M(sid, "user", "not a number"), M(sid, "assistant", "ok", metrics=MessageMetrics(output_tokens=1, duration=float("inf")))],
        text="not a number")],
        session_data={"session_state": {"nan": float("nan"), "inf": float("inf"), "ninf": float("-inf"), "list": [float("nan")]},
                      "session_metrics": session_metrics(1, 2, cost=float("nan"), additional_metrics={"inf": float("inf")})}),
        "NaN/Infinity/-Infinity: agno stores the non-standard JSON tokens (json.dumps allows them)")

    corpus.add("agent-metrics-empty", agent("agent-metrics-empty", [chat("agent-metrics-empty", "q", "a")],
                                            session_data={"session_state": {}, "session_metrics": {}}),
               "session_metrics {}")
    corpus.add("agent-metrics-missing", agent("agent-metrics-missing", [chat("agent-metrics-missing", "q", "a")],
                                              session_data={"session_state": {"only": "state"}}),
               "session_data without session_metrics")
    corpus.add("agent-state-missing", agent("agent-state-missing", [chat("agent-state-missing", "q", "a")],
                                            session_data={"session_metrics": session_metrics(1, 2)}),
               "session_data without session_state")
    corpus.add("agent-session-data-empty", agent("agent-session-data-empty", [chat("agent-session-data-empty", "q", "a")],
                                                 session_data={}),
               "session_data {} (falsy)")

    sid = "agent-no-user"
    corpus.add("agent-no-user", agent(sid, [chat(sid, "anonymous", "hi")], user_id=None), "no user_id attribute")

    sid = "agent-statuses"
    st_runs = []
    for i, st in enumerate([RunStatus.completed, RunStatus.paused, RunStatus.cancelled, RunStatus.error, RunStatus.pending,
                            RunStatus.running, RunStatus.regenerated]):
        st_runs.append(RUN(sid, f"{sid}-{st.value.lower()}", [M(sid, "user", f"run {st.value}", T0 + i),
                                                            M(sid, "assistant", f"status {st.value}", T0 + i)],
                           t=T0 + i, status=st, text=f"run {st.value}"))
    corpus.add("agent-statuses", agent(sid, st_runs),
               "runs with every status (COMPLETED, PAUSED, CANCELLED, ERROR, PENDING, RUNNING, REGENERATED)")

    sid = "agent-roles"
    corpus.add("agent-roles", agent(sid, [RUN(sid, f"{sid}-r1", [
        M(sid, "developer", "dev instructions"), M(sid, "system", "sys"), M(sid, "model", "model turn"),
        M(sid, "CHATBOT", "chatbot turn"), M(sid, "assistant", "assistant before user"), M(sid, "user", "the user"),
        M(sid, "tool", "tool output", tool_call_id="t1"), M(sid, "custom-role", "custom", name="someone")], text="the user")]),
        "roles developer/system/model/CHATBOT/assistant/user/tool/custom; name")

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
               "created_at = updated_at = 0")

    sid = "agent-nested-state"
    corpus.add("agent-nested-state", agent(sid, [chat(sid, "q", "a")], session_data={"session_state": nested_state()}),
               "deeply nested session_state with empty containers and nulls")

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
        "first user message has no content (image only): skipped")

    # agent_data's sdk/framework is folded into the answered metadata (os/schema.py _agent_metadata)
    sid = "agent-sdk"
    corpus.add("agent-sdk", agent(sid, [chat(sid, "q", "a")], metadata={"env": "prod"},
                                  agent_data={"name": "Graph Agent", "agent_id": "basic-agent", "sdk": "langgraph"}),
               "agent_data.sdk \"langgraph\" is added to metadata as \"sdk\"")
    sid = "agent-framework"
    corpus.add("agent-framework", agent(sid, [chat(sid, "q", "a")],
                                        agent_data={"name": "Crew Agent", "agent_id": "basic-agent", "framework": "crewai"}),
               "agent_data.framework \"crewai\" without metadata: metadata becomes {\"sdk\": \"crewai\"}")
    sid = "agent-sdk-empty"
    corpus.add("agent-sdk-empty", agent(sid, [chat(sid, "q", "a")], metadata={"sdk": "stored", "k": 1},
                                        agent_data={"agent_id": "basic-agent", "sdk": "", "framework": "dspy"}),
               "agent_data.sdk \"\" falls back to framework \"dspy\", which overrides a stored metadata.sdk")
    sid = "agent-sdk-nonstring"
    corpus.add("agent-sdk-nonstring", agent(sid, [chat(sid, "q", "a")], metadata={},
                                            agent_data={"agent_id": "basic-agent", "sdk": 3}),
               "agent_data.sdk 3 (not a string) is ignored; metadata {} is answered as {}")

    # attribute values that look like JSON: 3.1.10's reader decodes only those that decode to an object or array
    sid = "agent-user-numeric"
    corpus.add("agent-user-numeric", agent(sid, [chat(sid, "my user id looks like a number", "ok", user_id="12345")],
                                           user_id="12345"), "user_id \"12345\"")
    sid = "agent-user-null-string"
    corpus.add("agent-user-null-string", agent(sid, [chat(sid, "q", "a")], user_id="null"), "user_id \"null\"")
    sid = "agent-user-quoted"
    corpus.add("agent-user-quoted", agent(sid, [chat(sid, "q", "a")], user_id="\"alice\""), "user_id '\"alice\"'")
    sid = "agent-user-true"
    corpus.add("agent-user-true", agent(sid, [chat(sid, "q", "a")], user_id="true"), "user_id \"true\"")
    sid = "agent-user-json-array"
    corpus.add("agent-user-json-array", agent(sid, [chat(sid, "q", "a")], user_id="[1,2]"),
               "user_id \"[1,2]\" (decodes to a JSON array)")
    sid = "agent-user-json-object"
    corpus.add("agent-user-json-object", agent(sid, [chat(sid, "q", "a")], user_id="{\"sub\": \"alice\"}"),
               "user_id '{\"sub\": \"alice\"}' (decodes to a JSON object)")
    sid = "agent-id-exp"
    corpus.add("agent-id-exp", agent(sid, [chat(sid, "q", "a")], agent_id="1e3",
                                     agent_data={"name": "Exp", "agent_id": "1e3"}), "agent_id \"1e3\"")
    sid = "agent-id-json-array"
    corpus.add("agent-id-json-array", agent(sid, [chat(sid, "q", "a")], agent_id="[\"a\", \"b\"]",
                                            agent_data={"name": "List", "agent_id": "[\"a\", \"b\"]"}),
               "agent_id '[\"a\", \"b\"]' (decodes to a JSON array)")

    # a BOOL attribute (agno's serialize_to_dynamo_item writes {"BOOL": …} for a top-level bool; no Session
    # field is one, so the item is written with put_item)
    plain = prepare_session_data(agent("agent-bool-attrs", None, session_data={"session_state": {"flag": True}}))
    plain["updated_at"] = plain["created_at"]
    plain["archived"] = True
    plain["pinned"] = False
    corpus.put_raw("agent-bool-attrs", serialize_to_dynamo_item(plain),
                   "extra top-level BOOL attributes (archived true, pinned false), written with put_item: ignored")

    # odd session ids
    odd_ids = ODD_IDS + [
        ("id-json-array", "[1,2]", "id \"[1,2]\" (decodes to a JSON array)"),
        ("id-json-object", "{\"a\":1}", "id '{\"a\":1}' (decodes to a JSON object)"),
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
                         metrics=run_usage(30, 15), model="gpt-4o-mini", model_provider="OpenAI", **kw)

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
                             member_responses=list(members), metrics=run_usage(80, 40), created_at=t, model="gpt-4o",
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
                                                                        updated_at=datetime(2025, 9, 6, 8, 0, 0, 1)),
                                  metadata={"project": "compat"}),
               "member run (parent_run_id) stored before the team run, each in its own runs-table row; "
               "member messages are left out of chat_history", updated_at=T0 + 7200)

    sid = "team-two-runs"
    m1 = member_run(sid, f"{sid}-m1", f"{sid}-t1", "task one", "member one", T0 + 1)
    t1 = team_run(sid, f"{sid}-t1", "First team question", "first answer", T0, members=[m1])
    m2 = member_run(sid, f"{sid}-m2", f"{sid}-t2", "task two", "member two", T0 + 101, agent_id="writer")
    hist = [M(sid, "user", "First team question", T0 + 100, from_history=True),
            M(sid, "assistant", "first answer", T0 + 100, from_history=True)]
    t2 = team_run(sid, f"{sid}-t2", "Second team question", "second answer", T0 + 100, members=[m2], history=hist)
    corpus.add("team-two-runs", team(sid, [m1, t1, m2, t2]), "two team runs with members; from_history messages")

    sid = "team-named"
    corpus.add("team-named", team(sid, [team_run(sid, f"{sid}-t1", "q", "a", T0)],
                                  session_data={"session_name": "Named team session"}), "stored team session_name")
    sid = "team-only-members"
    corpus.add("team-only-members", team(sid, [member_run(sid, f"{sid}-m1", "gone-team-run", "member task first", "x", T0),
                                               member_run(sid, f"{sid}-m2", "gone-team-run", "member task second", "y", T0 + 5,
                                                          agent_id="writer")]),
               "only member runs: no team run to name the session")
    sid = "team-agent-run"
    corpus.add("team-agent-run", team(sid, [RUN(sid, f"{sid}-a1", [M(sid, "user", "agent run sharing the team session"),
                                                                    M(sid, "assistant", "ok")], text="agent input"),
                                            team_run(sid, f"{sid}-t1", "team question", "team answer", T0 + 10)]),
               "a top-level agent run (agent_id, no parent_run_id) in a team session, before the team run")
    corpus.add("team-no-runs", team("team-no-runs", None, session_data=None, team_data=None, team_id=None, user_id=None),
               "team session without runs, session_data, team_data, team_id, user_id")
    sid = "team-run-no-team-id"
    corpus.add("team-run-no-team-id", team(sid, [team_run(sid, f"{sid}-t0", "I have no team_id", "dropped", T0, team_id=None),
                                                 team_run(sid, f"{sid}-t1", "I have a team_id", "kept", T0 + 10)]),
               "a team run stored without team_id: TeamSession.from_dict keeps only runs with agent_id or team_id")
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
        team_run(sid, f"{sid}-t3", "cancelled question", "cancelled", T0 + 20, status=RunStatus.cancelled),
        team_run(sid, f"{sid}-t4", "running question", "running", T0 + 30, status=RunStatus.running)]),
        "team runs paused/error/cancelled/running")
    sid = "team-id-numeric"
    corpus.add("team-id-numeric", team(sid, [team_run(sid, f"{sid}-t1", "q", "a", T0, team_id="7")], team_id="7",
                                       team_data={"name": "Seven", "team_id": "7"}), "team_id \"7\"")
    sid = "team-id-json-object"
    corpus.add("team-id-json-object", team(sid, [team_run(sid, f"{sid}-t1", "q", "a", T0, team_id="{\"t\": 1}")],
                                           team_id="{\"t\": 1}", team_data={"name": "Obj", "team_id": "{\"t\": 1}"}),
               "team_id '{\"t\": 1}' (decodes to a JSON object)")
    sid = "team-unicode-summary"
    corpus.add("team-unicode-summary", team(sid, [team_run(sid, f"{sid}-t1", "¿Qué tal? 🤝", "¡Bien! 🎉", T0)],
                                            summary=SessionSummary(summary="Résumé 🎉", topics=["équipe", "チーム"])),
               "team with unicode question and summary topics")
    sid = "team-summary-no-updated"
    corpus.add("team-summary-no-updated", team(sid, [team_run(sid, f"{sid}-t1", "q", "a", T0)],
                                               summary=SessionSummary(summary="Team summary without a timestamp.")),
               "team summary without updated_at")

    # ------------------------------------------------------------------ workflow sessions
    def wf(sid: str, runs, name: Optional[str] = "Blog Workflow", user_id: Optional[str] = "user-1", t: int = T0,
           session_data: Optional[dict] = None, workflow_data: Optional[dict] = "default", metadata: Optional[dict] = None, **kw):
        if workflow_data == "default":
            workflow_data = g.workflow_data(name)
        return WorkflowSession(session_id=sid, user_id=user_id, workflow_id=kw.pop("workflow_id", "blog-workflow"),
                               workflow_name=name, runs=runs, session_data=session_data, workflow_data=workflow_data,
                               metadata=metadata, created_at=t, updated_at=t)

    def step_run(sid: str, run_id: str, t: int) -> RunOutput:
        return RunOutput(run_id=f"{run_id}-step1", agent_id="researcher", session_id=sid, parent_run_id=run_id,
                         workflow_id="blog-workflow", created_at=t, status=RunStatus.completed, content="notes",
                         messages=[M(sid, "user", "research it", t), M(sid, "assistant", "notes", t + 1)])

    def wf_run(sid: str, run_id: str, inp: Any, t: int = T0, status=RunStatus.completed, **kw) -> WorkflowRunOutput:
        return WorkflowRunOutput(
            input=inp, content="Final blog post", workflow_id="blog-workflow", workflow_name="Blog Workflow", run_id=run_id,
            session_id=sid, created_at=t, status=status,
            step_results=[StepOutput(step_name="research", step_id="step-1", step_type="Step", executor_type="agent",
                                     executor_name="researcher", content="notes", step_run_id=f"{run_id}-step1",
                                     metrics=run_usage(10, 5)),
                          [StepOutput(step_name="write", step_id="step-2", content={"title": "Post", "words": 900},
                                      success=True)]],
            step_executor_runs=[step_run(sid, run_id, t)],
            metrics=WorkflowMetrics(steps={"research": StepMetrics(step_name="research", executor_type="agent",
                                                                   executor_name="researcher", metrics=run_usage(10, 5))}),
            metadata={"trace": "abc"}, **kw)

    sid = "wf-text-input"
    corpus.add("wf-text-input", wf(sid, [wf_run(sid, f"{sid}-r1", "Write a blog post about DynamoDB"),
                                         wf_run(sid, f"{sid}-r2", "second input", T0 + 50)],
                                   session_data={"session_state": {"drafts": 2, "nested": {"ok": True}}},
                                   metadata={"env": "test", "tags": ["a", "b"], "n": 1.5}),
               "workflow: step results, step executor runs; session_name is the first run's text input; "
               "updated_at later than created_at", updated_at=T0 + 600)
    sid = "wf-dict-input"
    corpus.add("wf-dict-input", wf(sid, [wf_run(sid, f"{sid}-r1", {"topic": "Zürich ☕", "words": 500, "draft": None})]),
               "workflow: dict input -> session_name json.dumps(input)")
    sid = "wf-list-input"
    corpus.add("wf-list-input", wf(sid, [wf_run(sid, f"{sid}-r1", ["a", "b"])]),
               "workflow: list input -> 'New <workflow_data.name> Session'")
    sid = "wf-no-input"
    corpus.add("wf-no-input", wf(sid, [wf_run(sid, f"{sid}-r1", None)]),
               "workflow: run without input -> 'New <workflow_data.name> Session'")
    sid = "wf-no-input-no-name"
    corpus.add("wf-no-input-no-name", wf(sid, [wf_run(sid, f"{sid}-r1", None)], name=None, workflow_data={}),
               "workflow: no input and no workflow_data.name -> \"\"")
    sid = "wf-no-input-no-data"
    corpus.add("wf-no-input-no-data", wf(sid, [wf_run(sid, f"{sid}-r1", None)], workflow_data=None),
               "workflow: no input and no workflow_data attribute at all")
    sid = "wf-empty-input"
    corpus.add("wf-empty-input", wf(sid, [wf_run(sid, f"{sid}-r1", "")]), "workflow: empty string input -> \"\"")
    corpus.add("wf-no-runs", wf("wf-no-runs", None, session_data={"session_state": {}}),
               "workflow without runs -> session_name \"\"")
    sid = "wf-named"
    corpus.add("wf-named", wf(sid, [wf_run(sid, f"{sid}-r1", "ignored input")],
                              session_data={"session_name": "Named workflow session", "session_state": {"a": 1}}),
               "workflow: stored session_name")
    sid = "wf-statuses"
    corpus.add("wf-statuses", wf(sid, [wf_run(sid, f"{sid}-r1", "errored first", status=RunStatus.error),
                                       wf_run(sid, f"{sid}-r2", "cancelled", T0 + 5, status=RunStatus.cancelled),
                                       wf_run(sid, f"{sid}-r3", "pending", T0 + 6, status=RunStatus.pending),
                                       wf_run(sid, f"{sid}-r4", "paused", T0 + 7, status=RunStatus.paused)]),
               "workflow runs error/cancelled/pending/paused")
    sid = "wf-empty-docs"
    corpus.add("wf-empty-docs", wf(sid, [wf_run(sid, f"{sid}-r1", "q")], user_id=None, session_data={}, workflow_data={},
                                   metadata={}, name=None, workflow_id=None),
               "workflow with empty session_data/workflow_data/metadata and no user_id/workflow_id/workflow_name")
    corpus.add("wf-created-zero", wf("wf-created-zero", None, t=0), "workflow created_at = updated_at = 0")
    sid = "wf-name-numeric"
    corpus.add("wf-name-numeric", wf(sid, [wf_run(sid, f"{sid}-r1", "q")], name="2024"), "workflow_name \"2024\"")
    sid = "wf-name-json-array"
    corpus.add("wf-name-json-array", wf(sid, [wf_run(sid, f"{sid}-r1", "q")], name="[\"blog\"]"),
               "workflow_name '[\"blog\"]' (decodes to a JSON array)")
    sid = "wf-unicode"
    corpus.add("wf-unicode", wf(sid, [wf_run(sid, f"{sid}-r1", "Écris un article 📝 sur 東京")],
                                metadata={"ключ": "значение", "emoji": "🚀"}, session_data={"session_state": {"ü": "ö"}}),
               "workflow with unicode input, metadata and state")
    sid = "wf-step-rows"
    w = wf(sid, [wf_run(sid, f"{sid}-r1", "workflow whose step agent saved its own run")])
    corpus.add("wf-step-rows", w, "the step agent's own run also has a row in the runs table (agent_id, "
                                      "parent_run_id = the workflow run): WorkflowSession.from_dict skips it")
    corpus.write_runs(MAIN, w, [step_run(sid, f"{sid}-r1", T0)], first_index=1)

    # updated_at missing: agno 3.1.10 always writes it, older data may not have it (put_item)
    for name, s, note in [
        ("agent-updated-missing", agent("agent-updated-missing", None, session_data={"session_state": {}}),
         "agent item without updated_at (put_item): answered as created_at"),
        ("team-updated-missing", team("team-updated-missing", None), "team item without updated_at (put_item)"),
        ("wf-updated-missing", wf("wf-updated-missing", None), "workflow item without updated_at (put_item)"),
    ]:
        plain = prepare_session_data(s, include_runs=False)
        plain.pop("updated_at", None)
        corpus.put_raw(name, serialize_to_dynamo_item(plain), note)

    # ------------------------------------------------------------------ legacy `runs` attribute (agno <= 2.x history)
    # The v3.0.0 migration copies each legacy run into the runs table at its legacy position and keeps the blob
    # as a backup. (agno's migration module imports sqlalchemy, which is not in this closure: the copies are
    # written with agno's upsert_run, which is also how 3.1.10 then updates a run.)
    sid = "agent-legacy-migrated"
    lr1 = chat(sid, "legacy question one", "legacy answer one", t=T0, run_id=f"{sid}-r1")
    lr2 = chat(sid, "legacy question two", "paused answer (legacy copy)", t=T0 + 60, run_id=f"{sid}-r2", status=RunStatus.paused)
    s = agent(sid, None)
    corpus.add_legacy("agent-legacy-migrated", s, [lr1, lr2],
                      "legacy runs [r1, r2 PAUSED] also copied to the runs table (as the v3.0.0 migration does, blob "
                      "kept as backup); r2 then completed by 3.1.10 (upsert_run): the runs-table copy wins",
                      table_runs=[lr1, lr2], table_first_index=0, updated_at=T0 + 100)
    lr2_done = chat(sid, "legacy question two", "completed answer (runs table)", t=T0 + 60, run_id=f"{sid}-r2")
    corpus.write_runs(MAIN, s, [lr2_done], first_index=1, ts=T0 + 200)

    sid = "agent-legacy-only"
    corpus.add_legacy("agent-legacy-only", agent(sid, None),
                      [chat(sid, "only in the legacy blob", "one", run_id=f"{sid}-r1"),
                       chat(sid, "second legacy run", "two", t=T0 + 30, run_id=f"{sid}-r2")],
                      "runs only in the legacy `runs` attribute (not migrated), no runs-table rows")
    sid = "agent-legacy-mixed"
    corpus.add_legacy("agent-legacy-mixed", agent(sid, None),
                      [chat(sid, "legacy first", "one", run_id=f"{sid}-r1"),
                       chat(sid, "legacy second", "two", t=T0 + 30, run_id=f"{sid}-r2")],
                      "2.x history in the legacy attribute, a third run added by 3.1.10 in the runs table "
                      "(upsert_run + upsert_session, which carries the legacy attribute forward)",
                      table_runs=[chat(sid, "added by 3.1.10", "three", t=T0 + 60, run_id=f"{sid}-r3")], updated_at=T0 + 61)
    sid = "agent-legacy-no-run-id"
    no_id = chat(sid, "a legacy run without run_id", "x", run_id="placeholder")
    no_id.run_id = None
    corpus.add_legacy("agent-legacy-no-run-id", agent(sid, None),
                      [no_id, chat(sid, "a legacy run with an id", "y", t=T0 + 30, run_id=f"{sid}-r2")],
                      "legacy blob holding a run without run_id: merge_runs_table_with_legacy_blob drops it")
    sid = "team-legacy-mixed"
    lm1 = member_run(sid, f"{sid}-m1", f"{sid}-t1", "legacy member task", "legacy member answer", T0 + 1)
    lt1 = team_run(sid, f"{sid}-t1", "Legacy team question", "legacy team answer", T0, members=[lm1])
    nm2 = member_run(sid, f"{sid}-m2", f"{sid}-t2", "new member task", "new member answer", T0 + 101)
    nt2 = team_run(sid, f"{sid}-t2", "New team question", "new team answer", T0 + 100, members=[nm2])
    corpus.add_legacy("team-legacy-mixed", team(sid, None), [lm1, lt1],
                      "team: legacy [member, team run], then 3.1.10 rows [member, team run]",
                      table_runs=[nm2, nt2], updated_at=T0 + 200)
    sid = "wf-legacy-mixed"
    corpus.add_legacy("wf-legacy-mixed", wf(sid, None), [wf_run(sid, f"{sid}-r1", "legacy workflow input")],
                      "workflow: legacy run names the session, a newer run in the runs table",
                      table_runs=[wf_run(sid, f"{sid}-r2", "new workflow input", T0 + 100)], updated_at=T0 + 200)

    # ------------------------------------------------------------------ database routing (multi)
    sid = "shared-session"
    corpus.add("db1-shared", agent(sid, [chat(sid, "I live in compat3-db", "db one")], user_id="user-db1"),
               "same session_id as db2-shared and b-shared, in compat3-db")
    corpus.add("db2-shared", agent(sid, [chat(sid, "I live in compat3_sessions_2", "db two", run_id=f"{sid}-run-2")],
                                   user_id="user-db2", agent_data={"name": "Second Agent", "agent_id": "second-agent"},
                                   agent_id="second-agent"),
               "same session_id, in compat3-db-2's first table compat3_sessions_2", loc=DB2)
    corpus.add("b-shared", agent(sid, [chat(sid, "I live in compat3_sessions_b", "table b", run_id=f"{sid}-run-b")],
                                 user_id="user-b", agent_data={"name": "B Agent", "agent_id": "b-agent"}, agent_id="b-agent"),
               "same session_id, in compat3-db-2's second table compat3_sessions_b", loc=DB2B)
    sid = "only-in-db2"
    corpus.add("db2-only", agent(sid, [chat(sid, "only in compat3_sessions_2", "ok")]), "exists only in compat3_sessions_2",
               loc=DB2)
    sid = "only-in-b"
    corpus.add("b-only", agent(sid, [chat(sid, "only in compat3_sessions_b", "ok")]), "exists only in compat3_sessions_b",
               loc=DB2B)
    sid = "db2-team"
    corpus.add("db2-team", team(sid, [team_run(sid, f"{sid}-t1", "team in db2", "ok", T0)]), "team session in compat3_sessions_2",
               loc=DB2)
    sid = "db2-workflow"
    corpus.add("db2-workflow", wf(sid, [wf_run(sid, f"{sid}-r1", "workflow in db2")]), "workflow session in compat3_sessions_2",
               loc=DB2)
    sid = "b-team"
    corpus.add("b-team", team(sid, [team_run(sid, f"{sid}-t1", "team in table b", "ok", T0)]),
               "team session in compat3_sessions_b", loc=DB2B)


def load_upgrade_items(corpus: Corpus) -> List[dict]:
    """Every compat-db item of the agno 2.1.10 suite, loaded as-is (runs inside the item) into a table of a
    3.1.10-configured DynamoDb whose runs table exists and is empty."""
    v2_items = json.load(open(os.path.join(V2_DIR, "fixtures", "items.json"), encoding="utf-8"))
    assert v2_items["generator"]["agno"] == "2.1.10"
    loaded = []
    for it in v2_items["items"]:
        if it["database"] != DB_V2:
            continue
        corpus.put_raw("v2/" + it["name"], it["item"], f"agno 2.1.10 item {it['name']!r}: {it['note']}", loc=V2,
                       big=it["name"] == "agent-large")
        loaded.append(it)
    return loaded


# ----------------------------------------------------------------------------------------------
# Phase 2: requests
# ----------------------------------------------------------------------------------------------


def plan_requests(entries: List[Entry]) -> List[dict]:  # noqa: C901
    plan = g.Plan()
    add = plan.add

    def per_session(setup: str, e: Entry, prefix: str = "", extra_q: str = ""):
        p = spath(e.session_id)
        x = ("&" + extra_q) if extra_q else ""
        for t in TYPES:
            own = t == e.session_type
            add(f"{prefix}{e.name}/type={t}", setup, p, qs(("type", t)) + x,
                note=e.note if own else f"{e.name} ({e.session_type}) asked as {t}")
        add(f"{prefix}{e.name}/no-type", setup, p, extra_q, note=f"{e.name} without type (agno detects it)")
        st = e.session_type or "agent"
        own = qs(("type", st))
        if e.user_id is not None and not e.big:
            add(f"{prefix}{e.name}/user=owner", setup, p, own + "&" + qs(("user_id", e.user_id)) + x, note="user_id of the owner")
            add(f"{prefix}{e.name}/user=other", setup, p, own + "&" + qs(("user_id", "someone-else")) + x,
                note="user_id of someone else")
        elif e.user_id is None:
            add(f"{prefix}{e.name}/user=someone", setup, p, own + "&" + qs(("user_id", "someone")) + x,
                note="user_id given, session has none")

    main = [e for e in entries if e.loc == MAIN]
    by_name = {e.name: e for e in entries}

    # ---------------------------------------------------------------- single: every session of compat3-db
    for e in main:
        per_session("single", e)
    for name in ("agent-basic", "agent-no-user", "team-basic", "team-no-runs", "wf-text-input", "wf-empty-docs",
                 "agent-user-numeric"):
        e = by_name[name]
        add(f"{name}/user=empty", "single", spath(e.session_id), qs(("type", e.session_type)) + "&user_id=",
            note="empty user_id=")
        add(f"{name}/no-type-user=empty", "single", spath(e.session_id), "user_id=", note="empty user_id=, no type")
    for name in ("agent-basic", "team-basic", "wf-text-input", "agent-no-user"):
        e = by_name[name]
        add(f"{name}/no-type-user=other", "single", spath(e.session_id), qs(("user_id", "someone-else")),
            note="no type (detection) with someone else's user_id")
    add("agent-basic/no-type-user=owner", "single", spath("agent-basic"), "user_id=user-1", note="no type, owner's user_id")

    p = spath("agent-basic")
    variants = [
        ("type=bogus", "type=bogus", "invalid type"),
        ("type=Agent", "type=Agent", "capitalised type"),
        ("type=AGENT", "type=AGENT", "upper-case type"),
        ("type=empty", "type=", "empty type"),
        ("type=agent-space", "type=agent%20", "trailing space in type"),
        ("type=agent+", "type=agent+", "'+' (a space) after type"),
        ("type-repeated-agent-team", "type=agent&type=team", "repeated type agent, team"),
        ("type-repeated-team-agent", "type=team&type=agent", "repeated type team, agent"),
        ("type-repeated-agent-bogus", "type=agent&type=bogus", "repeated type agent, bogus"),
        ("type-repeated-bogus-agent", "type=bogus&type=agent", "repeated type bogus, agent"),
        ("type-encoded-name", "ty%70e=team", "percent-encoded parameter name 'ty%70e' (type)"),
        ("type-param-case", "Type=team", "parameter name 'Type'"),
        ("type=agent-encoded", "type=%61gent", "percent-encoded value"),
        ("unknown-param", "type=agent&foo=bar&limit=1", "unknown parameters"),
        ("no-value-type", "type", "'type' without '='"),
        ("empty-query-pairs", "&&type=agent&&", "empty pairs"),
        ("user=owner-encoded", "type=agent&user_id=user%2D1", "percent-encoded user_id"),
        ("user-repeated-other-owner", "type=agent&user_id=someone&user_id=user-1", "repeated user_id someone, owner"),
        ("user-repeated-owner-other", "type=agent&user_id=user-1&user_id=someone", "repeated user_id owner, someone"),
        ("user=owner-case", "type=agent&user_id=USER-1", "user_id in another case"),
        ("db=right", "type=agent&db_id=compat3-db", "db_id of the only database"),
        ("db=unknown", "type=agent&db_id=nope", "unknown db_id with one database"),
        ("db=empty", "type=agent&db_id=", "empty db_id"),
        ("db=unknown-bogus-type", "type=bogus&db_id=nope", "invalid type and unknown db_id"),
        ("db=unknown-user", "type=agent&db_id=nope&user_id=someone", "unknown db_id and someone else's user_id"),
        ("db=unknown-no-type", "db_id=nope", "unknown db_id, no type"),
        # the `table` parameter (new in 3.x)
        ("table=right", "type=agent&db_id=compat3-db&table=agno_sessions", "table = the session table"),
        ("table=right-no-type", "db_id=compat3-db&table=agno_sessions", "table = the session table, no type"),
        ("table=no-db", "type=agent&table=agno_sessions", "table without db_id"),
        ("table=no-db-no-type", "table=agno_sessions", "table without db_id, no type"),
        ("table=no-db-bogus-type", "type=bogus&table=agno_sessions", "table without db_id and an invalid type"),
        ("table=unknown-db", "type=agent&db_id=nope&table=agno_sessions", "table with an unknown db_id"),
        ("table=unknown", "type=agent&db_id=compat3-db&table=nope", "unknown table"),
        ("table=unknown-bogus-type", "type=bogus&db_id=compat3-db&table=nope", "unknown table and an invalid type"),
        ("table=memories", "type=agent&db_id=compat3-db&table=agno_memories",
         "table names the database's memory table (configured and existing)"),
        ("table=metrics", "type=agent&db_id=compat3-db&table=agno_metrics",
         "table names the database's metrics table (configured, not created)"),
        ("table=runs", "type=agent&db_id=compat3-db&table=agno_runs", "table names the database's runs table"),
        ("table=case", "type=agent&db_id=compat3-db&table=AGNO_SESSIONS", "table name in another case"),
        ("table=other-db", "type=agent&db_id=compat3-db&table=compat3_sessions_b", "a table of another database"),
        ("table=empty", "type=agent&db_id=compat3-db&table=", "empty table"),
        ("table=empty-no-db", "type=agent&table=", "empty table without db_id"),
        ("table-repeated", "type=agent&db_id=compat3-db&table=nope&table=agno_sessions", "repeated table nope, right"),
        ("table-repeated-last-wrong", "type=agent&db_id=compat3-db&table=agno_sessions&table=nope",
         "repeated table right, nope"),
        ("table=right-user-other", "type=agent&db_id=compat3-db&table=agno_sessions&user_id=someone",
         "table right, someone else's user_id"),
    ]
    for cid, q, note in variants:
        add(f"agent-basic/{cid}", "single", p, q, note=note)
    add("team-basic/type=TEAM", "single", spath("team-basic"), "type=TEAM", note="upper-case team")
    add("wf-text-input/type=Workflow", "single", spath("wf-text-input"), "type=Workflow", note="capitalised workflow")
    add("team-basic/table=right", "single", spath("team-basic"), "type=team&db_id=compat3-db&table=agno_sessions",
        note="team session, table right")
    add("wf-text-input/table=right", "single", spath("wf-text-input"), "type=workflow&db_id=compat3-db&table=agno_sessions",
        note="workflow session, table right")
    add("agent-user-quoted/user=alice", "single", spath("agent-user-quoted"), qs(("type", "agent"), ("user_id", "alice")),
        note="user_id filter 'alice' on a session whose stored user_id is '\"alice\"'")
    add("agent-user-json-array/user=list", "single", spath("agent-user-json-array"),
        qs(("type", "agent"), ("user_id", "[1,2]")), note="user_id filter equal to the stored '[1,2]'")
    add("id-json-array/type=agent-table", "single", spath("[1,2]"), "type=agent&db_id=compat3-db&table=agno_sessions",
        note="JSON-array session id through the table lookup")

    # unknown sessions
    for t in TYPES:
        add(f"unknown/type={t}", "single", spath("does-not-exist"), qs(("type", t)), note="unknown session id")
    add("unknown/no-type", "single", spath("does-not-exist"), "", note="unknown session id, no type")
    add("unknown/user", "single", spath("does-not-exist"), "type=agent&user_id=user-1", note="unknown session id with user_id")
    add("unknown/user-no-type", "single", spath("does-not-exist"), "user_id=user-1", note="unknown id, user_id, no type")
    add("unknown/table", "single", spath("does-not-exist"), "type=team&db_id=compat3-db&table=agno_sessions",
        note="unknown id through the table lookup")
    add("unknown/unicode", "single", spath("nope-ü-😀"), "type=agent", note="unknown unicode id (echoed in the detail)")
    add("unknown/unicode-no-type", "single", spath("nope-ü-😀"), "", note="unknown unicode id, no type")
    add("unknown/quote", "single", spath("it's \"quoted\""), "type=team", note="unknown id with quotes")
    add("unknown/case", "single", spath("AGENT-BASIC"), "type=agent", note="session ids are case-sensitive")
    add("unknown/long", "single", spath("z" * 1024), "type=workflow", note="unknown 1024-character id")
    add("unknown/json-object", "single", spath("{\"b\":2}"), "type=agent", note="unknown JSON-object-looking id")

    # paths and methods
    add("path/sessions-x-y", "single", "/sessions/x/y", "", note="two path segments")
    add("path/encoded-dash", "single", "/sessions/agent%2Dbasic", "type=agent", note="percent-encoded '-' in the path")
    add("path/nope", "single", "/nope", "", note="unknown path")
    add("path/nope-query", "single", "/nope", "type=agent", note="unknown path with a query")
    add("path/session-trailing-slash", "single", "/sessions/agent-basic/", "type=agent", note="trailing slash after the id")
    add("path/session-two-trailing-slashes", "single", "/sessions/agent-basic//", "type=agent", note="two trailing slashes")
    add("path/session-trailing-slash-unknown", "single", "/sessions/does-not-exist/", "type=agent",
        note="trailing slash after an unknown id")
    add("path/double-slash", "single", "/sessions//agent-basic", "", note="empty segment")
    add("path/case", "single", "/Sessions/agent-basic", "", note="paths are case-sensitive")
    # (DELETE and PATCH on /sessions/{id} are AgentOS routes of their own that write: not sent)
    for m in ("POST", "PUT"):
        add(f"method/{m}", "single", spath("agent-basic"), "type=agent", method=m, note=f"{m} on the session path")
    add("method/HEAD", "single", spath("agent-basic"), "type=agent", method="HEAD", note="HEAD")
    add("method/OPTIONS", "single", spath("agent-basic"), "type=agent", method="OPTIONS", note="OPTIONS without Origin")
    add("method/POST-unknown-path", "single", "/nope", "", method="POST", note="POST on an unknown path")
    add("method/PUT-unknown-session", "single", spath("does-not-exist"), "", method="PUT", note="PUT on an unknown id")
    add("method/PUT-bogus-type", "single", spath("agent-basic"), "type=bogus", method="PUT", note="PUT with an invalid type")
    add("header/authorization-ignored", "single", spath("agent-basic"), "type=agent",
        headers={"authorization": "Bearer whatever"}, note="no security key: Authorization is ignored")
    add("header/pat-unverifiable", "single", spath("agent-basic"), "type=agent",
        headers={"authorization": "Bearer agno_pat_bogus"}, note="no security key: a service-account token that cannot be verified")

    # ---------------------------------------------------------------- multi: compat3-db + compat3-db-2 (two tables)
    sh = spath("shared-session")
    multi = [
        ("no-db", sh, "type=agent", "several databases and no db_id"),
        ("no-db-unknown-session", spath("does-not-exist"), "type=agent", "several databases, no db_id, unknown id"),
        ("no-db-no-type", sh, "", "several databases, no db_id, no type"),
        ("db-empty", sh, "type=agent&db_id=", "empty db_id"),
        ("bogus-type-no-db", sh, "type=bogus", "invalid type and no db_id"),
        ("db1-shared", sh, "type=agent&db_id=compat3-db", "db_id compat3-db"),
        ("db1-shared-no-type", sh, "db_id=compat3-db", "db_id compat3-db, no type"),
        ("db2-shared", sh, "type=agent&db_id=compat3-db-2", "db_id compat3-db-2 (two DynamoDb instances): the first"),
        ("db2-shared-no-type", sh, "db_id=compat3-db-2", "db_id compat3-db-2, no type"),
        ("db2-shared-table-2", sh, "type=agent&db_id=compat3-db-2&table=compat3_sessions_2", "table selects the first"),
        ("db2-shared-table-b", sh, "type=agent&db_id=compat3-db-2&table=compat3_sessions_b", "table selects the second"),
        ("db2-shared-table-b-no-type", sh, "db_id=compat3-db-2&table=compat3_sessions_b", "table b, no type"),
        ("db2-shared-table-b-user-b", sh, "type=agent&db_id=compat3-db-2&table=compat3_sessions_b&user_id=user-b",
         "table b with its owner"),
        ("db2-shared-table-b-user-db2", sh, "type=agent&db_id=compat3-db-2&table=compat3_sessions_b&user_id=user-db2",
         "table b with the owner of the table-2 copy"),
        ("db2-table-b-runs", sh, "type=agent&db_id=compat3-db-2&table=compat3_sessions_b_runs", "table names b's runs table"),
        ("db2-table-memories", sh, "type=agent&db_id=compat3-db-2&table=agno_memories",
         "table names the memory table both compat3-db-2 instances share"),
        ("db2-table-agno-sessions", sh, "type=agent&db_id=compat3-db-2&table=agno_sessions",
         "table of another database (compat3-db)"),
        ("db1-table-b", sh, "type=agent&db_id=compat3-db&table=compat3_sessions_b", "table of another database"),
        ("db1-table-right", sh, "type=agent&db_id=compat3-db&table=agno_sessions", "compat3-db with its table"),
        ("table-no-db", sh, "type=agent&table=compat3_sessions_b", "table without db_id"),
        ("table-unknown-db", sh, "type=agent&db_id=compat3-db-3&table=compat3_sessions_b", "table with an unknown db_id"),
        ("db2-shared-user-db1", sh, "type=agent&db_id=compat3-db-2&user_id=user-db1", "compat3-db's owner asks compat3-db-2"),
        ("db-repeated", sh, "type=agent&db_id=compat3-db&db_id=compat3-db-2", "repeated db_id"),
        ("db-unknown", sh, "type=agent&db_id=compat3-db-3", "unknown db_id"),
        ("db-case", sh, "type=agent&db_id=COMPAT3-DB", "db_id in another case"),
        ("db2-only-in-db1", spath("only-in-db2"), "type=agent&db_id=compat3-db", "not in compat3-db"),
        ("db2-only-in-db2", spath("only-in-db2"), "type=agent&db_id=compat3-db-2", "in compat3-db-2's first table"),
        ("db2-only-table-b", spath("only-in-db2"), "type=agent&db_id=compat3-db-2&table=compat3_sessions_b",
         "not in compat3-db-2's second table"),
        ("b-only-no-table", spath("only-in-b"), "type=agent&db_id=compat3-db-2", "only in the second table, no table"),
        ("b-only-table-b", spath("only-in-b"), "type=agent&db_id=compat3-db-2&table=compat3_sessions_b",
         "only in the second table, table b"),
        ("b-only-table-b-no-type", spath("only-in-b"), "db_id=compat3-db-2&table=compat3_sessions_b", "table b, no type"),
        ("db2-team", spath("db2-team"), "type=team&db_id=compat3-db-2", "team session in compat3-db-2"),
        ("db2-team-as-agent", spath("db2-team"), "type=agent&db_id=compat3-db-2", "team session asked as agent"),
        ("db2-team-no-type", spath("db2-team"), "db_id=compat3-db-2", "team session, no type"),
        ("db2-workflow", spath("db2-workflow"), "type=workflow&db_id=compat3-db-2", "workflow in compat3-db-2"),
        ("db2-workflow-no-type", spath("db2-workflow"), "db_id=compat3-db-2", "workflow, no type"),
        ("b-team", spath("b-team"), "type=team&db_id=compat3-db-2&table=compat3_sessions_b", "team in table b"),
        ("b-team-no-table", spath("b-team"), "type=team&db_id=compat3-db-2", "team in table b, no table"),
        ("db1-basic", spath("agent-basic"), "type=agent&db_id=compat3-db", "compat3-db holds the corpus"),
        ("db1-spec-example", spath(SPEC_ID), "type=agent&db_id=compat3-db", "the spec example session in multi"),
        ("db2-basic", spath("agent-basic"), "type=agent&db_id=compat3-db-2", "not in compat3-db-2"),
        ("db1-team-basic", spath("team-basic"), "type=team&db_id=compat3-db", "team in compat3-db"),
        ("db1-legacy-mixed", spath("agent-legacy-mixed"), "type=agent&db_id=compat3-db", "legacy + runs table in multi"),
        ("unknown-path", "/nope", "", "unknown path"),
    ]
    for cid, path, q, note in multi:
        add(f"multi/{cid}", "multi", path, q, note=note)
    add("multi/post", "multi", sh, "db_id=compat3-db", method="POST", note="POST")

    # ---------------------------------------------------------------- secured: OS_SECURITY_KEY
    good = f"Bearer {SECURITY_KEY}"
    auth_variants = [
        ("none", {}, "no Authorization header"),
        ("right", {"authorization": good}, "right bearer token"),
        ("wrong", {"authorization": "Bearer wrong-key"}, "wrong token"),
        ("basic", {"authorization": f"Basic {SECURITY_KEY}"}, "scheme Basic with the key"),
        ("basic-b64", {"authorization": "Basic dXNlcjpwYXNz"}, "Basic credentials"),
        ("bearer-lower", {"authorization": f"bearer {SECURITY_KEY}"}, "lower-case scheme"),
        ("bearer-upper", {"authorization": f"BEARER {SECURITY_KEY}"}, "upper-case scheme"),
        ("bearer-empty", {"authorization": "Bearer"}, "'Bearer' without a token"),
        ("bearer-empty-space", {"authorization": "Bearer "}, "'Bearer ' with an empty token"),
        ("bearer-two-spaces", {"authorization": f"Bearer  {SECURITY_KEY}"}, "two spaces after Bearer"),
        ("bearer-trailing-space", {"authorization": f"Bearer {SECURITY_KEY} "}, "trailing space after the token"),
        ("bearer-tab", {"authorization": f"Bearer\t{SECURITY_KEY}"}, "TAB between scheme and token"),
        ("token-only", {"authorization": SECURITY_KEY}, "the key without a scheme (bare token)"),
        ("token-only-spaces", {"authorization": f"  {SECURITY_KEY}  "}, "bare token with surrounding spaces"),
        ("token-case", {"authorization": f"Bearer {SECURITY_KEY.upper()}"}, "the key in upper case"),
        ("token-prefix", {"authorization": f"Bearer {SECURITY_KEY}x"}, "the key with an extra character"),
        ("double-bearer", {"authorization": f"Bearer Bearer {SECURITY_KEY}"}, "'Bearer Bearer <key>'"),
        ("empty-header", {"authorization": ""}, "empty Authorization header"),
        ("x-api-key", {"x-api-key": SECURITY_KEY}, "the key in another header"),
        ("pat", {"authorization": "Bearer agno_pat_bogus"}, "a service-account token that cannot be verified"),
    ]
    for cid, h, note in auth_variants:
        add(f"secured/{cid}", "secured", spath("agent-basic"), "type=agent", headers=h, note=note)
    secured = [
        ("none-unknown-session", spath("does-not-exist"), "type=agent", {}, "GET", "no token, unknown id"),
        ("right-unknown-session", spath("does-not-exist"), "type=agent", {"authorization": good}, "GET", "unknown id"),
        ("none-bogus-type", spath("agent-basic"), "type=bogus", {}, "GET", "no token and an invalid type"),
        ("wrong-bogus-type", spath("agent-basic"), "type=bogus", {"authorization": "Bearer nope"}, "GET",
         "wrong token and an invalid type"),
        ("right-bogus-type", spath("agent-basic"), "type=bogus", {"authorization": good}, "GET", "invalid type"),
        ("none-db-unknown", spath("agent-basic"), "type=agent&db_id=nope", {}, "GET", "no token and an unknown db_id"),
        ("right-db-unknown", spath("agent-basic"), "type=agent&db_id=nope", {"authorization": good}, "GET", "unknown db_id"),
        ("none-table-no-db", spath("agent-basic"), "type=agent&table=agno_sessions", {}, "GET", "no token, table without db_id"),
        ("right-table-no-db", spath("agent-basic"), "type=agent&table=agno_sessions", {"authorization": good}, "GET",
         "table without db_id"),
        ("right-team", spath("team-basic"), "type=team", {"authorization": good}, "GET", "team"),
        ("right-workflow", spath("wf-text-input"), "type=workflow", {"authorization": good}, "GET", "workflow"),
        ("right-no-type", spath("team-basic"), "", {"authorization": good}, "GET", "no type"),
        ("token-only-no-type", spath("wf-text-input"), "", {"authorization": SECURITY_KEY}, "GET", "bare token, no type"),
        ("right-spec-example", spath(SPEC_ID), "type=agent", {"authorization": good}, "GET", "the spec example"),
        ("right-user-other", spath("agent-basic"), "type=agent&user_id=someone-else", {"authorization": good}, "GET",
         "someone else's user_id"),
        ("none-unknown-path", "/nope", "", {}, "GET", "unknown path without a token"),
        ("right-unknown-path", "/nope", "", {"authorization": good}, "GET", "unknown path with the token"),
        ("wrong-unknown-path", "/nope", "", {"authorization": "Bearer nope"}, "GET", "unknown path with a wrong token"),
        ("none-sessions-x-y", "/sessions/x/y", "", {}, "GET", "two segments without a token"),
        ("right-sessions-x-y", "/sessions/x/y", "", {"authorization": good}, "GET", "two segments with the token"),
        ("none-post", spath("agent-basic"), "type=agent", {}, "POST", "POST without a token"),
        ("right-post", spath("agent-basic"), "type=agent", {"authorization": good}, "POST", "POST with the token"),
        ("none-put", spath("agent-basic"), "type=agent", {}, "PUT", "PUT without a token"),
        ("right-put", spath("agent-basic"), "type=agent", {"authorization": good}, "PUT", "PUT with the token"),
        ("none-options", spath("agent-basic"), "type=agent", {}, "OPTIONS", "OPTIONS without a token"),
        ("none-head", spath("agent-basic"), "type=agent", {}, "HEAD", "HEAD without a token"),
        ("none-trailing-slash", "/sessions/agent-basic/", "type=agent", {}, "GET", "trailing slash without a token"),
        ("right-trailing-slash", "/sessions/agent-basic/", "type=agent", {"authorization": good}, "GET",
         "trailing slash with the token"),
        ("none-slash-in-id", spath("slash/inside"), "type=agent", {}, "GET", "encoded slash without a token"),
        ("right-slash-in-id", spath("slash/inside"), "type=agent", {"authorization": good}, "GET", "encoded slash"),
    ]
    for cid, path, q, h, m, note in secured:
        add(f"secured/{cid}", "secured", path, q, headers=h, method=m, note=note)

    # ---------------------------------------------------------------- upgrade: the 2.1.10 items, read by 3.1.10
    for e in entries:
        if e.loc == V2:
            per_session("upgrade", e)
    add("v2/agent-basic/db=right", "upgrade", spath("agent-basic"), "type=agent&db_id=compat-db", note="db_id of the database")
    add("v2/agent-basic/table=right", "upgrade", spath("agent-basic"), "type=agent&db_id=compat-db&table=compat_sessions",
        note="table = the 2.1.10 session table")
    add("v2/agent-basic/table=runs", "upgrade", spath("agent-basic"), "type=agent&db_id=compat-db&table=compat_sessions_runs",
        note="table = the runs table agno 3.1.10 derives")
    add("v2/spec-example/user=123-no-type", "upgrade", spath(SPEC_ID), "user_id=123", note="spec example, user 123, no type")
    add("v2/unknown", "upgrade", spath("does-not-exist"), "type=agent", note="unknown id")
    return plan.requests


# ----------------------------------------------------------------------------------------------
# Phase 3: serving (runs in a child process per setup and mode)
# ----------------------------------------------------------------------------------------------


# The attributes agno stores as JSON documents (S holding json.dumps(...)): the session item's and a runs-table row's.
DOC_ATTRS = ("session_data", "agent_data", "team_data", "workflow_data", "metadata", "runs", "summary", "run_data")


def apply_patches(deviations: List[str]) -> None:
    """The patched app: agno 3.1.10 with only what answers 500 (or obviously wrong) on stored data fixed.
    Every patch notes what it changed in `deviations` (turned into the case's reference_crash)."""
    import agno.db.dynamo.dynamo as dyn
    import agno.os.schema as schema
    from agno.db.utils import get_run_type
    from agno.models.message import Message
    from agno.run.workflow import WorkflowRunOutput
    from agno.session.workflow import WorkflowSession

    # 1. The DynamoDB reader JSON-decodes every S attribute whose text is a JSON object or array
    #    (session_id "[1,2]", user_id '{"sub": …}', …): keep all but the document attributes as stored.
    original_reader = dyn.deserialize_from_dynamodb_item

    def reader(item: Dict[str, Any]) -> Dict[str, Any]:
        decoded = original_reader(item)
        for key, value in item.items():
            if key not in DOC_ATTRS and "S" in value and decoded.get(key) != value["S"]:
                deviations.append(f"decoded:{key}")
                decoded[key] = value["S"]
        return decoded

    dyn.deserialize_from_dynamodb_item = reader

    # 2. A derived session_name that is not a string (the first user message's content is a list): the str
    #    schema field answers 500. Use agno's own text extraction of message content.
    original_name = schema.get_session_name

    def session_name(session: Dict[str, Any]) -> str:
        name = original_name(session)
        if not isinstance(name, str):
            deviations.append("session-name")
            name = Message(role="user", content=name).get_content_string()
        return name

    schema.get_session_name = session_name

    # 3. WorkflowSession.from_dict: (a) a stored run classified as a workflow run (get_run_type: no agent/team
    #    id or name, e.g. a team run without team_id) that WorkflowRunOutput.from_dict cannot read answers 500:
    #    skip it, as from_dict skips every other non-workflow run; (b) __post_init__ fills a missing
    #    created_at/updated_at with the request time: keep it missing (the schema then falls back as it does
    #    for agents and teams).
    original_wf = WorkflowSession.from_dict.__func__

    def wf_from_dict(cls, data):
        runs = data.get("runs") if data is not None else None
        if runs:
            kept = []
            for run in runs:
                if isinstance(run, dict) and get_run_type(run) == "workflow":
                    try:
                        WorkflowRunOutput.from_dict(copy.deepcopy(run))
                    except Exception:
                        deviations.append("unreadable-workflow-run")
                        continue
                kept.append(run)
            data = {**data, "runs": kept}
        session = original_wf(cls, data)
        if session is not None:
            for attr in ("created_at", "updated_at"):
                if data.get(attr) is None:
                    setattr(session, attr, None)
        return session

    WorkflowSession.from_dict = classmethod(wf_from_dict)


def serve(args) -> None:
    """Answer the requests of one setup with agno's AgentOS; mode 'reference' or 'patched'."""
    aws_env()
    assert (os.environ.get("OS_SECURITY_KEY") or None) == (SECURITY_KEY if args.setup == "secured" else None)
    assert clean_env(os.environ) == {k: v for k, v in os.environ.items() if k != "OS_SECURITY_KEY"}
    quiet(logging.CRITICAL)
    import agno.models.message
    import agno.session.workflow

    random_ids: set = set()
    g.record_uuid4(random_ids, ("agno.models.message", "agno.media.media"))
    # Where agno's readers fall back to the clock, answer a recognisable instant (masked below).
    agno.models.message.time = lambda: float(REQUEST_TIME)
    agno.session.workflow.time = types.SimpleNamespace(time=lambda: float(REQUEST_TIME))

    import warnings

    warnings.filterwarnings("ignore", message=".*httpx2.*")  # starlette's TestClient on httpx 0.28
    from agno.agent import Agent
    from agno.models.aws import AwsBedrock  # never called: 3.1.10 agents need a model (the default needs openai)
    from agno.os import AgentOS

    deviations: List[str] = []
    if args.mode == "patched":
        apply_patches(deviations)

    setup = json.loads(args.setup_json)
    client = ddb_client(args.endpoint)
    agents = []
    for i, d in enumerate(setup["databases"]):
        db = make_db(client, (d["id"], d["session_table"]))
        assert db.runs_table_name == d["runs_table"], (db.runs_table_name, d)
        agents.append(Agent(id=f"compat3-agent-{i + 1}", db=db, model=AwsBedrock(id="amazon.nova-lite-v1:0")))
    os_ = AgentOS(id="compat3-os", agents=agents, telemetry=False)
    app = os_.get_app()
    assert [(d.id, d.session_table_name) for dl in os_.dbs.values() for d in dl] == \
        [(d["id"], d["session_table"]) for d in setup["databases"]]

    def is_request_time(obj: Any) -> bool:
        return obj == REQUEST_TIME_TEXT or (obj == REQUEST_TIME and not isinstance(obj, bool))

    out = g.answer_requests(app, g.load_json(args.requests), args.mode, random_ids, deviations,
                            masks=[(is_request_time, "request-time", REQUEST_TIME_MASK)])
    g.save_json(args.output, out)


# ----------------------------------------------------------------------------------------------
# Reference crash explanations
# ----------------------------------------------------------------------------------------------

DEVIATION_TEXT: Dict[str, str] = {
    "session-name": "the first user message's content is a list: agno's get_session_name returns it and the str "
                    "session_name field fails (500); expected uses agno's Message.get_content_string() of it",
    "unreadable-workflow-run": "asked as a workflow, a stored team run without team_id is classified as a workflow run "
                               "and WorkflowRunOutput.from_dict fails on it (KeyError 'steps', 500); expected skips it "
                               "like every other non-workflow run",
    "random-id": "stored message(s) without an id: agno invents a fresh uuid4 on every request; expected leaves id out",
    "request-time": "read as a workflow, an item without updated_at gets the time of the request "
                    "(WorkflowSession.__post_init__); expected answers created_at, the schema's own fallback",
}


def explain(devs: List[str], item: Optional[dict], ref: dict, exp: dict) -> str:
    parts = []
    for d in devs:
        if d.startswith("decoded:"):
            attr = d.split(":", 1)[1]
            raw = item[attr]["S"] if item and attr in item else "?"
            try:
                dec = json.loads(raw)
            except ValueError:
                dec = raw
            how = {500: "the str schema field rejects it (500)", 404: "so the user_id filter cannot match it (404)"}.get(
                ref["status"], f"(answered {ref['status']})")
            parts.append(f"agno's DynamoDB reader JSON-decodes S attributes that hold a JSON object or array: "
                         f"{attr} {raw!r} becomes {g.json_kind(dec)}; {how}")
        else:
            parts.append(DEVIATION_TEXT[d])
    assert parts, (ref, exp)
    return " + ".join(parts)


# ----------------------------------------------------------------------------------------------
# main
# ----------------------------------------------------------------------------------------------


def generate(args) -> None:
    aws_env()
    env = clean_env(os.environ)
    os.environ.clear()
    os.environ.update(env)
    quiet(logging.INFO)
    import agno.os  # noqa: F401  (import check: agno and its server deps are installed)

    versions = g.pinned_versions(PINNED)
    assert versions["agno"] == AGNO_VERSION, versions
    client = ddb_client(args.endpoint)
    g.drop_tables(client)  # every table: re-runnable against a DynamoDB Local that is already up

    corpus = Corpus(client)
    build_corpus(corpus)
    upgraded = load_upgrade_items(corpus)
    raw, rows = corpus.dump()
    entries = corpus.entries
    v2_layout_only = {"v2/" + it["name"] for it in upgraded if it["agno_layout_only"]}

    def db_entry(loc) -> Dict[str, Any]:
        db = corpus.dbs[loc]
        other = {}
        for kind, attr in (("memory", "memory_table_name"), ("learnings", "learnings_table_name"),
                           ("metrics", "metrics_table_name"), ("eval", "eval_table_name"),
                           ("knowledge", "knowledge_table_name")):
            name = getattr(db, attr)
            other[kind] = {"name": name, "exists": db.table_exists(name)}
        return {"id": loc[0], "session_table": loc[1], "runs_table": db.runs_table_name, "other_tables": other,
                "items": sorted(e.name for e in entries if e.loc == loc)}

    items_doc = {"generator": {"agno": AGNO_VERSION, "versions": versions, "command": COMMAND},
                 "items": [{"name": e.name, "agno_layout_only": e.session_type is None or e.name in v2_layout_only,
                            "database": e.loc[0], "table": e.loc[1], "note": e.note,
                            "item": g.sort_keys_deep(raw[e.name]), "runs": [g.sort_keys_deep(r) for r in rows[e.name]]}
                           for e in sorted(entries, key=lambda e: e.name)]}

    setups = {
        "single": {"databases": [db_entry(MAIN)], "security_key": None},
        "multi": {"databases": [db_entry(MAIN), db_entry(DB2), db_entry(DB2B)], "security_key": None},
        "secured": {"databases": [db_entry(MAIN)], "security_key": SECURITY_KEY},
        "upgrade": {"databases": [db_entry(V2)], "security_key": None},
    }

    requests = plan_requests(entries)
    results = g.serve_setups(__file__, args.endpoint, setups, requests, clean_env(os.environ), "compat3-")

    by_loc_id = {(e.loc, e.session_id): e for e in entries}

    def item_for(r: dict) -> Optional[dict]:
        q = dict(urllib.parse.parse_qsl(r["query"], keep_blank_values=True))
        dbs = setups[r["setup"]]["databases"]
        cands = [d for d in dbs if d["id"] == q.get("db_id")] or dbs[:1]
        cands = [d for d in cands if d["session_table"] == q.get("table")] or cands[:1]
        entry = by_loc_id.get(((cands[0]["id"], cands[0]["session_table"]), g.session_id_of(r["path"])))
        return raw[entry.name] if entry else None

    cases = g.build_cases(requests, results, {"random-id", "request-time"}, item_for, explain)
    for c in cases:
        assert c["expected"]["status"] != 500, (c["id"], c["expected"])

    # nothing the requests did changed the stored data
    assert corpus.dump() == (raw, rows), "serving changed the stored items"

    cases_doc = {"generator": items_doc["generator"], "setups": setups, "cases": cases}
    g.write_fixtures(args.out, {"items.json": items_doc, "cases.json": cases_doc})

    # self-check summary
    print(f"items: {len(entries)} ({sum(1 for e in entries if e.loc == V2)} from the 2.1.10 suite), "
          f"runs-table rows: {sum(len(v) for v in rows.values())}")
    g.summarize(cases)
    assert len(cases) >= 400, len(cases)


if __name__ == "__main__":
    g.main(__doc__, HERE, 8202, generate, serve)
