# Shortcuts; each target sets up the virtual environment first if needed.
VENV ?= .venv
PYTHON ?= python3
BIN = $(VENV)/bin

.PHONY: setup demo test lint example clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
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

## example: regenerate the synthetic example batch (deterministic)
example: setup
	$(BIN)/wellbeing example --out data/example/survey_export.csv

clean:
	rm -rf output .pytest_cache .ruff_cache
