# Everything a fresh machine with only python3 needs: `make demo`, `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-dev
OUT    ?= out/demo

.PHONY: demo test test-slow lint bench model clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/python -m robot.demo --out $(OUT)

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest

test-slow: $(STAMP)
	$(BIN)/pytest -m slow

lint: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: $(STAMP)
	mkdir -p out/bench
	for b in benchmarks/[!_c]*.py; do \
		$(BIN)/python -m benchmarks.$$(basename $$b .py) --json out/bench/$$(basename $$b .py).json || exit 1; \
	done

# Regenerate the planner's corpus, train and export it (needs the `train` extra: torch).
model: $(STAMP)
	$(BIN)/python -m pip install --quiet -e ".[train]"
	$(BIN)/python -m models.build

clean:
	rm -rf $(VENV) out .pytest_cache .ruff_cache
