# udsyn: two commands. `make` builds everything from a fresh clone;
# `make test` runs the tests. Both install the pinned environment first
# (once: it is reused while requirements.lock is unchanged).
# `make help` lists the targets.

PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
CORES ?= 2
SNAKEMAKE_ARGS ?=

.DEFAULT_GOAL := all
.PHONY: all test help synthetic clean-results dag

## Build every result and the report from the raw data (installs the environment if needed).
all: $(STAMP)
	@$(BIN)/snakemake --cores $(CORES) --quiet host rules $(SNAKEMAKE_ARGS) || { \
	  echo; echo "udsyn: the build stopped. The 'Error in rule ...' block above says what to fix;"; \
	  echo "       each rule's log is in logs/. Nothing half-written was kept."; exit 1; }
	@echo "udsyn: report at $(CURDIR)/report/report.html (every number from results/; columns in results/data_dictionary.csv)"

## Run the tests (installs the environment if needed).
test: $(STAMP)
	@$(BIN)/python -m pytest $(PYTEST_ARGS)

## Regenerate the synthetic survey export in data/raw/survey/ (a tool, not a pipeline step).
synthetic: $(STAMP)
	PYTHONPATH=workflow $(BIN)/python -m udsyn.synthetic --config config/synthetic.yaml \
	  --questionnaire config/questionnaire.yaml \
	  --register data/raw/register/municipalities.csv --out data/raw/survey

## Remove everything the pipeline made (the next `make` rebuilds it).
clean-results:
	find results -mindepth 1 ! -name README.md -exec rm -rf {} +
	rm -rf report/report.html logs

## List the targets.
help:
	@awk '/^## /{doc=substr($$0,4); next} /^[a-z-]+:/{if(doc){split($$1,t,":"); printf "  make %-15s %s\n", t[1], doc}; doc=""}' $(MAKEFILE_LIST)

# The environment: a project-local venv with exactly the locked versions,
# checked against their hashes. Rebuilt only when the lock file changes.
$(STAMP): requirements.lock
	@command -v $(PYTHON) >/dev/null || { echo "udsyn needs $(PYTHON) on PATH (or make PYTHON=/path/to/python3.11)"; exit 1; }
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' || { echo "udsyn needs Python 3.11; $(PYTHON) is $$($(PYTHON) --version)"; exit 1; }
	rm -rf $(VENV)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes --no-deps -r requirements.lock
	@touch $@
