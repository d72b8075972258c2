#!/usr/bin/env bash
# `make demo`: run each example with the commands the seed shows, one short
# header per step. Run after the venv exists (the Makefile target ensures it).
#
# The venv's bin/ goes first on PATH, so that the seed's own commands
# (`./main.py`, `python3 hints_example.py`) run with hpman installed.
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
if [ ! -x "$ROOT/.venv/bin/python3" ]; then
  echo "demo: no .venv; run \`make demo\` (it creates the venv first)" >&2
  exit 1
fi
export PATH="$ROOT/.venv/bin:$PATH"
export COLUMNS="${COLUMNS:-100}"
if [ -t 1 ]; then BOLD=$'\033[1m'; PLAIN=$'\033[0m'; else BOLD=""; PLAIN=""; fi
failures=0

# step HEADER DIR COMMAND...: print the header and the command, run it in DIR
# (stderr merged into stdout, so that the order is kept when piped). A
# non-zero exit status counts as a failure unless the step is prefixed with
# `expect_fail=1`.
step() {
  local header="$1" dir="$2" shown; shift 2
  shown="$*"
  [ "$1" = last_line_of ] && shown="${*:2}    # the last line of its output"
  printf '\n%s== %s%s\n$ %s\n' "$BOLD" "$header" "$PLAIN" "$shown"
  (cd "$ROOT/$dir" && "$@" 2>&1)
  local rc=$?
  if [ "$rc" -ne 0 ] && [ "${expect_fail:-0}" != 1 ]; then
    echo "!! step failed with exit status $rc"
    failures=$((failures + 1))
  elif [ "$rc" -eq 0 ] && [ "${expect_fail:-0}" = 1 ]; then
    echo "!! step was expected to fail but exited with status 0"
    failures=$((failures + 1))
  fi
}

# For the steps whose point is the exception: the traceback's last line only.
last_line_of() { "$@" 2>&1 | tail -n 1; return "${PIPESTATUS[0]}"; }

# -- 01: the two-file example (lib.py / main.py) ------------------------------------
step "01-basic: defaults parsed from lib.py" examples/01-basic ./main.py
step "01-basic: values from the command line" examples/01-basic ./main.py -a 2 -b 3

# -- 02: hints ----------------------------------------------------------------------------
step "02-hints: the default from the parsed source" examples/02-hints python3 hints_example.py
step "02-hints: choices from the hint" examples/02-hints python3 hints_example.py -h
step "02-hints: a valid choice" examples/02-hints python3 hints_example.py --optimizer sgd
expect_fail=1 step "02-hints: an invalid choice (argparse refuses it, exit status 2)" \
  examples/02-hints python3 hints_example.py --optimizer rmsprop

# -- 03: hpargparse -------------------------------------------------------------------------
# >>> hpargparse steps (examples/03-hpargparse): edit here; keep the existence guard.
if [ -f examples/03-hpargparse/main.py ]; then
  step "03-hpargparse: defaults" examples/03-hpargparse ./main.py
  step "03-hpargparse: a value from the command line" examples/03-hpargparse ./main.py --weight-decay 1e-4
  step "03-hpargparse: --hp-list" examples/03-hpargparse ./main.py --weight-decay 1e-4 --hp-list
  step "03-hpargparse: --hp-list detail" examples/03-hpargparse ./main.py --weight-decay 1e-4 --hp-list detail
  step "03-hpargparse: -h" examples/03-hpargparse ./main.py -h
  values="${TMPDIR:-/tmp}/hpargparse-demo-$$.yaml"
  step "03-hpargparse: save the values (atomically) and quit" examples/03-hpargparse \
    ./main.py --weight-decay 3e-4 --hp-save "$values" --hp-exit
  step "03-hpargparse: load them back; the command line would still win" examples/03-hpargparse \
    ./main.py --hp-load "$values"
  rm -f "$values"
fi
# <<< hpargparse steps

# -- 04: nested hyperparameters ----------------------------------------------------------
step "04-nested: the tree of defaults, dumped as YAML" examples/04-nested python3 nested.py
step "04-nested: load a YAML tree" examples/04-nested python3 nested.py override.yaml
expect_fail=1 step "04-nested: \`a\` is a value, so \`a.b\` is not found (at runtime)" \
  examples/04-nested last_line_of python3 runtime_error.py
expect_fail=1 step "04-nested: a value and a tree at once (at static parsing)" \
  examples/04-nested last_line_of python3 parse_error.py

# -- 05: any-name import ------------------------------------------------------------------
step "05-any-name: every imported name is its own manager" examples/05-any-name python3 any_name.py
step "05-any-name: caveat 1, an alias is invisible to static parsing" examples/05-any-name python3 bad_alias.py
step "05-any-name: caveat 2, a same-named variable is parsed anyway" examples/05-any-name python3 false_positive.py

# -- the hpman command line ----------------------------------------------------------------
# >>> hpman CLI steps (`hpman tree`, `hpman check`): edit here; keep the existence guard.
if [ -f server/hpman/cli.py ] && [ -x "$ROOT/.venv/bin/hpman" ]; then
  step "hpman tree: the hyperparameters of 01-basic, statically" examples hpman tree 01-basic
  step "hpman check: 01-basic has no problems" examples hpman check 01-basic
  expect_fail=1 step "hpman check: the seed's nested-tree mistake, found without running it" \
    examples hpman check 04-nested/runtime_error.py
fi
# <<< hpman CLI steps

echo
if [ "$failures" -ne 0 ]; then
  echo "demo: $failures step(s) did not behave as expected" >&2
  exit 1
fi
echo "demo: all steps ran as expected"
