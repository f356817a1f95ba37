#!/usr/bin/env bash
# Runs every test in the solution (unit, integration, end-to-end) against the real PostgreSQL and
# RabbitMQ started by deploy/local/infra.sh, then prints "N passed, N failed" as its last line.
set -uo pipefail
# ONNX Runtime (Ingestion's sentence encoder) writes telemetry files unless this is set before the process starts.
export ORT_DISABLE_TELEMETRY=1

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
INFRA="$ROOT/deploy/local/infra.sh"
RESULTS="$ROOT/.local/test-results"
started_infra=false

"$INFRA" status >/dev/null 2>&1 || started_infra=true
"$INFRA" start || { echo "infrastructure failed to start"; echo "0 passed, 1 failed"; exit 1; }
eval "$("$INFRA" env)"

cleanup() { if $started_infra; then "$INFRA" stop; fi; }
trap cleanup EXIT

# The browser tests drive Debian's chromium (never a downloaded browser); install it when missing,
# as deploy/local/infra.sh installs rabbitmq-server. fonts-liberation gives pages real metrics.
ensure_browser() {
  local chromium="${CHROMIUM_PATH:-/usr/bin/chromium}"
  [[ -x "$chromium" ]] && return 0
  local sudo=()
  if [[ $(id -u) -ne 0 ]]; then
    command -v sudo >/dev/null 2>&1 || { echo "chromium is missing and sudo is not available; as root run: apt-get install -y chromium fonts-liberation"; return 0; }
    sudo=(sudo)
  fi
  echo "installing chromium and fonts-liberation (apt-get) ..."
  mkdir -p "$ROOT/.local/logs"
  if ! { "${sudo[@]}" apt-get update -qq &&
         "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q -o DPkg::Lock::Timeout=300 chromium fonts-liberation; } \
       >"$ROOT/.local/logs/apt-chromium.log" 2>&1; then
    tail -n 20 "$ROOT/.local/logs/apt-chromium.log"
    echo "apt-get install chromium failed (the browser tests will fail)"
  fi
}
ensure_browser

rm -rf "$RESULTS"
mkdir -p "$RESULTS"
# The browser tests keep their services' output here, for a failure that needs it.
export PT_SERVICE_LOGS="$RESULTS/service-logs"
started=$SECONDS

if ! dotnet build "$ROOT/PolicyTracker.sln" -c Debug -nologo -v quiet -clp:ErrorsOnly; then
  echo "build failed"
  echo "0 passed, 1 failed"
  exit 1
fi

# Two waves, each running its assemblies in parallel: first the services' own tests, then the tests that
# start whole systems (end to end, fault and failover suites, the browser). On two cores, running all at
# once starved the service processes of the second wave and made timing-sensitive waits flaky.
WAVES=("$ROOT/tests/services.slnf" "$ROOT/tests/system.slnf")
# A test project missing from both waves would silently never run.
if ! python3 - "$ROOT" "${WAVES[@]}" <<'PY'
import json, re, sys
root, waves = sys.argv[1], sys.argv[2:]
sln = open(root + "/PolicyTracker.sln").read()
tests = {p.replace("\\", "/") for p in re.findall(r'"([^"]+Tests\.csproj)"', sln)}
listed = {p.replace("\\", "/") for w in waves for p in json.load(open(w))["solution"]["projects"]}
missing = sorted(tests - listed)
if missing:
    print("test projects in no wave (add them to tests/*.slnf):", *missing)
    sys.exit(1)
PY
then
  echo "0 passed, 1 failed"
  exit 1
fi
test_exit=0
for wave in "${WAVES[@]}"; do
  echo "== $(basename "$wave" .slnf) tests"
  dotnet test "$wave" -c Debug --no-build -nologo \
    --logger "trx" --logger "console;verbosity=normal" --results-directory "$RESULTS" "$@" || test_exit=1
done

# Count outcomes from the TRX files every test project wrote.
read -r passed failed < <(python3 - "$RESULTS" <<'PY'
import glob, sys, xml.etree.ElementTree as ET
ns = {"t": "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"}
passed = failed = 0
for path in glob.glob(sys.argv[1] + "/**/*.trx", recursive=True):
    counters = ET.parse(path).getroot().find("t:ResultSummary/t:Counters", ns)
    if counters is not None:
        passed += int(counters.get("passed", 0))
        failed += int(counters.get("failed", 0)) + int(counters.get("error", 0)) + int(counters.get("timeout", 0)) + int(counters.get("aborted", 0))
print(passed, failed)
PY
)
if [[ $test_exit -ne 0 && ${failed:-0} -eq 0 ]]; then
  failed=1  # the runner failed without a counted test failure (a crash, a missing project)
fi
echo "tests took $((SECONDS - started)) s"
echo "${passed:-0} passed, ${failed:-0} failed"
[[ $test_exit -eq 0 && ${failed:-0} -eq 0 ]]
