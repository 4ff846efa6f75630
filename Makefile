# udsyn: two commands. `make` builds everything from a fresh clone;
# `make test` runs the tests (`make test-fast`: all but the end-to-end builds).
# Both install the pinned environment first (once: it is reused while
# requirements.lock is unchanged). `make help` lists the targets.

PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Snakemake's defaults (cores, printing) live in the workflow profile;
# `make CORES=1` overrides its cores, `make PROFILE=profiles/slurm` replaces it.
PROFILE ?= profiles/default
CORES ?=
SNAKEMAKE_ARGS ?=
BUILD_LOCK := .snakemake/udsyn-make.lock
SNAKEMAKE = $(BIN)/snakemake --workflow-profile $(PROFILE) $(if $(CORES),--cores $(CORES))
VERIFY = $(BIN)/python -m tools.verify
# The tests run in TEST_WORKERS pytest-xdist workers (auto: one per core; 0: in one
# process, e.g. for --pdb). --dist loadfile: a file's tests run in one worker, so a
# module's fixtures are made once (not loadgroup: with pytest 9.2 it ignores the
# groups); --no-loadscope-reorder: the files are handed out in the order
# tests/conftest.py gives them (long ones first). The one real build the e2e tests
# share is made once per run (tests/conftest.py, `built`). Python's bytecode caches
# are written (__pycache__, ignored by git) even where PYTHONDONTWRITEBYTECODE is
# set: without them pytest rewrites every test module in every worker, and every
# Snakemake run compiles udsyn again, on every run. PYTEST_ARGS go to pytest.
TEST_WORKERS ?= auto
PYTEST = PYTHONDONTWRITEBYTECODE= $(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder
# What `make test-slurm` builds through SLURM and compares with a local build
# (Snakemake targets: rule names or files, space-separated, and options): the
# multiverse, its clean variants, batches and gather (docs/statistics.md, "The multiverse"),
# in batches of 50 (config/test-slurm.yaml) so that they fan out.
SLURM_TARGET ?= multiverse --configfile config/test-slurm.yaml
# `make synthetic`: the export's format (README of data/raw/survey/, "Other
# formats") and its folder; the defaults rewrite the shipped files.
FORMAT ?= csv
OUT ?= data/raw/survey

.DEFAULT_GOAL := all
.PHONY: lint format all calibrate locked-build test test-fast verify test-slurm update-checksums bench bench-tests rulegraph readme catalogue snakemake-report help synthetic clean-results package

## Build every result and the report from the raw data (installs the environment if needed).
all: $(STAMP)
	@mkdir -p .snakemake
	@flock -n -o -E 75 $(BUILD_LOCK) $(MAKE) --no-print-directory locked-build; status=$$?; \
	  if [ $$status -eq 75 ]; then \
	    echo "udsyn: another make is building in this folder; wait for it to finish (nothing was changed)"; fi; \
	  exit $$status

# One build at a time: `all` holds $(BUILD_LOCK) (flock) while it runs this, so a
# second `make` refuses at once, and a Snakemake lock found here can only be left
# over from a killed build: it is cleared before building.
locked-build:
	@if [ -n "$$(ls -A .snakemake/locks 2>/dev/null)" ]; then \
	  echo "udsyn: clearing the lock a killed build left behind"; \
	  $(SNAKEMAKE) --unlock >/dev/null; fi
	@$(SNAKEMAKE) $(SNAKEMAKE_ARGS) || { \
	  echo; echo "udsyn: the build stopped. The message above says what to fix (for a rule:"; \
	  echo "       its 'Error in rule ...' block; each rule's log is in logs/). Nothing half-written was kept."; \
	  exit 1; }
	@echo "udsyn: report at $(CURDIR)/report/report.html (every number from results/; columns in results/data_dictionary.csv)"

## Calibration (not built by `make`): regenerate the synthetic export at config/calibration.yaml's seeds, run each in-process, score intervals and tests against the generator's truth: results/calibration/, then rebuild the report with its calibration appendix.
calibrate: $(STAMP)
	@$(SNAKEMAKE) --snakefile workflow/calibration.smk $(SNAKEMAKE_ARGS)
	@echo "udsyn: calibration at $(CURDIR)/results/calibration/summary.csv and report.md"
	@$(MAKE) --no-print-directory all SNAKEMAKE_ARGS=
	@echo "udsyn: the report's appendix 'Calibration' shows it: $(CURDIR)/report/report.html#calibration"

## Check style: ruff (lint and format), snakefmt and Snakemake's linter; changes nothing.
lint: $(STAMP)
	@$(BIN)/ruff check .
	@$(BIN)/ruff format --check .
	@$(BIN)/snakefmt --check Snakefile workflow/
	@$(BIN)/python -m tools.snakemake_lint

## Format the code in place: ruff (imports, then layout) and snakefmt.
format: $(STAMP)
	@$(BIN)/ruff check --select I --fix .
	@$(BIN)/ruff format .
	@$(BIN)/snakefmt Snakefile workflow/

## Run the tests, on every core (installs the environment if needed).
test: $(STAMP)
	@$(PYTEST) $(PYTEST_ARGS)

## Run the tests except the end-to-end builds (tests/e2e and tests marked e2e), on every core (target: under a minute; measured: benchmarks/tests.md).
test-fast: $(STAMP)
	@$(PYTEST) -m "not e2e" $(PYTEST_ARGS)

## Build twice from scratch (other path, hash seed, TZ, locale, cores); compare outputs with each other and checksums/.
verify: $(STAMP)
	@$(VERIFY) run

## As root: install and start a one-node SLURM here, build SLURM_TARGET through profiles/slurm and locally, compare byte for byte; stops SLURM after.
test-slurm: $(STAMP)
	@bash workflow/slurm/test_slurm.sh '$(SLURM_TARGET)'

## After an intended change: build as verify does and rewrite checksums/expected.sha256 (commit it).
update-checksums: $(STAMP)
	@$(VERIFY) run --update

## Time no-op, full (against the same analysis in one process), single-edit, fresh-clone and 1M-row builds, the multiverse, reading 1M-row INTL and .xlsx exports (5+ runs), and the calibration per seed: benchmarks/*.md, *.csv.
bench: $(STAMP)
	@$(BIN)/python benchmarks/bench.py
	@$(BIN)/python benchmarks/bench_multiverse.py
	@$(BIN)/python benchmarks/bench_formats.py
	@$(BIN)/python benchmarks/bench_calibration.py

## Time `make test-fast` and `make test` (2 runs each, interleaved, between speed checks; about 20 minutes): benchmarks/tests.md, tests.csv, tests_files.csv; the README's test times from them.
bench-tests: all
	@$(BIN)/python benchmarks/bench_tests.py; status=$$?; $(BIN)/python -m tools.readme; exit $$status

## Snakemake's own HTML report (run times, rule graph) beside ours: report/snakemake-report.html.
snakemake-report: all
	@$(SNAKEMAKE) --report report/snakemake-report.html
	@echo "udsyn: wrote report/snakemake-report.html (not byte-stable: it embeds run times)"

## Package the build (made first if needed) as a Workflow Run RO-Crate for Zenodo or WorkflowHub: dist/udsyn-<version>-<commit>.zip (docs/packaging.md).
package: all
	@$(BIN)/python -m tools.package

## Write the Mermaid rule graph to docs/rulegraph.md.
rulegraph: $(STAMP)
	@mkdir -p docs
	@set -e; { echo "# udsyn's rule graph"; echo; \
	  echo "Written by \`make rulegraph\` (\`snakemake --rulegraph mermaid-js\`); do not edit by hand."; echo; \
	  echo '```mermaid'; PYTHONHASHSEED=0 $(SNAKEMAKE) --quiet all --rulegraph mermaid-js; echo '```'; \
	} > docs/rulegraph.md.tmp || { rm -f docs/rulegraph.md.tmp; exit 1; }
	@mv docs/rulegraph.md.tmp docs/rulegraph.md
	@echo "udsyn: wrote docs/rulegraph.md"

## Rewrite the generated lists from the build: docs/pipeline.md (figures and tables, software) and README.md (outputs; the calibration table when make calibrate has run).
readme: all
	@$(BIN)/python -m tools.readme

## Bring the report's message catalogue in step with its sources (report/locale/report.pot, each language's .po); then translate the new messages.
catalogue: $(STAMP)
	@$(BIN)/python -m tools.catalogue

## Regenerate the synthetic export in OUT (data/raw/survey) as FORMAT (csv; e.g. FORMAT=intl+short OUT=/tmp/intl).
synthetic: $(STAMP)
	$(BIN)/python -m udsyn.synthetic.generator --config config/synthetic.yaml \
	  --questionnaire config/questionnaire.yaml \
	  --register data/raw/register/municipalities.csv --out $(OUT) --format $(FORMAT)

## Remove everything the pipeline made (the next `make` rebuilds it).
clean-results:
	find results -mindepth 1 ! -name README.md -exec rm -rf {} +
	rm -rf report/report.html logs

## List the targets.
help:
	@awk '/^## /{doc=substr($$0,4); next} /^[a-z-]+:/{if(doc){split($$1,t,":"); printf "  make %-17s %s\n", t[1], doc}; doc=""}' $(MAKEFILE_LIST)

# The environment: a project-local venv with exactly the locked versions,
# checked against their hashes. Rebuilt only when the lock file changes.
# tools/install_lock.py installs the lock, then udsyn itself (editable), with uv
# (pinned in the lock, installed by pip first; pip's package sources passed on),
# or with pip if uv fails.
$(STAMP): requirements.lock pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "udsyn needs $(PYTHON) on PATH (or make PYTHON=/path/to/python3.11)"; exit 1; }
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' || { echo "udsyn needs Python 3.11; $(PYTHON) is $$($(PYTHON) --version)"; exit 1; }
	rm -rf $(VENV)
	$(PYTHON) -m venv --without-pip $(VENV)
	$(BIN)/python -m tools.install_lock requirements.lock $(PYTHON)
	@touch $@
