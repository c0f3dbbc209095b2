#!/usr/bin/env bash
# Starts, stops and reports the test clusters on this machine, on loopback ports and folders of their own
# (never the default servers on 3306 / 5432):
#
#   galera  three MariaDB Galera nodes: client ports 3311-3313, Galera base ports 4567/4577/4587 (IST on +1),
#           SST receive ports 4464/4474/4484; run as user mysql; datadirs under $ROWGUARD_CLUSTER_DIR/galera
#   pg      a PostgreSQL 15 primary on 5433 and a hot standby on 5434 made with `pg_basebackup -R`;
#           run as user postgres; data dirs under $ROWGUARD_CLUSTER_DIR/pg
#
# Usage: scripts/clusters.sh start|stop|status|restart galera|pg|all
#        scripts/clusters.sh start-node galera N   (start one killed node again and wait until it is Synced)
#        scripts/clusters.sh pid galera N | pid pg primary|standby
#        scripts/clusters.sh kill galera N | kill pg primary|standby   (SIGKILL, for failure tests)
#        scripts/clusters.sh promote pg   (promote the standby; `start pg` makes the pair again afterwards)
#
# `start` is idempotent: nodes already up are left alone; a cluster left behind by a killed run is recovered
# (Galera: the bootstrap node is chosen from grastate.dat / safe_to_bootstrap, the others rejoin by state
# transfer; PostgreSQL: a standby that was promoted or cannot stream is made again from the primary). It
# installs galera-4 and rsync with apt-get when they are missing, waits until every node is ready
# (wsrep_cluster_size = 3 and Synced on each node; standby in recovery and streaming) and creates the
# database `test` on both clusters. Runs as root (it starts the servers as mysql / postgres).
set -euo pipefail

BASE=${ROWGUARD_CLUSTER_DIR:-/var/tmp/rowguard-clusters}
PGBIN=${ROWGUARD_PG_BIN:-/usr/lib/postgresql/15/bin}
GALERA_LIB=/usr/lib/galera/libgalera_smm.so
GDIR=$BASE/galera
PDIR=$BASE/pg
WAIT_S=${ROWGUARD_CLUSTER_WAIT_S:-240}

log() { echo "[clusters] $*" >&2; }
die() { log "error: $*"; exit 1; }

# Whether process $1's command line mentions $2 (a pid file whose number was reused does not count).
runs() { [ -n "$1" ] && cat "/proc/$1/cmdline" 2>/dev/null | tr '\0' ' ' | grep -q -- "$2"; }

as_user() { local u=$1; shift; if [ "$(id -un)" = "$u" ]; then "$@"; else runuser -u "$u" -- "$@"; fi; }

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=scripts/clusters-galera.sh
. "$here/clusters-galera.sh"
# shellcheck source=scripts/clusters-pg.sh
. "$here/clusters-pg.sh"

# ---------------------------------------------------------------------------------------------- main
[ "$(id -u)" = 0 ] || die "run as root (the servers run as mysql / postgres)"
cmd=${1:-status}
what=${2:-all}
mkdir -p "$BASE"
# One invocation at a time (parallel test files may all ask for the clusters).
exec 9>"$BASE/.lock"
case "$cmd" in status | pid | kill) ;; *) flock 9 ;; esac

run_for() {
  case "$what" in
    galera) "galera_$1" ;;
    pg) "pg_$1" ;;
    all) "galera_$1"; "pg_$1" ;;
    *) die "unknown cluster '$what' (galera, pg or all)" ;;
  esac
}

case "$cmd" in
  start) run_for start ;;
  stop) run_for stop ;;
  status) run_for status ;;
  restart) run_for stop; run_for start ;;
  start-node)
    [ "$what" = galera ] || die "start-node works for galera only"
    galera_start_node "${3:?node number}"
    ;;
  kill)
    p=$(case "$what" in galera) gpid "${3:?node number}" ;; pg) ppid "${3:?primary or standby}" ;; esac || true)
    [ -n "$p" ] || die "$what ${3:-} is not running"
    kill -9 "$p"
    while kill -0 "$p" 2>/dev/null; do sleep 0.1; done
    log "$what ${3}: killed (pid $p)"
    ;;
  promote)
    [ "$what" = pg ] || die "promote works for pg only"
    as_user postgres "$PGBIN/pg_ctl" -D "$(ppath standby)" -w -t 60 promote >/dev/null 9>&-
    log "pg standby: promoted"
    ;;
  pid)
    case "$what" in
      galera) gpid "${3:?node number}" ;;
      pg) ppid "${3:?primary or standby}" ;;
      *) die "pid galera N | pid pg primary|standby" ;;
    esac
    ;;
  *) die "usage: $0 start|stop|status|restart galera|pg|all" ;;
esac
