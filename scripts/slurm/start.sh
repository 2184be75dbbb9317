#!/usr/bin/env bash
# Start a single-node Slurm cluster on localhost for testing the workflow's Slurm profile:
# munged, slurmctld and slurmd, each with its PID file, and config, state, logs and the
# munge socket under one directory (SURVEYKIT_SLURM_DIR, default /tmp/surveykit-slurm).
# Stop it with scripts/slurm/stop.sh, which signals exactly these PIDs.
#
# Needs root and Debian's `slurm-wlm` and `munge` (Slurm 22.05). No slurmdbd: without
# accounting storage `sacct` has nothing to ask, so Snakemake must ask `squeue` for job
# states (--slurm-status-command squeue), and Slurm must keep finished jobs visible to it
# long enough (MinJobAge below; the plugin uses squeue only if MinJobAge >= 120 s).
#
#   SURVEYKIT_SLURM_DIR   where everything lives            (default /tmp/surveykit-slurm)
#   SURVEYKIT_SLURM_CPUS  CPUs of the node, at most nproc   (default: nproc)
#   SURVEYKIT_SLURM_MEM   RealMemory of the node in MB      (default 8000; a job's mem_mb
#                         must not exceed it; memory is not scheduled here, only CPUs)
# Prints the line to use the cluster: export SLURM_CONF=<dir>/etc/slurm.conf
set -euo pipefail

dir=${SURVEYKIT_SLURM_DIR:-/tmp/surveykit-slurm}
cpus=${SURVEYKIT_SLURM_CPUS:-$(nproc)}
mem=${SURVEYKIT_SLURM_MEM:-8000}
conf=$dir/etc/slurm.conf
socket=$dir/munge/munge.socket.2

fail() { echo "start.sh: error: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || fail "run as root (slurmd and munged run as root here)"
for tool in munged mungekey munge unmunge slurmctld slurmd sinfo scontrol; do
  command -v "$tool" >/dev/null || fail "$tool not found; install it: apt-get install slurm-wlm munge"
done

# shellcheck source=scripts/slurm/pids.sh
. "$(dirname "$0")/pids.sh"

mkdir -p "$dir"/{etc,log,run,state/ctld,state/d,munge}
chmod 0755 "$dir" "$dir/munge"   # munged refuses a socket directory others may write to

# munge: its own key, socket and PID file (the system's munged, if any, is not touched)
[ -s "$dir/munge/munge.key" ] || mungekey --create --keyfile="$dir/munge/munge.key"
chmod 0600 "$dir/munge/munge.key"
if pid=$(running "$dir/run/munged.pid" munged); then
  echo "munged already running (pid $pid)"
else
  rm -f "$socket" "$socket.lock"
  # --force: munged refuses to run as root without it
  munged --force --socket="$socket" --key-file="$dir/munge/munge.key" \
    --pid-file="$dir/run/munged.pid" --log-file="$dir/log/munged.log" \
    --seed-file="$dir/munge/munged.seed"
fi
munge --socket="$socket" -n | unmunge --socket="$socket" >/dev/null \
  || fail "munge does not work; see $dir/log/munged.log"

cat >"$conf.new" <<CONF
# single-node test cluster written by scripts/slurm/start.sh
ClusterName=surveykit
SlurmctldHost=localhost
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$socket
StateSaveLocation=$dir/state/ctld
SlurmdSpoolDir=$dir/state/d
SlurmctldPidFile=$dir/run/slurmctld.pid
SlurmdPidFile=$dir/run/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
MailProg=/bin/true
# containers without cgroups: track processes by /proc, no task binding
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
MpiDefault=none
# no slurmdbd: job states come from squeue, which shows a finished job for MinJobAge s
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MinJobAge=600
ReturnToService=2
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
NodeName=localhost NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP
CONF
changed=0
if cmp -s "$conf.new" "$conf"; then rm -f "$conf.new"; else mv -f "$conf.new" "$conf"; changed=1; fi
export SLURM_CONF=$conf

# Inside a job the slurm-jobstep plugin drops SLURM_CONF before its `srun` (plugin issues
# #164, #334), so srun must find the config at the compiled-in /etc/slurm/slurm.conf. Link
# it there unless a real config exists; stop.sh removes only a link that points here.
mkdir -p /etc/slurm
if [ -L /etc/slurm/slurm.conf ] || [ ! -e /etc/slurm/slurm.conf ]; then
  ln -sfn "$conf" /etc/slurm/slurm.conf
elif [ "$(readlink -f /etc/slurm/slurm.conf)" != "$(readlink -f "$conf")" ]; then
  echo "start.sh: warning: /etc/slurm/slurm.conf belongs to another cluster; srun inside" \
       "Snakemake's jobs will use it" >&2
fi

# A second slurmctld on the same PID file would stop the first: start each daemon once.
if pid=$(running "$dir/run/slurmctld.pid" slurmctld); then
  echo "slurmctld already running (pid $pid)"
  [ "$changed" = 0 ] || scontrol reconfigure
else
  slurmctld -f "$conf"
fi
if pid=$(running "$dir/run/slurmd.pid" slurmd); then
  echo "slurmd already running (pid $pid)"
else
  slurmd -f "$conf" -N localhost   # the node is called localhost, whatever the hostname
fi

state=unknown
for _ in $(seq 1 120); do
  state=$(sinfo -h -n localhost -o %T 2>/dev/null || true)
  case $state in
    idle|mixed|allocated) break ;;
    down*|drain*) scontrol update NodeName=localhost State=RESUME 2>/dev/null || true ;;
  esac
  sleep 0.5
done
case $state in
  idle|mixed|allocated) ;;
  *) fail "the node is '$state', not idle; see $dir/log/slurmctld.log and slurmd.log" ;;
esac
for daemon in munged slurmctld slurmd; do
  echo "$daemon: pid $(cat "$dir/run/$daemon.pid")"
done
echo "node localhost: $state, $cpus CPUs, $mem MB"
echo "export SLURM_CONF=$conf"
