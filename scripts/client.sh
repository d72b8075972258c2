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
  sum="$(cksum < "$CLIENT/package-lock.json" | cut -d' ' -f1)"
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
  node --check "$ROOT/tests/e2e/run.mjs"   # the e2e driver at least parses
  log "esbuild bundle -> client/dist/extension.js"
  node esbuild.mjs
}

# --- bundled/libs: the server and its deps, for every Python >= 3.9 ---------------
# Installed by the oldest Python >= 3.9 on the machine, so that dependency
# markers and Requires-Python are resolved for the oldest supported version
# (backports such as exceptiongroup are included; newer Pythons ignore them).
# PyYAML's C speedup only loads on a matching Python; elsewhere it falls back
# to pure Python, so the libs work on every Python >= 3.9.
# Every CPython >= 3.9 on the machine (pyenv's, else python3.X on PATH), oldest first.
pythons() {
  local minor cand
  for minor in 9 10 11 12 13 14; do
    for cand in "$HOME"/.pyenv/versions/3.$minor.*/bin/python3.$minor "$(command -v python3.$minor || true)"; do
      if [ -n "$cand" ] && [ -x "$cand" ]; then echo "$cand"; break; fi
    done
  done
}

oldest_python() {
  local cand
  for cand in $(pythons); do
    if "$cand" -m pip --version >/dev/null 2>&1; then echo "$cand"; return 0; fi
  done
  echo "${PYTHON:-python3}"
}

bundled_libs() {
  local libs="$CLIENT/bundled/libs" deps_sum src_sum py pkg
  # 1. The dependencies (and a first copy of the project), when pyproject.toml changed.
  deps_sum="$(cksum < "$ROOT/pyproject.toml" | cut -d' ' -f1)"
  if [ ! -f "$CLIENT/bundled/.deps-$deps_sum" ]; then
    py="$(oldest_python)"
    log "pip install --target client/bundled/libs '.[lsp]' with $("$py" -V 2>&1)"
    rm -rf "$CLIENT/bundled"; mkdir -p "$libs"
    PIP_ROOT_USER_ACTION=ignore "$py" -m pip install -q --disable-pip-version-check --no-compile \
      --target "$libs" "$ROOT[lsp]" 2> >(grep -v "is ignored: it is neither a file nor a directory" >&2)
    rm -rf "$libs/bin"
    touch "$CLIENT/bundled/.deps-$deps_sum"
  fi
  # 2. The project's own pure-Python packages, refreshed whenever server/ changed
  #    (a plain copy: the same files pip installs, without rebuilding the deps).
  src_sum="$(cd "$ROOT" && find server -name '*.py' -not -path '*/__pycache__/*' | LC_ALL=C sort | xargs cksum | cksum | cut -d' ' -f1)"
  if [ -f "$CLIENT/bundled/.src-$src_sum" ]; then return 0; fi
  for pkg in "$ROOT"/server/*/; do
    pkg="$(basename "$pkg")"
    [ -f "$ROOT/server/$pkg/__init__.py" ] || continue
    rm -rf "${libs:?}/$pkg"
    (cd "$ROOT/server" && find "$pkg" -name '*.py' -not -path '*/__pycache__/*' -print0 \
       | xargs -0 cp --parents -t "$libs")
  done
  find "$libs" -name __pycache__ -type d -prune -exec rm -rf {} +
  # The libs must load the server under the oldest and the newest Python the
  # machine has, and under its python3.
  local check='import hpman_lsp.server, hpman, hpargparse, pygls, lsprotocol, yaml, tabulate' p all
  all=($(pythons))
  for p in $(printf '%s\n' "${all[0]:-python3}" "${all[-1]:-python3}" "$(command -v python3)" | awk '!seen[$0]++'); do
    PYTHONPATH="$libs" PYTHONDONTWRITEBYTECODE= PYTHONPYCACHEPREFIX="$CLIENT/out/pycache" "$p" -c "$check" \
      || { log "bundled/libs cannot import the server with $p"; exit 1; }
  done
  rm -f "$CLIENT"/bundled/.src-*
  touch "$CLIENT/bundled/.src-$src_sum"
}

# Checksum of everything `check` looks at.
client_sum() {
  (cd "$CLIENT" && find src test package.json package-lock.json tsconfig.json esbuild.mjs eslint.config.mjs \
     -type f | LC_ALL=C sort | xargs cksum | cksum | cut -d' ' -f1)
}

vsix() {
  # Packaging re-runs the checks only when the client's sources changed
  # since they last passed (`check` itself always runs them).
  local sum
  sum="$(client_sum)"
  if [ -f "$CLIENT/out/.checked-$sum" ] && [ -f "$CLIENT/dist/extension.js" ]; then
    log "client sources unchanged since the last check: skip it"
  else
    check
    mkdir -p "$CLIENT/out"; rm -f "$CLIENT"/out/.checked-*; touch "$CLIENT/out/.checked-$sum"
  fi
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

# One build at a time in this checkout (several test runs may overlap).
mkdir -p "$CLIENT/out"
exec 9>"$CLIENT/out/.lock"
flock 9

case "$cmd" in
  check) check ;;
  vsix) vsix ;;
  deps) deps ;;
  *) echo "usage: $0 check|vsix" >&2; exit 2 ;;
esac
