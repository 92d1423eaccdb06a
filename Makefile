# The two commands of the README:
#   make demo   start a Cassandra 5.0 node and run the Argus walkthrough against it
#   make test   lint, type-check, then the whole suite (unit + integration on the node)
# Set COODIE_HOSTS=host1,host2[:port] to use an existing cluster instead of the local node.

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: demo test lint typecheck unit integration node-start node-stop bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	touch $(STAMP)

node-start:
	@if [ -z "$$COODIE_HOSTS" ]; then scripts/cassandra start; else echo "using cluster at $$COODIE_HOSTS"; fi

node-stop:
	scripts/cassandra stop

demo: $(STAMP) node-start
	$(PY) examples/argus/walkthrough.py

lint: $(STAMP)
	$(VENV)/bin/ruff check coodie tests examples benchmarks
	$(VENV)/bin/ruff format --check coodie tests examples benchmarks

typecheck: $(STAMP)
	$(VENV)/bin/mypy
	$(VENV)/bin/mypy --strict tests/typing

test: $(STAMP) lint typecheck node-start
	$(PY) -m pytest tests

unit: $(STAMP)
	$(PY) -m pytest tests/unit

integration: $(STAMP) node-start
	$(PY) -m pytest tests/integration

bench: $(STAMP) node-start
	$(PY) -m benchmarks

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache
