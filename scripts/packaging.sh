#!/usr/bin/env bash
# Release checks of the Python packages: `python -m build` makes a wheel and an sdist,
# `twine check --strict` passes, the sdist holds the license, README and tests, and the
# wheel installed into a clean venv gives working `hpman`, `hpman-lsp` and
# `python -m hpman_lsp`; then the pre-commit hooks run through `pre-commit try-repo`.
# The tools come from the dev venv (.venv, `make venv`); everything else lives in a
# temporary folder. Each step is bounded in time.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
work="$(mktemp -d "${TMPDIR:-/tmp}/hpman-packaging.XXXXXX")"
trap 'rm -rf "$work"' EXIT
step() { echo "== $*"; }

step "build (sdist, then the wheel from the sdist)"
timeout 300 "$PY" -m build --outdir "$work/dist" . > "$work/build.log" 2>&1 || { cat "$work/build.log"; exit 1; }
sdist=$(ls "$work"/dist/hpman-*.tar.gz)
wheel=$(ls "$work"/dist/hpman-*-py3-none-any.whl)
echo "$(basename "$sdist") $(basename "$wheel")"
grep -i "warning" "$work/build.log" | grep -v -e "^WARNING: Location" -e "no previously-included" -e "byte-compiling is disabled" || true

step "twine check --strict"
NO_COLOR=1 timeout 120 "$PY" -m twine check --strict "$sdist" "$wheel"

step "sdist contents"
tar tzf "$sdist" > "$work/sdist.txt"
root=$(basename "$sdist" .tar.gz)
for f in LICENSE README.md pyproject.toml PKG-INFO tests/records/test_records.py tests/runtime/test_manager.py \
         tests/fixtures/index_project server/hpman/cli.py server/hpman_lsp/server.py server/hpargparse/binding.py; do
  grep -q "^$root/$f" "$work/sdist.txt" || { echo "sdist lacks $f" >&2; exit 1; }
done
if grep -Eq "^$root/(client|bench)/|node_modules|__pycache__" "$work/sdist.txt"; then
  echo "sdist holds files it should not:" >&2; grep -E "^$root/(client|bench)/|node_modules|__pycache__" "$work/sdist.txt" | head >&2; exit 1
fi
echo "$(wc -l < "$work/sdist.txt") files"

step "wheel contents"
"$PY" - "$wheel" <<'PYEOF'
import sys, zipfile
names = zipfile.ZipFile(sys.argv[1]).namelist()
for want in ("hpman/cli.py", "hpman/records.py", "hpargparse/binding.py", "hpman_lsp/server.py"):
    assert want in names, "wheel lacks " + want
assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names), "wheel lacks the license"
assert not any(n.startswith("tests/") for n in names), "the wheel must not install a top-level tests package"
print(len(names), "files")
PYEOF

step "clean venv from the wheel"
timeout 60 "$PY" -m venv "$work/venv"
timeout 300 "$work/venv/bin/python" -m pip install -q --disable-pip-version-check "$wheel[lsp]" \
  2>&1 | grep -v "^WARNING: Location" || true
mkdir -p "$work/project"
printf "from hpman.m import _\n_('lr', 0.1)\n_('lr', 0.2)\n" > "$work/project/train.py"
cd "$work/project"
"$work/venv/bin/hpman" --version
set +e
out=$("$work/venv/bin/hpman" check . 2>&1); code=$?
set -e
echo "$out"
[ "$code" = 1 ] && grep -q "duplicate-default" <<<"$out" || { echo "hpman check from the wheel: exit $code" >&2; exit 1; }
"$work/venv/bin/python" -c "import hpman, hpargparse, hpman_lsp; assert hpman.__file__.startswith('$work/venv')"
timeout 90 "$work/venv/bin/python" "$OLDPWD/scripts/lsp_smoke.py" "$work/venv/bin/hpman-lsp"
timeout 90 "$work/venv/bin/python" "$OLDPWD/scripts/lsp_smoke.py" "$work/venv/bin/python" -m hpman_lsp
cd "$OLDPWD"

step "pre-commit hooks (pre-commit try-repo on a fixture project)"
timeout 600 "$PY" -m pytest -q -p no:cacheprovider tests/packaging
