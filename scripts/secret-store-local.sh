#!/usr/bin/env bash
# Start or stop a local stand-in for AWS Secrets Manager and SSM Parameter Store: moto's
# server mode (a real HTTP server speaking both APIs), on a loopback port.
#   scripts/secret-store-local.sh start [port]   installs moto[server] if needed, starts, waits
#   scripts/secret-store-local.sh stop  [port]   stops it by the PID recorded at start
# Port defaults to $SECRETS_PORT or 8500.
source "$(dirname "${BASH_SOURCE[0]}")/tools.sh"

cmd="${1:-}"
port="${2:-${SECRETS_PORT:-8500}}"
pidfile="$TOOLS/moto.$port.pid"
logfile="$TOOLS/moto.$port.log"

answers() { curl -s -o /dev/null -m 1 "http://127.0.0.1:$port/moto-api/" ; }

case "$cmd" in
  start)
    if [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null && answers; then
      log "moto server already running on port $port (pid $(cat "$pidfile"))"
      exit 0
    fi
    # Our own copy in .tools/venv, whatever else the machine has on PATH.
    if [ ! -x "$VENV/bin/moto_server" ]; then
      ensure_venv
      log "installing moto[server] (pip)"
      "$VENV/bin/pip" install --quiet --disable-pip-version-check "moto[server]"
    fi
    log "starting moto server (Secrets Manager, SSM) on 127.0.0.1:$port"
    nohup "$VENV/bin/moto_server" -H 127.0.0.1 -p "$port" >"$logfile" 2>&1 &
    echo $! >"$pidfile"
    for _ in $(seq 1 300); do
      if answers; then log "moto server ready (pid $(cat "$pidfile"))"; exit 0; fi
      kill -0 "$(cat "$pidfile")" 2>/dev/null || break
      sleep 0.2
    done
    echo "moto server did not start; log:" >&2
    cat "$logfile" >&2
    exit 1
    ;;
  stop)
    if [ -f "$pidfile" ]; then
      kill "$(cat "$pidfile")" 2>/dev/null || true
      rm -f "$pidfile"
      log "moto server on port $port stopped"
    fi
    ;;
  *)
    echo "usage: $0 start|stop [port]" >&2
    exit 2
    ;;
esac
