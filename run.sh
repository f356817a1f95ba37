#!/usr/bin/env bash
# Runs PolicyTracker locally: PostgreSQL and RabbitMQ as plain processes (deploy/local/infra.sh),
# the four services and the web dashboard built from this checkout, the essay's predictions and their 2017-2025 history.
#   ./run.sh            start everything and stay in the foreground; Ctrl-C stops what it started
#   ./run.sh --detach   return once every service is healthy and leave it running
#   ./run.sh --stop     stop the services and the infrastructure
#   --replicas N        N instances each of Ingestion, Tracker, Notifications and Web (instance i > 1 on the
#                       first one's port + 100*(i-1)), the gateway balancing across them with active health
#                       checks on /health/ready; the partitions of the per-prediction queues spread over them
#   --cluster           RabbitMQ as a three-node cluster (deploy/local/infra.sh --cluster) the services all know
#   PT_RUN_PORT_OFFSET  added to every service port (default 0: gateway 8080, ingestion 8081, ...)
set -euo pipefail
# ONNX Runtime (Ingestion's sentence encoder) writes telemetry files unless this is set before the process starts.
export ORT_DISABLE_TELEMETRY=1

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
STATE="$ROOT/.local"
RUN="$STATE/run"
LOGS="$STATE/logs"
INFRA="$ROOT/deploy/local/infra.sh"
CONFIGURATION=Release
REPLICAS=1
CLUSTER_ARGS=()
MODE=foreground
while (($#)); do
  case $1 in
    --replicas) [[ ${2:-} =~ ^[1-9][0-9]*$ ]] || { echo "--replicas needs a number >= 1" >&2; exit 2; }; REPLICAS=$2; shift ;;
    --cluster) CLUSTER_ARGS=(--cluster) ;;
    --detach) MODE=detach ;;
    --stop) MODE=stop ;;
    *) echo "usage: $0 [--detach | --stop] [--replicas N] [--cluster]" >&2; exit 2 ;;
  esac
  shift
done
OFFSET=${PT_RUN_PORT_OFFSET:-0}
# What run.sh started last time (--stop and a second start find every instance, whatever the flags).
SCALED=(tracker ingestion notifications web)
declare -A PROJECT=([gateway]=Gateway [ingestion]=Ingestion [tracker]=Tracker [notifications]=Notifications [web]=Web)
declare -A BASE_PORT=([gateway]=8080 [ingestion]=8081 [tracker]=8082 [notifications]=8083 [web]=8084)
declare -A PORT=()
SERVICES=()
for name in "${SCALED[@]}"; do
  for ((i = 1; i <= REPLICAS; i++)); do
    instance=$name; ((i == 1)) || instance="$name-$i"
    SERVICES+=("$instance"); PROJECT[$instance]=${PROJECT[$name]}
    PORT[$instance]=$((BASE_PORT[$name] + OFFSET + 100 * (i - 1)))
  done
done
SERVICES+=(gateway); PORT[gateway]=$((8080 + OFFSET))
mkdir -p "$RUN" "$LOGS"

log() { printf '[run] %s\n' "$*"; }

service_running() {
  local pid_file="$RUN/$1.pid"
  [[ -f "$pid_file" ]] && kill -0 "$(cat "$pid_file")" 2>/dev/null
}

