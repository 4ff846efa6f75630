#!/usr/bin/env bash
# `make test-slurm [SLURM_TARGET=...]`: the workflow on a real SLURM scheduler.
#
# Installs Debian's slurm-wlm and munge where missing, starts a private
# single-node cluster on this machine (docs/slurm-local.md) whose
# state, logs and pid files live in .tmp/slurm/, then hands over to
# `python -m tools.slurm_check run`: the target built locally and through
# profiles/slurm in two fresh copies, the jobs checked against the scheduler's
# log, every output compared byte for byte.
#
# Whatever happens (success, failure, Ctrl-C, kill), the trap cancels the jobs
# and stops every daemon this script started, by its pid file. A munged that
# was already running is used and left running. Needs root (CI runs as root).
#
# The config is /etc/slurm/slurm.conf, where every client finds it: a private
# path through SLURM_CONF is not enough, since the SLURM jobstep plugin drops
# SLURM_* variables before its `srun` inside each job. A slurm.conf already
# there is moved aside to .tmp/slurm.saved-slurm.conf and put back by the trap.
set -euo pipefail
cd "$(dirname "$0")/../.."
PROJECT=$PWD
TARGET=${1:-all}
DIR=${UDSYN_SLURM_DIR:-$PROJECT/.tmp/slurm}
TIMEOUT=${UDSYN_SLURM_TIMEOUT:-1200}  # seconds for each of the two builds
KEEP=${UDSYN_SLURM_KEEP:+--keep}      # UDSYN_SLURM_KEEP=1: keep the two builds on success
PY=$PROJECT/.venv/bin/python
CONF=/etc/slurm/slurm.conf
SAVED=$DIR.saved-slurm.conf  # beside $DIR, which is wiped on every run
unset SLURM_CONF
# (the udsyn package is installed in the venv: no PYTHONPATH needed)
STARTED=()     # daemons this script started, in start order
STEPDS_BEFORE= # slurmstepd processes there before ours (none, normally): left alone
CHILD=         # the running check (python), stopped by the trap
WROTE_CONF=    # set once /etc/slurm/slurm.conf is ours
BEGAN=$SECONDS

say() { echo "test-slurm: $*"; }
fail() { echo "test-slurm: FAILED: $*" >&2; exit 1; }

pid_of() {  # the live process of pid file $2 if its command is $1, else nothing
  local pid
  pid=$(cat "$2" 2>/dev/null) || return 0
  [ -n "$pid" ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "$1" ] && echo "$pid"
  return 0
}

stop() {  # stop daemon $1 by pid file $2: TERM, up to 20 s, then KILL
  local pid i
  for i in $(seq 1 10); do  # a daemon just started may not have written it yet
    [ -s "$2" ] || [ "${3:-}" != started ] || { sleep 0.5; continue; }
    break
  done
  pid=$(pid_of "$1" "$2")
  [ -n "$pid" ] || return 0
  kill -TERM "$pid" 2>/dev/null || return 0
  for i in $(seq 1 40); do
    [ -d "/proc/$pid" ] || { say "stopped $1 (pid $pid)"; return 0; }
    sleep 0.5
  done
  kill -KILL "$pid" 2>/dev/null || true
  say "killed $1 (pid $pid): it did not stop within 20 s"
}

jobs_left() {  # ids of the jobs our scheduler still has pending, running or ending
  timeout 10 squeue --noheader --format=%i --states=PENDING,RUNNING,COMPLETING,CONFIGURING 2>/dev/null || true
}

pidfile() {
  case $1 in
    munged) echo /run/munge/munged.pid ;;
    *) echo "$DIR/$1.pid" ;;
  esac
}

