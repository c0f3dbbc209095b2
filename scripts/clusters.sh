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

as_user() { local u=$1; shift; if [ "$(id -un)" = "$u" ]; then "$@"; else runuser -u "$u" -- "$@"; fi; }

# ---------------------------------------------------------------------------------------------- Galera
gport() { echo $((3310 + $1)); }
gbase() { echo $((4557 + 10 * $1)); }
gsst() { echo $((4454 + 10 * $1)); }
gnode() { echo "$GDIR/node$1"; }

ensure_galera_packages() {
  if [ ! -f "$GALERA_LIB" ] || ! command -v rsync >/dev/null; then
    log "installing galera-4 and rsync"
    DEBIAN_FRONTEND=noninteractive apt-get install -y galera-4 rsync >/dev/null || {
      apt-get update >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y galera-4 rsync >/dev/null
    }
  fi
  [ -f "$GALERA_LIB" ] || die "galera-4 is not installed ($GALERA_LIB missing)"
  command -v mariadbd >/dev/null || die "mariadbd (mariadb-server) is not installed"
}

write_galera_cnf() {
  local i=$1 d; d=$(gnode "$i")
  mkdir -p "$d/data"
  cat >"$d/my.cnf" <<EOF
[mariadbd]
user=mysql
datadir=$d/data
socket=$d/mysqld.sock
pid-file=$d/mysqld.pid
log-error=$d/error.log
port=$(gport "$i")
bind-address=127.0.0.1
skip-name-resolve
performance_schema=OFF
max_connections=300
innodb_buffer_pool_size=48M
innodb_log_file_size=32M
innodb_flush_log_at_trx_commit=2
default_storage_engine=InnoDB
binlog_format=ROW
innodb_autoinc_lock_mode=2
wsrep_on=ON
wsrep_provider=$GALERA_LIB
wsrep_cluster_name=rowguard_test
wsrep_cluster_address=gcomm://127.0.0.1:4567,127.0.0.1:4577,127.0.0.1:4587
wsrep_node_address=127.0.0.1
wsrep_node_name=node$i
wsrep_provider_options="base_port=$(gbase "$i");gcache.size=32M;evs.keepalive_period=PT0.5S;evs.suspect_timeout=PT2S;evs.inactive_timeout=PT3S;evs.install_timeout=PT3S;evs.join_retrans_period=PT0.5S"
wsrep_sst_method=rsync
wsrep_sst_receive_address=127.0.0.1:$(gsst "$i")
wsrep_slave_threads=2
[client]
socket=$d/mysqld.sock
EOF
  chown -R mysql:mysql "$d"
}

# Whether process $1's command line mentions $2 (a pid file whose number was reused does not count).
runs() { [ -n "$1" ] && cat "/proc/$1/cmdline" 2>/dev/null | tr '\0' ' ' | grep -q -- "$2"; }
# The pid of a running node: from the pid file, or (while it starts, before it writes one) from the launch.
gpid() {
  local d f p; d=$(gnode "$1")
  for f in "$d/mysqld.pid" "$d/launch.pid"; do
    [ -s "$f" ] || continue
    p=$(cat "$f")
    runs "$p" "$d/my.cnf" && { echo "$p"; return 0; }
  done
  return 1
}
gsql() { mariadb --defaults-file="$(gnode "$1")/my.cnf" -uroot -N -B -e "$2" 2>/dev/null; }
gvar() { gsql "$1" "show global status like '$2'" | awk '{print $2}'; }
gready() { [ "$(gvar "$1" wsrep_local_state_comment)" = Synced ] && [ "$(gvar "$1" wsrep_cluster_status)" = Primary ]; }

galera_init_node() {
  local i=$1 d; d=$(gnode "$i")
  write_galera_cnf "$i"
  if [ ! -d "$d/data/mysql" ]; then
    log "galera node$i: initialising $d/data"
    mariadb-install-db --defaults-file="$d/my.cnf" --user=mysql --skip-test-db >"$d/install.log" 2>&1 || { cat "$d/install.log" >&2; die "mariadb-install-db failed for node$i"; }
  fi
}

galera_launch() {
  local i=$1 extra=${2:-} d; d=$(gnode "$i")
  log "galera node$i: starting on port $(gport "$i") $extra"
  # setsid: the node outlives the shell (and the test process) that started it.
  # 9>&-: the node must not inherit (and so hold) this script's lock.
  setsid mariadbd --defaults-file="$d/my.cnf" $extra </dev/null >>"$d/stdout.log" 2>&1 9>&- &
  echo $! >"$d/launch.pid"
}

