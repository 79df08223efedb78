# Two commands do all the set-up on a fresh machine: `make dev` (the local stack) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: dev test lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# The layer's pins constrain the install, so tests run the exact versions Lambda loads.
$(STAMP): pyproject.toml layer/requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]' -c layer/requirements.txt
	touch $(STAMP)

dev: $(STAMP)  ## serve the API on 127.0.0.1:3000 ($$PORT) with an embedded AWS emulation
	$(BIN)/crm-local serve

lint: $(STAMP)
	$(BIN)/cfn-lint template.yaml

test: $(STAMP) lint  ## cfn-lint, then every test
	$(BIN)/pytest -q

bench: $(STAMP)  ## machine-independent figures (requests, items read, memory, import ratios)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .aws-sam .pytest_cache

include infra/sam.mk
