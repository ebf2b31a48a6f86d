#!/usr/bin/env bash
# Run a command against a throwaway PostgreSQL server:
#   scripts/with-postgres.sh npm test
# Starts a fresh cluster in a temp folder on a free 127.0.0.1 port, exports
# DATABASE_URL=postgres://postgres@127.0.0.1:PORT/postgres, runs the command,
# then stops exactly that server and removes the folder (also on failure,
# Ctrl-C or SIGTERM). Exits with the command's exit code.
#
# Env: INSTALL_POSTGRES=1 (or CI set, as root) installs PostgreSQL with apt
# when no binaries are found.
# shellcheck disable=SC2317  # cleanup functions are called from traps
set -euo pipefail

if [ "$#" -eq 0 ]; then
  echo "usage: $0 COMMAND [ARGS...]" >&2
  exit 2
fi

say() { echo "with-postgres: $*" >&2; }
die() { say "error: $*"; exit 1; }

IS_ROOT=0
[ "$(id -u)" -eq 0 ] && IS_ROOT=1

# --- find the PostgreSQL binaries -------------------------------------------
find_bindir() {
  local p
  # PATH first; resolve symlinks so sibling tools (pg_isready, pg_config) are from the same version
  if p=$(command -v pg_ctl 2>/dev/null) && command -v initdb >/dev/null 2>&1; then
    dirname "$(readlink -f "$p")"
    return 0
  fi
  # Debian keeps versioned binaries off PATH; take the newest major version
  p=$(printf '%s\n' /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
  if [ -n "$p" ] && [ -x "$p/pg_ctl" ] && [ -x "$p/initdb" ]; then
    echo "$p"
    return 0
  fi
  return 1
}

install_postgres() {
  say "PostgreSQL not found; installing it with apt-get (this takes a minute)"
  local log rc=0
  log=$(mktemp /tmp/with-postgres-apt.XXXXXX.log)
  export DEBIAN_FRONTEND=noninteractive
  {
    apt-get update -qq &&
    # postgresql-common first, so we can stop the package from creating and starting a
    # permanent 'main' cluster on port 5432 that nobody uses (as the official Docker image does)
    apt-get install -y -qq --no-install-recommends postgresql-common &&
    { sed -ri 's/^#?\s*create_main_cluster\s*=.*/create_main_cluster = false/' \
        /etc/postgresql-common/createcluster.conf || true; } &&
    apt-get install -y -qq postgresql
  } >"$log" 2>&1 || rc=$?
  # quiet on success; show apt's own words on failure
  [ "$rc" -eq 0 ] || tail -n 30 "$log" >&2
  rm -f "$log"
  return "$rc"
}

if ! BINDIR=$(find_bindir); then
  if [ "$IS_ROOT" -eq 1 ] && { [ -n "${CI:-}" ] || [ "${INSTALL_POSTGRES:-}" = 1 ]; }; then
    install_postgres || die "apt-get install postgresql failed"
    BINDIR=$(find_bindir) || die "PostgreSQL was installed but pg_ctl/initdb were not found"
  else
    die "PostgreSQL binaries (pg_ctl, initdb) not found on PATH or in /usr/lib/postgresql/*/bin.
  Install PostgreSQL (Debian: apt-get install postgresql), or run as root with INSTALL_POSTGRES=1."
  fi
fi
for tool in initdb pg_ctl pg_isready postgres; do
  [ -x "$BINDIR/$tool" ] || die "$BINDIR/$tool is missing"
done

# --- run server tools as 'postgres' when root (initdb refuses root) ----------
RUN_AS=()
if [ "$IS_ROOT" -eq 1 ]; then
  if ! id -u postgres >/dev/null 2>&1; then
    # binaries from a non-Debian install may come without the account
    useradd --system --user-group --no-create-home --home-dir /nonexistent \
      --shell /usr/sbin/nologin postgres || die "could not create the postgres user"
  fi
  RUN_AS=(runuser -u postgres --)
fi

PGTMP=""
PGDATA_DIR=""
# run a server tool from inside the temp folder (the caller's cwd may be unreadable for 'postgres')
pgtool() { (cd "$PGTMP" && "${RUN_AS[@]}" "$@"); }

# --- cleanup: stop exactly our postmaster, remove the folder ----------------
CHILD_PID=""
CLEANED=0
cleanup() {
  [ "$CLEANED" -eq 1 ] && return 0
  CLEANED=1
  [ -n "$PGTMP" ] || return 0
  local pidfile="$PGDATA_DIR/postmaster.pid" pid=""
  if [ -f "$pidfile" ]; then
    if ! pgtool "$BINDIR/pg_ctl" -D "$PGDATA_DIR" -m fast -t 20 stop >/dev/null 2>&1; then
      pid=$(head -n 1 "$pidfile" 2>/dev/null || true)
      # only a number whose command line names our data folder: never a recycled PID
      if [[ "$pid" =~ ^[0-9]+$ ]] && tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF "$PGDATA_DIR"; then
        say "pg_ctl stop failed; killing postmaster $pid"
        kill -TERM "$pid" 2>/dev/null || true
        for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$pid" 2>/dev/null || true
      fi
    fi
  fi
  rm -rf "$PGTMP"
}

on_exit() {
  local rc=$?
  cleanup
  exit "$rc"
}

on_signal() {
  local sig=$1 code=$2
  trap - INT TERM
  # pass the signal on to the command we started (only that PID), give it time to finish
  if [ -n "$CHILD_PID" ] && kill -0 "$CHILD_PID" 2>/dev/null; then
    kill -TERM "$CHILD_PID" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$CHILD_PID" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$CHILD_PID" 2>/dev/null || true
  fi
  say "got SIG$sig; stopping"
  cleanup
  exit "$code"
}
trap on_exit EXIT
trap 'on_signal INT 130' INT
trap 'on_signal TERM 143' TERM
trap 'on_signal HUP 129' HUP

# /tmp when root: a TMPDIR under /root would not be reachable by the postgres user
if [ "$IS_ROOT" -eq 1 ]; then
  PGTMP=$(mktemp -d /tmp/with-postgres.XXXXXX)
  chown postgres: "$PGTMP"
else
  PGTMP=$(mktemp -d "${TMPDIR:-/tmp}/with-postgres.XXXXXX")
fi
PGDATA_DIR="$PGTMP/data"
PGLOG="$PGTMP/server.log"

# --- create the cluster ------------------------------------------------------
pgtool "$BINDIR/initdb" -D "$PGDATA_DIR" --no-sync -A trust -U postgres -E UTF8 --locale=C \
  >"$PGTMP/initdb.log" 2>&1 || { cat "$PGTMP/initdb.log" >&2; die "initdb failed"; }

# preload pg_stat_statements only if this installation ships it (contrib may be absent)
sharedir=""
pkglibdir=""
if [ -x "$BINDIR/pg_config" ]; then
  sharedir=$("$BINDIR/pg_config" --sharedir 2>/dev/null || true)
  pkglibdir=$("$BINDIR/pg_config" --pkglibdir 2>/dev/null || true)
fi
[ -n "$sharedir" ] || sharedir="$(dirname "$BINDIR")/share"
[ -d "$sharedir/extension" ] || sharedir="$(dirname "$BINDIR")/share/postgresql"
[ -n "$pkglibdir" ] || pkglibdir="$(dirname "$BINDIR")/lib"
preload=""
if [ -f "$sharedir/extension/pg_stat_statements.control" ] &&
   { [ -f "$pkglibdir/pg_stat_statements.so" ] || [ -f "$(dirname "$BINDIR")/lib/pg_stat_statements.so" ]; }; then
  preload="shared_preload_libraries = 'pg_stat_statements'"
fi

# settings for a fast, disposable, loopback-only server
pgtool tee -a "$PGDATA_DIR/postgresql.conf" >/dev/null <<EOF

# --- with-postgres.sh: throwaway test server ---
listen_addresses = '127.0.0.1'
unix_socket_directories = '$PGTMP'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 200
$preload
EOF

free_port() {
  if command -v node >/dev/null 2>&1; then
    node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
  elif command -v python3 >/dev/null 2>&1; then
    python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1]);s.close()'
  else
    die "need node or python3 to pick a free port"
  fi
}

