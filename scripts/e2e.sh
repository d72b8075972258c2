#!/usr/bin/env bash
# The real-VS-Code end-to-end test: package the extension, install it into
# code-server, open a copy of tests/fixtures/e2e_workspace in headless Chromium
# and drive it with playwright-core (tests/e2e/run.mjs): hover, the
# Hyperparameters view (values, problem icons, tooltips), click-to-open, code
# lenses, inlay hints, "move the default here", settings, restarts and a
# notebook - in an untrusted workspace (Restricted Mode).
# See tests/e2e/README.md.
# Installs its toolchain when missing (scripts/e2e-toolchain.sh, cached under
# ~/.cache/hpman-e2e).  Exits non-zero when any check fails.
#
# Environment: HPMAN_E2E_KEEP=1 keeps the temporary folder (logs, profile);
# HPMAN_E2E_VSIX=path tests a given .vsix instead of building one.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
log() { echo "[e2e] $*" >&2; }
t0=$(date +%s)

eval "$(bash "$ROOT/scripts/e2e-toolchain.sh" all | tail -n 1)"
NODE="$HPMAN_NODE_DIR/bin/node"
log "toolchain ready ($(( $(date +%s) - t0 )) s)"
# HPMAN_E2E_VSIX: test that already-built package instead of building one.
VSIX="${HPMAN_E2E_VSIX:-}"
[ -n "$VSIX" ] || VSIX="$(bash "$ROOT/scripts/client.sh" vsix | tail -n 1)"
[ -f "$VSIX" ] || { log "no vsix"; exit 1; }
log "vsix ready ($(( $(date +%s) - t0 )) s)"

