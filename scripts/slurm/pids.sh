# Sourced by start.sh and stop.sh: find a daemon of this cluster by its PID file.
# running PIDFILE TOOL prints the PID in PIDFILE if that process runs TOOL's binary (and
# fails otherwise), so a stale PID file never makes us signal an unrelated process. Debian's
# /usr/sbin/slurmctld is an alternatives link to slurmctld-wlm, so compare resolved paths.
running() {
  local pid
  [ -s "$1" ] || return 1
  pid=$(tr -dc '0-9' <"$1")
  [ -n "$pid" ] && [ -e "/proc/$pid/exe" ] || return 1
  [ "$(readlink -f "/proc/$pid/exe")" = "$(readlink -f "$(command -v "$2")")" ] || return 1
  echo "$pid"
}
