#!/usr/bin/env bash
# The benchmark (issue 9): starts PostgreSQL and RabbitMQ (deploy/local/infra.sh) when they are not
# running, builds the services and tools/Bench in Release, and runs every scenario plus the raw
# Marten/PostgreSQL baselines on a database and vhost of its own, services on free ports (never 8080-8084).
#   ./bench.sh             full size (about 10 minutes on a 2-core machine); prints the table
#   ./bench.sh --quick     every scenario at a tiny size (under a minute once built)
#   ./bench.sh --markdown FILE --json FILE   also write the table / the results
#   ./bench.sh --env Name__Setting=value     a setting for every service (to compare configurations)
set -euo pipefail
export ORT_DISABLE_TELEMETRY=1

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
INFRA="$ROOT/deploy/local/infra.sh"
CONFIGURATION=${BENCH_CONFIGURATION:-Release}
started_infra=false

"$INFRA" status >/dev/null 2>&1 || started_infra=true
"$INFRA" start >/dev/null
eval "$("$INFRA" env)"
cleanup() { if $started_infra; then "$INFRA" stop >/dev/null; fi; }
trap cleanup EXIT

echo "[bench] building ($CONFIGURATION)"
dotnet build "$ROOT/tools/Bench/PolicyTracker.Bench.csproj" -c "$CONFIGURATION" -nologo -v quiet -clp:ErrorsOnly
dotnet "$ROOT/tools/Bench/bin/$CONFIGURATION/net10.0/PolicyTracker.Bench.dll" "$@"
