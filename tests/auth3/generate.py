#!/usr/bin/env python3
"""Golden fixtures for AgentOS 3.1.10's JWT / security-key authorization on GET /sessions/{session_id}.

Run through tests/auth3/generate.sh (it checks the venv and starts DynamoDB Local).
Directly:  python generate.py --endpoint http://127.0.0.1:8203 --out fixtures

  1. store    a few sessions with agno 3.1.10's own classes and DynamoDb writers (clock frozen)
  2. serve    for every configuration (env vars + AgentOS arguments), in its own child process
              (AgentOS reads OS_SECURITY_KEY / JWT_* from the environment), build agno's app,
              sign every token from its SPEC at request time with the committed test keys
              (keys/), send it through fastapi's TestClient and record status, headers, body
  3. write    fixtures/cases.json: configurations, stored items, cases (token spec or raw
              token, how it is sent, the request, agno's answer)
Nothing in the fixture is hand-written output. Token strings are not recorded for specs (they
hold time claims); raw tokens hold no time claim and are recorded verbatim.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import hmac
import json
import logging
import os
import sys
import tempfile
import time
from collections import Counter
from typing import Any, Dict, List, Optional

HERE = os.path.dirname(os.path.abspath(__file__))
KEYS = os.path.join(HERE, "keys")
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "compat"))

import goldens as g  # noqa: E402  (tests/compat/goldens.py: stdlib only at import, no agno)
from goldens import T0, aws_env, ddb_client, sort_keys_deep  # noqa: E402

AGNO_VERSION = "3.1.10"
PINNED = ["agno", "fastapi", "starlette", "pydantic", "pydantic-settings", "PyJWT", "cryptography", "boto3", "httpx"]
COMMAND = "bash tests/auth3/generate.sh"
OS_ID = "auth3-os"
DB_ID = "auth3-db"
SECURITY_KEY = "auth3-security-key-TEST-ONLY"
ISSUER = "https://issuer.auth3.test"
AUDIENCE = "auth3-api"
CUSTOM_ADMIN = "auth3:superuser"
RSA_KID = "auth3-test-rsa-1"
# Environment variables AgentOS 3.1.10 reads for auth (plus AgnoAPISettings fields, case-insensitive).
AUTH_ENV = {"os_security_key", "jwt_verification_key", "jwt_jwks_file", "jwt_jwks", "authorization_enabled", "env",
            "docs_enabled", "cors_origin_list", "service_account_cache_ttl_seconds"}
HEALTH_MASK = "<masked: app start time>"
RECORDED_HEADERS = ("content-type", "www-authenticate", "access-control-allow-origin",
                    "access-control-allow-credentials", "vary")


def key_bytes(name: str) -> bytes:
    with open(os.path.join(KEYS, name), "rb") as f:
        return f.read()


def b64u(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def compact(obj: Any) -> bytes:
    return json.dumps(obj, separators=(",", ":")).encode()


# ----------------------------------------------------------------------------------------------
# Configurations. Values {"file": name} are the exact bytes of keys/<name> (as text);
# {"path": name} is the absolute path of keys/<name>.
# ----------------------------------------------------------------------------------------------

HS = {"file": "hs256.secret"}
RSA_PUB = {"file": "rsa_public.pem"}
RSA2_PUB = {"file": "rsa2_public.pem"}
EC_PUB = {"file": "ec_public.pem"}
JWKS = {"path": "jwks.json"}

CONFIGS: Dict[str, Dict[str, Any]] = {
    "no_auth": {
        "description": "Nothing configured: no auth middleware at all; any Authorization header is ignored.",
        "env": {}, "agent_os": {}},
    "security_key": {
        "description": "OS_SECURITY_KEY only (static bearer key, compared in constant time).",
        "env": {"OS_SECURITY_KEY": SECURITY_KEY}, "agent_os": {}},
    "security_key+rs256_env": {
        "description": "OS_SECURITY_KEY and JWT_VERIFICATION_KEY (RSA public PEM), no authorization flag: JWT mode, "
                       "the security key is ignored entirely.",
        "env": {"OS_SECURITY_KEY": SECURITY_KEY, "JWT_VERIFICATION_KEY": RSA_PUB}, "agent_os": {}},
    "security_key+hs256_rbac": {
        "description": "OS_SECURITY_KEY and JWT_VERIFICATION_KEY (HS256 secret), authorization=True with "
                       "AuthorizationConfig(algorithm='HS256'): JWT + RBAC, the security key is ignored.",
        "env": {"OS_SECURITY_KEY": SECURITY_KEY, "JWT_VERIFICATION_KEY": HS},
        "agent_os": {"authorization": True, "authorization_config": {"algorithm": "HS256"}}},
    "rs256_env": {
        "description": "JWT_VERIFICATION_KEY = RSA public PEM, nothing else: JWT verification (RS256, the default "
                       "algorithm) without RBAC, no isolation.",
        "env": {"JWT_VERIFICATION_KEY": RSA_PUB}, "agent_os": {}},
    "rs256_env_rbac": {
        "description": "JWT_VERIFICATION_KEY = RSA public PEM and authorization=True: RS256 + RBAC scopes.",
        "env": {"JWT_VERIFICATION_KEY": RSA_PUB}, "agent_os": {"authorization": True}},
    "hs256_env_rbac_default_alg": {
        "description": "JWT_VERIFICATION_KEY = HS256 secret, authorization=True, no algorithm configured: the "
                       "middleware still only accepts RS256 (there is no env var for the algorithm).",
        "env": {"JWT_VERIFICATION_KEY": HS}, "agent_os": {"authorization": True}},
    "hs256_rbac": {
        "description": "JWT_VERIFICATION_KEY = HS256 secret, authorization=True, AuthorizationConfig(algorithm='HS256'). "
                       "The main configuration: token validity, header forms and scopes.",
        "env": {"JWT_VERIFICATION_KEY": HS},
        "agent_os": {"authorization": True, "authorization_config": {"algorithm": "HS256"}}},
    "hs256_config_keys_rbac": {
        "description": "No env var: AuthorizationConfig(verification_keys=[<HS256 secret>], algorithm='HS256'), "
                       "authorization=True.",
        "env": {}, "agent_os": {"authorization": True,
                                "authorization_config": {"algorithm": "HS256", "verification_keys": [HS]}}},
    "hs256_config_no_authorization_flag": {
        "description": "JWT_VERIFICATION_KEY = HS256 secret and AuthorizationConfig(algorithm='HS256') but "
                       "authorization left False: the config is still used for verification; no RBAC.",
        "env": {"JWT_VERIFICATION_KEY": HS}, "agent_os": {"authorization_config": {"algorithm": "HS256"}}},
    "jwks_rbac": {
        "description": "JWT_JWKS_FILE = path of keys/jwks.json (one RSA key, kid auth3-test-rsa-1, alg RS256), "
                       "authorization=True.",
        "env": {"JWT_JWKS_FILE": JWKS}, "agent_os": {"authorization": True}},
    "jwks+static_rbac": {
        "description": "JWT_JWKS_FILE = keys/jwks.json AND JWT_VERIFICATION_KEY = the SECOND RSA public key, "
                       "authorization=True: JWKS (by kid) is tried first, then the static key.",
        "env": {"JWT_JWKS_FILE": JWKS, "JWT_VERIFICATION_KEY": RSA2_PUB}, "agent_os": {"authorization": True}},
    "jwks_nokid_rbac": {
        "description": "JWT_JWKS_FILE = keys/jwks_nokid.json (the same RSA key without kid: agno's '_default' key, "
                       "used for any token whose kid is absent or unknown), authorization=True.",
        "env": {"JWT_JWKS_FILE": {"path": "jwks_nokid.json"}}, "agent_os": {"authorization": True}},
    "jwks_inline_env_ignored": {
        "description": "JWT_JWKS = inline JWKS JSON (named in a docstring, never read by agno 3.1.10): nothing is "
                       "configured, the instance is open.",
        "env": {"JWT_JWKS": {"file": "jwks.json"}}, "agent_os": {}},
    "rs256_env_escaped_newlines": {
        "description": "JWT_VERIFICATION_KEY = the RSA public PEM written on one line with literal backslash-n "
                       "sequences (a common env-file mistake): the key cannot be parsed, every token fails.",
        "env": {"JWT_VERIFICATION_KEY": {"file_escaped_newlines": "rsa_public.pem"}}, "agent_os": {"authorization": True}},
    "hs256_rbac_with_rsa_pem_key": {
        "description": "Misconfiguration that invites algorithm confusion: AuthorizationConfig(algorithm='HS256') "
                       "with JWT_VERIFICATION_KEY = the RSA public PEM. PyJWT refuses a PEM as an HMAC secret.",
        "env": {"JWT_VERIFICATION_KEY": RSA_PUB},
        "agent_os": {"authorization": True, "authorization_config": {"algorithm": "HS256"}}},
    "es256_rbac": {
        "description": "JWT_VERIFICATION_KEY = EC P-256 public PEM, authorization=True, "
                       "AuthorizationConfig(algorithm='ES256').",
        "env": {"JWT_VERIFICATION_KEY": EC_PUB},
        "agent_os": {"authorization": True, "authorization_config": {"algorithm": "ES256"}}},
    "hs256_rbac_aud_os_id": {
        "description": "hs256_rbac + AuthorizationConfig(verify_audience=True), no audience: the expected audience "
                       f"is the AgentOS id ({OS_ID!r}).",
        "env": {"JWT_VERIFICATION_KEY": HS},
        "agent_os": {"authorization": True, "authorization_config": {"algorithm": "HS256", "verify_audience": True}}},
    "hs256_rbac_aud_explicit": {
        "description": f"hs256_rbac + AuthorizationConfig(verify_audience=True, audience={AUDIENCE!r}).",
        "env": {"JWT_VERIFICATION_KEY": HS},
        "agent_os": {"authorization": True, "authorization_config": {"algorithm": "HS256", "verify_audience": True,
                                                                     "audience": AUDIENCE}}},
    "hs256_rbac_aud_not_verified": {
        "description": f"hs256_rbac + AuthorizationConfig(audience={AUDIENCE!r}) without verify_audience: "
                       "the audience is not checked at all.",
        "env": {"JWT_VERIFICATION_KEY": HS},
        "agent_os": {"authorization": True, "authorization_config": {"algorithm": "HS256", "audience": AUDIENCE}}},
    "hs256_rbac_issuer": {
        "description": f"authorization=Authorization(algorithm='HS256', issuer={ISSUER!r}) (agno.os.authz; the only "
                       "way to pin an issuer), key from JWT_VERIFICATION_KEY.",
        "env": {"JWT_VERIFICATION_KEY": HS},
        "agent_os": {"authorization_object": {"algorithm": "HS256", "issuer": ISSUER}}},
    "hs256_rbac_issuer_aud": {
        "description": f"Authorization(algorithm='HS256', issuer={ISSUER!r}, verify_audience=True, "
                       f"audience={AUDIENCE!r}): ordering of the audience and issuer checks.",
        "env": {"JWT_VERIFICATION_KEY": HS},
        "agent_os": {"authorization_object": {"algorithm": "HS256", "issuer": ISSUER, "verify_audience": True,
                                              "audience": AUDIENCE}}},
    "hs256_rbac_isolation": {
        "description": "hs256_rbac + AgentOS(user_isolation=True): the token subject is the only user a non-admin "
                       "caller reads; agent_os:admin lifts it.",
        "env": {"JWT_VERIFICATION_KEY": HS},
        "agent_os": {"authorization": True, "authorization_config": {"algorithm": "HS256"}, "user_isolation": True}},
    "hs256_rbac_isolation_legacy_flag": {
        "description": "Isolation switched on through the deprecated AuthorizationConfig(user_isolation=True) instead "
                       "of AgentOS(user_isolation=True).",
        "env": {"JWT_VERIFICATION_KEY": HS},
        "agent_os": {"authorization": True,
                     "authorization_config": {"algorithm": "HS256", "user_isolation": True}}},
    "hs256_rbac_isolation_custom_admin": {
        "description": f"hs256_rbac_isolation + AuthorizationConfig(admin_scope={CUSTOM_ADMIN!r}): that scope "
                       "replaces agent_os:admin (which then grants nothing).",
        "env": {"JWT_VERIFICATION_KEY": HS},
        "agent_os": {"authorization": True, "user_isolation": True,
                     "authorization_config": {"algorithm": "HS256", "admin_scope": CUSTOM_ADMIN}}},
    "rs256_env_isolation": {
        "description": "JWT_VERIFICATION_KEY = RSA public PEM, AgentOS(user_isolation=True), authorization left False: "
                       "isolation without RBAC.",
        "env": {"JWT_VERIFICATION_KEY": RSA_PUB}, "agent_os": {"user_isolation": True}},
    "manual_middleware_custom_claims": {
        "description": "No AgentOS auth; app.add_middleware(JWTMiddleware, verification_keys=[<HS256 secret>], "
                       "algorithm='HS256', authorization=True, user_isolation=True, user_id_claim='uid', "
                       "scopes_claim='permissions') on AgentOS's app: the only way to rename the claims.",
        "env": {}, "agent_os": {},
        "manual_middleware": {"verification_keys": [HS], "algorithm": "HS256", "authorization": True,
                              "user_isolation": True, "user_id_claim": "uid", "scopes_claim": "permissions"}},
    "isolation_no_auth": {
        "description": "AgentOS(user_isolation=True) with no credential at all: advisory isolation keyed on the "
                       "self-asserted ?user_id= (NoAuthIdentityMiddleware); tokens are ignored.",
        "env": {}, "agent_os": {"user_isolation": True}},
}


def resolve_value(v: Any) -> Any:
    if isinstance(v, dict) and set(v) == {"file"}:
        return key_bytes(v["file"]).decode()
    if isinstance(v, dict) and set(v) == {"file_escaped_newlines"}:
        return key_bytes(v["file_escaped_newlines"]).decode().replace("\n", "\\n")
    if isinstance(v, dict) and set(v) == {"path"}:
        return os.path.join(KEYS, v["path"])
    if isinstance(v, list):
        return [resolve_value(x) for x in v]
    if isinstance(v, dict):
        return {k: resolve_value(x) for k, x in v.items()}
    return v


# ----------------------------------------------------------------------------------------------
# Tokens
# ----------------------------------------------------------------------------------------------

DROP = object()


def claims(sub: Any = "alice", scopes: Any = ("sessions:read",), exp: Any = 3600, iat: Any = 0, **extra) -> dict:
    """Standard claims; exp/iat are relative seconds (None or DROP leaves them out)."""
    c: Dict[str, Any] = {}
    if sub is not DROP:
        c["sub"] = sub
    if scopes is not DROP:
        c["scopes"] = list(scopes) if isinstance(scopes, tuple) else scopes
    if iat is not None and iat is not DROP:
        c["iat"] = {"now_plus": iat}
    if exp is not None and exp is not DROP:
        c["exp"] = {"now_plus": exp}
    for k, v in extra.items():
        if v is not DROP:
            c[k] = v
    return c


def spec(c: dict, alg: str = "HS256", key: str = "hs256.secret", kid: Optional[str] = None,
         header_extra: Optional[dict] = None) -> dict:
    return {"kind": "spec", "alg": alg, "key": key, "kid": kid, "header_extra": header_extra or {}, "claims": c}


def raw(value: str, how: str, **detail) -> dict:
    d = {"kind": "raw", "value": value, "how": how}
    d.update(detail)
    return d


def hmac_token(header: Any, payload: Any, secret: bytes, header_bytes: Optional[bytes] = None,
               payload_bytes: Optional[bytes] = None) -> str:
    h = b64u(header_bytes if header_bytes is not None else compact(header))
    p = b64u(payload_bytes if payload_bytes is not None else compact(payload))
    sig = hmac.new(secret, f"{h}.{p}".encode(), hashlib.sha256).digest()
    return f"{h}.{p}.{b64u(sig)}"


STATIC_CLAIMS = {"sub": "alice", "scopes": ["sessions:read"]}  # no time claims: raw tokens stay byte-stable


def raw_tokens() -> Dict[str, dict]:
    hs = key_bytes("hs256.secret")
    pem = key_bytes("rsa_public.pem")
    hdr = {"alg": "HS256", "typ": "JWT"}
    valid_static = hmac_token(hdr, STATIC_CLAIMS, hs)
    h, p, s = valid_static.split(".")
    # a signature whose last base64url character carries non-zero padding bits: decodes, but not canonically
    last = s[-1]
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    idx = alphabet.index(last)
    noncanon = s[:-1] + alphabet[(idx & ~3) | ((idx & 3) ^ 1)]
    t = {
        "valid_static_hs256": raw(valid_static, "HS256 over the header/claims with keys/hs256.secret; no exp/iat",
                                  header=hdr, claims=STATIC_CLAIMS),
        "padded_signature": raw(valid_static + "=", "valid_static_hs256 with one '=' appended to the signature segment"),
        "noncanonical_signature": raw(f"{h}.{p}.{noncanon}", "valid_static_hs256 with the signature's last base64url "
                                      "character changed in its unused low bits (decodes, not canonical)"),
        "alg_none": raw(f"{b64u(compact({'alg': 'none', 'typ': 'JWT'}))}.{b64u(compact(STATIC_CLAIMS))}.",
                        "unsecured JWT: header alg 'none', empty signature", header={"alg": "none", "typ": "JWT"},
                        claims=STATIC_CLAIMS),
        "alg_confusion_hs256_rsa_pub": raw(hmac_token(hdr, STATIC_CLAIMS, pem),
                                           "algorithm confusion: header alg HS256, HMAC-SHA256 keyed with the exact "
                                           "bytes of keys/rsa_public.pem", header=hdr, claims=STATIC_CLAIMS),
        "alg_confusion_hs256_rsa_pub_kid": raw(hmac_token({"alg": "HS256", "typ": "JWT", "kid": RSA_KID}, STATIC_CLAIMS,
                                                          pem),
                                               "algorithm confusion with the JWKS kid: header alg HS256 + kid "
                                               f"{RSA_KID}, HMAC keyed with the bytes of keys/rsa_public.pem",
                                               header={"alg": "HS256", "typ": "JWT", "kid": RSA_KID},
                                               claims=STATIC_CLAIMS),
        "alg_missing": raw(hmac_token({"typ": "JWT"}, STATIC_CLAIMS, hs), "header without alg ({'typ':'JWT'}), "
                           "HMAC-SHA256 with keys/hs256.secret"),
        "empty_header_object": raw(hmac_token({}, STATIC_CLAIMS, hs), "header {} , HMAC-SHA256 with keys/hs256.secret"),
        "kid_integer": raw(hmac_token({"alg": "HS256", "typ": "JWT", "kid": 7}, STATIC_CLAIMS, hs),
                           "header kid is the number 7; HS256 with keys/hs256.secret"),
        "crit_unsupported": raw(hmac_token({"alg": "HS256", "typ": "JWT", "crit": ["exp"], "exp": 1}, STATIC_CLAIMS, hs),
                                "header crit ['exp'] (an extension PyJWT does not support); HS256 with keys/hs256.secret"),
        "header_not_json": raw(hmac_token(None, STATIC_CLAIMS, hs, header_bytes=b"not json"),
                               "header segment = base64url('not json'); HS256 with keys/hs256.secret"),
        "header_json_array": raw(hmac_token(None, STATIC_CLAIMS, hs, header_bytes=b'["HS256"]'),
                                 "header segment = base64url('[\"HS256\"]')"),
        "payload_not_json": raw(hmac_token(hdr, None, hs, payload_bytes=b"not json"),
                                "payload segment = base64url('not json'), correctly HS256-signed"),
        "payload_json_array": raw(hmac_token(hdr, None, hs, payload_bytes=b'["alice"]'),
                                  "payload segment = base64url('[\"alice\"]'), correctly HS256-signed"),
        "garbage": raw("not-a-jwt", "no dots at all"),
        "two_segments": raw(f"{h}.{p}", "header.payload of valid_static_hs256, signature segment missing"),
        "four_segments": raw(f"{h}.{p}.{s}.{s}", "valid_static_hs256 with an extra '.<signature>' appended"),
        "bad_base64_header": raw(f"!!!.{p}.{s}", "header segment '!!!' (not base64url)"),
        "bad_base64_payload": raw(f"{h}.@@@.{s}", "payload segment '@@@' (not base64url)"),
        "bad_base64_signature": raw(f"{h}.{p}.***", "signature segment '***' (not base64url)"),
        "tampered_payload": raw(f"{h}.{b64u(compact({'sub': 'bob', 'scopes': ['sessions:read']}))}.{s}",
                                "valid_static_hs256's signature on a different payload (sub bob)"),
        "security_key": raw(SECURITY_KEY, "the OS_SECURITY_KEY value itself"),
        "security_key_wrong": raw(SECURITY_KEY + "-wrong", "not the OS_SECURITY_KEY value"),
        "non_ascii": raw("cl\u00e9-\u00fc", "non-ASCII text; sent as its UTF-8 bytes"),
        "service_account_like": raw("agno_pat_auth3notarealtoken", "a service-account token shape (agno_pat_ prefix) "
                                    "that no service account issued"),
    }
    return t


# ----------------------------------------------------------------------------------------------
# Cases
# ----------------------------------------------------------------------------------------------

BEARER = [["Authorization", "Bearer {token}"]]


def plan_cases(R: Dict[str, dict]) -> List[dict]:  # noqa: C901  (a long, flat list)
    cases: List[dict] = []
    ids = set()

    def add(cid: str, config: str, note: str, token: Optional[dict] = None, headers: Optional[list] = None,
            path: str = "/sessions/s-alice", query: str = ""):
        assert config in CONFIGS, config
        cid = f"{config}/{cid}"
        assert cid not in ids, cid
        ids.add(cid)
        if headers is None:
            headers = BEARER if token is not None else []
        if token is None:
            assert not any("{token}" in v for _, v in headers), cid
        cases.append({"id": cid, "config": config, "note": note, "token": token, "headers": headers,
                      "request": {"method": "GET", "path": path, "query": query}})

    ok = spec(claims())  # HS256, sub alice, sessions:read, iat now, exp now+1h

    # --- no auth ------------------------------------------------------------------------------
    c = "no_auth"
    add("no_header", c, "open instance: no credential needed")
    add("garbage_bearer", c, "open instance: a bad token is ignored", R["garbage"])
    add("other_user_filter", c, "open instance: user_id query filters by owner", query="user_id=bob")

    # --- security key alone -------------------------------------------------------------------
    c = "security_key"
    add("missing_header", c, "no Authorization header")
    add("bearer_key", c, "Bearer <key>", R["security_key"])
    add("bare_key", c, "the key without scheme", R["security_key"], [["Authorization", "{token}"]])
    add("lowercase_scheme", c, "bearer <key>", R["security_key"], [["Authorization", "bearer {token}"]])
    add("uppercase_scheme", c, "BEARER <key>", R["security_key"], [["Authorization", "BEARER {token}"]])
    add("extra_spaces", c, "Bearer, two spaces, key, trailing space", R["security_key"],
        [["Authorization", "Bearer  {token} "]])
    add("wrong_key", c, "Bearer <other value>", R["security_key_wrong"])
    add("jwt_instead_of_key", c, "a valid HS256 JWT is not the key", ok)
    add("basic_scheme", c, "Basic <key>: the scheme is kept as part of the credential", R["security_key"],
        [["Authorization", "Basic {token}"]])
    add("empty_header", c, "Authorization header present but empty", None, [["Authorization", ""]])
    add("bearer_no_token", c, "'Bearer' with nothing after it", None, [["Authorization", "Bearer"]])
    add("bearer_space_only", c, "'Bearer ' (scheme and one space)", None, [["Authorization", "Bearer "]])
    add("unknown_path_no_header", c, "auth runs before routing", path="/nope")
    add("unknown_path_key", c, "valid key, unknown path", R["security_key"], path="/nope")
    add("health_no_header", c, "/health is excluded from auth", path="/health")
    add("key_other_user_filter", c, "the key carries no user: user_id query filters", R["security_key"],
        query="user_id=bob")
    add("key_in_cookie", c, "the key as cookie access_token is not read", None,
        [["Cookie", f"access_token={SECURITY_KEY}"]])
    add("service_account_like", c, "agno_pat_ token: checked as a service account, not as the key",
        R["service_account_like"])
    add("non_ascii_key", c, "a non-ASCII credential (UTF-8 bytes on the wire)", R["non_ascii"])

    # --- security key + JWT ------------------------------------------------------------------
    c = "security_key+rs256_env"
    rs_ok = spec(claims(scopes=DROP), alg="RS256", key="rsa_private.pem")
    add("security_key", c, "the security key is not accepted once JWT is configured", R["security_key"])
    add("valid_rs256", c, "valid RS256 JWT without scopes (no RBAC)", rs_ok)
    add("missing_header", c, "no Authorization header: the JWT-mode text")
    c = "security_key+hs256_rbac"
    add("security_key", c, "the security key is not accepted under authorization=True", R["security_key"])
    add("valid_hs256", c, "valid HS256 JWT with sessions:read", ok)
    add("missing_header", c, "no Authorization header")

    # --- RS256 from env, no RBAC --------------------------------------------------------------
    c = "rs256_env"
    add("valid_no_scopes", c, "RS256, no scopes claim: fine without RBAC", rs_ok)
    add("valid_other_users_session", c, "no isolation: any valid token reads any session", rs_ok, path="/sessions/s-bob")
    add("valid_user_filter_other", c, "no isolation: the user_id query filters normally", rs_ok, query="user_id=bob")
    add("no_sub", c, "no sub, no isolation: fine", spec(claims(sub=DROP), alg="RS256", key="rsa_private.pem"))
    add("missing_header", c, "no Authorization header")
    add("wrong_key", c, "RS256 signed by the second RSA key", spec(claims(), alg="RS256", key="rsa2_private.pem"))
    add("alg_confusion", c, "HS256 token HMAC'd with the RSA public PEM bytes", R["alg_confusion_hs256_rsa_pub"])
    add("alg_none", c, "alg none", R["alg_none"])
    add("hs256_token", c, "a genuine HS256 token", ok)
    add("es256_token", c, "an ES256 token", spec(claims(), alg="ES256", key="ec_private.pem"))
    add("rs512_same_key", c, "RS512 signed with the right RSA key: alg not allowed",
        spec(claims(), alg="RS512", key="rsa_private.pem"))
    add("ps256_same_key", c, "PS256 signed with the right RSA key: alg not allowed",
        spec(claims(), alg="PS256", key="rsa_private.pem"))
    add("expired", c, "exp an hour ago", spec(claims(exp=-3600), alg="RS256", key="rsa_private.pem"))
    add("unknown_path_valid", c, "valid token, unknown path", rs_ok, path="/nope")
    add("unknown_path_invalid", c, "invalid token, unknown path: 401 first", R["garbage"], path="/nope")

    c = "rs256_env_rbac"
    add("valid_scope", c, "RS256 with sessions:read", spec(claims(), alg="RS256", key="rsa_private.pem"))
    add("no_scopes", c, "RS256 without scopes claim", rs_ok)
    add("admin", c, "RS256 with agent_os:admin only",
        spec(claims(scopes=("agent_os:admin",)), alg="RS256", key="rsa_private.pem"))
    add("with_kid", c, "RS256 with an arbitrary kid header (static keys ignore kid)",
        spec(claims(), alg="RS256", key="rsa_private.pem", kid="whatever"))

    c = "hs256_env_rbac_default_alg"
    add("hs256_token", c, "HS256 token while the algorithm stays RS256", ok)
    add("missing_header", c, "no Authorization header")

    # --- HS256 + RBAC: validity -----------------------------------------------------------------
    c = "hs256_rbac"
    add("valid", c, "sub alice, sessions:read, iat now, exp +1h", ok)
    add("valid_type_agent", c, "valid, type=agent", ok, query="type=agent")
    add("valid_type_team", c, "valid, type=team on an agent session", ok, query="type=team")
    add("valid_missing_session", c, "valid, unknown session id", ok, path="/sessions/s-missing")
    add("valid_other_users_session", c, "no isolation: alice reads bob's session", ok, path="/sessions/s-bob")
    add("valid_user_filter_other", c, "no isolation: user_id=bob filters alice's session out", ok, query="user_id=bob")
    add("valid_user_filter_owner", c, "no isolation: user_id=alice", ok, query="user_id=alice")
    add("valid_unknown_db_id", c, "valid, db_id of no database", ok, query="db_id=nope")
    add("valid_db_id", c, "valid, db_id of the database", ok, query=f"db_id={DB_ID}")
    add("valid_unknown_path", c, "valid token, unknown path", ok, path="/nope")
    add("no_token_unknown_path", c, "no token, unknown path: 401 before routing", path="/nope")
    add("no_token_health", c, "/health is excluded", path="/health")
    add("missing_header", c, "no Authorization header")
    add("empty_header", c, "Authorization header present but empty", None, [["Authorization", ""]])
    add("bearer_no_token", c, "'Bearer' alone is taken as the token", None, [["Authorization", "Bearer"]])
    add("bearer_space_only", c, "'Bearer ' (scheme and one space)", None, [["Authorization", "Bearer "]])
    add("bare_token", c, "the token without scheme", ok, [["Authorization", "{token}"]])
    add("lowercase_scheme", c, "bearer <t>", ok, [["Authorization", "bearer {token}"]])
    add("uppercase_scheme", c, "BEARER <t>", ok, [["Authorization", "BEARER {token}"]])
    add("extra_spaces", c, "Bearer, two spaces, token, trailing space", ok, [["Authorization", "Bearer  {token} "]])
    add("basic_scheme", c, "Basic <t>: 'Basic ' stays in front of the token", ok, [["Authorization", "Basic {token}"]])
    add("token_in_cookie", c, "token only in cookie access_token: not read (header source only)", ok,
        [["Cookie", "access_token={token}"]])
    add("two_headers_bad_first", c, "two Authorization headers, the first garbage: the first one is used", ok,
        [["Authorization", "Bearer not-a-jwt"], ["Authorization", "Bearer {token}"]])
    add("two_headers_good_first", c, "two Authorization headers, the first valid", ok,
        [["Authorization", "Bearer {token}"], ["Authorization", "Bearer not-a-jwt"]])
    add("security_key_as_bearer", c, "a non-JWT string", R["security_key"])
    add("non_ascii_token", c, "a token with non-ASCII characters (UTF-8 bytes on the wire)", R["non_ascii"])
    add("invalid_type_query", c, "valid token, type=bogus: query validation after auth", ok, query="type=bogus")
    add("invalid_type_query_no_token", c, "no token, type=bogus: 401 first", query="type=bogus")
    add("invalid_type_query_no_scope", c, "no scopes, type=bogus: 403 first", spec(claims(scopes=())),
        query="type=bogus")
    add("service_account_like", c, "agno_pat_ token: service-account path, not JWT", R["service_account_like"])
    add("origin_allowed_401", c, "401 with an allowed Origin: CORS headers on the error", None,
        [["Origin", "https://app.agno.com"]])
    add("origin_allowed_200", c, "200 with an allowed Origin", ok,
        [["Authorization", "Bearer {token}"], ["Origin", "https://app.agno.com"]])
    add("origin_other_401", c, "401 with a foreign Origin", None, [["Origin", "https://evil.example"]])
    # time claims (leeway: PyJWT leeway=10 s, fixed by agno's JWTValidator default)
    add("expired", c, "exp an hour ago", spec(claims(exp=-3600)))
    add("expired_beyond_leeway", c, "exp 30 s ago (leeway is 10 s)", spec(claims(exp=-30, iat=-60)))
    add("expired_within_leeway", c, "exp 5 s ago: inside the 10 s leeway", spec(claims(exp=-5, iat=-60)))
    add("exp_now", c, "exp = now: inside the leeway", spec(claims(exp=0, iat=-60)))
    add("no_exp", c, "no exp claim at all (not required)", spec(claims(exp=None)))
    add("no_exp_no_iat", c, "neither exp nor iat", spec(claims(exp=None, iat=None)))
    add("exp_numeric_string", c, "exp as a numeric string (int() accepts it)",
        spec(claims(exp=None) | {"exp": {"now_plus": 3600, "type": "string"}}))
    add("exp_float", c, "exp as a float", spec(claims(exp=None) | {"exp": {"now_plus": 3600, "type": "float"}}))
    add("exp_not_number", c, "exp = 'soon'", spec(claims(exp=None) | {"exp": "soon"}))
    add("exp_expired_string", c, "exp as a numeric string an hour ago",
        spec(claims(exp=None) | {"exp": {"now_plus": -3600, "type": "string"}}))
    add("nbf_future", c, "nbf an hour ahead", spec(claims(nbf={"now_plus": 3600})))
    add("nbf_beyond_leeway", c, "nbf 30 s ahead", spec(claims(nbf={"now_plus": 30})))
    add("nbf_within_leeway", c, "nbf 5 s ahead: inside the leeway", spec(claims(nbf={"now_plus": 5})))
    add("nbf_past", c, "nbf an hour ago", spec(claims(nbf={"now_plus": -3600})))
    add("nbf_not_number", c, "nbf = 'later'", spec(claims(nbf="later")))
    add("iat_future", c, "iat an hour ahead (PyJWT checks iat)", spec(claims(iat=3600)))
    add("iat_beyond_leeway", c, "iat 30 s ahead", spec(claims(iat=30)))
    add("iat_within_leeway", c, "iat 5 s ahead: inside the leeway", spec(claims(iat=5)))
    add("iat_not_number", c, "iat = 'yesterday'", spec(claims(iat=None) | {"iat": "yesterday"}))
    add("expired_and_nbf_future", c, "order: nbf is checked before exp",
        spec(claims(exp=-3600, nbf={"now_plus": 3600})))
    add("expired_and_iat_future", c, "order: iat is checked before nbf and exp",
        spec(claims(exp=-3600, iat=3600, nbf={"now_plus": 3600})))
    add("expired_wrong_signature", c, "order: the signature is checked before any claim",
        spec(claims(exp=-3600), key="hs256_other.secret"))
    add("expired_no_scope", c, "order: expiry (401) before scopes (403)", spec(claims(exp=-3600, scopes=())))
    # signature / structure
    add("wrong_secret", c, "HS256 signed with another secret", spec(claims(), key="hs256_other.secret"))
    add("tampered_payload", c, "signature of one payload on another", R["tampered_payload"])
    add("alg_none", c, "alg none", R["alg_none"])
    add("alg_missing", c, "header without alg", R["alg_missing"])
    add("empty_header_object", c, "header {}", R["empty_header_object"])
    add("rs256_token", c, "a genuine RS256 token", spec(claims(), alg="RS256", key="rsa_private.pem"))
    add("hs512_same_secret", c, "HS512 with the right secret: alg not allowed",
        spec(claims(), alg="HS512", key="hs256.secret"))
    add("alg_confusion", c, "HS256 HMAC'd with the RSA public PEM (not this config's key)",
        R["alg_confusion_hs256_rsa_pub"])
    add("garbage", c, "not a JWT", R["garbage"])
    add("two_segments", c, "header.payload", R["two_segments"])
    add("four_segments", c, "four segments", R["four_segments"])
    add("bad_base64_header", c, "header not base64url", R["bad_base64_header"])
    add("bad_base64_payload", c, "payload not base64url", R["bad_base64_payload"])
    add("bad_base64_signature", c, "signature not base64url", R["bad_base64_signature"])
    add("header_not_json", c, "header not JSON", R["header_not_json"])
    add("header_json_array", c, "header a JSON array", R["header_json_array"])
    add("payload_not_json", c, "payload not JSON (signature valid)", R["payload_not_json"])
    add("payload_json_array", c, "payload a JSON array (signature valid)", R["payload_json_array"])
    add("kid_integer", c, "kid header not a string", R["kid_integer"])
    add("crit_unsupported", c, "crit header names an unsupported extension", R["crit_unsupported"])
    add("static_valid", c, "the raw HS256 token without time claims", R["valid_static_hs256"])
    add("padded_signature", c, "signature with a trailing '='", R["padded_signature"])
    add("noncanonical_signature", c, "non-canonical base64url signature", R["noncanonical_signature"])
    add("typ_other", c, "typ header 'at+jwt' (not checked)", spec(claims(), header_extra={"typ": "at+jwt"}))
    add("kid_ignored", c, "kid header with static keys: ignored", spec(claims(), kid="any-kid"))
    # claims
    add("sub_integer", c, "sub is a number", spec(claims(sub=42)))
    add("sub_empty", c, "sub is '' (no isolation: fine)", spec(claims(sub="")))
    add("no_sub", c, "no sub (no isolation: fine)", spec(claims(sub=DROP)))
    add("sub_reserved_sa", c, "sub 'sa:robot' (service-account namespace)", spec(claims(sub="sa:robot")))
    add("sub_reserved_scheduler", c, "sub '__scheduler__'", spec(claims(sub="__scheduler__")))
    add("sub_reserved_oauth", c, "sub '__oauth__:client'", spec(claims(sub="__oauth__:client")))
    add("sub_reserved_no_scope", c, "order: reserved subject (401) before scopes (403)",
        spec(claims(sub="sa:robot", scopes=())))
    add("sub_integer_no_scope", c, "order: sub type (401) before scopes (403)", spec(claims(sub=42, scopes=())))
    add("jti_integer", c, "jti is a number", spec(claims(jti=7)))
    add("jti_string", c, "jti is a string", spec(claims(jti="j-1")))
    add("aud_any_not_verified", c, "aud present but audience verification off", spec(claims(aud="someone-else")))
    add("iss_any_not_pinned", c, "iss present but no issuer pinned", spec(claims(iss="https://anyone.example")))
    add("iss_integer_not_pinned", c, "iss a number, no issuer pinned (PyJWT does not look)", spec(claims(iss=5)))
    # scopes (GET /sessions/* requires ["sessions:read"])
    for name, sc, note in [
        ("scope_sessions_read", ["sessions:read"], "exact scope"),
        ("scope_string", "sessions:read", "scopes as a single string"),
        ("scope_space_separated", "sessions:read agents:read", "scopes as an OAuth-style space-separated string"),
        ("scope_sessions_wildcard_action", ["sessions:*"], "'sessions:*' (action wildcard): not a wildcard"),
        ("scope_sessions_wildcard_resource", ["sessions:*:read"], "'sessions:*:read' (resource wildcard)"),
        ("scope_sessions_per_id", ["sessions:s-alice:read"], "per-session scope: sessions have no per-resource scopes"),
        ("scope_sessions_write", ["sessions:write"], "write, not read"),
        ("scope_sessions_delete", ["sessions:delete"], "delete, not read"),
        ("scope_admin", ["agent_os:admin"], "the admin scope"),
        ("scope_admin_plain", ["admin"], "'admin' is not the admin scope"),
        ("scope_star", ["*"], "'*'"),
        ("scope_uppercase", ["SESSIONS:READ"], "case matters"),
        ("scope_other_family", ["agents:read", "memories:read"], "other families"),
        ("scope_config_read", ["config:read", "system:read"], "config/system scopes"),
        ("scope_empty_list", [], "empty list"),
        ("scope_dict", {"sessions": "read"}, "scopes as an object: treated as no scopes"),
        ("scope_number", 5, "scopes as a number: treated as no scopes"),
        ("scope_list_with_number", [5, "sessions:read"], "a non-string entry in the list"),
        ("scope_many", ["agents:read", "sessions:read", "memories:write"], "sessions:read among others"),
        ("scope_trailing_space", ["sessions:read "], "'sessions:read ' (trailing space)"),
    ]:
        add(name, c, note, spec(claims(scopes=sc)))
    add("scope_missing_claim", c, "no scopes claim", spec(claims(scopes=DROP)))
    add("scope_in_scope_claim", c, "OAuth 'scope' claim instead of 'scopes'",
        spec(claims(scopes=DROP, scope="sessions:read")))
    add("scope_in_scp_claim", c, "'scp' claim instead of 'scopes'", spec(claims(scopes=DROP, scp=["sessions:read"])))
    add("scope_permissions_claim", c, "'permissions' claim instead of 'scopes'",
        spec(claims(scopes=DROP, permissions=["sessions:read"])))
    add("no_scope_unknown_path", c, "no scopes, unknown path: no scope is required there", spec(claims(scopes=())),
        path="/nope")
    add("no_scope_missing_session", c, "no scopes, unknown session: 403 before the lookup", spec(claims(scopes=())),
        path="/sessions/s-missing")
    add("no_scope_unknown_db_id", c, "no scopes, unknown db_id: 403 before the lookup", spec(claims(scopes=())),
        query="db_id=nope")

    c = "hs256_config_keys_rbac"
    add("valid", c, "key from AuthorizationConfig.verification_keys", ok)
    add("wrong_secret", c, "another secret", spec(claims(), key="hs256_other.secret"))
    add("no_scope", c, "no scopes", spec(claims(scopes=())))

    c = "hs256_config_no_authorization_flag"
    add("valid_no_scopes", c, "HS256 accepted, no RBAC", spec(claims(scopes=DROP)))
    add("wrong_secret", c, "another secret", spec(claims(), key="hs256_other.secret"))
    add("missing_header", c, "no header")

    # --- JWKS --------------------------------------------------------------------------------
    c = "jwks_rbac"
    jw = lambda cl, **kw: spec(cl, alg="RS256", key="rsa_private.pem", kid=RSA_KID, **kw)  # noqa: E731
    add("valid_kid", c, "RS256 with the JWKS kid", jw(claims()))
    add("no_kid", c, "RS256 without kid (the JWKS key has a kid: no default key)",
        spec(claims(), alg="RS256", key="rsa_private.pem"))
    add("unknown_kid", c, "RS256 with an unknown kid", spec(claims(), alg="RS256", key="rsa_private.pem", kid="nope"))
    add("kid_wrong_key", c, "JWKS kid but signed by the second RSA key",
        spec(claims(), alg="RS256", key="rsa2_private.pem", kid=RSA_KID))
    add("alg_confusion_kid", c, "HS256 HMAC'd with the RSA public PEM, JWKS kid", R["alg_confusion_hs256_rsa_pub_kid"])
    add("alg_none", c, "alg none (no kid)", R["alg_none"])
    add("rs512_kid", c, "RS512 with the right key and kid", spec(claims(), alg="RS512", key="rsa_private.pem",
                                                                   kid=RSA_KID))
    add("kid_integer", c, "kid header not a string", R["kid_integer"])
    add("garbage", c, "not a JWT", R["garbage"])
    add("expired", c, "expired, JWKS kid", jw(claims(exp=-3600)))
    add("nbf_future", c, "nbf ahead, JWKS kid", jw(claims(nbf={"now_plus": 3600})))
    add("no_scope", c, "JWKS kid, no scopes", jw(claims(scopes=())))
    add("admin", c, "JWKS kid, agent_os:admin", jw(claims(scopes=("agent_os:admin",))))
    add("missing_header", c, "no header")

    c = "jwks+static_rbac"
    add("jwks_key", c, "signed by the JWKS key, its kid", jw(claims()))
    add("static_key_with_jwks_kid", c, "signed by the static (second) key but carrying the JWKS kid: JWKS fails, "
        "the static key verifies", spec(claims(), alg="RS256", key="rsa2_private.pem", kid=RSA_KID))
    add("static_key_no_kid", c, "signed by the static key, no kid", spec(claims(), alg="RS256", key="rsa2_private.pem"))
    add("jwks_key_no_kid", c, "signed by the JWKS key but no kid: only the static key is tried",
        spec(claims(), alg="RS256", key="rsa_private.pem"))
    add("expired_jwks", c, "expired, JWKS key: the expiry is final (no fallback)", jw(claims(exp=-3600)))
    add("expired_static_with_jwks_kid", c, "expired, static key, JWKS kid", spec(claims(exp=-3600), alg="RS256",
                                                                              key="rsa2_private.pem", kid=RSA_KID))

    c = "jwks_nokid_rbac"
    add("no_kid", c, "RS256 without kid: the default key", spec(claims(), alg="RS256", key="rsa_private.pem"))
    add("any_kid", c, "RS256 with an unknown kid: falls back to the default key",
        spec(claims(), alg="RS256", key="rsa_private.pem", kid="nope"))
    add("wrong_key", c, "signed by the second RSA key", spec(claims(), alg="RS256", key="rsa2_private.pem"))
    add("alg_none", c, "alg none", R["alg_none"])
    add("alg_confusion", c, "HS256 HMAC'd with the RSA public PEM", R["alg_confusion_hs256_rsa_pub"])

    c = "jwks_inline_env_ignored"
    add("missing_header", c, "no header: open instance")
    add("jwks_token", c, "a JWKS-signed token is simply ignored", jw(claims()))

    c = "rs256_env_escaped_newlines"
    add("valid_rs256", c, "a correctly signed RS256 token", spec(claims(), alg="RS256", key="rsa_private.pem"))
    add("garbage", c, "not a JWT: fails before the key is used", R["garbage"])
    add("hs256_token", c, "an HS256 token: the alg check comes before the key is parsed", ok)
    add("missing_header", c, "no header")

    c = "hs256_rbac_with_rsa_pem_key"
    add("alg_confusion", c, "HS256 HMAC'd with the exact PEM bytes", R["alg_confusion_hs256_rsa_pub"])
    add("rs256_token", c, "a genuine RS256 token", spec(claims(), alg="RS256", key="rsa_private.pem"))
    add("hs256_token", c, "an HS256 token signed with the real HS256 secret", ok)

    # --- ES256 -------------------------------------------------------------------------------
    c = "es256_rbac"
    es = lambda cl, **kw: spec(cl, alg="ES256", key="ec_private.pem", **kw)  # noqa: E731
    add("valid", c, "ES256 with sessions:read", es(claims()))
    add("wrong_key", c, "ES256 signed by the second EC key", spec(claims(), alg="ES256", key="ec2_private.pem"))
    add("expired", c, "expired", es(claims(exp=-3600)))
    add("rs256_token", c, "an RS256 token", spec(claims(), alg="RS256", key="rsa_private.pem"))
    add("hs256_token", c, "an HS256 token", ok)
    add("no_scope", c, "no scopes", es(claims(scopes=())))
    add("admin", c, "agent_os:admin", es(claims(scopes=("agent_os:admin",))))

    # --- audience ----------------------------------------------------------------------------
    c = "hs256_rbac_aud_os_id"
    for name, aud, note in [
        ("aud_os_id", OS_ID, "aud = the AgentOS id"),
        ("aud_list_with_os_id", ["other", OS_ID], "aud list containing the AgentOS id"),
        ("aud_other", "other-api", "aud another value"),
        ("aud_list_without", ["a", "b"], "aud list without the id"),
        ("aud_empty_string", "", "aud ''"),
        ("aud_empty_list", [], "aud []"),
        ("aud_number", 7, "aud a number"),
        ("aud_null", None, "aud null"),
        ("aud_case", OS_ID.upper(), "aud differs in case"),
    ]:
        add(name, c, note, spec(claims(aud=aud)))
    add("aud_missing", c, "no aud claim", ok)
    add("aud_wrong_and_expired", c, "order: expiry before audience", spec(claims(aud="other-api", exp=-3600)))
    add("aud_wrong_and_no_scope", c, "order: audience (401) before scopes (403)", spec(claims(aud="other-api", scopes=())))
    add("aud_ok_no_scope", c, "right audience, no scopes", spec(claims(aud=OS_ID, scopes=())))

    c = "hs256_rbac_aud_explicit"
    add("aud_configured", c, "aud = the configured audience", spec(claims(aud=AUDIENCE)))
    add("aud_os_id", c, "aud = the AgentOS id (not the configured audience)", spec(claims(aud=OS_ID)))
    add("aud_missing", c, "no aud", ok)

    c = "hs256_rbac_aud_not_verified"
    add("aud_other", c, "aud another value: not verified", spec(claims(aud="other-api")))
    add("aud_missing", c, "no aud: not verified", ok)

    # --- issuer ------------------------------------------------------------------------------
    c = "hs256_rbac_issuer"
    add("iss_ok", c, "iss = the pinned issuer", spec(claims(iss=ISSUER)))
    add("iss_wrong", c, "iss another issuer", spec(claims(iss="https://evil.example")))
    add("iss_missing", c, "no iss", ok)
    add("iss_trailing_slash", c, "iss with a trailing slash", spec(claims(iss=ISSUER + "/")))
    add("iss_number", c, "iss a number", spec(claims(iss=5)))
    add("iss_list", c, "iss a list holding the issuer", spec(claims(iss=[ISSUER])))
    add("iss_null", c, "iss null", spec(claims(iss=None)))
    add("iss_wrong_and_expired", c, "order: expiry before issuer", spec(claims(iss="https://evil.example", exp=-3600)))
    add("iss_wrong_and_no_scope", c, "order: issuer (401) before scopes (403)",
        spec(claims(iss="https://evil.example", scopes=())))
    c = "hs256_rbac_issuer_aud"
    add("both_ok", c, "right aud and iss", spec(claims(iss=ISSUER, aud=AUDIENCE)))
    add("aud_wrong_iss_wrong", c, "order: audience before issuer", spec(claims(iss="https://evil.example", aud="x")))
    add("aud_missing_iss_wrong", c, "order: missing audience before issuer", spec(claims(iss="https://evil.example")))
    add("aud_ok_iss_missing", c, "right aud, no iss", spec(claims(aud=AUDIENCE)))

    # --- isolation ---------------------------------------------------------------------------
    c = "hs256_rbac_isolation"
    admin = spec(claims(sub="root", scopes=("agent_os:admin",)))
    add("owner", c, "sub alice reads her session", ok)
    add("owner_type_agent", c, "sub alice, type=agent", ok, query="type=agent")
    add("other_owner", c, "sub alice reads bob's session", ok, path="/sessions/s-bob")
    add("other_owner_type_agent", c, "sub alice reads bob's session with type=agent", ok, path="/sessions/s-bob",
        query="type=agent")
    add("owner_query_other_user", c, "sub alice, her session, user_id=bob: the query is ignored", ok,
        query="user_id=bob")
    add("owner_query_self", c, "sub alice, user_id=alice", ok, query="user_id=alice")
    add("other_owner_query_owner", c, "sub alice, bob's session, user_id=bob: still 404", ok, path="/sessions/s-bob",
        query="user_id=bob")
    add("session_without_user", c, "sub alice reads a session stored without user_id", ok, path="/sessions/s-nouser")
    add("missing_session", c, "sub alice, unknown id", ok, path="/sessions/s-missing")
    add("admin_other_owner", c, "agent_os:admin (sub root) reads bob's session", admin, path="/sessions/s-bob")
    add("admin_filter_mismatch", c, "admin, bob's session, user_id=alice", admin, path="/sessions/s-bob",
        query="user_id=alice")
    add("admin_filter_match", c, "admin, bob's session, user_id=bob", admin, path="/sessions/s-bob",
        query="user_id=bob")
    add("admin_no_sub", c, "admin without sub", spec(claims(sub=DROP, scopes=("agent_os:admin",))),
        path="/sessions/s-bob")
    add("admin_session_without_user", c, "admin reads the session without user_id", admin, path="/sessions/s-nouser")
    add("admin_and_read", c, "agent_os:admin + sessions:read, sub alice, bob's session",
        spec(claims(scopes=("sessions:read", "agent_os:admin"))), path="/sessions/s-bob")
    add("no_sub", c, "sessions:read, no sub", spec(claims(sub=DROP)))
    add("sub_empty", c, "sessions:read, sub ''", spec(claims(sub="")))
    add("sub_null", c, "sessions:read, sub null", spec(claims(sub=None)))
    add("no_sub_missing_session", c, "no sub, unknown session", spec(claims(sub=DROP)), path="/sessions/s-missing")
    add("no_sub_unknown_db", c, "no sub, unknown db_id: the database is resolved first", spec(claims(sub=DROP)),
        query="db_id=nope")
    add("owner_unknown_db", c, "sub alice, unknown db_id", ok, query="db_id=nope")
    add("no_sub_no_scope", c, "no sub, no scopes: 403 scope text first", spec(claims(sub=DROP, scopes=())))
    add("owner_no_scope", c, "sub alice, no scopes: RBAC before isolation", spec(claims(scopes=())))
    add("sub_reserved_sa", c, "sub 'sa:robot'", spec(claims(sub="sa:robot")))
    add("sub_integer", c, "sub a number", spec(claims(sub=42)))
    add("sub_case", c, "sub 'Alice': owner match is exact", spec(claims(sub="Alice")))
    add("bob_owner", c, "sub bob reads his session", spec(claims(sub="bob")), path="/sessions/s-bob")
    add("uid_claim_ignored", c, "user id in 'user_id' claim, no sub: 403", spec(claims(sub=DROP, user_id="alice")))
    add("unknown_path_no_sub", c, "no sub, unknown path", spec(claims(sub=DROP)), path="/nope")

    c = "hs256_rbac_isolation_legacy_flag"
    add("owner", c, "sub alice reads her session", ok)
    add("other_owner", c, "sub alice reads bob's session", ok, path="/sessions/s-bob")
    add("no_sub", c, "no sub", spec(claims(sub=DROP)))

    c = "hs256_rbac_isolation_custom_admin"
    add("custom_admin_other_owner", c, f"{CUSTOM_ADMIN} reads bob's session",
        spec(claims(sub="root", scopes=(CUSTOM_ADMIN,))), path="/sessions/s-bob")
    add("default_admin_scope", c, "agent_os:admin is no longer admin", admin, path="/sessions/s-bob")
    add("default_admin_plus_read", c, "agent_os:admin + sessions:read, sub alice, bob's session: isolated",
        spec(claims(scopes=("agent_os:admin", "sessions:read"))), path="/sessions/s-bob")
    add("owner", c, "sub alice reads her session", ok)

    c = "rs256_env_isolation"
    rs = lambda cl: spec(cl, alg="RS256", key="rsa_private.pem")  # noqa: E731
    add("owner_no_scopes", c, "sub alice, no scopes (no RBAC)", rs(claims(scopes=DROP)))
    add("other_owner", c, "sub alice reads bob's session", rs(claims(scopes=DROP)), path="/sessions/s-bob")
    add("query_other_user", c, "sub alice, user_id=bob: ignored", rs(claims(scopes=DROP)), query="user_id=bob")
    add("admin_other_owner", c, "agent_os:admin still lifts isolation without RBAC",
        rs(claims(sub="root", scopes=("agent_os:admin",))), path="/sessions/s-bob")
    add("no_sub", c, "no sub", rs(claims(sub=DROP, scopes=DROP)))

    c = "manual_middleware_custom_claims"
    mm = lambda **kw: spec({"iat": {"now_plus": 0}, "exp": {"now_plus": 3600}, **kw})  # noqa: E731
    add("custom_claims_owner", c, "uid alice, permissions [sessions:read]", mm(uid="alice", permissions=["sessions:read"]))
    add("custom_claims_other_owner", c, "uid alice reads bob's session", mm(uid="alice", permissions=["sessions:read"]),
        path="/sessions/s-bob")
    add("standard_claims", c, "sub/scopes are not read under custom claim names",
        mm(sub="alice", scopes=["sessions:read"]))
    add("sub_with_custom_scopes", c, "permissions claim but sub instead of uid: no identity",
        mm(sub="alice", permissions=["sessions:read"]))
    add("custom_admin", c, "permissions [agent_os:admin], uid root, bob's session",
        mm(uid="root", permissions=["agent_os:admin"]), path="/sessions/s-bob")
    add("missing_header", c, "no header")

    c = "isolation_no_auth"
    add("no_query", c, "no user_id: unscoped")
    add("query_owner", c, "user_id=alice", query="user_id=alice")
    add("query_other", c, "user_id=bob on alice's session", query="user_id=bob")
    add("token_ignored", c, "a valid token is ignored (no auth middleware)", ok, query="user_id=bob")
    return cases


# ----------------------------------------------------------------------------------------------
# Phase 1: store
# ----------------------------------------------------------------------------------------------


def make_db(client):
    from agno.db.dynamo import DynamoDb

    return DynamoDb(db_client=client, id=DB_ID)


def frozen_clock(ts: int):
    """agno 3.1.10's DynamoDB writers stamp updated_at with time.time() in these modules: pin it."""
    return g.frozen_clock(ts, ("agno.db.dynamo.dynamo", "agno.db.dynamo.utils", "agno.db.utils"))


