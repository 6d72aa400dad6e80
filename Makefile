# The two set-up commands are `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app caseapp
STAMP := $(VENV)/.installed
NODE_STAMP := node_modules/.installed

.PHONY: run test bench screenshots install test-tools system-packages translations messages lint clean

run: install translations
	$(FLASK) init-db
	$(FLASK) seed --if-empty
	@echo "Ankommen on http://127.0.0.1:5000 (demo logins: README.md). Ctrl-C stops it."
	@$(FLASK) worker & worker=$$!; \
	  trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	  $(FLASK) run --host 127.0.0.1 --port 5000

test: system-packages install translations test-tools
	$(BIN)/ruff check .
	$(BIN)/pytest $(PYTEST_ARGS)

# The scale benchmark (bench/scale.py, figures in bench/RESULTS.md), e.g.
# make bench BENCH_ARGS="--cases 100000 --database postgresql"
bench: system-packages install translations
	$(BIN)/python bench/scale.py $(BENCH_ARGS)

# The user guide's pictures in docs/img/, taken in German by the browser tests that show
# them; only this target writes them there (a plain test run keeps them in its tmp_path).
screenshots: system-packages install translations test-tools
	ANKOMMEN_SCREENSHOTS=docs/img $(BIN)/pytest -m screenshots $(PYTEST_ARGS)

install: $(STAMP)

$(STAMP): pyproject.toml | system-packages
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

# axe-core for the browser tests, exactly as package-lock.json names it (never from a CDN);
# the tests read node_modules/axe-core/axe.min.js, the app never serves it.
test-tools: $(NODE_STAMP)

$(NODE_STAMP): package.json package-lock.json | system-packages
	npm ci --ignore-scripts --no-audit --no-fund
	touch $(NODE_STAMP)

system-packages:
	./scripts/ensure-system-packages

translations: install
	@if ls caseapp/translations/*/LC_MESSAGES/*.po >/dev/null 2>&1; then \
	  $(BIN)/pybabel compile --statistics -d caseapp/translations 2>&1 | grep -v '^compiling' || true; fi

# Extract every message into messages.pot and merge it into each language's messages.po
# (options in pyproject.toml, [tool.babel.*]), the same for the newcomer texts into each
# newcomer.po (options in caseapp/translations/newcomer.toml); then report what is left.
NEWCOMER_BABEL := BABEL_PYPROJECT_TOML=caseapp/translations/newcomer.toml
messages: install
	$(BIN)/pybabel -q extract
	$(BIN)/pybabel -q update
	$(NEWCOMER_BABEL) $(BIN)/pybabel -q extract
	$(NEWCOMER_BABEL) $(BIN)/pybabel -q update
	@$(BIN)/pybabel compile --statistics -d caseapp/translations 2>&1 | grep -v '^compiling'

lint: install
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) node_modules instance test-artifacts
