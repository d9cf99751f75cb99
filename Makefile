# Cảnh Giác — the two commands: `make run` starts the platform, `make test` checks everything.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
export CANHGIAC_DATA_DIR ?= ./var
export CANHGIAC_BASE_URL ?= http://$(HOST):$(PORT)

.PHONY: run test venv sysdeps lint typecheck pytest format lock bench clean

$(BIN)/activate:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11+ is required")'
	$(PYTHON) -m venv $(VENV)

# setup.py and the C sources: `pip install -e .` compiles the optional C helpers of the scanner.
$(VENV)/.installed: $(BIN)/activate pyproject.toml requirements.lock setup.py $(wildcard src/canhgiac/*/_fast.c)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -r requirements.lock
	$(BIN)/python -m pip install -q --no-deps -e .
	touch $@

venv: $(VENV)/.installed

run: venv
	$(BIN)/canhgiac init --demo
	$(BIN)/canhgiac serve --host $(HOST) --port $(PORT)

# System packages the tests use (OCR, DNS zone checker, PDF text); installed when we are root.
PY_DIRS := $(wildcard src tests bench scripts)
SYSTEM_PACKAGES := tesseract-ocr tesseract-ocr-vie bind9-utils poppler-utils fonts-liberation2 chromium
sysdeps:
	@missing=""; for p in $(SYSTEM_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing:$$missing"; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null) \
	      || echo "warning: could not install$$missing"; \
	  else echo "warning: missing system packages:$$missing (tests that need them will skip outside CI)"; fi; \
	fi

format: venv
	$(BIN)/ruff format $(PY_DIRS)

lint: venv
	$(BIN)/ruff format --check $(PY_DIRS)
	$(BIN)/ruff check $(PY_DIRS)

typecheck: venv
	$(BIN)/mypy

pytest: venv sysdeps
	$(BIN)/pytest

test: venv sysdeps lint typecheck pytest

lock:
	rm -rf /tmp/canhgiac-lock && $(PYTHON) -m venv /tmp/canhgiac-lock
	/tmp/canhgiac-lock/bin/pip install -q --upgrade pip && /tmp/canhgiac-lock/bin/pip install -q -e '.[dev]'
	/tmp/canhgiac-lock/bin/pip freeze --exclude-editable | grep -v '^canhgiac' > requirements.lock

bench: venv
	for f in bench/bench_*.py; do echo "== $$f"; $(BIN)/python $$f || exit 1; done

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
