#!/usr/bin/env bash
# Start or stop Amazon DynamoDB Local (in memory) on a loopback port.
#   scripts/dynamodb-local.sh start [port]   installs if needed, starts, waits until it answers
#   scripts/dynamodb-local.sh stop  [port]   stops it by the PID recorded at start
#   scripts/dynamodb-local.sh kill  [port]   kills it at once (SIGKILL), as a crash would
# Port defaults to $DDB_PORT or 8000. With DDB_DB_PATH set, data is kept in that folder
# (and survives a restart) instead of in memory.
source "$(dirname "${BASH_SOURCE[0]}")/tools.sh"

cmd="${1:-}"
port="${2:-${DDB_PORT:-8000}}"
pidfile="$TOOLS/dynamodb-local.$port.pid"
logfile="$TOOLS/dynamodb-local.$port.log"

answers() { curl -s -o /dev/null -m 1 "http://127.0.0.1:$port/" ; }

case "$cmd" in
  start)
    if [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null && answers; then
      log "DynamoDB Local already running on port $port (pid $(cat "$pidfile"))"
      exit 0
    fi
    if answers; then
      echo "port $port is taken by another process; choose another with DDB_PORT" >&2
      exit 1
    fi
    ensure_dynamodb_local
    jar="$(ddb_jar)"
    log "starting DynamoDB Local on 127.0.0.1:$port"
    storage=(-inMemory)
    if [ -n "${DDB_DB_PATH:-}" ]; then mkdir -p "$DDB_DB_PATH"; storage=(-sharedDb -dbPath "$DDB_DB_PATH"); fi
    nohup java -Xmx512m -Djava.library.path="$(dirname "$jar")/DynamoDBLocal_lib" \
      -jar "$jar" "${storage[@]}" -port "$port" >"$logfile" 2>&1 &
    echo $! >"$pidfile"
    # Up to 2 minutes: the JVM starts slowly on a busy machine.
    for _ in $(seq 1 600); do
      if answers; then log "DynamoDB Local ready (pid $(cat "$pidfile"))"; exit 0; fi
      kill -0 "$(cat "$pidfile")" 2>/dev/null || break
      sleep 0.2
    done
    echo "DynamoDB Local did not start; log:" >&2
    cat "$logfile" >&2
    exit 1
    ;;
  stop)
    if [ -f "$pidfile" ]; then
      pid="$(cat "$pidfile")"
      if kill "$pid" 2>/dev/null; then
        for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$pid" 2>/dev/null || true
        log "DynamoDB Local on port $port stopped"
      fi
      rm -f "$pidfile"
    fi
    ;;
  kill)
    if [ -f "$pidfile" ]; then
      kill -9 "$(cat "$pidfile")" 2>/dev/null || true
      rm -f "$pidfile"
      log "DynamoDB Local on port $port killed"
    fi
    ;;
  *)
    echo "usage: $0 start|stop|kill [port]" >&2
    exit 2
    ;;
esac