# Waits until node i answers and is Synced in a Primary component (or the deadline passes).
galera_wait_synced() {
  local i=$1 until=$((SECONDS + ${2:-$WAIT_S}))
  while [ $SECONDS -lt $until ]; do
    if gready "$i"; then return 0; fi
    # Voted inconsistent by the cluster: it will not get there by waiting.
    [ "$(gvar "$i" wsrep_local_state_comment)" = Inconsistent ] && return 1
    # A node that exited is not coming: stop waiting (mariadbd writes its pid file within a second or two).
    if [ -z "$(gpid "$i" || true)" ]; then sleep 2; [ -z "$(gpid "$i" || true)" ] && return 1; fi
    sleep 0.3
  done
  return 1
}

grastate() { local f; f=$(gnode "$1")/data/grastate.dat; [ -f "$f" ] && awk -v k="$2:" '$1==k {print $2}' "$f"; }

# After a kill, grastate.dat holds no position (seqno -1) and the node would need a full state transfer (SST).
# `mariadbd --wsrep-recover` reads the last committed position from InnoDB: started from it, the node gets
# only the write sets it missed (IST) from the others. Prints the start option, or nothing.
galera_recovered_position() {
  local i=$1 d pos; d=$(gnode "$i")
  [ "$(grastate "$i" seqno || true)" = -1 ] || return 0
  rm -f "$d/recover.log"
  mariadbd --defaults-file="$d/my.cnf" --wsrep-recover --log-error="$d/recover.log" </dev/null >/dev/null 2>&1 9>&- || return 0
  pos=$(grep -o 'Recovered position: [0-9a-f-]*:[0-9]*' "$d/recover.log" 2>/dev/null | tail -n1 | awk '{print $3}')
  case "$pos" in 00000000-0000-0000-0000-000000000000:* | *:-1 | "") ;; *) echo "--wsrep-start-position=$pos" ;; esac
}

# Kills every process of node i (the pid file's and the launch's) and waits until they are gone.
galera_kill_node() {
  local i=$1 d p; d=$(gnode "$i")
  for p in $(cat "$d/mysqld.pid" "$d/launch.pid" 2>/dev/null | sort -u); do
    runs "$p" "$d/my.cnf" && kill -9 "$p" 2>/dev/null
  done
  while [ -n "$(gpid "$i" || true)" ]; do sleep 0.2; done
}

galera_start_node() { # joins node i to the running cluster
  local i=$1
  if [ -n "$(gpid "$i" || true)" ]; then
    galera_wait_synced "$i" 90 && return 0
    # Running but not joining (Inconsistent, Disconnected): start it again with a full state transfer.
    log "galera node$i: running but not Synced; restarting it with a full state transfer"
    galera_kill_node "$i"
    rm -f "$(gnode "$i")/data/grastate.dat"
  fi
  galera_init_node "$i"
  # A node that was killed would come back under its old member id, which the others keep until they time
  # it out: a fresh id joins at once.
  rm -f "$(gnode "$i")/data/gvwstate.dat"
  galera_launch "$i" "$(galera_recovered_position "$i")"
  if ! galera_wait_synced "$i"; then
    log "galera node$i: did not join; retrying with a full state transfer (grastate.dat removed)"
    galera_kill_node "$i"
    rm -f "$(gnode "$i")/data/grastate.dat" "$(gnode "$i")/data/galera.cache"
    galera_launch "$i"
    galera_wait_synced "$i" || { tail -n 30 "$(gnode "$i")/error.log" >&2; die "galera node$i did not reach Synced"; }
  fi
}

