# Shortcuts; each target sets up the virtual environment first if needed.
VENV ?= .venv
PYTHON ?= python3
BIN = $(VENV)/bin

.PHONY: setup demo test lint example repro bench clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev,dvc]"
	touch $@

setup: $(BIN)/.installed

## demo: set up, then run every stage on the bundled example batch (output/example/)
demo: setup
	$(BIN)/wellbeing run --config config/pipeline.yaml

## test: set up, then lint, check the instrument definitions and run the test suite
test: setup lint
	$(BIN)/wellbeing instruments check
	$(BIN)/pytest

lint: setup
	$(BIN)/ruff check pipeline tests benchmarks
	$(BIN)/ruff format --check pipeline tests benchmarks

## repro: run the pipeline as DVC stages (re-runs only what changed)
repro: setup
	PATH="$(CURDIR)/$(BIN):$$PATH" DVC_NO_ANALYTICS=1 $(BIN)/dvc repro

## bench: time every stage at 1,000 to 1,000,000 respondents (minutes; not part of the tests)
bench: setup
	$(BIN)/python benchmarks/bench_stages.py

## example: regenerate the synthetic example batch (deterministic)
example: setup
	$(BIN)/wellbeing example --out data/example/survey_export.csv

clean:
	rm -rf output .pytest_cache .ruff_cache
