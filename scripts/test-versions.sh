#!/usr/bin/env bash
# Run the runtime, index and hpargparse suites under every CPython >= 3.9 the
# machine has (pyenv's versions, else python3.X on PATH), one venv per version.
set -euo pipefail
cd "$(dirname "$0")/.."
found=0
EXTRAS="pytest pytest-asyncio hypothesis"   # what these suites need (IPython comes with [jupyter])
source scripts/pythons.sh
for py in $(pythons); do
  minor="$(python_minor "$py")"
  found=$((found + 1))
  venv=".venv-py3.$minor"
  stamp="$venv/.installed-$( (cat pyproject.toml; echo "$EXTRAS") | cksum | cut -d' ' -f1)"
  if [ ! -f "$stamp" ]; then
    rm -rf "$venv"
    "$py" -m venv "$venv"
    "$venv/bin/python" -m pip install -q --disable-pip-version-check -e '.[jupyter]' $EXTRAS
    touch "$stamp"
  fi
  echo "== Python 3.$minor ($py)"
  "$venv/bin/python" -m pytest -q -p no:cacheprovider tests/runtime tests/index tests/argparse
done
if [ "$found" -lt 1 ]; then echo "no CPython >= 3.9 found" >&2; exit 1; fi
