#!/usr/bin/env bash
# The two commands of the README:
#   ./dev.sh demo   set up everything, load demo data, serve http://127.0.0.1:8000 with a worker
#   ./dev.sh test   set up everything, then lint, type-check and run the whole test suite
#   ./dev.sh api-fuzz   set up, then fuzz the HTTP API against a live server (scripts/api-fuzz)
# Both are idempotent: a second run reuses the virtual environment and node_modules.
set -euo pipefail
cd "$(dirname "$0")"

PYTHON=${PYTHON:-python3}
VENV=.venv

say() { printf '%s\n' "dev.sh: $*" >&2; }
die() { say "$*"; exit 1; }

check_python() {
  "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null \
    || die "Python 3.11 or newer is needed as '$PYTHON' (set PYTHON=/path/to/python3.11)"
}

setup_python() {
  check_python
  if [ ! -x "$VENV/bin/python" ]; then
    say "creating $VENV"
    "$PYTHON" -m venv "$VENV" || die "could not create a virtual environment (on Debian: apt-get install python3-venv)"
  fi
  # Reinstall only when the dependency list changed since the last install.
  local stamp="$VENV/.installed-$(sha256sum pyproject.toml | cut -c1-16)"
  if [ ! -f "$stamp" ]; then
    say "installing Python packages"
    "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -e '.[dev]'
    rm -f "$VENV"/.installed-*
    touch "$stamp"
  fi
}

setup_node() {
  command -v npm >/dev/null || die "npm is needed (Node.js 20): apt-get install nodejs npm"
  local stamp="node_modules/.installed-$(sha256sum package-lock.json | cut -c1-16)"
  if [ ! -f "$stamp" ]; then
    say "installing front-end packages"
    npm ci --no-audit --no-fund --loglevel=error
    touch "$stamp"
  fi
}

# The browser tests drive Debian's Chromium; install it when we may.
setup_browser() {
  local chromium=${RESILNET_CHROMIUM:-/usr/bin/chromium}
  [ -x "$chromium" ] && return 0
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    say "installing Debian's chromium for the browser tests"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  elif command -v sudo >/dev/null; then
    sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    die "the browser tests need Chromium at $chromium: apt-get install chromium (or set RESILNET_CHROMIUM)"
  fi
}

cmd=${1:-}
[ $# -gt 0 ] && shift
case "$cmd" in
  demo)
    setup_python
    setup_node
    exec "$VENV/bin/resilnet" demo "$@"
    ;;
  test)
    setup_python
    setup_node
    setup_browser
    if [ "${RESILNET_SKIP_LINT:-0}" != 1 ]; then
      say "ruff"
      "$VENV/bin/ruff" check .
      "$VENV/bin/ruff" format --check .
      say "mypy"
      "$VENV/bin/mypy" resilnet
      say "import contract"
      "$VENV/bin/lint-imports" --no-cache
    fi
    # One test process per core (RESILNET_TEST_WORKERS=0: one process), whole files per
    # process; each process has its own test database and its own var/ folder.
    workers=${RESILNET_TEST_WORKERS:-auto}
    # The reliability tests take minutes: CI runs them on their own (-m reliability).
    select=(-m "not reliability")
    for arg in "$@"; do
      case "$arg" in -m|-m*) select=() ;; esac
    done
    say "pytest on ${RESILNET_DATABASE_URL:-SQLite}, $workers workers"
    exec "$VENV/bin/pytest" -n "$workers" --dist loadfile "${select[@]}" "$@"
    ;;
  api-fuzz)
    # schemathesis over the whole HTTP API against a live server (scripts/api-fuzz).
    setup_python
    exec "$VENV/bin/python" scripts/api-fuzz "$@"
    ;;
  *)
    echo "usage: ./dev.sh demo [--port N] | ./dev.sh test [pytest arguments] | ./dev.sh api-fuzz" >&2
    exit 2
    ;;
esac
