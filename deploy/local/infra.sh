#!/usr/bin/env bash
# deploy/local/infra.sh - local PostgreSQL 15 + RabbitMQ for PolicyTracker development and tests.
#
# Both run as ordinary background processes (no containers, no systemd), with all
# state under <repo>/.local (git-ignored), so several clones can coexist as long as
# they use different ports (see the PT_* variables below).
#
# Usage: infra.sh start | stop | status | restart-rabbitmq | stop-rabbitmq | start-rabbitmq | restart-postgres | env
#        infra.sh rabbitmqctl ARGS...   (debug helper: rabbitmqctl with our node/cookie/epmd)
#        --cluster with start, status, env, stop-rabbitmq, start-rabbitmq, rabbitmqctl (or PT_RABBIT_CLUSTER=1):
#                                       a three-node RabbitMQ cluster instead of the single node
#        infra.sh stop-node N | start-node N   (one node of that cluster, N = 1..3)
#
#   eval "$(deploy/local/infra.sh env)"   exports ports and connection strings.
#
# Environment overrides (defaults in brackets):
#   PT_PG_PORT [55432]            PostgreSQL, 127.0.0.1 only
#   PT_RABBIT_PORT [35672]        AMQP, 127.0.0.1 only
#   PT_RABBIT_MGMT_PORT [35674]   management HTTP API/UI, 127.0.0.1 only
#   PT_RABBIT_DIST_PORT [35673]   Erlang distribution port of the broker node
#   PT_RABBIT_EPMD_PORT [35675]   our private epmd (the system one on 4369 is left alone)
#   PT_RABBIT_NODENAME [pt-rabbit@localhost]
#   PT_RABBIT_CLUSTER_BASE [25800] first of the 13 ports of the three-node cluster (see "cluster" below)
#   PT_INFRA_TIMEOUT [90]         seconds to wait for each service to come up
set -euo pipefail

# ---------------------------------------------------------------------------
# Locations. Resolve the repo from this file (not the cwd) so the script works from
# anywhere, in any clone and through a symlink; `pwd -P` gives the physical path, which is what
# /proc/<pid>/cwd reports (used below to recognise our processes).
# ---------------------------------------------------------------------------
SCRIPT_DIR=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd -P)
REPO_ROOT=$(cd "$SCRIPT_DIR/../.." && pwd -P)
LOCAL_DIR="$REPO_ROOT/.local"
LOG_DIR="$LOCAL_DIR/logs"

PG_PORT=${PT_PG_PORT:-55432}
RABBIT_PORT=${PT_RABBIT_PORT:-35672}
RABBIT_MGMT_PORT=${PT_RABBIT_MGMT_PORT:-35674}
RABBIT_DIST_PORT=${PT_RABBIT_DIST_PORT:-35673}
RABBIT_EPMD_PORT=${PT_RABBIT_EPMD_PORT:-35675}
RABBIT_NODENAME=${PT_RABBIT_NODENAME:-pt-rabbit@localhost}
TIMEOUT=${PT_INFRA_TIMEOUT:-90}

DB_NAME=policytracker
VHOST=policytracker

PG_BIN=/usr/lib/postgresql/15/bin
PG_DIR="$LOCAL_DIR/pg"              # owned by the postgres user when we run as root
PGDATA_DIR="$PG_DIR/data"
PG_LOG="$LOG_DIR/postgres.log"

RMQ_BIN=/usr/lib/rabbitmq/bin       # NOT /usr/sbin: that wrapper switches to the rabbitmq user
RMQ_DIR="$LOCAL_DIR/rabbitmq"       # also the broker's cwd, which is how we find its processes
RMQ_PID_FILE="$RMQ_DIR/rabbitmq.pid"
RMQ_LOG_DIR="$LOG_DIR/rabbitmq"
RMQ_OUT="$LOG_DIR/rabbitmq-server.out"

MGMT_URL="http://127.0.0.1:$RABBIT_MGMT_PORT"

IS_ROOT=0; [[ $EUID -eq 0 ]] && IS_ROOT=1

# ---------------------------------------------------------------------------
# Small helpers
# ---------------------------------------------------------------------------
log()  { printf '[infra] %s\n' "$*"; }
warn() { printf '[infra] WARNING: %s\n' "$*" >&2; }
die()  { printf '[infra] ERROR: %s\n' "$*" >&2; exit 1; }

# Show the end of a log file on stderr, so failures are diagnosable from CI output.
tail_log() {
  local f=$1
  if [[ -f $f ]]; then
    printf -- '----- last 40 lines of %s -----\n' "$f" >&2
    tail -n 40 "$f" >&2 || true
    printf -- '-----\n' >&2
  fi
}

for v in PG_PORT RABBIT_PORT RABBIT_MGMT_PORT RABBIT_DIST_PORT RABBIT_EPMD_PORT TIMEOUT; do
  [[ ${!v} =~ ^[0-9]+$ ]] || die "$v must be a number, got '${!v}'"
done

# PostgreSQL refuses to run as root, so as root every server-side pg command runs as
# the postgres system user. `cd /` avoids "could not change directory" noise when the
# caller's cwd is not readable by postgres. fd 9 is our lock (see with_lock); it must
# not leak into daemons or the lock would be held until they exit.
as_pg() {
  if ((IS_ROOT)); then
    (cd / && runuser -u postgres -- "$@") 9>&-
  else
    "$@" 9>&-
  fi
}