stop_services() {
  local name pid file
  # Every instance with a pid file, also those of an earlier run with more replicas.
  for file in "$RUN"/*.pid; do
    [[ -e $file ]] || continue
    name=$(basename "$file" .pid)
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

if [[ $MODE == stop ]]; then
  stop_services
  "$INFRA" stop
  rm -f "$RUN/infra-started-by-run"
  exit 0
fi

if ! "$INFRA" status "${CLUSTER_ARGS[@]}" >/dev/null 2>&1; then
  touch "$RUN/infra-started-by-run"
fi
"$INFRA" start "${CLUSTER_ARGS[@]}"
eval "$("$INFRA" env "${CLUSTER_ARGS[@]}")"

log "building services ($CONFIGURATION)"
for name in "${SERVICES[@]}"; do
  dotnet build "$ROOT/services/${PROJECT[$name]}/PolicyTracker.${PROJECT[$name]}.csproj" -c "$CONFIGURATION" -nologo -v quiet -clp:ErrorsOnly
done
dotnet build "$ROOT/tools/Importer/PolicyTracker.Importer.csproj" -c "$CONFIGURATION" -nologo -v quiet -clp:ErrorsOnly

# The gateway's YARP destinations: every instance of each service, health-checked, round robin; the
# dashboard's circuits stay on the instance that holds them (cookie affinity).
gateway_environment() {
  local cluster i instance
  for cluster in "${SCALED[@]}"; do
    for ((i = 1; i <= REPLICAS; i++)); do
      instance=$cluster; ((i == 1)) || instance="$cluster-$i"
      echo "ReverseProxy__Clusters__${cluster}__Destinations__$([[ $i == 1 ]] && echo primary || echo "r$i")__Address=http://127.0.0.1:${PORT[$instance]}"
    done
    if ((REPLICAS > 1)); then
      echo "ReverseProxy__Clusters__${cluster}__LoadBalancingPolicy=RoundRobin"
      echo "ReverseProxy__Clusters__${cluster}__HealthCheck__Active__Enabled=true"
      echo "ReverseProxy__Clusters__${cluster}__HealthCheck__Active__Interval=00:00:05"
      echo "ReverseProxy__Clusters__${cluster}__HealthCheck__Active__Timeout=00:00:03"
      echo "ReverseProxy__Clusters__${cluster}__HealthCheck__Active__Policy=ConsecutiveFailures"
      echo "ReverseProxy__Clusters__${cluster}__HealthCheck__Active__Path=/health/ready"
      # A destination that refuses connections is taken out at once, not only at the next probe.
      echo "ReverseProxy__Clusters__${cluster}__HealthCheck__Passive__Enabled=true"
      echo "ReverseProxy__Clusters__${cluster}__HealthCheck__Passive__Policy=TransportFailureRate"
      echo "ReverseProxy__Clusters__${cluster}__HealthCheck__Passive__ReactivationPeriod=00:00:10"
    fi
  done
  if ((REPLICAS > 1)); then
    echo "ReverseProxy__Clusters__web__SessionAffinity__Enabled=true"
    echo "ReverseProxy__Clusters__web__SessionAffinity__Policy=Cookie"
    echo "ReverseProxy__Clusters__web__SessionAffinity__AffinityKeyName=.PolicyTracker.Affinity"
  fi
}

# Which partitions of the per-prediction queues an instance takes first: instance i of N prefers p % N == i-1.
instance_environment() {
  local name=$1 number=1
  [[ $name =~ -([0-9]+)$ ]] && number=${BASH_REMATCH[1]}
  echo "Messaging__Partitions__Instances=$REPLICAS"
  echo "Messaging__Partitions__Instance=$((number - 1))"
  [[ $name == gateway ]] && gateway_environment
  if [[ $name == web* ]]; then
    # Dashboard instance i calls instance i of each service (a row of replicas).
    local suffix=""; ((number == 1)) || suffix="-$number"
    echo "Api__Tracker=http://127.0.0.1:${PORT[tracker$suffix]}"
    echo "Api__Ingestion=http://127.0.0.1:${PORT[ingestion$suffix]}"
    echo "Api__Notifications=http://127.0.0.1:${PORT[notifications$suffix]}"
  fi
  return 0
}

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
    mapfile -t extra < <(instance_environment "$name")
    env ASPNETCORE_ENVIRONMENT=Development ASPNETCORE_URLS="http://127.0.0.1:${PORT[$name]}" \
      Tracker__HorizonCheck__Enabled=true DataProtection__KeysDirectory="$STATE/web-keys" "${extra[@]}" \
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
until [[ "$(curl -fsS "http://127.0.0.1:${PORT[gateway]}/api/predictions" 2>/dev/null | grep -o '"id"' | wc -l)" -ge 11 ]]; do
  ((SECONDS < deadline)) || fail_with_log tracker
  sleep 0.5
done

# What happened 2017-2025, imported once through the public API (idempotent: a second run adds nothing).
log "importing the 2017-2025 history"
dotnet "$ROOT/tools/Importer/bin/$CONFIGURATION/net10.0/PolicyTracker.Importer.dll" history "$ROOT/data/history" \
  --gateway "http://127.0.0.1:${PORT[gateway]}" --api-key analyst-dev-key || log "history import reported problems (see above)"

instances() { local n=$1 i out=""; for ((i = 1; i <= REPLICAS; i++)); do local x=$n; ((i == 1)) || x="$n-$i"; out+="http://127.0.0.1:${PORT[$x]} "; done; echo "$out"; }
GW="http://127.0.0.1:${PORT[gateway]}"
cat <<INFO

PolicyTracker is running ($REPLICAS instance(s) per service${CLUSTER_ARGS:+, three-node RabbitMQ cluster}).
  Dashboard                $GW/     open it in a browser; sign in with a key below
  Gateway (public origin)  $GW      API reference: $GW/scalar
  Ingestion                $(instances ingestion)
  Tracker                  $(instances tracker)
  Notifications            $(instances notifications)
  Web (dashboard service)  $(instances web)
  PostgreSQL               127.0.0.1:${PT_PG_PORT:-55432} (user postgres, database policytracker)
  RabbitMQ                 ${Messaging__ClusterNodes:-127.0.0.1:${PT_RABBIT_PORT:-35672}}, management ${PT_RABBIT_MGMT_URL:-http://127.0.0.1:35674} (guest/guest)
  Logs                     $LOGS
Development API keys (header X-Api-Key):
  analyst-dev-key (dev-analyst)   auditor-dev-key   subscriber-dev-key (dev-subscriber)
  subscriber2-dev-key             admin-dev-key
Predictions:
INFO
curl -fsS "$GW/api/predictions" | python3 -c '
import json, sys
for p in json.load(sys.stdin):
    print("  %-30s %-10s p=%.3f  horizon %s" % (p["id"], p["status"], p["probability"], p["horizon"][:10]))
' || true

if [[ $MODE == detach ]]; then
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
