# Two commands: `make run` (whole workflow on the bundled example) and `make test`.
# Both create .venv with a Python >= 3.11 if it is missing and install surveykit into it.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.surveykit-installed

.PHONY: run test test-slurm lint clean-results

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "surveykit needs Python >= 3.11; set PYTHON=python3.11 (or newer)")'
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/snakemake --cores all

test: $(STAMP) lint
	$(BIN)/python -m pytest

# The workflow through profiles/slurm on a single-node Slurm cluster started for the test
# (needs root and Debian's slurm-wlm and munge; see README, "Running on a Slurm cluster").
test-slurm: $(STAMP)
	bash .ci/slurm_test.sh

lint: $(STAMP)
	$(BIN)/ruff check src tests workflow bench
	$(BIN)/snakefmt --check Snakefile workflow/rules
	$(BIN)/snakemake --lint --quiet

clean-results:
	rm -rf results benchmarks .snakemake