SESSIONS = [  # (session_id, user_id, note)
    ("s-alice", "alice", "agent session owned by alice, one run"),
    ("s-bob", "bob", "agent session owned by bob, one run"),
    ("s-nouser", None, "agent session stored without user_id, one run"),
]


def store(client) -> Dict[str, Any]:
    from agno.models.message import Message
    from agno.run.agent import RunOutput
    from agno.run.base import RunStatus
    from agno.session import AgentSession

    g.drop_tables(client)  # every table: re-runnable against a DynamoDB Local already up
    db = make_db(client)
    db._get_table("sessions", create_table_if_not_found=True)
    db._get_table("runs", create_table_if_not_found=True)
    for i, (sid, uid, _) in enumerate(SESSIONS):
        t = T0 + 60 * i
        run = RunOutput(run_id=f"{sid}-r1", agent_id="auth3-agent", session_id=sid, user_id=uid, created_at=t,
                        content=f"hello {uid or 'nobody'}", status=RunStatus.completed,
                        messages=[Message(id=f"{sid}-m1", role="user", content=f"hi, I am {uid or 'nobody'}",
                                          created_at=t),
                                  Message(id=f"{sid}-m2", role="assistant", content=f"hello {uid or 'nobody'}",
                                          created_at=t)])
        session = AgentSession(session_id=sid, agent_id="auth3-agent", user_id=uid, created_at=t,
                               session_data={"session_name": f"{sid} chat"}, runs=[run])
        with frozen_clock(t):
            assert db.upsert_session(copy.deepcopy(session)) is not None, sid
            db.upsert_run(copy.deepcopy(run), session_id=sid, user_id=uid, run_index=0)
    items = store_dump(client)
    return {"database": {"id": DB_ID, "session_table": db.session_table_name, "runs_table": db.runs_table_name},
            "sessions": [{"session_id": s, "user_id": u, "note": n} for s, u, n in SESSIONS],
            "items": items}


