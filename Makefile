# Two commands: `make chat` starts the assistant, `make test` runs the tests.
# Both create .venv and install what they need the first time.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 7860

.PHONY: install chat ask build eval bench lint test clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	# the CPU build of torch that lies on disk; never a CUDA build
	$(PY) -m pip install --quiet torch==2.13.0
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

chat: install
	$(PY) app.py --host $(HOST) --port $(PORT)

ask: install
	$(PY) -m retrieval ask "$(Q)"

build: install
	$(PY) -m retrieval build

eval: install
	$(PY) -m retrieval eval --split test --report eval/report

bench: install
	$(PY) -m retrieval bench

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

test: install
	$(PY) -m pytest

clean:
	rm -rf $(VENV) index .pytest_cache
