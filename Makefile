# Two commands on a fresh clone: `make run` and `make test` (Python 3.11+ and make only).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cksum requirements.txt | cut -d' ' -f1)
FLASK := $(BIN)/flask --app crm
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test venv translations db clean bench

venv: $(STAMP)

$(STAMP): requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

# Compiled catalogues are build output (not committed); zh_CN is the source language.
translations: $(STAMP)
	$(BIN)/pybabel -q compile --use-fuzzy -d crm/translations -f || true

db: $(STAMP) translations
	$(FLASK) init-db

run: db
	$(FLASK) demo-data --if-empty
	$(FLASK) run --host $(HOST) --port $(PORT)

test: $(STAMP) translations
	$(BIN)/python -m pytest $(PYTEST_ARGS)

bench: $(STAMP)
	$(BIN)/python benchmarks/run_all.py

clean:
	rm -rf $(VENV) instance/*.sqlite3*