# ----------------------------------------------------------------------------------------------
# Phase 2: serve (child process, one per configuration)
# ----------------------------------------------------------------------------------------------


def materialize(tok: dict, now: int) -> str:
    if tok["kind"] == "raw":
        return tok["value"]
    import jwt.api_jws

    def val(v: Any) -> Any:
        if isinstance(v, dict) and "now_plus" in v:
            n = now + v["now_plus"]
            kind = v.get("type", "int")
            return {"int": n, "string": str(n), "float": n + 0.5}[kind]
        return v

    payload = {k: val(v) for k, v in tok["claims"].items()}
    headers = dict(tok.get("header_extra") or {})
    if tok.get("kid") is not None:
        headers["kid"] = tok["kid"]
    key = key_bytes(tok["key"])
    if tok["alg"].startswith("HS"):
        key = key.decode()
    # JWS-level encode: PyJWT's jwt.encode refuses some claim shapes (a non-string iss) the cases need
    return jwt.api_jws.PyJWS().encode(json.dumps(payload, separators=(",", ":")).encode(), key,
                                      algorithm=tok["alg"], headers=headers or None)


def serve(args) -> None:
    aws_env()
    cfg_name = args.config
    cfg = CONFIGS[cfg_name]
    want_env = {k: resolve_value(v) for k, v in cfg["env"].items()}
    for k in os.environ:
        if k.lower() in AUTH_ENV:
            assert k in want_env and os.environ[k] == want_env[k], f"unexpected env {k}"
    for k, v in want_env.items():
        assert os.environ.get(k) == v, k
    logging.disable(logging.CRITICAL)
    import warnings

    warnings.filterwarnings("ignore")
    from agno.os import AgentOS
    from agno.os.config import AuthorizationConfig

    client = ddb_client(args.endpoint)
    db = make_db(client)
    kw: Dict[str, Any] = {}
    a = resolve_value(cfg["agent_os"])
    if a.get("authorization"):
        kw["authorization"] = True
    if "authorization_config" in a:
        kw["authorization_config"] = AuthorizationConfig(**a["authorization_config"])
    if "authorization_object" in a:
        from agno.os.authz import Authorization

        kw["authorization"] = Authorization(**a["authorization_object"])
    if a.get("user_isolation"):
        kw["user_isolation"] = True
    os_ = AgentOS(db=db, id=OS_ID, telemetry=False, **kw)
    app = os_.get_app()
    if "manual_middleware" in cfg:
        from agno.os.middleware import JWTMiddleware

        app.add_middleware(JWTMiddleware, **resolve_value(cfg["manual_middleware"]))

    seen: Dict[str, Any] = {}
    tc = g.test_client(g.recorder(app, seen))
    cases = g.load_json(args.requests)
    out = []
    for c in cases:
        now = int(time.time())
        token = materialize(c["token"], now) if c["token"] is not None else None
        headers = [(k, v.replace("{token}", token) if token is not None else v) for k, v in c["headers"]]
        # HTTP header values are bytes: non-ASCII text goes out UTF-8 encoded; Starlette decodes header
        # bytes as latin-1, so the app sees e.g. "clÃ©" for "clé"
        send = [(k, v if v.isascii() else v.encode("utf-8")) for k, v in headers]
        rq = c["request"]
        resp = tc.request(rq["method"], g.url(rq["path"], rq["query"]), headers=send)
        g.assert_arrived(seen, rq["path"], rq["query"])
        got = [(k, v) for k, v in seen["headers"] if k in {h.lower() for h, _ in headers}]
        want = [(k.lower(), v.encode("utf-8").decode("latin-1")) for k, v in headers]
        assert got == want, (c["id"], got, want)  # the bytes arrived exactly as planned
        text = resp.content.decode("utf-8")
        try:
            body = json.loads(text) if text else None
            body_text = None if g.compact_json(body) == text else text
        except ValueError:
            body, body_text = None, text
        if rq["path"] == "/health" and isinstance(body, dict) and "instantiated_at" in body:
            body["instantiated_at"] = HEALTH_MASK  # the app's start time: differs on every run
        hdrs = {h: resp.headers[h] for h in RECORDED_HEADERS if h in resp.headers}
        out.append({"id": c["id"], "status": resp.status_code, "headers": hdrs, "body": body, "body_text": body_text})
    g.save_json(args.output, out)


