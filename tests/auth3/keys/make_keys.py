#!/usr/bin/env python3
"""One-off: how the TEST-ONLY key material in this folder was made (run once, then committed).

These keys protect nothing: they exist only so tests/auth3 can sign and verify JWTs
deterministically. Never use them anywhere else. Re-running refuses to overwrite existing
files (the recorded fixtures reference these exact keys).

    .tools/compat3-venv/bin/python tests/auth3/keys/make_keys.py
"""
import base64
import json
import os
import secrets
import sys

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

HERE = os.path.dirname(os.path.abspath(__file__))
RSA_KID = "auth3-test-rsa-1"


def write(name: str, data: bytes) -> None:
    path = os.path.join(HERE, name)
    if os.path.exists(path):
        sys.exit(f"{name} exists; refusing to overwrite committed test keys")
    with open(path, "wb") as f:
        f.write(data)


def pem_pair(key):
    priv = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    pub = key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    return priv, pub


def b64u_int(n: int) -> str:
    raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def main() -> None:
    # HMAC secrets: printable ASCII, no trailing newline; the file's bytes ARE the secret.
    write("hs256.secret", ("auth3-TEST-ONLY-hs256-" + secrets.token_hex(24)).encode())
    write("hs256_other.secret", ("auth3-TEST-ONLY-other-" + secrets.token_hex(24)).encode())
    rsa1 = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    priv, pub = pem_pair(rsa1)
    write("rsa_private.pem", priv)
    write("rsa_public.pem", pub)
    nums = rsa1.public_key().public_numbers()
    jwks = {"keys": [{"kty": "RSA", "kid": RSA_KID, "use": "sig", "alg": "RS256",
                      "n": b64u_int(nums.n), "e": b64u_int(nums.e)}]}
    write("jwks.json", (json.dumps(jwks, indent=2) + "\n").encode())
    # the same key without "kid": agno files a kid-less JWK as its "_default" key
    nokid = {"keys": [{k: v for k, v in jwks["keys"][0].items() if k != "kid"}]}
    write("jwks_nokid.json", (json.dumps(nokid, indent=2) + "\n").encode())
    priv, pub = pem_pair(rsa.generate_private_key(public_exponent=65537, key_size=2048))
    write("rsa2_private.pem", priv)
    write("rsa2_public.pem", pub)
    for name in ("ec", "ec2"):
        priv, pub = pem_pair(ec.generate_private_key(ec.SECP256R1()))
        write(f"{name}_private.pem", priv)
        write(f"{name}_public.pem", pub)


if __name__ == "__main__":
    main()
