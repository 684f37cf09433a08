# Two commands on a fresh machine with only python3 and make: `make validate` and `make test`.
# Both create .venv/ inside the repository and install the exact versions in requirements.lock.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cksum < requirements.lock | cut -d' ' -f1)

.PHONY: validate test frictionless clean

validate: $(STAMP)
	$(BIN)/python -m validate .

test: $(STAMP)
	$(BIN)/python -m pytest

# The reference implementation's view of the same package (also run by the test suite).
frictionless: $(STAMP)
	$(BIN)/frictionless validate datapackage.json

$(STAMP): requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-input -r requirements.lock
	rm -f $(VENV)/.installed-*
	touch $@

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