def run_serve(endpoint: str, cfg_name: str, cases: List[dict], tmp: str) -> Dict[str, dict]:
    env = g.without(os.environ, AUTH_ENV)
    env.update({k: resolve_value(v) for k, v in CONFIGS[cfg_name]["env"].items()})
    return g.run_child(__file__, cfg_name.replace("+", "_"), ["--endpoint", endpoint, "--config", cfg_name], cases, env,
                       tmp)


# ----------------------------------------------------------------------------------------------
# main
# ----------------------------------------------------------------------------------------------


def describe_keys() -> Dict[str, dict]:
    kinds = {
        "hs256.secret": "HS256 shared secret: the file's exact bytes (ASCII, no trailing newline)",
        "hs256_other.secret": "a second HS256 secret, for 'wrong signature' (never configured)",
        "rsa_private.pem": "RSA 2048 private key, PKCS#8 PEM (signs RS256 / the JWKS key)",
        "rsa_public.pem": "its public key, SubjectPublicKeyInfo PEM (JWT_VERIFICATION_KEY for RS256 configs)",
        "jwks.json": f"JWKS with the rsa_public.pem key: kid {RSA_KID}, alg RS256, use sig",
        "jwks_nokid.json": "jwks.json without the kid member (agno's '_default' JWKS key)",
        "rsa2_private.pem": "a second RSA 2048 private key (wrong signature; static key of jwks+static_rbac)",
        "rsa2_public.pem": "its public key",
        "ec_private.pem": "EC P-256 private key, PKCS#8 PEM (ES256)",
        "ec_public.pem": "its public key (JWT_VERIFICATION_KEY of es256_rbac)",
        "ec2_private.pem": "a second EC P-256 private key (wrong signature)",
        "ec2_public.pem": "its public key (unused)",
    }
    out = {}
    for name, text in kinds.items():
        out[name] = {"sha256": hashlib.sha256(key_bytes(name)).hexdigest(), "what": text}
    return out


