#!/bin/sh
# Started by `npm start` (scripts/start.ts) with a pipe on stdin, on which it names what it starts:
#   service <pid>       a service process
#   postgres <data dir> the embedded PostgreSQL
# When the pipe closes, the orchestrator is gone. After a clean stop nothing it named runs any more;
# after a crash or a SIGKILL, its services and PostgreSQL would run on as orphans holding the ports:
# they are stopped here as the orchestrator would have, services first (SIGTERM: they drain), then
# PostgreSQL (SIGINT: fast shutdown).
trap '' INT TERM HUP  # Ctrl-C reaches the whole group: the guard outlives it to see the outcome.
pids=''
pgdir=''
while read -r kind value; do
  case $kind in
    service) pids="$pids $value" ;;
    postgres) pgdir=$value ;;
  esac
done
left=''
for pid in $pids; do kill -0 "$pid" 2>/dev/null && left="$left $pid"; done
if [ -n "$left" ]; then
  kill -TERM $left 2>/dev/null
  i=0
  while [ -n "$left" ] && [ $i -lt 150 ]; do
    sleep 0.1
    i=$((i + 1))
    still=''
    for pid in $left; do kill -0 "$pid" 2>/dev/null && still="$still $pid"; done
    left=$still
  done
  [ -n "$left" ] && kill -KILL $left 2>/dev/null
fi
if [ -n "$pgdir" ] && [ -f "$pgdir/postmaster.pid" ]; then
  kill -INT "$(head -n 1 "$pgdir/postmaster.pid")" 2>/dev/null
fi
exit 0