# curl against our own management API: never through a proxy (http_proxy in CI would
# otherwise swallow 127.0.0.1 requests), short timeouts.
mgmt_curl() {
  curl --noproxy '*' -sS --max-time 5 -u guest:guest "$@"
}

# Is something accepting TCP connections on 127.0.0.1:$1? (bash /dev/tcp: no extra tools)
port_open() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# True if $1 is a live process. A zombie counts as dead: on machines whose PID 1 does
# not reap orphans (this sandbox's init doesn't) a killed daemon stays a zombie forever,
# and `kill -0` - which is what postgres uses for its own stale-lock check - says alive.
pid_alive() {
  local stat
  [[ $1 =~ ^[0-9]+$ ]] && read -r stat 2>/dev/null < "/proc/$1/stat" || return 1
  stat=${stat##*) }            # field 3 (state) follows "pid (comm) "
  [[ ${stat:0:1} != Z ]]
}

# PIDs whose cwd is exactly $1 and whose command name is one of $2...
# Why cwd: postgres chdirs into its data dir, and we start the broker with cwd
# $RMQ_DIR, so this finds exactly our processes (also orphans after a kill -9 of the
# parent) without matching another clone's or the system service's processes by name.
procs_in_dir() {
  local dir=$1; shift
  local line pid cwd comm c
  # A pipe, not `< <(find ...)`: process substitutions are not waited for and would
  # pile up as zombies where PID 1 does not reap. find may fail on vanishing processes.
  { find /proc -mindepth 2 -maxdepth 2 -name cwd -printf '%h\t%l\n' 2>/dev/null || true; } |
  while IFS=$'\t' read -r line cwd; do
    [[ $cwd == "$dir" ]] || continue
    pid=${line#/proc/}
    [[ $pid =~ ^[0-9]+$ ]] || continue
    read -r comm 2>/dev/null < "/proc/$pid/comm" || continue
    for c in "$@"; do
      if [[ $comm == "$c" ]]; then echo "$pid"; break; fi
    done
  done
}

pg_procs()     { procs_in_dir "$PGDATA_DIR" postgres; }
# The server script forks erl -> erlexec -> beam.smp, which spawns erl_child_setup and
# inet_gethost and `sh -s rabbit_disk_monitor`; all inherit the cwd.
rabbit_procs() { procs_in_dir "$RMQ_DIR" rabbitmq-server erl erlexec beam.smp erl_child_setup inet_gethost sh; }
rabbit_beam()  { procs_in_dir "$RMQ_DIR" beam.smp; }

# Wait until the command "$2..." prints nothing, for at most $1 seconds.
wait_until_empty() {
  local secs=$1; shift
  local end=$((SECONDS + secs))
  while [[ -n $("$@") ]]; do
    ((SECONDS < end)) || return 1
    sleep 0.2
  done
}

# Serialise state-changing commands: parallel test runs may all call `start`.
with_lock() {
  mkdir -p "$LOCAL_DIR"
  exec 9>"$LOCAL_DIR/infra.lock"
  flock -w 600 9 || die "could not get $LOCAL_DIR/infra.lock within 600 s"
}

# ---------------------------------------------------------------------------
# Packages: rabbitmq-server may be missing on a fresh machine; python3-aiosmtpd is
# needed by the tests (a real SMTP server). One apt-get call for both.
# The check uses /usr/bin/python3 on purpose: the Debian package only serves Debian's
# interpreter, and `python3` on PATH may be another one (e.g. a pyenv shim).
# ---------------------------------------------------------------------------
SYS_PYTHON=/usr/bin/python3
ensure_packages() {
  local pkgs=()
  [[ -x $RMQ_BIN/rabbitmq-server ]] || pkgs+=(rabbitmq-server)
  "$SYS_PYTHON" -c 'import aiosmtpd' >/dev/null 2>&1 || pkgs+=(python3-aiosmtpd)
  ((${#pkgs[@]})) || return 0

  local sudo=()
  if ((!IS_ROOT)); then
    if command -v sudo >/dev/null 2>&1; then
      sudo=(sudo)
    else
      local msg="missing packages: ${pkgs[*]}; not root and sudo is not available. As root run:
    apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y ${pkgs[*]}"
      # Without the broker nothing works; without aiosmtpd only the e-mail tests do.
      if [[ " ${pkgs[*]} " == *" rabbitmq-server "* ]]; then die "$msg"; fi
      warn "$msg"
      return 0
    fi
  fi

  log "installing ${pkgs[*]} (apt-get) ..."
  # The package's postinst may try to start the system rabbitmq service; that one uses
  # the default ports/node name/epmd (5672, rabbit@host, 4369) and never collides with ours.
  # Lock::Timeout: wait instead of failing if another apt/dpkg is running.
  if ! { "${sudo[@]}" apt-get update -qq 9>&- &&
         "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
           -o DPkg::Lock::Timeout=300 "${pkgs[@]}" 9>&-; } >"$LOG_DIR/apt.log" 2>&1; then
    tail_log "$LOG_DIR/apt.log"
    warn "apt-get install ${pkgs[*]} failed (full output: $LOG_DIR/apt.log)"
  fi
  [[ -x $RMQ_BIN/rabbitmq-server ]] || die "RabbitMQ is not installed ($RMQ_BIN/rabbitmq-server missing)"
  "$SYS_PYTHON" -c 'import aiosmtpd' >/dev/null 2>&1 || warn "python3 module aiosmtpd still missing (tests that send mail will fail)"
}

# ---------------------------------------------------------------------------
# PostgreSQL
# ---------------------------------------------------------------------------
pg_postmaster_pid() {
  local pid=""
  [[ -r $PGDATA_DIR/postmaster.pid ]] && read -r pid 2>/dev/null < "$PGDATA_DIR/postmaster.pid"
  echo "$pid"
}

pg_running() {
  local pid; pid=$(pg_postmaster_pid)
  [[ -n $pid && $'\n'$(pg_procs)$'\n' == *$'\n'"$pid"$'\n'* ]]
}

pg_ready() {
  "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres -t 2 9>&-
}

# The socket path (dir + "/.s.PGSQL.<port>") must fit in sun_path (107 chars);
# deep clone paths don't, so fall back to /tmp (the port keeps it unique).
pg_socket_dir() {
  local dir="$PG_DIR/sock"
  if (( ${#dir} + ${#PG_PORT} + 10 >= 107 )); then dir=/tmp; fi
  echo "$dir"
}

pg_prepare_dirs() {
  mkdir -p "$PG_DIR/sock" "$LOG_DIR"
  touch "$PG_LOG"
  if ((IS_ROOT)); then
    chown -R postgres:postgres "$PG_DIR"
    chown postgres:postgres "$PG_LOG"
    # postgres must be able to reach .local/pg: fails e.g. for a clone under /root (0700).
    runuser -u postgres -- test -w "$PG_DIR" 9>&- ||
      die "the postgres user cannot write $PG_DIR (a parent directory is not accessible to it?). Put the clone somewhere world-traversable, e.g. /work or /tmp."
  fi
  chmod 700 "$PG_DIR"
}

# pid file present but postmaster gone (e.g. kill -9): orphaned backends exit by
# themselves once they notice the postmaster died; wait for them (postgres refuses to
# start while they still hold the old shared memory), kill leftovers, drop the pid file.
pg_clean_stale() {
  if [[ -e $PGDATA_DIR/postmaster.pid ]]; then
    log "PostgreSQL: stale postmaster.pid (process gone), cleaning up"
    if ! wait_until_empty 15 pg_procs; then
      warn "killing orphaned postgres processes: $(pg_procs | tr '\n' ' ')"
      pg_procs | xargs -r kill -9 2>/dev/null || true
      wait_until_empty 10 pg_procs || die "orphaned postgres processes do not exit: $(pg_procs | tr '\n' ' ')"
    fi
    rm -f "$PGDATA_DIR/postmaster.pid"
  fi
  # The socket lock file of a killed postmaster; postgres would refuse to start if that
  # pid is a zombie (see pid_alive). Only removed when its owner is really gone, so a
  # live server of someone else on the same port (socket dir /tmp) is never touched.
  local lock pid=""
  lock="$(pg_socket_dir)/.s.PGSQL.$PG_PORT.lock"
  if [[ -f $lock ]]; then
    read -r pid 2>/dev/null < "$lock" || true
    if ! pid_alive "$pid"; then
      rm -f "$lock" "${lock%.lock}" 2>/dev/null || true
    fi
  fi
}

pg_initdb() {
  # A data dir without PG_VERSION is a leftover from an interrupted initdb.
  [[ -d $PGDATA_DIR ]] && rm -rf "$PGDATA_DIR"
  log "PostgreSQL: first start, running initdb in $PGDATA_DIR"
  # trust auth: local-only dev/test server bound to 127.0.0.1; C.UTF-8 exists on every
  # Debian without generating locales.
  if ! as_pg "$PG_BIN/initdb" -D "$PGDATA_DIR" --auth=trust -U postgres \
         --encoding=UTF8 --locale=C.UTF-8 >"$LOG_DIR/initdb.log" 2>&1; then
    tail_log "$LOG_DIR/initdb.log"
    die "initdb failed"
  fi
  # Our settings live in their own file, rewritten on every start so port overrides apply.
  echo "include_if_exists = 'pt-local.conf'" | as_pg tee -a "$PGDATA_DIR/postgresql.conf" >/dev/null
}

pg_write_conf() {
  local sock; sock=$(pg_socket_dir)
  # fsync stays on (the default) on purpose: tests should see real durability behaviour.
  as_pg tee "$PGDATA_DIR/pt-local.conf" >/dev/null <<EOF
# Generated by deploy/local/infra.sh on every start - edit the script, not this file.
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = '${sock//\'/\'\'}'
max_connections = 300
fsync = on
EOF
}

pg_ensure_db() {
  local psql=("$PG_BIN/psql" -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres -v ON_ERROR_STOP=1 -qtA)
  local q="SELECT 1 FROM pg_database WHERE datname = '$DB_NAME'"
  [[ $("${psql[@]}" -c "$q" 9>&-) == 1 ]] && return 0
  # Re-check on failure: someone else may have created it in between.
  "${psql[@]}" -c "CREATE DATABASE \"$DB_NAME\"" 9>&- >/dev/null 2>&1 ||
    [[ $("${psql[@]}" -c "$q" 9>&-) == 1 ]] ||
    die "could not create database $DB_NAME"
  log "PostgreSQL: created database $DB_NAME"
}

pg_start() {
  if pg_running; then
    log "PostgreSQL: already running (pid $(pg_postmaster_pid), port $PG_PORT)"
  else
    pg_prepare_dirs
    pg_clean_stale
    if port_open "$PG_PORT"; then
      die "port $PG_PORT is already in use by another process (set PT_PG_PORT to use another port)"
    fi
    [[ -f $PGDATA_DIR/PG_VERSION ]] || pg_initdb
    pg_write_conf
    log "PostgreSQL: starting on 127.0.0.1:$PG_PORT"
    # pg_ctl daemonises postgres in its own session, so it survives this script.
    if ! as_pg "$PG_BIN/pg_ctl" -D "$PGDATA_DIR" -l "$PG_LOG" -w -t "$TIMEOUT" start >/dev/null 2>&1; then
      tail_log "$PG_LOG"
      die "PostgreSQL failed to start (pg_ctl start, timeout ${TIMEOUT}s; log: $PG_LOG)"
    fi
  fi
  local end=$((SECONDS + TIMEOUT))
  until pg_ready; do
    if ((SECONDS >= end)); then
      tail_log "$PG_LOG"
      die "PostgreSQL is not accepting connections on 127.0.0.1:$PG_PORT after ${TIMEOUT}s (log: $PG_LOG)"
    fi
    sleep 0.3
  done
  pg_ensure_db
}

pg_stop() {
  local msg="not running"
  if pg_running; then
    msg=stopped
    log "PostgreSQL: stopping (pid $(pg_postmaster_pid))"
    as_pg "$PG_BIN/pg_ctl" -D "$PGDATA_DIR" -m fast -w -t 60 stop >/dev/null 2>&1 ||
      warn "pg_ctl stop failed, killing the processes"
  fi
  # Also covers orphans of a killed postmaster and a failed pg_ctl stop.
  if [[ -n $(pg_procs) ]]; then
    msg=stopped
    wait_until_empty 10 pg_procs || { pg_procs | xargs -r kill -9 2>/dev/null || true; }
    wait_until_empty 10 pg_procs || die "postgres processes still alive: $(pg_procs | tr '\n' ' ')"
  fi
  # A pid file without a process would only trigger the stale path on next start.
  rm -f "$PGDATA_DIR/postmaster.pid" 2>/dev/null || true
  log "PostgreSQL: $msg"
}

# ---------------------------------------------------------------------------
# RabbitMQ
# ---------------------------------------------------------------------------
# Everything the broker and its CLI tools need, in the current (sub)shell.
rabbit_env() {
  # HOME holds the Erlang cookie; rabbitmqctl must use the same one to talk to the node.
  export HOME="$RMQ_DIR/home"
  export RABBITMQ_NODENAME="$RABBIT_NODENAME"
  # Short names with @localhost: works without DNS for the machine's hostname.
  export RABBITMQ_USE_LONGNAME=false
  export RABBITMQ_MNESIA_BASE="$RMQ_DIR/mnesia"
  export RABBITMQ_LOG_BASE="$RMQ_LOG_DIR"
  export RABBITMQ_CONFIG_FILE="$RMQ_DIR/rabbitmq.conf"
  # Point these at our own files so /etc/rabbitmq (the system service's config) is ignored.
  export RABBITMQ_ADVANCED_CONFIG_FILE="$RMQ_DIR/advanced.config"
  export RABBITMQ_CONF_ENV_FILE="$RMQ_DIR/rabbitmq-env.conf"
  export RABBITMQ_ENABLED_PLUGINS_FILE="$RMQ_DIR/enabled_plugins"
  export RABBITMQ_PID_FILE="$RMQ_PID_FILE"
  # Explicit distribution port, bound to loopback only.
  export RABBITMQ_DIST_PORT="$RABBIT_DIST_PORT"
  export RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS="-kernel inet_dist_use_interface {127,0,0,1}"
  # CLI tools' own distribution ports default to 35672-35682, i.e. right on top of our
  # AMQP/dist/management ports; 0 = any free ephemeral port.
  export RABBITMQ_CTL_DIST_PORT_MIN=0 RABBITMQ_CTL_DIST_PORT_MAX=0
  # A private epmd: the system one (4369) may belong to the packaged rabbitmq service,
  # and ours can then be stopped together with our broker.
  export ERL_EPMD_PORT="$RABBIT_EPMD_PORT" ERL_EPMD_ADDRESS=127.0.0.1
}

rabbit_write_config() {
  mkdir -p "$RMQ_DIR/home" "$RMQ_DIR/mnesia" "$RMQ_LOG_DIR"
  : > "$RMQ_DIR/rabbitmq-env.conf"
  # Management plugin (and its dependencies) - used for readiness and vhost setup.
  # consistent-hash exchange: the services partition per-prediction traffic with it (docs/scaling.md).
  echo '[rabbitmq_management,rabbitmq_consistent_hash_exchange].' > "$RMQ_DIR/enabled_plugins"
  # Regenerated on every start so port overrides apply. guest may only log in from
  # loopback (the default), which is all we need.
  cat > "$RMQ_DIR/rabbitmq.conf" <<EOF
# Generated by deploy/local/infra.sh on every start - edit the script, not this file.
listeners.tcp.1 = 127.0.0.1:$RABBIT_PORT
management.tcp.ip = 127.0.0.1
management.tcp.port = $RABBIT_MGMT_PORT
log.console = false
log.file.level = info
EOF
  # A cluster node also names its peers: on its first boot it joins the first of them that runs (see cluster_start).
  [[ -z ${RMQ_EXTRA_CONF:-} ]] || printf '%s\n' "$RMQ_EXTRA_CONF" >> "$RMQ_DIR/rabbitmq.conf"
}

rabbit_running() { [[ -n $(rabbit_beam) ]]; }

rabbit_epmd_stop() {
  # Only succeeds when no node is registered, so it cannot take down a live broker.
  env ERL_EPMD_PORT="$RABBIT_EPMD_PORT" epmd -kill >/dev/null 2>&1 || true
}

# Management API answers and AMQP port accepts connections = broker usable.
rabbit_ready() {
  port_open "$RABBIT_PORT" &&
    [[ $(mgmt_curl -o /dev/null -w '%{http_code}' "$MGMT_URL/api/overview" 2>/dev/null) == 200 ]]
}

rabbit_ensure_vhost() {
  local code
  code=$(mgmt_curl -o /dev/null -w '%{http_code}' -X PUT -H 'content-type: application/json' \
           "$MGMT_URL/api/vhosts/$VHOST") || true
  [[ $code == 20[14] ]] || die "creating RabbitMQ vhost $VHOST failed (HTTP $code)"
  code=$(mgmt_curl -o /dev/null -w '%{http_code}' -X PUT -H 'content-type: application/json' \
           -d '{"configure":".*","write":".*","read":".*"}' \
           "$MGMT_URL/api/permissions/$VHOST/guest") || true
  [[ $code == 20[14] ]] || die "granting guest permissions on vhost $VHOST failed (HTTP $code)"
}

rabbit_start() {
  rabbit_launch
  rabbit_wait_ready
  rabbit_ensure_vhost
}

# Starts the broker process unless it runs already; does not wait (a cluster starts its nodes together:
# a node that was not the last one stopped waits at boot for the others).
rabbit_launch() {
  if rabbit_running; then
    log "RabbitMQ: already running (pid $(rabbit_beam | head -n1), node $RABBIT_NODENAME, amqp port $RABBIT_PORT)"
  else
    # Leftovers of a killed broker (wrapper without beam, pid file of a dead process).
    if [[ -n $(rabbit_procs) ]]; then
      rabbit_procs | xargs -r kill -9 2>/dev/null || true
      wait_until_empty 10 rabbit_procs || true
    fi
    if [[ -f $RMQ_PID_FILE ]]; then
      log "RabbitMQ: removing stale pid file"
      rm -f "$RMQ_PID_FILE"
    fi
    local p
    for p in "$RABBIT_PORT" "$RABBIT_MGMT_PORT" "$RABBIT_DIST_PORT"; do
      port_open "$p" && die "port $p is already in use by another process (see PT_RABBIT_* variables)"
    done
    rabbit_write_config
    mkdir -p "$LOG_DIR"
    log "RabbitMQ: starting node $RABBIT_NODENAME (amqp 127.0.0.1:$RABBIT_PORT, management $MGMT_URL)"
    printf '\n===== %s start =====\n' "$(date '+%F %T')" >> "$RMQ_OUT"
    (
      cd "$RMQ_DIR"                 # cwd identifies our processes, see procs_in_dir
      rabbit_env
      # setsid: own session, so Ctrl-C / a CI step killing our process group spares it.
      exec nohup setsid "$RMQ_BIN/rabbitmq-server" >>"$RMQ_OUT" 2>&1 </dev/null 9>&-
    ) &
  fi
}

rabbit_wait_ready() {
  local end=$((SECONDS + TIMEOUT)) started=$SECONDS
  until rabbit_ready; do
    # Give the wrapper a moment to exec the VM before concluding it died.
    if ((SECONDS - started > 3)) && [[ -z $(rabbit_procs) ]]; then
      tail_log "$RMQ_OUT"; tail_log "$RMQ_LOG_DIR/$RABBIT_NODENAME.log"
      die "RabbitMQ exited during startup (logs: $RMQ_OUT, $RMQ_LOG_DIR/)"
    fi
    if ((SECONDS >= end)); then
      tail_log "$RMQ_OUT"; tail_log "$RMQ_LOG_DIR/$RABBIT_NODENAME.log"
      die "RabbitMQ did not become ready within ${TIMEOUT}s (logs: $RMQ_OUT, $RMQ_LOG_DIR/)"
    fi
    sleep 0.5
  done
  rabbit_beam | head -n1 > "$RMQ_PID_FILE"
}

rabbit_stop() {
  local msg="not running"
  if [[ -n $(rabbit_procs) ]]; then
    msg=stopped
    log "RabbitMQ: stopping (pid $(rabbit_beam | head -n1))"
    # SIGTERM = graceful shutdown in RabbitMQ >= 3.7 (no cookie/CLI round trip needed).
    # (The server script's own TERM trap forwards to the VM; signalling both is harmless.)
    procs_in_dir "$RMQ_DIR" rabbitmq-server beam.smp | xargs -r kill -TERM 2>/dev/null || true
    if ! wait_until_empty 60 rabbit_procs; then
      warn "RabbitMQ did not stop within 60s, killing it"
      rabbit_procs | xargs -r kill -9 2>/dev/null || true
      wait_until_empty 10 rabbit_procs || die "RabbitMQ processes still alive: $(rabbit_procs | tr '\n' ' ')"
    fi
  fi
  rm -f "$RMQ_PID_FILE"
  rabbit_epmd_stop
  log "RabbitMQ: $msg"
}

# ---------------------------------------------------------------------------
# Three-node RabbitMQ cluster (start --cluster): three more brokers of their own, clustered.
# Ports from PT_RABBIT_CLUSTER_BASE (B): node n (1..3) has amqp B+4(n-1), management +1,
# distribution +2; the three share an epmd on B+12 and an Erlang cookie. State under
# .local/rabbit-cluster-B, so clusters on different bases (run.sh, tests) never meet.
# ---------------------------------------------------------------------------
# Below the ephemeral range (32768-60999): a node (re)started while many connections are open must not
# find its port taken as the local port of some outgoing connection (eaddrinuse, seen in the full suite).
CLUSTER_BASE=${PT_RABBIT_CLUSTER_BASE:-25800}
[[ $CLUSTER_BASE =~ ^[0-9]+$ ]] || die "PT_RABBIT_CLUSTER_BASE must be a number, got '$CLUSTER_BASE'"
CLUSTER_DIR="$LOCAL_DIR/rabbit-cluster-$CLUSTER_BASE"
CLUSTER_NODES=(1 2 3)

cluster_amqp_port() { echo $((CLUSTER_BASE + 4 * ($1 - 1))); }
cluster_mgmt_port() { echo $((CLUSTER_BASE + 4 * ($1 - 1) + 1)); }
cluster_nodename()  { echo "pt-rabbit-c$CLUSTER_BASE-$1@localhost"; }

# Points the single-node functions above at cluster node $1 (call it in a subshell).
cluster_node() {
  local n=$1
  RABBIT_PORT=$(cluster_amqp_port "$n")
  RABBIT_MGMT_PORT=$(cluster_mgmt_port "$n")
  RABBIT_DIST_PORT=$((CLUSTER_BASE + 4 * (n - 1) + 2))
  RABBIT_EPMD_PORT=$((CLUSTER_BASE + 12))
  RABBIT_NODENAME=$(cluster_nodename "$n")
  RMQ_DIR="$CLUSTER_DIR/node$n"
  RMQ_PID_FILE="$RMQ_DIR/rabbitmq.pid"
  RMQ_LOG_DIR="$LOG_DIR/rabbit-cluster-$CLUSTER_BASE/node$n"
  RMQ_OUT="$RMQ_LOG_DIR/rabbitmq-server.out"
  MGMT_URL="http://127.0.0.1:$RABBIT_MGMT_PORT"
  RMQ_EXTRA_CONF="cluster_formation.peer_discovery_backend = classic_config"
  local peer
  for peer in "${CLUSTER_NODES[@]}"; do
    RMQ_EXTRA_CONF+=$'\n'"cluster_formation.classic_config.nodes.$peer = $(cluster_nodename "$peer")"
  done
  mkdir -p "$RMQ_DIR/home" "$RMQ_LOG_DIR"
  # The nodes of one cluster (and rabbitmqctl talking to them) must share the Erlang cookie.
  if [[ ! -f $CLUSTER_DIR/erlang.cookie ]]; then
    (umask 077; head -c 48 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' | head -c 32 > "$CLUSTER_DIR/erlang.cookie")
  fi
  cmp -s "$CLUSTER_DIR/erlang.cookie" "$RMQ_DIR/home/.erlang.cookie" 2>/dev/null ||
    { rm -f "$RMQ_DIR/home/.erlang.cookie"; install -m 400 "$CLUSTER_DIR/erlang.cookie" "$RMQ_DIR/home/.erlang.cookie"; }
}

cluster_ctl() {
  local n=$1; shift
  ( cluster_node "$n"; rabbit_env; "$RMQ_BIN/rabbitmqctl" -n "$RABBIT_NODENAME" "$@" 9>&- )
}

cluster_running_nodes() {
  cluster_ctl "$1" cluster_status --formatter json 2>/dev/null |
    "$SYS_PYTHON" -c 'import json,sys; print(" ".join(json.load(sys.stdin)["running_nodes"]))' 2>/dev/null || true
}

cluster_start() {
  mkdir -p "$CLUSTER_DIR"
  local n first
  first=$(cluster_nodename 1)
  if [[ -z $(ls -A "$CLUSTER_DIR/node1/mnesia" 2>/dev/null) ]]; then
    # A new cluster forms by peer discovery (classic_config), with no stop_app/join_cluster/start_app,
    # which failed now and then on a loaded machine (the AMQP port not yet released, mnesia half up):
    # node 1 boots alone, then each other node boots and joins the running cluster on its first boot.
    for n in "${CLUSTER_NODES[@]}"; do ( cluster_node "$n"; rabbit_launch; rabbit_wait_ready ); done
  fi
  # All three processes first: a node that was not the last to stop waits at boot for its peers.
  for n in "${CLUSTER_NODES[@]}"; do ( cluster_node "$n"; rabbit_launch ); done
  for n in "${CLUSTER_NODES[@]}"; do
    # A node left with its application stopped (an interrupted join) runs but never becomes ready:
    # restarted, it boots as the cluster member it already is.
    ( cluster_node "$n"; TIMEOUT=$((TIMEOUT / 2)); rabbit_wait_ready ) 2>/dev/null ||
      ( cluster_node "$n"; rabbit_stop; rabbit_launch; rabbit_wait_ready )
  done
  for n in "${CLUSTER_NODES[@]:1}"; do
    if [[ " $(cluster_running_nodes "$n") " != *" $first "* ]]; then
      log "RabbitMQ cluster: joining $(cluster_nodename "$n") to $first"
      local out="$LOG_DIR/rabbit-cluster-$CLUSTER_BASE/join.log" tries=0
      { cluster_ctl "$n" stop_app && cluster_ctl "$n" reset && cluster_ctl "$n" join_cluster "$first"; } >>"$out" 2>&1 ||
        { tail_log "$out"; die "join_cluster of node $n failed"; }
      # start_app right after stop_app may find the AMQP port not yet released: try again briefly.
      until cluster_ctl "$n" start_app >>"$out" 2>&1; do
        ((++tries < 10)) || { tail_log "$out"; die "node $n did not start after joining the cluster"; }
        sleep 1
      done
      ( cluster_node "$n"; rabbit_wait_ready )
    fi
  done
  ( cluster_node 1; rabbit_ensure_vhost )
  local running; running=$(cluster_running_nodes 1)
  [[ $(wc -w <<<"$running") == 3 ]] || die "RabbitMQ cluster: running nodes are '$running', expected 3"
  log "RabbitMQ cluster: 3 nodes running (amqp 127.0.0.1:$(cluster_amqp_port 1), :$(cluster_amqp_port 2), :$(cluster_amqp_port 3))"
}

cluster_stop() {
  local n
  [[ -d $CLUSTER_DIR ]] || return 0
  # SIGTERM to all three at once, then wait for each.
  for n in "${CLUSTER_NODES[@]}"; do
    ( cluster_node "$n"; procs_in_dir "$RMQ_DIR" rabbitmq-server beam.smp | xargs -r kill -TERM 2>/dev/null || true )
  done
  for n in "${CLUSTER_NODES[@]}"; do ( cluster_node "$n"; rabbit_stop ); done
}

cluster_node_arg() {
  [[ ${1:-} =~ ^[123]$ ]] || die "cluster node must be 1, 2 or 3, got '${1:-}'"
}

cluster_status() {
  local n rc=0
  for n in "${CLUSTER_NODES[@]}"; do
    if ( cluster_node "$n"; rabbit_running && rabbit_ready ); then
      echo "RabbitMQ cluster node $n: running   node $(cluster_nodename "$n"), amqp 127.0.0.1:$(cluster_amqp_port "$n"), management http://127.0.0.1:$(cluster_mgmt_port "$n")"
    else
      echo "RabbitMQ cluster node $n: not running (node $(cluster_nodename "$n"), amqp port $(cluster_amqp_port "$n"))"; rc=3
    fi
  done
  return $rc
}

# What the services need for the cluster: every node's address (Messaging:ClusterNodes) beside the URI of the first.
cluster_env() {
  cat <<ENV
export PT_PG_PORT=$PG_PORT
export PT_RABBIT_CLUSTER_BASE=$CLUSTER_BASE
export PT_RABBIT_PORT=$(cluster_amqp_port 1)
export PT_RABBIT_MGMT_PORT=$(cluster_mgmt_port 1)
export PT_RABBIT_MGMT_URL=http://127.0.0.1:$(cluster_mgmt_port 1)
export PT_RABBIT_CLUSTER_AMQP_PORTS="$(cluster_amqp_port 1) $(cluster_amqp_port 2) $(cluster_amqp_port 3)"
export PT_RABBIT_CLUSTER_MGMT_PORTS="$(cluster_mgmt_port 1) $(cluster_mgmt_port 2) $(cluster_mgmt_port 3)"
export PT_PYTHON3=$SYS_PYTHON
export ConnectionStrings__postgres="Host=127.0.0.1;Port=$PG_PORT;Database=$DB_NAME;Username=postgres"
export ConnectionStrings__rabbitmq="amqp://guest:guest@127.0.0.1:$(cluster_amqp_port 1)/$VHOST"
export Messaging__ClusterNodes="127.0.0.1:$(cluster_amqp_port 1),127.0.0.1:$(cluster_amqp_port 2),127.0.0.1:$(cluster_amqp_port 3)"
ENV
}

# ---------------------------------------------------------------------------
# status / env
# ---------------------------------------------------------------------------
cmd_status() {
  local rc=0
  if pg_running && pg_ready; then
    echo "PostgreSQL: running   (pid $(pg_postmaster_pid)) on 127.0.0.1:$PG_PORT, database $DB_NAME, data $PGDATA_DIR"
  elif pg_running; then
    echo "PostgreSQL: process running (pid $(pg_postmaster_pid)) but not accepting connections on 127.0.0.1:$PG_PORT"; rc=3
  else
    echo "PostgreSQL: not running (port $PG_PORT)"; rc=3
  fi
  if rabbit_running && rabbit_ready; then
    echo "RabbitMQ:   running   (pid $(rabbit_beam | head -n1)) node $RABBIT_NODENAME, amqp 127.0.0.1:$RABBIT_PORT, management $MGMT_URL, dist $RABBIT_DIST_PORT, epmd $RABBIT_EPMD_PORT"
  elif rabbit_running; then
    echo "RabbitMQ:   process running (pid $(rabbit_beam | head -n1)) but not ready (amqp $RABBIT_PORT, management $MGMT_URL)"; rc=3
  else
    echo "RabbitMQ:   not running (amqp port $RABBIT_PORT, management port $RABBIT_MGMT_PORT)"; rc=3
  fi
  return $rc
}

cmd_env() {
  cat <<EOF
export PT_PG_PORT=$PG_PORT
export PT_RABBIT_PORT=$RABBIT_PORT
export PT_RABBIT_MGMT_PORT=$RABBIT_MGMT_PORT
export PT_RABBIT_DIST_PORT=$RABBIT_DIST_PORT
export PT_RABBIT_EPMD_PORT=$RABBIT_EPMD_PORT
export PT_RABBIT_NODENAME=$RABBIT_NODENAME
export PT_RABBIT_MGMT_URL=$MGMT_URL
export PT_PYTHON3=$SYS_PYTHON
export ConnectionStrings__postgres="Host=127.0.0.1;Port=$PG_PORT;Database=$DB_NAME;Username=postgres"
export ConnectionStrings__rabbitmq="amqp://guest:guest@127.0.0.1:$RABBIT_PORT/$VHOST"
EOF
}

usage() {
  echo "usage: $0 start | stop | status | restart-rabbitmq | stop-rabbitmq | start-rabbitmq | restart-postgres | env | rabbitmqctl ARGS...  [--cluster]" >&2
  echo "       $0 stop-node N | start-node N   (N = 1..3: a node of the cluster on PT_RABBIT_CLUSTER_BASE)" >&2
  exit 2
}

# ---------------------------------------------------------------------------
[[ $# -ge 1 ]] || usage
cmd=$1; shift
# --cluster (or PT_RABBIT_CLUSTER=1): RabbitMQ is the three-node cluster instead of the single node.
CLUSTER=${PT_RABBIT_CLUSTER:-0}
args=()
for a in "$@"; do
  if [[ $a == --cluster ]]; then CLUSTER=1; else args+=("$a"); fi
done
set -- "${args[@]+"${args[@]}"}"
case $cmd in
  start)
    with_lock
    mkdir -p "$LOG_DIR"
    t0=$SECONDS
    ensure_packages               # first, so a failed install fails before anything starts
    pg_start
    if [[ $CLUSTER == 1 ]]; then cluster_start; else rabbit_start; fi
    log "ready in $((SECONDS - t0))s - eval \"\$($0 env$([[ $CLUSTER == 1 ]] && echo ' --cluster'))\" to get connection settings"
    ;;
  # stop also stops the cluster on PT_RABBIT_CLUSTER_BASE if one ran there.
  stop)             with_lock; rabbit_stop; cluster_stop; pg_stop ;;
  stop-rabbitmq)    with_lock; if [[ $CLUSTER == 1 ]]; then cluster_stop; else rabbit_stop; fi ;;
  start-rabbitmq)   with_lock; mkdir -p "$LOG_DIR"; ensure_packages; if [[ $CLUSTER == 1 ]]; then cluster_start; else rabbit_start; fi ;;
  restart-rabbitmq) with_lock; mkdir -p "$LOG_DIR"; ensure_packages; rabbit_stop; rabbit_start ;;
  restart-postgres) with_lock; mkdir -p "$LOG_DIR"; pg_stop; pg_start ;;
  # One node of the cluster down and up again; the others keep serving (quorum queues keep a majority).
  stop-node)        cluster_node_arg "${1:-}"; with_lock; ( cluster_node "$1"; rabbit_stop ) ;;
  start-node)       cluster_node_arg "${1:-}"; with_lock; mkdir -p "$LOG_DIR"; ( cluster_node "$1"; rabbit_launch; rabbit_wait_ready ) ;;
  status)
    if [[ $CLUSTER == 1 ]]; then
      rc=0
      if pg_running && pg_ready; then echo "PostgreSQL: running   (pid $(pg_postmaster_pid)) on 127.0.0.1:$PG_PORT"; else echo "PostgreSQL: not running (port $PG_PORT)"; rc=3; fi
      cluster_status || rc=3
      exit $rc
    fi
    cmd_status ;;
  env)              if [[ $CLUSTER == 1 ]]; then cluster_env; else cmd_env; fi ;;
  rabbitmqctl)
    if [[ $CLUSTER == 1 ]]; then cluster_ctl 1 "$@"; exit; fi
    rabbit_env; exec "$RMQ_BIN/rabbitmqctl" -n "$RABBIT_NODENAME" "$@" ;;
  -h|--help|help)   usage ;;
  *)                usage ;;
esac
