# Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 8501
SERVE_ADDRESS ?= 0.0.0.0
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run serve test test-fast lint bench sample screenshots chromium venv dev clean-db help

help:
	@echo "make run       start the dashboard (creates .venv, loads the bundled sample on first start)"
	@echo "make serve     share the dashboard on the network (SERVE_ADDRESS, PORT): only once an account exists"
	@echo "make test      lint + every test tier: unit, app (AppTest), browser (Playwright + Chromium)"
	@echo "make lint      ruff over the repository, mypy over the engine (analytics/)"
	@echo "make test-fast unit and app tests only (no browser)"
	@echo "make bench     benchmarks; figures are appended to bench/README.md"
	@echo "make sample    regenerate data/sample/ with the deterministic generator"
	@echo "make screenshots  browser tests that also refresh the README's pictures in docs/screenshots/"

$(BIN)/.runtime: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.txt
	@touch $@

$(BIN)/.dev: requirements-dev.txt $(BIN)/.runtime
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $@

venv: $(BIN)/.runtime
dev: $(BIN)/.dev

# Playwright's own browser download does not work offline; Debian's Chromium does.
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "installing Debian's chromium for the browser tests"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium >/dev/null; }

run: $(BIN)/.runtime
	$(BIN)/python -m streamlit run server.py --server.address 127.0.0.1 --server.port $(PORT)

# A shared server (README "Sharing the dashboard"): beyond localhost only once an account exists, so
# every page asks for sign-in; error details off; never test-cost password hashes. Behind a TLS proxy.
serve: $(BIN)/.runtime
	@n=$$(env -u TARGETS_ARGON2_PROFILE $(BIN)/python -m analytics users list --count) || exit 2; \
	if [ "$$n" = 0 ]; then echo "make serve refused: no account exists yet, so anyone reaching the port \
	could read and change everything (add one with: python -m analytics users add NAME --role admin)." >&2; \
	exit 2; fi
	env -u TARGETS_ARGON2_PROFILE $(BIN)/python -m streamlit run server.py --server.address $(SERVE_ADDRESS) \
	  --server.port $(PORT) --server.headless true --client.showErrorDetails none --client.toolbarMode viewer

# mypy reads its files and strictness from pyproject.toml ([tool.mypy]).
lint: $(BIN)/.dev
	$(BIN)/ruff check .
	$(BIN)/mypy

# The unit and app tiers share the machine's cores (pytest-xdist, a test file per worker, so a module's
# fixtures are built once); the browser tier runs after them on its own: each of its tests starts a
# server and Chromium, and their waits are for a page a person would see, not for a shared CPU.
PARALLEL := --numprocesses=auto --maxprocesses=4 --dist=loadfile

test: lint chromium
	$(BIN)/python -m pytest -m "not browser" $(PARALLEL)
	$(BIN)/python -m pytest -m browser

test-fast: $(BIN)/.dev
	$(BIN)/python -m pytest -m "not browser" $(PARALLEL)

bench: $(BIN)/.dev
	$(BIN)/python -m bench

# Browser tests write their screenshots to test-results/ (git-ignored); this also copies them over
# the README's pictures, so they change only on purpose.
screenshots: $(BIN)/.dev chromium
	REFRESH_README_SCREENSHOTS=1 $(BIN)/python -m pytest tests -m browser

sample: $(BIN)/.runtime
	$(BIN)/python -m analytics sample --out data/sample

clean-db:
	rm -f data/targets.duckdb data/targets.duckdb.wal