def generate(args) -> None:
    aws_env()
    g.drop_env(AUTH_ENV)
    logging.disable(logging.INFO)
    versions = g.pinned_versions(PINNED)
    assert versions["agno"] == AGNO_VERSION, versions
    client = ddb_client(args.endpoint)
    storage = store(client)

    R = raw_tokens()
    cases = plan_cases(R)
    results: Dict[str, dict] = {}
    with tempfile.TemporaryDirectory(prefix="auth3-") as tmp:
        for cfg_name in CONFIGS:
            mine = [c for c in cases if c["config"] == cfg_name]
            assert mine, cfg_name
            results.update(run_serve(args.endpoint, cfg_name, mine, tmp))

    out_cases = []
    for c in cases:
        r = results[c["id"]]
        exp = {"status": r["status"], "headers": r["headers"], "body": r["body"]}
        if r["body_text"] is not None:
            exp["body_text"] = r["body_text"]
        out_cases.append({**c, "expected": exp})

    # serving changed nothing
    assert store_dump(client) == storage["items"], "serving changed the stored items"

    configs_out = {}
    for name, cfg in CONFIGS.items():
        configs_out[name] = {k: cfg[k] for k in ("description", "env", "agent_os")}
        if "manual_middleware" in cfg:
            configs_out[name]["manual_middleware"] = cfg["manual_middleware"]
    doc = {
        "generator": {"agno": AGNO_VERSION, "versions": versions, "command": COMMAND,
                      "route": "GET /sessions/{session_id}", "agent_os": {"id": OS_ID, "db": "DynamoDb(id=%r)" % DB_ID}},
        "conventions": {
            "config.env": "environment of the AgentOS process; {'file': k} = the exact bytes of tests/auth3/keys/<k> "
                          "as the value, {'path': k} = the absolute path of tests/auth3/keys/<k>",
            "config.agent_os": "AgentOS(db=<DynamoDb>, id='auth3-os', **args): authorization (bool), "
                               "authorization_config (AuthorizationConfig fields), authorization_object "
                               "(agno.os.authz.Authorization fields, passed as authorization=), user_isolation",
            "token.kind=spec": "sign at test time: header {alg, typ:'JWT'} + kid (if not null) + header_extra; "
                               "claims where {'now_plus': n} = unix now + n (int; 'type':'string' = its decimal "
                               "text, 'type':'float' = now + n + 0.5); key = tests/auth3/keys/<key> (HS*: the "
                               "secret's bytes; RS*/PS*/ES*: the private PEM)",
            "token.kind=raw": "the token string verbatim (no time claims, so stable); 'how' says how it was built",
            "headers": "request headers in order, '{token}' replaced by the token; [] = no Authorization header",
            "expected.headers": "only " + ", ".join(RECORDED_HEADERS) + " (when present)",
            "expected.body_text": "present only when the body bytes differ from compact json.dumps(body)",
            "health": f"GET /health answers the app's start time as instantiated_at; recorded as {HEALTH_MASK!r}",
            "non_ascii": "header values with non-ASCII characters are sent as their UTF-8 bytes (the app decodes "
                         "header bytes as latin-1)",
            "leeway_seconds": 10,
        },
        "keys": describe_keys(),
        "configurations": configs_out,
        "storage": storage,
        "cases": out_cases,
    }
    g.write_fixtures(args.out, {"cases.json": doc})

    print(f"cases: {len(out_cases)} in {len(CONFIGS)} configurations")
    print("by status:", dict(sorted(Counter(c["expected"]["status"] for c in out_cases).items())))
    print("by config:", dict(Counter(c["config"] for c in out_cases)))
    assert len(out_cases) >= 80


def store_dump(client) -> Dict[str, list]:
    """Every item of every table, exactly as stored (low-level client), in a stable order."""
    items = {}
    for table in sorted(client.list_tables()["TableNames"]):
        rows = g.scan_all(client, table)
        items[table] = sorted((sort_keys_deep(r) for r in rows), key=lambda r: json.dumps(r, sort_keys=True))
    return items


if __name__ == "__main__":
    g.main(__doc__, HERE, 8203, generate, serve, serve_help="internal: answer one configuration's cases",
           serve_options=(("--config", {"required": True}),))
