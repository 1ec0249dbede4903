# citebot: `make demo` sets everything up and answers the sample question offline;
# `make test` installs the test tools and runs lint, types and the offline test suite.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
QUESTION ?= What is Honda's 2040 target?
SHARED ?= $(firstword $(wildcard ../shared/eval/realtimeqa ../../shared/eval/realtimeqa) ../shared/eval/realtimeqa)

.PHONY: setup demo test lint eval bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

setup: $(VENV)/.installed

demo: setup
	$(BIN)/citebot ingest seeds/
	$(BIN)/citebot ask "$(QUESTION)"

lint: $(VENV)/.installed-test
	$(BIN)/ruff check bot ingest tests benchmarks
	$(BIN)/ruff format --check bot ingest tests benchmarks
	$(BIN)/mypy

test: $(VENV)/.installed-test lint
	$(BIN)/pytest -q

clean:
	rm -rf $(VENV) .citebot .pytest_cache .mypy_cache .ruff_cache

eval: setup
	@if [ ! -d "$(SHARED)" ]; then echo "Skipping eval: $(SHARED) is not here (internal evaluation data)."; exit 0; fi; \
	export CITEBOT_STORE=.citebot/eval-store CITEBOT_COLLECTION=realtimeqa; \
	$(BIN)/citebot ingest "$(SHARED)/corpus" seeds && \
	$(BIN)/citebot eval "$(SHARED)/dev.jsonl" --out .citebot/eval-dev.jsonl && \
	$(BIN)/citebot eval eval/natural-dev.jsonl --out .citebot/eval-natural.jsonl && \
	$(BIN)/citebot eval eval/holdout.jsonl --out .citebot/eval-holdout.jsonl && \
	$(BIN)/citebot eval eval/holdout2.jsonl --out .citebot/eval-holdout2.jsonl && \
	$(BIN)/citebot eval eval/holdout3.jsonl --out .citebot/eval-holdout3.jsonl && \
	$(BIN)/citebot eval-claims eval/claims.jsonl --shared "$(SHARED)"

bench: setup
	$(BIN)/python -m benchmarks.run
