#!/usr/bin/env bash
# Build, check and package the VS Code extension in client/.
#
#   bash scripts/client.sh check   npm deps (when package-lock changed), tsc type
#                                  check, eslint, unit tests, esbuild bundle
#   bash scripts/client.sh vsix    check + bundled/libs (the Python server and
#                                  its deps, pinned and hashed in
#                                  client/requirements-bundled.txt) +
#                                  hpman-<version>.vsix at the repository root
#                                  (prints its path last); fails on any vsce warning
#   bash scripts/client.sh lock    rewrite client/requirements-bundled.txt
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
# The deps are the exact files named, with their hashes, in
# client/requirements-bundled.txt (`bash scripts/client.sh lock` writes it from
# pyproject.toml), so the same commit bundles the same libraries on any
# machine.  They are chosen for CPython 3.9 on manylinux x86_64, the oldest
# supported Python, so backports such as exceptiongroup are included (newer
# Pythons ignore them); PyYAML's C speedup only loads on a matching Python,
# elsewhere it falls back to pure Python, so the libs work on every Python >= 3.9.
LOCK="$CLIENT/requirements-bundled.txt"
TARGET=(--only-binary=:all: --implementation cp --python-version 3.9 --abi cp39
        --platform manylinux_2_17_x86_64 --platform manylinux2014_x86_64)

# pythons: every CPython >= 3.9 on the machine, oldest first
source "$ROOT/scripts/pythons.sh"

# The server's requirements as pyproject.toml states them (dependencies + the
# lsp extra), less watchfiles: the server only watches files itself for
# editors that cannot, and VS Code can (its wheel is also per CPython ABI).
declared_requirements() {
  python3 - "$ROOT/pyproject.toml" <<'PY'
import re, sys
text = open(sys.argv[1], encoding="utf-8").read()
def array(name):
    m = re.search(r"^%s\s*=\s*\[(.*?)\]" % re.escape(name), text, re.M | re.S)
    return re.findall(r'"([^"]+)"', m.group(1)) if m else []
reqs = [r for r in array("dependencies") + array("lsp") if not re.match(r"watchfiles\b", r, re.I)]
print(" ".join(reqs))
PY
}

# Write client/requirements-bundled.txt: resolve the declared requirements for
# the target above and pin every file with its sha256 (from pip's report).
# pip evaluates environment markers (`python_version < "3.11"`) with the Python
# that runs it, whatever --python-version says: resolve with a real 3.9.
lock() {
  local tmp declared py
  py="$(pythons | sed -n 1p)"   # sed reads it all: no SIGPIPE under pipefail
  case "$("${py:-python3}" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null)" in
    3.9) ;; *) log "lock needs a Python 3.9 (pyenv's or python3.9 on PATH)"; exit 1 ;;
  esac
  tmp="$(mktemp -d)"; declared="$(declared_requirements)"
  # shellcheck disable=SC2086
  PIP_ROOT_USER_ACTION=ignore "$py" -m pip install -q --disable-pip-version-check --dry-run --ignore-installed \
    --only-binary=:all: --target "$tmp/t" --report "$tmp/report.json" $declared \
    2> >(grep -v "is ignored: it is neither a file nor a directory" >&2)
  python3 - "$tmp/report.json" "$declared" > "$tmp/lock" <<'PY'
import json, sys
report = json.load(open(sys.argv[1], encoding="utf-8"))
print("# The Python libraries bundled in the .vsix, pinned with their hashes (CPython 3.9,")
print("# manylinux x86_64). Written by `bash scripts/client.sh lock` from pyproject.toml:")
print("# declared: " + sys.argv[2])
for item in sorted(report["install"], key=lambda i: i["metadata"]["name"].lower()):
    name, version = item["metadata"]["name"], item["metadata"]["version"]
    digest = item["download_info"]["archive_info"]["hashes"]["sha256"]
    print("%s==%s \\\n    --hash=sha256:%s" % (name, version, digest))
PY
  mv "$tmp/lock" "$LOCK"; rm -rf "$tmp"
  log "wrote $LOCK"
}

bundled_libs() {
  local libs="$CLIENT/bundled/libs" deps_sum src_sum pkg
  # The lock must be of today's pyproject.toml.
  if [ "$(sed -n 's/^# declared: //p' "$LOCK")" != "$(declared_requirements)" ]; then
    log "$LOCK does not match pyproject.toml's requirements: run bash scripts/client.sh lock"; exit 1
  fi
  # 1. The dependencies, when the lock changed.
  deps_sum="$(cksum < "$LOCK" | cut -d' ' -f1)"
  if [ ! -f "$CLIENT/bundled/.deps-$deps_sum" ]; then
    log "pip install --require-hashes --target client/bundled/libs -r client/requirements-bundled.txt"
    rm -rf "$CLIENT/bundled"; mkdir -p "$libs"
    PIP_ROOT_USER_ACTION=ignore python3 -m pip install -q --disable-pip-version-check --no-compile \
      --no-deps --require-hashes "${TARGET[@]}" --target "$libs" -r "$LOCK" \
      2> >(grep -v "is ignored: it is neither a file nor a directory" >&2)
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
  # (README.md and the screenshots it shows: a unit test reads them)
  (cd "$CLIENT" && { find src test package.json package-lock.json tsconfig.json esbuild.mjs eslint.config.mjs \
     README.md -type f | LC_ALL=C sort | xargs cksum; ls "$ROOT/docs/images"; } | cksum | cut -d' ' -f1)
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
  local tools version out base
  tools="$(bash "$ROOT/scripts/e2e-toolchain.sh" node | tail -n 1)"
  eval "$tools"
  version="$(node -p "require('$CLIENT/package.json').version")"
  out="$ROOT/hpman-$version.vsix"
  # The README's relative links (../docs/images/*.png) point into the
  # repository, from the client/ folder the package is made in.
  base="$(node -p "((require('$CLIENT/package.json').repository || {}).url || '').replace(/\\.git\$/, '')")"
  [ -n "$base" ] || { log "client/package.json has no repository.url (a marketplace listing needs it)"; exit 1; }
  log "vsce package -> $(basename "$out")"
  rm -f "$out"
  (cd "$CLIENT" && PATH="$HPMAN_NODE_DIR/bin:$PATH" "$HPMAN_NODE_DIR/bin/node" "$HPMAN_VSCE" package \
     --no-dependencies --baseContentUrl "$base/blob/HEAD/client" --baseImagesUrl "$base/raw/HEAD/client" \
     --out "$out" < /dev/null) > "$CLIENT/out/vsce.log" 2>&1 || { cat "$CLIENT/out/vsce.log" >&2; exit 1; }
  grep -v '^ *[├│└]' "$CLIENT/out/vsce.log" | grep -v '^ *$' >&2 || true
  # What a marketplace listing needs is what vsce warns about: no warning passes.
  if grep -qiE 'warn' "$CLIENT/out/vsce.log"; then
    rm -f "$out"; log "vsce warned (see above): fix package.json or the packaged files"; exit 1
  fi
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
  lock) lock ;;
  *) echo "usage: $0 check|vsix|lock" >&2; exit 2 ;;
esac
