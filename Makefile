# sfbridge developer entry points. Every target installs what it needs on first use.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# Python 3.13 (the Lambda runtime): the first candidate that really runs 3.13 (pyenv shims may not).
PYTHON313 ?= $(shell for c in python3.13 $${PYENV_ROOT:-$$HOME/.pyenv}/versions/3.13*/bin/python3.13 \
	/usr/local/bin/python3.13 /usr/bin/python3.13; do \
	"$$c" -c 'import sys; assert sys.version_info[:2] == (3, 13)' 2>/dev/null && { command -v "$$c"; break; }; done)
VENV := .venv
PY := $(VENV)/bin/python
TOOLS := .venv-tools
SAM := $(TOOLS)/bin/sam
STACK_ENV ?= dev
PARAMS ?=
PYTEST_ARGS ?=

.PHONY: help run test check format lint types validate build deploy bench sobjects clean

help: ## List the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

# .venv/bin/python is a symlink into the interpreter's installation, shared by every venv made from it: the
# install is tracked by a stamp file of this venv's own, so a change to pyproject.toml always reinstalls.
$(PY): $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	@test -n "$(PYTHON313)" || { echo "Python 3.13 not found: install it (pyenv install 3.13) or set PYTHON313=/path/to/python3.13" >&2; exit 1; }
	@test -x $(PY) || $(PYTHON313) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $@

$(SAM): tools-requirements.txt
	@test -n "$(PYTHON313)" || { echo "Python 3.13 not found" >&2; exit 1; }
	@test -x $(TOOLS)/bin/python || $(PYTHON313) -m venv $(TOOLS)
	$(TOOLS)/bin/python -m pip install --quiet --upgrade pip
	$(TOOLS)/bin/python -m pip install --quiet -r tools-requirements.txt
	@touch $(SAM)

run: $(PY) ## Serve every API route of template.yaml on http://127.0.0.1:3000 (PARAMS="Key=Value ...")
	$(PY) -m localrun --template template.yaml --port 3000 $(if $(PARAMS),--parameter-overrides "$(PARAMS)")

test: $(PY) ## Run the whole test suite
	$(PY) -m pytest $(PYTEST_ARGS)

format: $(PY) ## Format the code
	$(PY) -m ruff format .
	$(PY) -m ruff check --fix .

lint: $(PY) ## Check formatting and lint rules
	$(PY) -m ruff format --check .
	$(PY) -m ruff check .

types: $(PY) ## Type-check the package and the local stack
	$(PY) -m mypy

validate: $(PY) $(SAM) ## Validate template.yaml with cfn-lint and sam validate --lint
	$(VENV)/bin/cfn-lint template.yaml
	$(SAM) validate --lint --template template.yaml --region us-east-1

check: lint types validate test ## The one gate: format, lint, types, template validation, tests

build: $(SAM) ## sam build (no container; python3.13 from PYTHON313)
	PATH="$(dir $(PYTHON313)):$$PATH" $(SAM) build --template template.yaml

deploy: build ## sam deploy to STACK_ENV (default dev, see samconfig.toml)
	$(SAM) deploy --config-env $(STACK_ENV)

bench: $(PY) ## Benchmarks; writes bench/results.json
	$(PY) -m bench

sobjects: $(PY) ## Regenerate layers/shared/sfbridge/sobjects.py from the Outbound Message WSDLs in events/wsdl/
	$(PY) -m sfbridge.codegen $(sort $(wildcard events/wsdl/*.wsdl)) -o layers/shared/sfbridge/sobjects.py

clean: ## Remove virtual environments and build output
	rm -rf $(VENV) $(TOOLS) .aws-sam .mypy_cache .ruff_cache .pytest_cache
