# Shared shell helpers for scripts/demo and scripts/test (sourced, not run).

PG_MAJOR=15
SYS_PG_BIN=/usr/lib/postgresql/$PG_MAJOR/bin
PGXS_DIR=/usr/lib/postgresql/$PG_MAJOR/lib/pgxs
REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

# Runs a command as an ordinary user: Postgres refuses to run as root.
as_pg_user() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- env PATH="$PATH" "$@"
  else
    "$@"
  fi
}

# Builds the extension (parallel make, quiet unless it fails).
build_extension() {
  local log
  log=$(mktemp)
  if ! make -C "$REPO_ROOT" -j"$(nproc)" >"$log" 2>&1; then
    cat "$log"; rm -f "$log"
    echo "build failed" >&2
    return 1
  fi
  grep -E 'warning:' "$log" || true
  rm -f "$log"
}

# Makes a private Postgres installation under $1 with vecdb installed into
# it: a copy of the system's Postgres (it is relocatable) plus `make install
# DESTDIR`. Tests use it so they never need or touch a system-wide install.
stage_install() {
  local stage=$1
  rm -rf "$stage"
  mkdir -p "$stage/usr/lib/postgresql" "$stage/usr/share/postgresql"
  cp -a /usr/lib/postgresql/$PG_MAJOR "$stage/usr/lib/postgresql/"
  cp -a /usr/share/postgresql/$PG_MAJOR "$stage/usr/share/postgresql/"
  make -C "$REPO_ROOT" install DESTDIR="$stage" >/dev/null
  echo "$stage/usr/lib/postgresql/$PG_MAJOR/bin"
}

# Returns a TCP port on loopback that nothing listens on.
free_port() {
  /usr/bin/python3 - <<'PY'
import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()
PY
}
