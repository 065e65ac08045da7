# Two commands do everything on a fresh machine with Python 3.11+:
#   make serve   - create .venv, install, start the server on 127.0.0.1:8000 (data in ./dynamo-data)
#   make test    - create .venv, install the dev extra, run the whole suite
PYTHON ?= python3
VENV   ?= .venv
HOST   ?= 127.0.0.1
PORT   ?= 8000
DATA   ?= ./dynamo-data
PY      = $(VENV)/bin/python

.PHONY: serve test lint typecheck bench bench-quick clean

$(VENV)/.created:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is required (set PYTHON=...)")'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	@touch $@

$(VENV)/.installed: $(VENV)/.created pyproject.toml
	$(PY) -m pip install --quiet -e .
	@touch $@

$(VENV)/.installed-dev: $(VENV)/.created pyproject.toml
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $@ $(VENV)/.installed

serve: $(VENV)/.installed
	$(VENV)/bin/dynamo serve --host $(HOST) --port $(PORT) --data-dir $(DATA)

test: $(VENV)/.installed-dev
	$(PY) -m ruff check dynamo storage expressions streams tests benchmarks
	$(PY) -m ruff format --check dynamo storage expressions streams tests benchmarks
	$(PY) -m mypy
	$(PY) -m pytest -n 2 $(PYTEST_ARGS)

lint: $(VENV)/.installed-dev
	$(PY) -m ruff check dynamo storage expressions streams tests benchmarks

typecheck: $(VENV)/.installed-dev
	$(PY) -m mypy

bench: $(VENV)/.installed-dev
	$(PY) -m benchmarks.engine
	$(PY) -m benchmarks.expressions
	$(PY) -m benchmarks.reads
	$(PY) -m benchmarks.writes
	$(PY) -m benchmarks.streams
	$(PY) -m benchmarks.backups
	$(PY) -m benchmarks.exports
	$(PY) -m benchmarks.cache
	$(PY) -m benchmarks.legacy
	$(PY) -m benchmarks.ycsb
	$(PY) -m benchmarks.group_commit
	$(PY) -m benchmarks.scaling
	$(PY) -m benchmarks.micro

bench-quick: $(VENV)/.installed-dev
	$(PY) -m benchmarks.engine --quick --out ''
	$(PY) -m benchmarks.expressions --quick --out ''
	$(PY) -m benchmarks.reads --quick --out ''
	$(PY) -m benchmarks.writes --quick --out ''
	$(PY) -m benchmarks.streams --quick --out ''
	$(PY) -m benchmarks.backups --quick --out ''
	$(PY) -m benchmarks.exports --quick --out ''
	$(PY) -m benchmarks.cache --quick --out ''
	$(PY) -m benchmarks.legacy --quick --out ''
	$(PY) -m benchmarks.ycsb --quick --out ''
	$(PY) -m benchmarks.group_commit --quick --out ''
	$(PY) -m benchmarks.scaling --quick --out ''
	$(PY) -m benchmarks.micro --quick --out ''

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache
