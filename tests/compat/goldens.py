"""Agno-independent pieces shared by the golden-fixture generators.

Imported by tests/compat/generate.py (agno 2.1.10), tests/compat3/generate.py and
tests/auth3/generate.py (agno 3.1.10). Its module level imports the standard library only
(checked at the end of this file): boto3 and fastapi are imported inside the functions that
use them, and nothing here imports agno at all. What differs between agno 2.1.10 and 3.1.10
(agno's classes, which modules hold a clock, the patched readers) stays in each generator.

  corpus data     the API reference's example texts, odd session ids, unicode and control
                  strings, numbers, nested state (plain data, no agno classes)
  DynamoDB        fake credentials for DynamoDB Local, the low-level client, paged scans,
                  dropping tables, a frozen clock for the modules a generator names
  requests        query-string and path quoting, a request plan with unique ids
  serving         the child process per setup (run_child / serve_setups), the ASGI recorder
                  (raw path, query and headers as sent; `path` decoded once as uvicorn does),
                  the TestClient, the request/answer loop of the /sessions suites
  output          JSON dumping, deep key sorting, cases from reference/patched answers, the
                  command line, the summary
"""

from __future__ import annotations

import sys

_MODULES_BEFORE = frozenset(sys.modules)

import argparse  # noqa: E402  (imports below the snapshot of sys.modules: checked at the end)
import contextlib  # noqa: E402
import importlib  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import types  # noqa: E402
import urllib.parse  # noqa: E402
from collections import Counter  # noqa: E402
from typing import Any, Callable, Dict, Iterable, List, Optional, Sequence, Tuple  # noqa: E402

REGION = "us-east-1"
T0 = 1757088129  # 2025-09-05T16:02:09Z, the API reference example's timestamp
RANDOM_ID = "<random uuid4>"
# The answer headers the /sessions suites record.
RECORDED_HEADERS = ("content-type", "allow", "location", "www-authenticate", "vary")
TYPES = ("agent", "team", "workflow")
MODES = ("reference", "patched")

# ----------------------------------------------------------------------------------------------
# Corpus data (plain values; the sessions themselves are built with each agno's own classes)
# ----------------------------------------------------------------------------------------------

SPEC_ID = "6f6cfbfd-9643-479a-ae47-b8f32eb4d710"
SPEC_RUN_ID = "8f5ba1c7-3b0e-4c4e-9a51-2d6a3c0f7e11"
SPEC_QUESTION = "What tools do you have?"
SPEC_SYSTEM = (
    "<additional_information>\n- Use markdown to format your answers.\n- The current time is 2025-09-05 18:02:09.171627.\n"
    "</additional_information>\n\nYou have access to memories from previous interactions with the user that you can use:\n\n"
    "<memories_from_previous_interactions>\n- User really likes Digimon and Japan.\n- User really likes Japan.\n"
    "- User likes coffee.\n</memories_from_previous_interactions>\n\nNote: this information is from previous interactions "
    "and may be updated in this conversation. You should always prefer information from this conversation over the past "
    "memories."
)
SPEC_ANSWER = (
    "I don't have access to external tools or the internet. However, I can assist you with a wide range of topics by "
    "providing information, answering questions, and offering suggestions based on the knowledge I've been trained on. "
    "If there's anything specific you need help with, feel free to ask!"
)
SPEC_SUMMARY = "The user and assistant engaged in a conversation about the tools the agent has available."
SPEC_SUMMARY_AT = (2025, 9, 5, 18, 2, 12, 269392)  # datetime(*SPEC_SUMMARY_AT), naive

AGENT_DATA = {"name": "Basic Agent", "agent_id": "basic-agent",
              "model": {"provider": "OpenAI", "name": "OpenAIChat", "id": "gpt-4o"}}
TEAM_DATA = {"name": "Research Team", "team_id": "research-team",
             "model": {"provider": "OpenAI", "name": "OpenAIChat", "id": "gpt-4o"}}


def workflow_data(name: Optional[str]) -> dict:
    return {"workflow_id": "blog-workflow", "name": name, "steps": [
        {"name": "research", "description": "Research the topic", "type": "Step"},
        {"name": "write", "description": "User-defined callable step", "type": "Step"}]}


TOOL_CALLS = [{"id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": "{\"city\": \"Paris\"}"}},
              {"id": "call_2", "type": "function", "function": {"name": "get_time", "arguments": "{}"}}]
UNICODE_TEXT = "Héllo 👋🏽 世界 こんにちは 안녕 — مرحبا بالعالم — שלום עולם ‏RTL‏ e\u0301 Ω≈ç√ 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 🇫🇷 👨‍👩‍👧"
UNICODE_STATE = {"città": "Zürich", "emoji": "🔥", "日本": ["東京", "大阪"], "rtl": "עברית"}
CONTROL_CHARS = "nul:\x00 soh:\x01 bel:\x07 bs:\x08 tab:\t lf:\n cr:\r esc:\x1b del:\x7f nel:\x85 ls:\u2028 ps:\u2029 " \
                "bom:\ufeff quote:\" backslash:\\ slash:/ lt:< amp:& "
LOREM = ("Lorem ipsum dolor sit amet, consectetur adipiscing elit — ünïcødé ✓. " * 20).strip()
NUMBERS = {"big": 2 ** 63 + 1, "big_neg": -(2 ** 62) - 3, "beyond_2_53": 9007199254740993, "neg": -42, "zero": 0,
           "float": 0.1, "float_int": 1.0, "neg_zero": -0.0, "tiny": 1.5e-300, "huge": 1.7976931348623157e308,
           "exp": 6.02214076e23, "third": 1 / 3, "list": [1, 2.5, -3, 10 ** 20], "bool": True, "none": None}


def nested_state() -> Dict[str, Any]:
    """A 25-level session_state with empty containers and nulls."""
    deep: Dict[str, Any] = {"leaf": [1, {"a": None}]}
    for i in range(25):
        deep = {f"level{i}": deep, "list": [[], {}, [[]]], "empty": ""}
    return {"deep": deep, "shopping_list": ["milk", "eggs"], "user": {"name": "Ana", "prefs": {"dark": True}}}


def message_ids() -> Callable[[str], str]:
    """mid(prefix) -> "<prefix>-m001", "<prefix>-m002", … (a counter per prefix): stable message ids."""
    counter: Counter = Counter()

    def mid(prefix: str) -> str:
        counter[prefix] += 1
        return f"{prefix}-m{counter[prefix]:03d}"

    return mid


# Odd session ids: (entry name, session id, note). Each suite appends its own JSON-looking ids
# (their notes say how its agno reads them back).
ODD_IDS = [
    ("id-space", "has space inside", "space in the id (%20)"),
    ("id-padded", "  padded  ", "leading and trailing spaces"),
    ("id-literal-pct2f", "literal%2Fslash", "a literal %2F in the id (sent as %252F)"),
    ("id-slash", "slash/inside", "'/' in the id: %2F is decoded before routing, so AgentOS cannot reach it"),
    ("id-unicode", "セッション-😀-مرحبا-Ω", "unicode id"),
    ("id-question", "what?x=1&y=2", "'?', '=' and '&' in the id"),
    ("id-hash", "hash#fragment", "'#' in the id"),
    ("id-plus", "plus+sign", "'+' in the id (sent as %2B)"),
    ("id-percent", "100%", "a literal '%' in the id"),
    ("id-semicolon", "semi;colon,comma:colon@at", "sub-delimiters in the id"),
    ("id-unreserved", "AZaz09-._~", "unreserved characters only (sent unencoded)"),
    ("id-tab", "tab\there", "a control character (TAB) in the id"),
    ("id-one-char", "x", "a one-character id"),
    ("id-long", "long-" + "0123456789abcdef" * 14, "a 229-character id"),
    ("id-json-number", "42", "id \"42\" (a JSON number)"),
    ("id-json-true", "true", "id \"true\" (a JSON literal)"),
    ("id-json-null", "null", "id \"null\" (JSON null)"),
    ("id-json-string", "\"quoted\"", "id '\"quoted\"' (a JSON string literal)"),
]

# ----------------------------------------------------------------------------------------------
# JSON
# ----------------------------------------------------------------------------------------------


def dump_json(obj: Any) -> str:
    return json.dumps(obj, indent=2, ensure_ascii=False) + "\n"


def compact_json(obj: Any) -> str:
    """What a JSON body would be if its bytes were the plain compact re-serialisation."""
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


def sort_keys_deep(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {k: sort_keys_deep(obj[k]) for k in sorted(obj)}
    if isinstance(obj, list):
        return [sort_keys_deep(v) for v in obj]
    return obj


def json_kind(v: Any) -> str:
    if v is None:
        return "null"
    kind = {bool: "the boolean", int: "the number", float: "the number", str: "the string", list: "the array",
            dict: "the object"}[type(v)]
    return f"{kind} {json.dumps(v, ensure_ascii=False)}"


def save_json(path: str, obj: Any) -> None:
    with open(path, "w", encoding="utf-8") as f:
        json.dump(obj, f, ensure_ascii=False)


def load_json(path: str) -> Any:
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def write_fixtures(out_dir: str, docs: Dict[str, Any]) -> None:
    """fixtures/<name> = dump_json(doc) for every (name, doc)."""
    os.makedirs(out_dir, exist_ok=True)
    for name, doc in docs.items():
        with open(os.path.join(out_dir, name), "w", encoding="utf-8") as f:
            f.write(dump_json(doc))


# ----------------------------------------------------------------------------------------------
# Environment, DynamoDB Local, clock
# ----------------------------------------------------------------------------------------------


def aws_env() -> None:
    """Fake credentials for DynamoDB Local; no profile, endpoint override or agno debug from the caller."""
    for k in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_DYNAMODB", "AGNO_DEBUG", "AGNO_DEBUG_LEVEL"):
        os.environ.pop(k, None)
    os.environ.update({"AWS_ACCESS_KEY_ID": "x", "AWS_SECRET_ACCESS_KEY": "x", "AWS_SESSION_TOKEN": "x",
                       "AWS_DEFAULT_REGION": REGION, "AWS_REGION": REGION, "AGNO_TELEMETRY": "false"})


def without(environ: Dict[str, str], names: Iterable[str]) -> Dict[str, str]:
    """environ less the variables named (case-insensitively: pydantic-settings reads them so)."""
    names = {n.lower() for n in names}
    return {k: v for k, v in environ.items() if k.lower() not in names}


def drop_env(names: Iterable[str]) -> None:
    keep = without(os.environ, names)
    for k in list(os.environ):
        if k not in keep:
            os.environ.pop(k)


def pinned_versions(names: Sequence[str]) -> Dict[str, str]:
    import importlib.metadata as md

    return {name: md.version(name) for name in names}


def ddb_client(endpoint: str):
    """The low-level boto3 DynamoDB client (after aws_env())."""
    import boto3

    return boto3.client("dynamodb", endpoint_url=endpoint, region_name=REGION)


def all_items(call: Callable[..., dict], **kw) -> List[dict]:
    """Every item of a paged scan or query (call = client.scan / client.query)."""
    out: List[dict] = []
    while True:
        page = call(**kw)
        out.extend(page.get("Items", []))
        if "LastEvaluatedKey" not in page:
            return out
        kw["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def scan_all(client, table: str) -> List[dict]:
    return all_items(client.scan, TableName=table, ConsistentRead=True)


def drop_tables(client, tables: Optional[Iterable[str]] = None) -> None:
    """Delete the tables named (default: every table), so a generator re-runs on a DynamoDB Local already up."""
    for table in client.list_tables()["TableNames"] if tables is None else tables:
        with contextlib.suppress(client.exceptions.ResourceNotFoundException):
            client.delete_table(TableName=table)
            client.get_waiter("table_not_exists").wait(TableName=table)


@contextlib.contextmanager
def frozen_clock(ts: int, modules: Sequence[str]):
    """Pin time.time() to ts in the modules named (those of agno's writers that stamp with it)."""
    mods = [importlib.import_module(m) for m in modules]
    fake = types.SimpleNamespace(time=lambda: float(ts), sleep=time.sleep)
    saved = [m.time for m in mods]
    for m in mods:
        m.time = fake
    try:
        yield
    finally:
        for m, t in zip(mods, saved):
            m.time = t


# ----------------------------------------------------------------------------------------------
# Requests
# ----------------------------------------------------------------------------------------------


def qs(*pairs) -> str:
    return "&".join(f"{urllib.parse.quote(k, safe='')}={urllib.parse.quote(v, safe='')}" for k, v in pairs)


def spath(session_id: str) -> str:
    return "/sessions/" + urllib.parse.quote(session_id, safe="")


def session_id_of(path: str) -> Optional[str]:
    """The session id a /sessions/{id} path asks for (None for any other path)."""
    return urllib.parse.unquote(path[len("/sessions/"):]) if path.startswith("/sessions/") else None


class Plan:
    """The requests of a /sessions suite, in order, each with a unique id."""

    def __init__(self):
        self.requests: List[dict] = []
        self.ids = set()

    def add(self, cid: str, setup: str, path: str, query: str = "", headers: Optional[dict] = None, method: str = "GET",
            note: str = "") -> None:
        assert cid not in self.ids, cid
        self.ids.add(cid)
        self.requests.append({"id": cid, "setup": setup, "method": method, "path": path, "query": query,
                              "headers": headers or {}, "note": note})


# ----------------------------------------------------------------------------------------------
# Serving: a child process per setup (AgentOS reads its settings from the environment at import)
# ----------------------------------------------------------------------------------------------


def run_child(script: str, tag: str, argv: List[str], requests: List[dict], env: Dict[str, str],
              tmp: str) -> Dict[str, dict]:
    """`python <script> serve <argv> --requests <file> --output <file>` with env; its answers by request id."""
    req_file = os.path.join(tmp, f"req-{tag}.json")
    out_file = os.path.join(tmp, f"out-{tag}.json")
    save_json(req_file, requests)
    cmd = [sys.executable, os.path.abspath(script), "serve", *argv, "--requests", req_file, "--output", out_file]
    subprocess.run(cmd, env=dict(env, PYTHONHASHSEED="0"), check=True)
    return {r["id"]: r for r in load_json(out_file)}


def serve_setups(script: str, endpoint: str, setups: Dict[str, dict], requests: List[dict], env: Dict[str, str],
                 prefix: str) -> Dict[str, Dict[str, Dict[str, dict]]]:
    """Every setup's requests answered in both modes: results[setup][mode][request id]."""
    results: Dict[str, Dict[str, Dict[str, dict]]] = {}
    with tempfile.TemporaryDirectory(prefix=prefix) as tmp:
        for name, setup in setups.items():
            reqs = [r for r in requests if r["setup"] == name]
            child_env = dict(env)
            if setup.get("security_key"):
                child_env["OS_SECURITY_KEY"] = setup["security_key"]
            results[name] = {mode: run_child(script, f"{name}-{mode}", ["--endpoint", endpoint, "--setup", name,
                                                                        "--setup-json", json.dumps(setup), "--mode", mode],
                                             reqs, child_env, tmp)
                             for mode in MODES}
    return results


def record_uuid4(random_ids: set, modules: Sequence[str]) -> None:
    """uuid4 in the modules named records every id it hands out (agno invents ids while answering)."""
    import uuid

    def recording_uuid4():
        u = uuid.uuid4()
        random_ids.add(str(u))
        return u

    for m in modules:
        importlib.import_module(m).uuid4 = recording_uuid4


def recorder(app, seen: Dict[str, Any]):
    """The app behind an ASGI wrapper that keeps what arrived (raw path, query string, headers) in seen.
    As uvicorn does, `path` is the raw path percent-decoded once. (The TestClient decodes it twice, so an
    id holding a literal "%2F", sent as "%252F", would not be found, although AgentOS under uvicorn finds it.)"""

    async def recording_app(scope, receive, send):
        if scope["type"] == "http":
            seen["raw_path"], seen["query_string"] = scope.get("raw_path"), scope.get("query_string")
            seen["headers"] = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in scope["headers"]]
            scope = dict(scope, path=urllib.parse.unquote(scope["raw_path"].decode("latin-1")))
        await app(scope, receive, send)

    return recording_app


def test_client(asgi_app):
    from fastapi.testclient import TestClient

    return TestClient(asgi_app, base_url="http://testserver", raise_server_exceptions=False, follow_redirects=False)


def url(path: str, query: str) -> str:
    return "http://testserver" + path + ("?" + query if query else "")


def assert_arrived(seen: Dict[str, Any], path: str, query: str) -> None:
    assert seen["raw_path"] == path.encode(), (seen["raw_path"], path)
    assert seen["query_string"] == query.encode(), (seen["query_string"], query)


def answer_requests(app, requests: List[dict], mode: str, random_ids: set, deviations: List[str],
                    masks: Sequence[Tuple[Callable[[Any], bool], str, Any]] = ()) -> List[dict]:
    """Send each request of a /sessions suite to app; record status, RECORDED_HEADERS and the body, with the
    ids in random_ids masked as RANDOM_ID (left out as a message's "id" in the patched mode) and every value a
    mask (match, deviation, replacement) matches replaced. The deviations a patch noted and the masks applied
    are the answer's "deviations"."""
    seen: Dict[str, Any] = {}
    tc = test_client(recorder(app, seen))
    out = []
    for r in requests:
        random_ids.clear()
        deviations.clear()
        resp = tc.request(r["method"], url(r["path"], r["query"]), headers=r["headers"])
        assert_arrived(seen, r["path"], r["query"])
        for k, v in r["headers"].items():  # the header arrives exactly as recorded
            assert (k, v) in seen["headers"], (k, v, seen["headers"])
        text = resp.content.decode("utf-8")
        body = json.loads(text) if text else None
        invented: set = set()

        def clean(obj: Any) -> Any:
            if isinstance(obj, dict):
                res = {}
                for k, v in obj.items():
                    if isinstance(v, str) and v in random_ids and k == "id" and mode == "patched":
                        invented.add("random-id")
                        continue
                    res[k] = clean(v)
                return res
            if isinstance(obj, list):
                return [clean(v) for v in obj]
            if isinstance(obj, str) and obj in random_ids:
                invented.add("random-id")
                return RANDOM_ID
            for match, deviation, replacement in masks:
                if match(obj):
                    invented.add(deviation)
                    return replacement
            return obj

        # AgentOS serialises with pydantic-core, whose float text differs from Python's json (1e-9 vs 1e-09):
        # keep the exact bytes wherever a plain re-serialisation would not reproduce them.
        body_text = text if text and compact_json(body) != text else None
        body = clean(body)
        if invented and body_text is not None:
            assert mode == "reference", f"{r['id']}: invented values and non-canonical body text"
            body_text = None
        headers = {h: resp.headers[h] for h in RECORDED_HEADERS if h in resp.headers}
        out.append({"id": r["id"], "status": resp.status_code, "headers": headers, "body": body, "body_text": body_text,
                    "deviations": sorted(set(deviations) | invented)})
    return out


# ----------------------------------------------------------------------------------------------
# Cases, summary, command line
# ----------------------------------------------------------------------------------------------


def answer(res: dict) -> dict:
    return {"status": res["status"], "headers": res["headers"], "body": res["body"]}


def build_cases(requests: List[dict], results: Dict[str, Dict[str, Dict[str, dict]]], crash_tags: Iterable[str],
                item_for: Callable[[dict], Optional[dict]],
                explain: Callable[[List[str], Optional[dict], dict, dict], str]) -> List[dict]:
    """expected = the patched answer; where the reference answer differs it is kept as "reference" with a
    one-line "reference_crash" (explain(deviations, the stored item asked for, reference, patched))."""
    cases = []
    for r in requests:
        ref = results[r["setup"]]["reference"][r["id"]]
        exp = results[r["setup"]]["patched"][r["id"]]
        case = {k: r[k] for k in ("id", "setup", "method", "path", "query", "headers")}
        case["expected"] = answer(exp)
        if exp["body_text"] is not None:
            case["expected"]["body_text"] = exp["body_text"]
        if answer(ref) != answer(exp):
            case["reference"] = answer(ref)
            devs = sorted(set(exp["deviations"]) | (set(crash_tags) & set(ref["deviations"])))
            case["reference_crash"] = explain(devs, item_for(r), ref, exp)
        case["note"] = r["note"]
        cases.append(case)
    return cases


def summarize(cases: List[dict]) -> None:
    crashes = [c for c in cases if "reference_crash" in c]
    print(f"cases: {len(cases)}  by setup: {dict(Counter(c['setup'] for c in cases))}")
    print(f"expected status: {dict(sorted(Counter(c['expected']['status'] for c in cases).items()))}")
    print(f"reference crashes: {len(crashes)}")
    for c in crashes:
        print(f"  {c['id']}: reference {c['reference']['status']} -> expected {c['expected']['status']}")


SETUP_OPTIONS = (("--setup", {"required": True}), ("--setup-json", {"required": True}),
                 ("--mode", {"choices": MODES, "required": True}))


def main(doc: str, here: str, port: int, generate: Callable, serve: Callable, serve_help: str = "internal: answer one setup's requests",
         serve_options: Sequence[Tuple[str, dict]] = SETUP_OPTIONS) -> None:
    """`generate.py [--endpoint URL] [--out DIR]`, or the internal `generate.py serve …` of a child process."""
    ap = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd")
    ap.add_argument("--endpoint", default=f"http://127.0.0.1:{port}", help="DynamoDB Local endpoint")
    ap.add_argument("--out", default=os.path.join(here, "fixtures"), help="fixture directory")
    sp = sub.add_parser("serve", help=serve_help)
    sp.add_argument("--endpoint", required=True)
    for name, kw in serve_options:
        sp.add_argument(name, **kw)
    sp.add_argument("--requests", required=True)
    sp.add_argument("--output", required=True)
    args = ap.parse_args()
    if args.cmd == "serve":
        serve(args)
    else:
        generate(args)


# The guarantee the generators rely on: importing this module imports no agno, boto or fastapi.
_LEAKED = sorted(m for m in set(sys.modules) - _MODULES_BEFORE
                 if m.split(".")[0] in ("agno", "boto3", "botocore", "fastapi", "starlette", "pydantic"))
assert not _LEAKED, f"importing goldens imported {_LEAKED}"
