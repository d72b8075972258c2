#!/usr/bin/env bash
# Build, check and package the VS Code extension in client/.
#
#   bash scripts/client.sh check   npm deps (when package-lock changed), tsc type
#                                  check, eslint, unit tests, esbuild bundle
#   bash scripts/client.sh vsix    check + bundled/libs (the Python server and
#                                  its pure-Python deps) + hpman-<version>.vsix
#                                  at the repository root (prints its path last)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
CLIENT="$ROOT/client"
cmd="${1:-check}"
log() { echo "[client] $*" >&2; }

# --- npm dependencies: `npm ci` only when package-lock.json changed --------------
deps() {
  local sum stamp
  sum="$(cat "$CLIENT/package-lock.json" "$CLIENT/package.json" | cksum | cut -d' ' -f1)"
  stamp="$CLIENT/node_modules/.hpman-stamp-$sum"
  if [ ! -f "$stamp" ]; then
    log "npm ci"
    (cd "$CLIENT" && npm ci --no-audit --no-fund --loglevel=error >&2)
    rm -f "$CLIENT"/node_modules/.hpman-stamp-*
    touch "$stamp"
  fi
}

check() {
  deps
  cd "$CLIENT"
  log "tsc --noEmit (strict)"
  ./node_modules/.bin/tsc --noEmit -p .
  log "eslint"
  ./node_modules/.bin/eslint --max-warnings 0 src test
  log "unit tests"
  rm -rf out/test
  ./node_modules/.bin/esbuild test/*.test.ts --outdir=out/test --platform=node --format=cjs --bundle \
    --target=node18 --log-level=warning
  node --test --test-reporter=spec out/test/
  log "esbuild bundle -> client/dist/extension.js"
  node esbuild.mjs
}

# --- bundled/libs: the server and its deps, for every Python >= 3.9 ---------------
bundled_libs() {
  local libs="$CLIENT/bundled/libs" sum stamp py
  py="${PYTHON:-python3}"
  sum="$(cd "$ROOT" && { cat pyproject.toml; find server -name '*.py' -not -path '*/__pycache__/*' | LC_ALL=C sort | xargs cat; } | cksum | cut -d' ' -f1)"
  stamp="$CLIENT/bundled/.stamp-$sum"
  if [ -f "$stamp" ]; then return 0; fi
  log "pip install --target client/bundled/libs (server + dependencies)"
  rm -rf "$CLIENT/bundled"; mkdir -p "$libs"
  # The project itself (pure Python) ...
  "$py" -m pip install -q --disable-pip-version-check --no-deps --no-compile --target "$libs" "$ROOT"
  # ... and its runtime + lsp dependencies, resolved for the oldest supported
  # Python so that backports (exceptiongroup, typing_extensions) are included;
  # newer Pythons ignore them.  PyYAML's C speedup only loads on a matching
  # Python; elsewhere PyYAML falls back to pure Python.
  mapfile -t reqs < <("$py" - "$ROOT/pyproject.toml" <<'PY'
import sys
try:
    import tomllib
except ImportError:  # Python < 3.11
    import tomli as tomllib
with open(sys.argv[1], "rb") as f:
    project = tomllib.load(f)["project"]
for req in project.get("dependencies", []) + project.get("optional-dependencies", {}).get("lsp", []):
    print(req)
PY
)
  "$py" -m pip install -q --disable-pip-version-check --no-compile --target "$libs" \
    --python-version 3.9 --only-binary=:all: "${reqs[@]}"
  rm -rf "$libs/bin"
  find "$libs" -name __pycache__ -type d -prune -exec rm -rf {} +
  PYTHONPATH="$libs" "$py" -c 'import hpman_lsp, pygls, lsprotocol, yaml, tabulate' \
    || { log "bundled/libs cannot import the server"; exit 1; }
  touch "$stamp"
}

vsix() {
  check
  bundled_libs
  local tools version out
  tools="$(bash "$ROOT/scripts/e2e-toolchain.sh" node | tail -n 1)"
  eval "$tools"
  version="$(node -p "require('$CLIENT/package.json').version")"
  out="$ROOT/hpman-$version.vsix"
  log "vsce package -> $(basename "$out")"
  (cd "$CLIENT" && PATH="$HPMAN_NODE_DIR/bin:$PATH" "$HPMAN_NODE_DIR/bin/node" "$HPMAN_VSCE" package \
     --no-dependencies --allow-missing-repository --skip-license \
     --out "$out" >&2)
  log "$(du -h "$out" | cut -f1) $out"
  echo "$out"
}

case "$cmd" in
  check) check ;;
  vsix) vsix ;;
  deps) deps ;;
  *) echo "usage: $0 check|vsix" >&2; exit 2 ;;
esac
