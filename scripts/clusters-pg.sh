# PostgreSQL functions of scripts/clusters.sh (sourced by it; not run on its own).
# shellcheck shell=bash
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