cleanup() {
  local status=$? name i pid
  trap - EXIT INT TERM HUP
  if [ -n "$CHILD" ] && [ -d "/proc/$CHILD" ]; then
    kill -TERM "$CHILD" 2>/dev/null || true   # it stops its builds, then exits
    wait "$CHILD" 2>/dev/null || true
  fi
  if [ ${#STARTED[@]} -gt 0 ]; then
    # Jobs still queued or running are cancelled, and slurmd is given time to end
    # them (without it, their slurmstepd would outlive the daemons).
    if [ -n "$(pid_of slurmctld "$DIR/slurmctld.pid")" ] && [ -n "$(jobs_left)" ]; then
      say "cancelling the jobs left: $(jobs_left | tr '\n' ' ')"
      timeout 10 scancel --partition=debug 2>/dev/null || true
      for i in $(seq 1 60); do
        [ -z "$(jobs_left)" ] && break
        sleep 0.5
      done
    fi
    for ((i = ${#STARTED[@]} - 1; i >= 0; i--)); do
      name=${STARTED[i]}
      stop "$name" "$(pidfile "$name")" started
    done
    # Any job step our slurmd started and that is still there (not there before).
    for pid in $(pgrep -x slurmstepd || true); do
      case " $STEPDS_BEFORE " in *" $pid "*) continue ;; esac
      kill -KILL "$pid" 2>/dev/null && say "killed a leftover slurmstepd (pid $pid)"
    done
  fi
  if [ -n "$WROTE_CONF" ]; then  # (not when refused: the config may be another run's)
    if [ -f "$SAVED" ]; then
      mv -f "$SAVED" "$CONF" && say "put back the machine's own $CONF"
    else
      rm -f "$CONF"
    fi
  fi
  if [ "$status" -eq 0 ]; then
    say "passed in $((SECONDS - BEGAN)) s (scheduler set-up and shut-down included)"
  else
    echo "test-slurm: FAILED (exit $status) after $((SECONDS - BEGAN)) s; scheduler logs: $DIR" >&2
  fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

[ "$(id -u)" -eq 0 ] || fail "needs root: it installs SLURM with apt and starts its daemons"
# One at a time on a machine: the cluster's ports and /etc/slurm/slurm.conf are the machine's.
mkdir -p /run/lock
exec 9>/run/lock/udsyn-test-slurm.lock  # the daemons below get `9>&-`: they never hold it
flock -n 9 || fail "another \`make test-slurm\` is running on this machine; wait for it"
[ -x "$PY" ] || fail "no environment: run \`make\` first (make test-slurm does)"

# 1. The software: Debian's packages, where missing.
missing=()
command -v slurmctld >/dev/null || missing+=(slurm-wlm)
command -v munged >/dev/null || missing+=(munge)
if [ ${#missing[@]} -gt 0 ]; then
  say "installing ${missing[*]} (apt-get)"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# 2. No scheduler may be running but ours: daemons a killed run (SIGKILL) left
#    behind are ours (our pid files) and are stopped; any other is refused.
for name in slurmd slurmctld; do
  stop "$name" "$DIR/$name.pid"
  if pgrep -x "$name" >/dev/null; then
    fail "a $name this test did not start is running (pid $(pgrep -x "$name" | tr '\n' ' ')); it needs the machine's SLURM ports for its own cluster"
  fi
done

# 3. munge: a key (kept if there is one), the daemon, a round trip.
if [ ! -s /etc/munge/munge.key ]; then
  say "writing a munge key"
  install -d -m 700 -o munge -g munge /etc/munge
  dd if=/dev/urandom of=/etc/munge/munge.key bs=1024 count=1 status=none
  chown munge:munge /etc/munge/munge.key
  chmod 400 /etc/munge/munge.key
fi
if ! munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
  install -d -m 755 -o munge -g munge /run/munge
  STARTED+=(munged)
  munged --force 9>&-
fi
for i in $(seq 1 20); do
  munge -n 2>/dev/null | unmunge >/dev/null 2>&1 && break
  [ "$i" -lt 20 ] || fail "munge does not work: \`munge -n | unmunge\` fails"
  sleep 0.5
done

# 4. The cluster's files, fresh each run (no jobs carried over from a run before).
rm -rf "$DIR"
mkdir -p "$DIR/ctld" "$DIR/spool"
host=$(hostname -s)
cpus=$(nproc)
memory=$("$PY" -c 'from tools.slurm_check import node_memory_mb; print(node_memory_mb(open("/proc/meminfo").read()))')
if [ -f "$CONF" ] && ! grep -q '^# Written by `make test-slurm`' "$CONF"; then
  mv "$CONF" "$SAVED"
  say "moved the machine's own $CONF aside to $SAVED (put back at the end)"
fi
mkdir -p "$(dirname "$CONF")"
WROTE_CONF=1
"$PY" -m tools.slurm_check conf --host "$host" --cpus "$cpus" --memory-mb "$memory" --dir "$DIR" > "$CONF"
say "cluster: node $host, $cpus CPUs, $memory MB, partition debug; config and logs in $DIR"

# 5. The daemons (each writes its pid file; the trap stops them by it).
STEPDS_BEFORE=$(pgrep -x slurmstepd | tr '\n' ' ' || true)
STARTED+=(slurmctld)
slurmctld 9>&-
STARTED+=(slurmd)
slurmd 9>&-
state=
for i in $(seq 1 60); do
  state=$(sinfo --noheader --nodes="$host" --format=%T 2>/dev/null || true)
  [ "$state" = idle ] && break
  if [ "$i" -eq 60 ]; then
    tail -n 15 "$DIR/slurmctld.log" "$DIR/slurmd.log" >&2 2>/dev/null || true
    fail "the node is not idle after 30 s (sinfo says '${state:-nothing}'); the daemons' last lines are above"
  fi
  sleep 0.5
done
say "scheduler up: node $host idle after $((SECONDS - BEGAN)) s"

# 6. The two builds and the checks (in the background, so that a signal reaches the trap at once).
"$PY" -m tools.slurm_check run --project "$PROJECT" --target "$TARGET" \
  --controller-log "$DIR/slurmctld.log" --timeout "$TIMEOUT" $KEEP &
CHILD=$!
wait "$CHILD"