TMP="$(mktemp -d "${TMPDIR:-/tmp}/hpman-e2e.XXXXXX")"
# Test a private copy: another build may replace the file meanwhile.
cp "$VSIX" "$TMP/$(basename "$VSIX")"
VSIX="$TMP/$(basename "$VSIX")"
CS_PID=""
DRIVER_PID=""
cleanup() {
  local rc=$?
  # End what this script started, by process id (each runs in its own
  # process group so that its children - extension host, language server,
  # browser - go with it).
  for pid in "$DRIVER_PID" "$CS_PID"; do
    [ -n "$pid" ] || continue
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
  done
  for pid in "$DRIVER_PID" "$CS_PID"; do
    [ -n "$pid" ] || continue
    for _ in 1 2 3 4 5 6 7 8 9 10; do kill -0 "$pid" 2>/dev/null || break; sleep 0.3; done
    kill -KILL -- "-$pid" 2>/dev/null || true
  done
  if [ "$rc" -ne 0 ] && [ -f "$TMP/code-server.log" ]; then
    log "code-server log (tail):"; tail -n 40 "$TMP/code-server.log" >&2 || true
    for f in $(find "$TMP/ud/logs" -name '*hpman*' -o -name 'exthost.log' 2>/dev/null); do
      log "$f (tail):"; tail -n 40 "$f" >&2 || true
    done
  fi
  if [ "${HPMAN_E2E_KEEP:-0}" = 1 ]; then log "kept $TMP"; else rm -rf "$TMP"; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# A copy of the fixture: the quick fix edits files.
WS="$TMP/workspace"
cp -r "$ROOT/tests/fixtures/e2e_workspace" "$WS"
# The workspace is opened untrusted (Restricted Mode): the extension must keep
# working there, and must not let the workspace choose the program it runs.
# Nor may a module of the workspace shadow one of the server's (a library it
# imports, or its own package): if the server imported one, the marker appears.
for mod in yaml hpman; do
  cat > "$WS/$mod.py" <<PY
open("$TMP/workspace-code-ran", "w").write("$mod.py of the workspace was imported")
PY
done
mkdir -p "$WS/.vscode"
# Nor the values file it reads (restricted settings): that file's lr would show.
cat > "$WS/.vscode/settings.json" <<JSON
{
  "hpman.interpreter": "$TMP/workspace-chosen-python",
  "hpman.valuesFile": "workspace-chosen-values.yaml"
}
JSON
printf 'lr: 99\n' > "$WS/workspace-chosen-values.yaml"

# The Python that runs the server: the system's python3 with the vsix's
# bundled libs, which is what a user gets.  It is set where a user of
# code-server sets it: the remote machine's settings.
PY="$(python3 -c 'import sys; print(sys.executable)')"

UD="$TMP/ud"; EXT="$TMP/ext"
mkdir -p "$UD/User" "$EXT"
cat > "$UD/User/settings.json" <<JSON
{
  "security.workspace.trust.enabled": true,
  "security.workspace.trust.startupPrompt": "never",
  "security.workspace.trust.banner": "never",
  "hpman.interpreter": "$PY",
  "workbench.startupEditor": "none",
  "workbench.tips.enabled": false,
  "workbench.enableExperiments": false,
  "workbench.colorTheme": "Default Dark Modern",
  "extensions.autoUpdate": false,
  "extensions.autoCheckUpdates": false,
  "extensions.ignoreRecommendations": true,
  "telemetry.telemetryLevel": "off",
  "update.mode": "none",
  "editor.hover.delay": 150,
  "editor.minimap.enabled": false,
  "editor.stickyScroll.enabled": false,
  "files.autoSave": "off",
  "chat.disableAIFeatures": true,
  "window.commandCenter": false,
  "workbench.secondarySideBar.defaultVisibility": "hidden",
  "files.exclude": { "**/.vscode": true, "yaml.py": true, "hpman.py": true, "workspace-chosen-values.yaml": true }
}
JSON
# code-server is a remote: machine-scoped settings are read from Machine/.
mkdir -p "$UD/Machine"
printf '{\n  "hpman.interpreter": "%s"\n}\n' "$PY" > "$UD/Machine/settings.json"
PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
cat > "$TMP/config.yaml" <<YAML
bind-addr: 127.0.0.1:$PORT
auth: none
cert: false
YAML
CS=("$NODE" "$HPMAN_CODE_SERVER" --config "$TMP/config.yaml" --user-data-dir "$UD"
    --extensions-dir "$EXT" --disable-telemetry --disable-update-check)

log "install $(basename "$VSIX") into code-server"
"${CS[@]}" --install-extension "$VSIX" > "$TMP/install.log" 2>&1 \
  || { cat "$TMP/install.log" >&2; exit 1; }
grep -qi "successfully installed" "$TMP/install.log" \
  || { cat "$TMP/install.log" >&2; log "extension not installed"; exit 1; }

log "start code-server on 127.0.0.1:$PORT"
setsid "${CS[@]}" --disable-getting-started-override "$WS" \
  > "$TMP/code-server.log" 2>&1 &
CS_PID=$!
healthy() {
  python3 -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=2).read()' \
    "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1
}
for _ in $(seq 1 150); do
  healthy && break
  kill -0 "$CS_PID" 2>/dev/null || { log "code-server exited"; exit 1; }
  sleep 0.2
done
healthy || { log "code-server did not come up"; exit 1; }

# screenshots go to the scratch folder; HPMAN_E2E_SCREENSHOTS=docs/images refreshes the README's
SHOTS="${HPMAN_E2E_SCREENSHOTS:-$TMP/screenshots}"
mkdir -p "$SHOTS"
log "drive it with playwright-core (screenshots: $SHOTS)"
set +e
setsid env HPMAN_E2E_URL="http://127.0.0.1:$PORT/?folder=$WS" HPMAN_E2E_WORKSPACE="$WS" \
  HPMAN_E2E_PLAYWRIGHT="$HPMAN_PLAYWRIGHT" HPMAN_E2E_TMP="$TMP" \
  HPMAN_E2E_SCREENSHOTS="$SHOTS" HPMAN_E2E_FIXTURE="$ROOT/tests/fixtures/e2e_workspace" \
  HPMAN_E2E_T0="$t0" HPMAN_E2E_MACHINE_SETTINGS="$UD/Machine/settings.json" HPMAN_E2E_LOGS="$UD/logs" \
  "$NODE" "$ROOT/tests/e2e/run.mjs" &
DRIVER_PID=$!
wait "$DRIVER_PID"
rc=$?
DRIVER_PID=""
set -e
exit "$rc"
