# The two commands of the README:
#   make demo   start a Cassandra 5.0 node and run the Argus walkthrough against it
#   make test   lint, type-check, build the docs, then the whole suite (unit + integration
#               + every docs snippet, on the node)
# Set COODIE_HOSTS=host1,host2[:port] to use an existing cluster instead of the local node.

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: demo test lint typecheck docs unit integration node-start node-stop bench clean

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
	$(VENV)/bin/ruff check coodie tests examples benchmarks scripts
	$(VENV)/bin/ruff format --check coodie tests examples benchmarks scripts
	$(PY) scripts/unasync.py --check

typecheck: $(STAMP)
	$(VENV)/bin/mypy
	$(VENV)/bin/mypy --strict tests/typing

# The docs site (mkdocs.yml) into build/site, git-ignored; --strict fails on any warning:
# a broken link or anchor, a page missing from the nav.
docs: $(STAMP)
	NO_MKDOCS_2_WARNING=1 $(VENV)/bin/mkdocs build --strict

test: $(STAMP) lint typecheck docs node-start
	$(PY) -m pytest tests

unit: $(STAMP)
	$(PY) -m pytest tests/unit

integration: $(STAMP) node-start
	$(PY) -m pytest tests/integration

bench: $(STAMP) node-start
	$(PY) -m benchmarks

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache build/site
