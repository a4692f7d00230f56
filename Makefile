# Everything a fresh machine with only python3 needs: `make demo`, `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-dev
OUT    ?= out/demo

.PHONY: demo test test-slow test-lerobot lint bench model clean chromium

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/python -m robot.demo --out $(OUT)

# The kiosk's browser test drives Debian's chromium, and the page's Chinese needs a CJK
# font (a stock Debian shows boxes); install them where we may (CI is root).
chromium:
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null && \
	  fc-list :lang=zh | grep -q . || \
	  { [ "$$(id -u)" = 0 ] && apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver \
	      fonts-noto-cjk >/dev/null; } || \
	  echo "chromium or fonts-noto-cjk not installed (not root): kiosk browser tests skip"

test: $(STAMP) chromium
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest

test-slow: $(STAMP)
	$(BIN)/pytest -m slow

# LeRobot's loader reads `robot dataset`'s output (the lerobot-peer extra; LeRobot pins
# torch below ours, so it goes in without its dependencies).
test-lerobot: $(STAMP)
	$(BIN)/python -m pip install --quiet -e ".[lerobot-peer]"
	$(BIN)/python -m pip install --quiet --no-deps "lerobot==0.4.4"
	$(BIN)/pytest -m slow tests/test_dataset_lerobot.py

lint: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

BENCHMARKS := bus serial_bus sim perception hil_perceived brain brain_eval cerebellum_loop episodes dev_end_to_end kiosk limb_faults host_death link_loss split_episodes soak dataset_generate

bench: $(STAMP)
	mkdir -p out/bench
	for b in $(BENCHMARKS); do \
		$(BIN)/python -m benchmarks.$$b --json out/bench/$$b.json || exit 1; \
	done

# Regenerate the planner's corpus, train and export it to models/planner (about 82 min
# on one core; needs the `train` extra: torch). Work files go to build/planner.
model: $(STAMP)
	$(BIN)/python -m pip install --quiet -e ".[train]"
	nice -n 10 $(BIN)/python -m models.build

clean:
	rm -rf $(VENV) out .pytest_cache .ruff_cache