galera_start() {
  ensure_galera_packages
  mkdir -p "$GDIR"; chown mysql:mysql "$GDIR" "$BASE" 2>/dev/null || true
  for i in 1 2 3; do galera_init_node "$i"; done
  local running=() i
  for i in 1 2 3; do [ -n "$(gpid "$i" || true)" ] && running+=("$i"); done
  local primary=""
  for i in "${running[@]}"; do
    for _ in 1 2 3 4 5 6 7 8 9 10; do gsql "$i" 'select 1' >/dev/null && break; sleep 0.5; done
    [ "$(gvar "$i" wsrep_cluster_status)" = Primary ] && { primary=$i; break; }
  done
  if [ -z "$primary" ] && [ ${#running[@]} -gt 0 ]; then
    # Survivors without quorum (two nodes were killed): make the first one the primary component again.
    primary=${running[0]}
    log "galera node$primary: no primary component; bootstrapping it (pc.bootstrap)"
    gsql "$primary" "set global wsrep_provider_options='pc.bootstrap=YES'" || true
  fi
  if [ -z "$primary" ]; then
    # Nothing runs: bootstrap a new cluster from the node with safe_to_bootstrap: 1, else the highest seqno.
    local best=1 bestseq=-2 clean=0 s
    for i in 1 2 3; do
      if [ "$(grastate "$i" safe_to_bootstrap || true)" = 1 ]; then best=$i; clean=1; break; fi
      s=$(grastate "$i" seqno || true); s=${s:--1}
      if [ "$s" -gt "$bestseq" ]; then best=$i; bestseq=$s; fi
    done
    local f; f=$(gnode "$best")/data/grastate.dat
    if [ -f "$f" ] && [ $clean = 0 ]; then
      log "galera: recovering from a killed cluster; bootstrapping node$best"
      sed -i 's/^safe_to_bootstrap: 0/safe_to_bootstrap: 1/' "$f"
      # The others may hold states the new cluster never had: give them a full state transfer.
      for i in 1 2 3; do [ "$i" != "$best" ] && rm -f "$(gnode "$i")/data/grastate.dat"; done
    fi
    galera_launch "$best" --wsrep-new-cluster
    galera_wait_synced "$best" || { tail -n 30 "$(gnode "$best")/error.log" >&2; die "galera node$best did not bootstrap"; }
    primary=$best
    gsql "$best" "create user if not exists 'root'@'127.0.0.1' identified by ''; grant all on *.* to 'root'@'127.0.0.1' with grant option;" ||
      die "could not create root@127.0.0.1"
  fi
  for i in 1 2 3; do [ "$i" != "$primary" ] && galera_start_node "$i"; done
  local until=$((SECONDS + WAIT_S))
  until [ "$(gvar 1 wsrep_cluster_size)" = 3 ] && gready 1 && gready 2 && gready 3; do
    [ $SECONDS -lt $until ] || die "galera: the three nodes did not become Synced in a cluster of 3"
    sleep 0.5
  done
  gsql "$primary" "create database if not exists test character set utf8mb4" || die "could not create database test"
  log "galera: 3 nodes Synced (cluster size 3) on 127.0.0.1:3311-3313"
}

galera_stop() {
  local i p
  for i in 3 2 1; do
    p=$(gpid "$i" || true)
    [ -z "$p" ] && continue
    log "galera node$i: stopping"
    kill -TERM "$p" 2>/dev/null || true
    for _ in $(seq 1 120); do kill -0 "$p" 2>/dev/null || break; sleep 0.5; done
    kill -0 "$p" 2>/dev/null && kill -9 "$p" 2>/dev/null || true
  done
}

galera_status() {
  local i
  for i in 1 2 3; do
    if [ -n "$(gpid "$i" || true)" ]; then
      echo "galera node$i port $(gport "$i") pid $(gpid "$i") state $(gvar "$i" wsrep_local_state_comment) cluster_size $(gvar "$i" wsrep_cluster_size) status $(gvar "$i" wsrep_cluster_status)"
    else
      echo "galera node$i port $(gport "$i") down"
    fi
  done
}

# ---------------------------------------------------------------------------------------------- PostgreSQL
ppath() { echo "$PDIR/$1"; }
pport() { [ "$1" = primary ] && echo 5433 || echo 5434; }
ppid() {
  local f p; f=$(ppath "$1")/postmaster.pid
  [ -s "$f" ] || return 1
  p=$(head -n1 "$f")
  runs "$p" "$(ppath "$1")" && echo "$p"
}
psql_on() { as_user postgres "$PGBIN/psql" -h 127.0.0.1 -p "$(pport "$1")" -U postgres -d postgres -XAtq -c "$2" 2>/dev/null; }

pg_up() { # starts a node whose data dir exists; waits until it accepts connections
  local n=$1 d; d=$(ppath "$n")
  if [ -z "$(ppid "$n" || true)" ]; then
    log "pg $n: starting on port $(pport "$n")"
    # A postmaster killed a moment ago may leave backends that still hold its shared memory: try again.
    local tries=0
    until as_user postgres "$PGBIN/pg_ctl" -D "$d" -l "$PDIR/$n.log" -w -t 120 start >/dev/null 9>&-; do
      tries=$((tries + 1))
      [ $tries -lt 5 ] || { tail -n 20 "$PDIR/$n.log" >&2; return 1; }
      sleep 2
    done
  fi
  local until=$((SECONDS + 60))
  until psql_on "$n" 'select 1' >/dev/null; do [ $SECONDS -lt $until ] || return 1; sleep 0.3; done
}

pg_down() {
  local n=$1 d; d=$(ppath "$n")
  [ -f "$d/PG_VERSION" ] || return 0
  if [ -n "$(ppid "$n" || true)" ]; then
    log "pg $n: stopping"
    as_user postgres "$PGBIN/pg_ctl" -D "$d" -m fast -w -t 60 stop >/dev/null || kill -9 "$(ppid "$n")" 2>/dev/null || true
  fi
}

pg_make_primary() {
  local d; d=$(ppath primary)
  [ -f "$d/PG_VERSION" ] && return 0
  log "pg primary: initdb $d"
  mkdir -p "$PDIR"; chown postgres:postgres "$PDIR"
  as_user postgres "$PGBIN/initdb" -D "$d" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 >"$PDIR/initdb.log" 2>&1 || { cat "$PDIR/initdb.log" >&2; die "initdb failed"; }
  cat >>"$d/postgresql.conf" <<EOF
listen_addresses = '127.0.0.1'
port = 5433
unix_socket_directories = '$PDIR'
wal_level = replica
max_wal_senders = 8
max_replication_slots = 4
wal_keep_size = 256MB
hot_standby = on
hot_standby_feedback = on
shared_buffers = 48MB
max_connections = 200
fsync = off
full_page_writes = on
EOF
  echo "host replication all 127.0.0.1/32 trust" >>"$d/pg_hba.conf"
}

pg_make_standby() {
  local d; d=$(ppath standby)
  log "pg standby: pg_basebackup -R from the primary into $d"
  pg_down standby
  rm -rf "$d"
  as_user postgres "$PGBIN/pg_basebackup" -h 127.0.0.1 -p 5433 -U postgres -D "$d" -R -X stream -c fast >/dev/null || die "pg_basebackup failed"
  cat >>"$d/postgresql.auto.conf" <<EOF
port = 5434
EOF
}

pg_pair_ok() {
  [ "$(psql_on standby 'select pg_is_in_recovery()')" = t ] &&
    [ "$(psql_on primary 'select pg_is_in_recovery()')" = f ] &&
    [ "$(psql_on primary "select count(*) from pg_stat_replication where state = 'streaming'")" -ge 1 ] 2>/dev/null &&
    [ "$(psql_on standby "select status from pg_stat_wal_receiver")" = streaming ]
}

pg_wait_pair() {
  local until=$((SECONDS + ${1:-30}))
  until pg_pair_ok; do [ $SECONDS -lt $until ] || return 1; sleep 0.3; done
}

pg_start() {
  [ -x "$PGBIN/pg_ctl" ] || die "PostgreSQL binaries not found in $PGBIN"
  pg_make_primary
  if [ -f "$(ppath primary)/standby.signal" ]; then
    die "pg: $(ppath primary) is a standby (unexpected); remove $PDIR to start over"
  fi
  # After a promotion (the primary was killed and the standby promoted), the old primary is the one to keep
  # only if the promoted standby is not running as a primary: either way the standby is made again below.
  pg_up primary || die "pg primary did not start"
  if [ -f "$(ppath standby)/PG_VERSION" ] && [ ! -f "$(ppath standby)/standby.signal" ]; then
    log "pg standby: was promoted; making it a standby again"
    pg_make_standby
  fi
  [ -f "$(ppath standby)/PG_VERSION" ] || pg_make_standby
  pg_up standby || { pg_make_standby; pg_up standby || die "pg standby did not start"; }
  if ! pg_wait_pair 20; then
    log "pg standby: not streaming from the primary; making it again"
    pg_make_standby
    pg_up standby || die "pg standby did not start"
    pg_wait_pair 60 || die "pg standby is not streaming"
  fi
  [ "$(psql_on primary "select count(*) from pg_database where datname = 'test'")" = 1 ] || psql_on primary 'create database test' >/dev/null
  # The standby has it once it replayed that far.
  local until=$((SECONDS + 30))
  until [ "$(psql_on standby "select count(*) from pg_database where datname = 'test'")" = 1 ]; do [ $SECONDS -lt $until ] || die "standby lacks database test"; sleep 0.3; done
  log "pg: primary 127.0.0.1:5433 and hot standby 127.0.0.1:5434 streaming"
}

pg_stop() { pg_down standby; pg_down primary; }

pg_status() {
  local n
  for n in primary standby; do
    if [ -n "$(ppid "$n" || true)" ]; then
      echo "pg $n port $(pport "$n") pid $(ppid "$n") in_recovery $(psql_on "$n" 'select pg_is_in_recovery()')"
    else
      echo "pg $n port $(pport "$n") down"
    fi
  done
}

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
