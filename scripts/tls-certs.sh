#!/usr/bin/env bash
# A throwaway PKI shaped like DynamoDB's: RSA 2048 root → RSA 2048 intermediate → RSA
# 2048 leaf for localhost / 127.0.0.1, so a client's handshake verifies the same chain
# length and key types it verifies against AWS. Writes ca.pem (the root, to trust),
# chain.pem (leaf + intermediate, as a server sends them) and key.pem into $1, once.
set -euo pipefail
dir="$1"
[ -s "$dir/chain.pem" ] && exit 0
mkdir -p "$dir"
cd "$dir"
openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 3650 -subj "/CN=bench root CA" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
  -keyout root.key -out ca.pem 2>/dev/null
openssl req -newkey rsa:2048 -nodes -subj "/CN=bench intermediate CA" \
  -keyout int.key -out int.csr 2>/dev/null
openssl x509 -req -in int.csr -CA ca.pem -CAkey root.key -CAcreateserial -days 3650 -sha256 \
  -extfile <(printf 'basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\n') \
  -out int.pem 2>/dev/null
openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" -keyout key.pem -out leaf.csr 2>/dev/null
openssl x509 -req -in leaf.csr -CA int.pem -CAkey int.key -CAcreateserial -days 3650 -sha256 \
  -extfile <(printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\nkeyUsage=critical,digitalSignature,keyEncipherment\n') \
  -out leaf.pem 2>/dev/null
cat leaf.pem int.pem > chain.pem
rm -f root.key int.key int.csr leaf.csr ./*.srl
