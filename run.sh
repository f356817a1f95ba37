#!/usr/bin/env bash
# Runs PolicyTracker locally: PostgreSQL and RabbitMQ as plain processes (deploy/local/infra.sh),
# the four services and the web dashboard built from this checkout, the essay's predictions and their 2017-2025 history.
#   ./run.sh            start everything and stay in the foreground; Ctrl-C stops what it started
#   ./run.sh --detach   return once every service is healthy and leave it running
#   ./run.sh --stop     stop the services and the infrastructure
set -euo pipefail
# ONNX Runtime (Ingestion's sentence encoder) writes telemetry files unless this is set before the process starts.
export ORT_DISABLE_TELEMETRY=1

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
STATE="$ROOT/.local"
RUN="$STATE/run"
LOGS="$STATE/logs"
INFRA="$ROOT/deploy/local/infra.sh"
CONFIGURATION=Release
SERVICES=(tracker ingestion notifications web gateway)
declare -A PROJECT=([gateway]=Gateway [ingestion]=Ingestion [tracker]=Tracker [notifications]=Notifications [web]=Web)
declare -A PORT=([gateway]=8080 [ingestion]=8081 [tracker]=8082 [notifications]=8083 [web]=8084)
mkdir -p "$RUN" "$LOGS"

log() { printf '[run] %s\n' "$*"; }

service_running() {
  local pid_file="$RUN/$1.pid"
  [[ -f "$pid_file" ]] && kill -0 "$(cat "$pid_file")" 2>/dev/null
}

stop_services() {
  local name pid
  for name in "${SERVICES[@]}"; do
    if service_running "$name"; then
      pid=$(cat "$RUN/$name.pid")
      kill "$pid" 2>/dev/null || true
      # Give the host its graceful shutdown (the Marten daemon releases its locks), then insist.
      for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
      kill -9 "$pid" 2>/dev/null || true
      log "stopped $name"
    fi
    rm -f "$RUN/$name.pid"
  done
}

stop_all() {
  stop_services
  if [[ -f "$RUN/infra-started-by-run" ]]; then
    "$INFRA" stop
    rm -f "$RUN/infra-started-by-run"
  fi
}

if [[ "${1:-}" == "--stop" ]]; then
  stop_services
  "$INFRA" stop
  rm -f "$RUN/infra-started-by-run"
  exit 0
fi

if ! "$INFRA" status >/dev/null 2>&1; then
  touch "$RUN/infra-started-by-run"
fi
"$INFRA" start
eval "$("$INFRA" env)"

log "building services ($CONFIGURATION)"
for name in "${SERVICES[@]}"; do
  dotnet build "$ROOT/services/${PROJECT[$name]}/PolicyTracker.${PROJECT[$name]}.csproj" -c "$CONFIGURATION" -nologo -v quiet -clp:ErrorsOnly
done
dotnet build "$ROOT/tools/Importer/PolicyTracker.Importer.csproj" -c "$CONFIGURATION" -nologo -v quiet -clp:ErrorsOnly

start_service() {
  local name=$1 project=${PROJECT[$1]}
  if service_running "$name"; then
    log "$name already running (pid $(cat "$RUN/$name.pid"))"
    return
  fi
  local bin="$ROOT/services/$project/bin/$CONFIGURATION/net10.0"
  # Run from the build output so the service finds its appsettings; logs to a file per service.
  # The horizon check is off in Development (tests keep the essay's predictions in their bands);
  # a real run marks every prediction whose horizon passed as overdue before the history resolves it.
  # The pid recorded is dotnet's own (a backgrounded simple command), so --stop reaches the service.
  # The dashboard keeps its cookie-encryption keys under .local so a restart keeps users signed in.
  (
    cd "$bin"
    ASPNETCORE_ENVIRONMENT=Development ASPNETCORE_URLS="http://127.0.0.1:${PORT[$name]}" \
      Tracker__HorizonCheck__Enabled=true DataProtection__KeysDirectory="$STATE/web-keys" \
      nohup dotnet "PolicyTracker.$project.dll" >"$LOGS/$name.log" 2>&1 &
    echo $! >"$RUN/$name.pid"
  )
  log "started $name (pid $(cat "$RUN/$name.pid")), log $LOGS/$name.log"
}

fail_with_log() {
  log "$1 failed to start; last lines of $LOGS/$1.log:"
  tail -n 40 "$LOGS/$1.log" >&2 || true
  stop_all
  exit 1
}

for name in "${SERVICES[@]}"; do start_service "$name"; done

deadline=$((SECONDS + 180))
for name in "${SERVICES[@]}"; do
  until curl -fsS "http://127.0.0.1:${PORT[$name]}/health/ready" >/dev/null 2>&1; do
    service_running "$name" || fail_with_log "$name"
    ((SECONDS < deadline)) || fail_with_log "$name"
    sleep 0.5
  done
  log "$name ready on http://127.0.0.1:${PORT[$name]}"
done

# The Tracker seeds the essay's eleven predictions at start-up; wait until the gateway shows them.
until [[ "$(curl -fsS http://127.0.0.1:8080/api/predictions 2>/dev/null | grep -o '"id"' | wc -l)" -ge 11 ]]; do
  ((SECONDS < deadline)) || fail_with_log tracker
  sleep 0.5
done

# What happened 2017-2025, imported once through the public API (idempotent: a second run adds nothing).
log "importing the 2017-2025 history"
dotnet "$ROOT/tools/Importer/bin/$CONFIGURATION/net10.0/PolicyTracker.Importer.dll" history "$ROOT/data/history" \
  --gateway http://127.0.0.1:8080 --api-key analyst-dev-key || log "history import reported problems (see above)"

cat <<INFO

PolicyTracker is running.
  Dashboard                http://127.0.0.1:8080/     open it in a browser; sign in with a key below
  Gateway (public origin)  http://127.0.0.1:8080      API reference: http://127.0.0.1:8080/scalar
  Ingestion                http://127.0.0.1:8081
  Tracker                  http://127.0.0.1:8082
  Notifications            http://127.0.0.1:8083
  Web (dashboard service)  http://127.0.0.1:8084
  PostgreSQL               127.0.0.1:${PT_PG_PORT:-55432} (user postgres, database policytracker)
  RabbitMQ                 127.0.0.1:${PT_RABBIT_PORT:-35672}, management ${PT_RABBIT_MGMT_URL:-http://127.0.0.1:35674} (guest/guest)
  Logs                     $LOGS
Development API keys (header X-Api-Key):
  analyst-dev-key (dev-analyst)   auditor-dev-key   subscriber-dev-key (dev-subscriber)
  subscriber2-dev-key             admin-dev-key
Predictions:
INFO
curl -fsS http://127.0.0.1:8080/api/predictions | python3 -c '
import json, sys
for p in json.load(sys.stdin):
    print("  %-30s %-10s p=%.3f  horizon %s" % (p["id"], p["status"], p["probability"], p["horizon"][:10]))
' || true

if [[ "${1:-}" == "--detach" ]]; then
  log "detached; stop with ./run.sh --stop"
  exit 0
fi

trap 'echo; log "stopping"; stop_all; exit 0' INT TERM
log "running; Ctrl-C stops everything this script started"
while true; do
  for name in "${SERVICES[@]}"; do
    if ! service_running "$name"; then
      log "$name exited unexpectedly; last lines of its log:"
      tail -n 40 "$LOGS/$name.log" >&2 || true
      stop_all
      exit 1
    fi
  done
  sleep 5 &
  wait $! || true
done
