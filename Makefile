# hpman — the two commands a user needs are `make demo` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: demo lint test test-py test-versions test-compat test-client test-e2e test-packaging test-editors bench bench-quick vsix clean

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(PY) -m pip install -q --disable-pip-version-check -e '.[dev]'
	@rm -f $(VENV)/.installed-*; touch $@

venv: $(STAMP)

demo: $(STAMP)
	@bash scripts/demo.sh

# Everything: Python suites (default interpreter), the runtime/index/argparse
# suites under every CPython >= 3.9 on the machine, the TypeScript client and
# the real-VS-Code end-to-end test.
test: lint test-py test-versions test-compat test-client test-e2e test-packaging test-editors

# ruff: pycodestyle, pyflakes, import order, bugbear; mypy: strict on the packages listed
# in pyproject.toml (both configured there)
lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy

LSP_PROFILE_SUITES := tests/lsp/test_navigation.py tests/lsp/test_editing.py tests/lsp/test_actions.py \
	tests/lsp/test_diagnostics.py tests/lsp/test_boundaries.py

test-py: $(STAMP)
	$(PY) -m pytest -q tests/runtime tests/index tests/argparse tests/records
	# each LSP test starts a real server over stdio
	$(PY) -m pytest -q tests/lsp
	# the same features under real editors' capabilities (pytest-lsp's client profiles)
	HPMAN_LSP_CLIENT=neovim $(PY) -m pytest -q $(LSP_PROFILE_SUITES)
	HPMAN_LSP_CLIENT=emacs $(PY) -m pytest -q $(LSP_PROFILE_SUITES)
	# sweeps: real Optuna on SQLite, and on a PostgreSQL server the test starts (scripts/postgres.sh installs it)
	@bash scripts/postgres.sh
	$(PY) -m pytest -q tests/sweep

test-versions:
	@bash scripts/test-versions.sh

# differential suite against hpman 0.13.0 / hpargparse 0.14.0 from PyPI (in .venv-compat)
test-compat: $(STAMP)
	@bash scripts/compat-venv.sh >/dev/null
	$(PY) -m pytest -q tests/compat

test-client:
	@bash scripts/client.sh check

test-e2e:
	@bash scripts/e2e.sh

# docs/editors.md's Neovim, eglot and lsp-mode snippets, verbatim, in headless Neovim and Emacs 28
test-editors: $(STAMP)
	@bash scripts/editors.sh

# wheel + sdist, twine check, the wheel in a clean venv, the pre-commit hooks (about 2 minutes)
test-packaging: $(STAMP)
	@bash scripts/packaging.sh

vsix:
	@bash scripts/client.sh vsix

bench: $(STAMP)
	$(PY) bench/run.py

bench-quick: $(STAMP)
	$(PY) bench/run.py --quick

clean:
	rm -rf $(VENV) .venv-py* .venv-compat .hpman_cache client/node_modules client/dist *.vsix
