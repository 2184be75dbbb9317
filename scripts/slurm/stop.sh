#!/usr/bin/env bash
# Stop the single-node cluster that scripts/slurm/start.sh started: cancel its jobs, then
# signal slurmd, slurmctld and munged by the PIDs in SURVEYKIT_SLURM_DIR/run/*.pid, each
# only if that PID still runs the expected binary (never by name). Safe to call twice, and
# on a cluster that never came up.
set -uo pipefail

dir=${SURVEYKIT_SLURM_DIR:-/tmp/surveykit-slurm}
conf=$dir/etc/slurm.conf
export SLURM_CONF=$conf

# shellcheck source=scripts/slurm/pids.sh
. "$(dirname "$0")/pids.sh"

stop() {  # stop DAEMON: SIGTERM, up to 10 s to exit, then SIGKILL
  local pid
  if ! pid=$(running "$dir/run/$1.pid" "$1"); then
    echo "$1: not running"
    rm -f "$dir/run/$1.pid"
    return 0
  fi
  kill -TERM "$pid"
  for _ in $(seq 1 40); do [ -e "/proc/$pid" ] || break; sleep 0.25; done
  if [ -e "/proc/$pid" ]; then
    echo "$1 (pid $pid) still running after SIGTERM; sending SIGKILL"
    kill -KILL "$pid"
  fi
  rm -f "$dir/run/$1.pid"
  echo "$1: stopped (pid $pid)"
}

if running "$dir/run/slurmctld.pid" slurmctld >/dev/null; then
  jobs=$(squeue -h -t pending,running,completing -o %i 2>/dev/null | tr '\n' ' ')
  if [ -n "${jobs// /}" ]; then
    echo "cancelling jobs: $jobs"
    # shellcheck disable=SC2086
    scancel $jobs
    sleep 2
  fi
fi
stop slurmd
stop slurmctld
stop munged
rm -f "$dir/munge/munge.socket.2" "$dir/munge/munge.socket.2.lock"
if [ -L /etc/slurm/slurm.conf ] && [ "$(readlink /etc/slurm/slurm.conf)" = "$conf" ]; then
  rm -f /etc/slurm/slurm.conf
  echo "removed the link /etc/slurm/slurm.conf"
fi
