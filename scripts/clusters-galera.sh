# Galera functions of scripts/clusters.sh (sourced by it; not run on its own).
# shellcheck shell=bash
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

