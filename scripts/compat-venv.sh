#!/usr/bin/env bash
# Install the originals (hpman 0.13.0, hpargparse 0.14.0, from PyPI) into their own
# virtual environment for the differential suite in tests/compat. Idempotent: a
# stamp file records what was installed, so a second run costs one `test`.
# Prints the path of the venv's python on success.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/pythons.sh
VENV="${HPMAN_COMPAT_VENV:-.venv-compat}"
# The originals and their requirements, pinned so the reference does not drift.
PINS="hpman==0.13.0 hpargparse==0.14.0 rich==13.7.1 dill==0.3.8 PyYAML==6.0.2 attrdict==2.0.1"
STAMP="$VENV/.installed-$(echo "$PINS" | cksum | cut -d' ' -f1)"

# 0.13 uses ast.Str (gone in 3.14); prefer the interpreter of the repo's .venv so both
# sides parse with the same grammar, else the newest CPython 3.9..3.13 on the machine.
pick_python() {
  local cand ver
  for cand in .venv/bin/python "${PYTHON:-python3}"; do
    if ver="$("$cand" -c 'import sys; print(sys.version_info[1] if sys.version_info[0] == 3 else 0)' 2>/dev/null)" \
       && [ "$ver" -ge 9 ] && [ "$ver" -le 13 ]; then
      "$cand" -c 'import sys; print(getattr(sys, "_base_executable", sys.executable))'
      return
    fi
  done
  local newest=""
  for cand in $(pythons); do
    if [ "$(python_minor "$cand")" -le 13 ]; then newest="$cand"; fi
  done
  if [ -n "$newest" ]; then echo "$newest"; return; fi
  echo "compat-venv: no CPython 3.9..3.13 found for hpman 0.13" >&2
  exit 1
}

if [ ! -f "$STAMP" ]; then
  py="$(pick_python)"
  rm -rf "$VENV"
  "$py" -m venv "$VENV"
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check $PINS 2>&1 | grep -v "^WARNING: Location" >&2 || true
  "$VENV/bin/python" - <<'PY'
import hpman, hpargparse, importlib.metadata as md  # noqa: F401
assert hpman.__version__ == "0.13.0", hpman.__version__
assert md.version("hpargparse") == "0.14.0", md.version("hpargparse")
PY
  touch "$STAMP"
fi
echo "$VENV/bin/python"
