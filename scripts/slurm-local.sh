#!/usr/bin/env bash
# A one-node Slurm cluster on localhost for the executor tests (test/cluster-*.test.ts) and for trying
# `jasr reproduce --executor slurm` on a workstation. Everything lives under one folder; /etc/slurm and
# /etc/munge are never read or written (munged gets its own key and socket, every client finds the cluster
# through SLURM_CONF).
#
#   scripts/slurm-local.sh start <dir>   starts munged, slurmctld, slurmd; prints `export SLURM_CONF=<dir>/slurm.conf`
#   scripts/slurm-local.sh stop <dir>    stops the three daemons it started (by the pids in <dir>) and removes <dir>
#
# Needs root (slurmd runs jobs as their submitting user) and Debian's slurm-wlm + munge (scripts/setup.sh).
# Without cgroups: proctrack/pgid, task/none, no accounting daemon (sacct is unavailable; `jasr status` reads
# the task exit files the batch script writes instead).
set -euo pipefail

cmd=${1:-}
dir=${2:-}
[ -n "$cmd" ] && [ -n "$dir" ] || { echo "usage: $0 start|stop <dir>" >&2; exit 2; }

stop() {
  for name in slurmd slurmctld munged; do
    pidfile="$dir/$name.pid"
    [ -f "$pidfile" ] || continue
    pid=$(cat "$pidfile")
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
      kill -TERM "$pid" 2>/dev/null || true
      for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
    fi
  done
  # Only remove a folder this script set up (it holds slurm.conf written below).
  if [ -f "$dir/slurm.conf" ] && grep -q '^# written by scripts/slurm-local.sh' "$dir/slurm.conf"; then rm -rf "$dir"; fi
}

if [ "$cmd" = stop ]; then stop; exit 0; fi
[ "$cmd" = start ] || { echo "usage: $0 start|stop <dir>" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "$0: slurmd must run as root to start jobs (running as $(id -un))" >&2; exit 1; }
for b in munged mungekey slurmctld slurmd sbatch; do
  command -v "$b" >/dev/null || { echo "$0: $b not found; install slurm-wlm and munge (scripts/setup.sh)" >&2; exit 1; }
done

mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
chmod 700 "$dir"
mkdir -p "$dir/munge" "$dir/state" "$dir/spool" "$dir/log"
chmod 700 "$dir/munge"

# munge: its own key, socket, pid and seed files (munged runs as root here only with --force).
mungekey --create --keyfile="$dir/munge/munge.key" --force >/dev/null 2>&1 \
  || dd if=/dev/urandom of="$dir/munge/munge.key" bs=1024 count=1 status=none
chmod 400 "$dir/munge/munge.key"
munged --force --key-file="$dir/munge/munge.key" --socket="$dir/munge/munge.socket" \
  --pid-file="$dir/munged.pid" --log-file="$dir/log/munged.log" --seed-file="$dir/munge/munge.seed"

host=$(hostname -s)
# The node as slurmd sees it (real CPU count and memory), so the scheduler never waits for resources it lacks.
node_line=$(slurmd -C | head -1 | sed -E 's/RealMemory=([0-9]+)/RealMemory=\1/')
cpus=$(echo "$node_line" | sed -nE 's/.*CPUs=([0-9]+).*/\1/p')
mem=$(echo "$node_line" | sed -nE 's/.*RealMemory=([0-9]+).*/\1/p')
# Free ports (a second cluster or a site daemon may hold the defaults 6817/6818).
read -r ctld_port slurmd_port < <(python3 -c 'import socket
s=[socket.socket() for _ in range(2)]
[x.bind(("127.0.0.1",0)) for x in s]
print(*[x.getsockname()[1] for x in s])')

cat > "$dir/slurm.conf" <<CONF
# written by scripts/slurm-local.sh: a one-node cluster for tests; delete with \`scripts/slurm-local.sh stop $dir\`
ClusterName=jasrlocal
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$dir/munge/munge.socket
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.pid
SlurmdPidFile=$dir/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
ProctrackType=proctrack/pgid
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
SwitchType=switch/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
SchedulerType=sched/backfill
ReturnToService=2
JobRequeue=1
KillWait=5
MinJobAge=600
InactiveLimit=0
SlurmdTimeout=30
NodeName=$host NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF="$dir/slurm.conf"

slurmctld -f "$SLURM_CONF" -i 2>>"$dir/log/slurmctld.stderr"
slurmd -f "$SLURM_CONF" 2>>"$dir/log/slurmd.stderr"

# Ready when the node is idle (slurmd registered with slurmctld).
for _ in $(seq 1 100); do
  state=$(sinfo -h -N -o '%T' 2>/dev/null | head -1 || true)
  [ "$state" = idle ] && { echo "export SLURM_CONF=$SLURM_CONF"; exit 0; }
  sleep 0.2
done
echo "$0: the node did not become idle within 20 s (state '${state:-none}'); logs in $dir/log" >&2
tail -n 20 "$dir/log/slurmctld.log" "$dir/log/slurmd.log" >&2 2>/dev/null || true
exit 1