# --- start: retry with a new port if another process grabbed ours meanwhile ---
PORT=""
started=0
for attempt in 1 2 3; do
  PORT=$(free_port)
  if pgtool "$BINDIR/pg_ctl" -D "$PGDATA_DIR" -l "$PGLOG" -o "-p $PORT" -w -t 30 start >/dev/null 2>&1; then
    started=1
    break
  fi
  if grep -qiE 'could not bind|address already in use' "$PGLOG" 2>/dev/null; then
    say "port $PORT was taken; retrying ($attempt/3)"
    continue
  fi
  break
done
if [ "$started" -ne 1 ]; then
  tail -n 30 "$PGLOG" >&2 2>/dev/null || true
  die "PostgreSQL did not start"
fi

# bounded wait for the server to accept connections on TCP (~30 s)
ready=0
for _ in $(seq 1 150); do
  if "$BINDIR/pg_isready" -q -h 127.0.0.1 -p "$PORT" -U postgres -d postgres; then
    ready=1
    break
  fi
  sleep 0.2
done
if [ "$ready" -ne 1 ]; then
  tail -n 30 "$PGLOG" >&2 2>/dev/null || true
  die "PostgreSQL is not accepting connections on 127.0.0.1:$PORT after 30 s"
fi

say "$("$BINDIR/postgres" --version | sed 's/^postgres (PostgreSQL) /PostgreSQL /') on 127.0.0.1:$PORT${preload:+ (pg_stat_statements)}"

export DATABASE_URL="postgres://postgres@127.0.0.1:$PORT/postgres"

# Run in the background and wait, so SIGTERM to this script is handled at once
# (bash defers traps until a foreground child ends); <&0 keeps the caller's stdin.
set +e
"$@" <&0 &
CHILD_PID=$!
wait "$CHILD_PID"
rc=$?
set -e
CHILD_PID=""
exit "$rc"
