# Two commands on a fresh machine with only python3 and make: `make validate` and `make test`.
# Both create .venv/ inside the repository and install the exact versions in requirements.lock.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# The accessibility engine (axe-core, pinned in tests/browser/package-lock.json) for the browser test.
AXE := tests/browser/node_modules/axe-core/axe.min.js
STAMP := $(VENV)/.installed-$(shell cksum < requirements.lock | cut -d' ' -f1)

.PHONY: validate test fmt fmt-check diff bump docs docs-check workbook import-workbook dist site bench frictionless clean

validate: $(STAMP)
	$(BIN)/python -m validate .

# Two workers: the suite is CPU-bound and the project machines have two cores.
test: $(STAMP) $(AXE)
	$(BIN)/python -m pytest -n 2

# Rewrite tables into canonical form (sorted rows, minimal quoting, LF); changes no value.
fmt: $(STAMP)
	$(BIN)/python -m validate fmt .

# Edit in a spreadsheet without damage: every cell text, drop-downs of codes. FILE is the workbook.
FILE ?= workbook.xlsx
workbook: $(STAMP)
	$(BIN)/python -m validate workbook . --out $(FILE)

# The edited workbook back into canonical CSVs (nothing is written unless the result is valid).
import-workbook: $(STAMP)
	$(BIN)/python -m validate import-workbook $(FILE) .


fmt-check: $(STAMP)
	$(BIN)/python -m validate fmt --check .

# Row-level changes since the last release (read from the history of datapackage.json, no tag
# needed), and whether the version bump fits. BASE may be a version number or a git revision.
BASE ?= release
diff: $(STAMP)
	$(BIN)/python -m validate diff $(BASE) . --check-version

# Release the change: set the version the diff requires, draft the CHANGELOG section, record
# retired ids, regenerate the generated files. Then edit the CHANGELOG prose and commit.
bump: $(STAMP)
	$(BIN)/python -m validate bump .

# Downloads for researchers (validates first): zip, Parquet, SQLite with metadata.json for Datasette, JSON, Stata, SHA256SUMS.
dist: $(STAMP)
	$(BIN)/python -m validate export .

# The site: landing page site/index.html, the annotated article, codebook pages, a copy of dist/.
site: dist
	$(BIN)/python -m validate site .

# Arrow read floor, our validation (sorted and shuffled) and frictionless on synthetic packages of 10k, 100k and 1M events, with the speed targets (slow: minutes).
bench: $(STAMP)
	$(BIN)/python -m validate bench .

# Regenerate every generated file: the codebook, the agreement page, the timeline, CITATION.cff,
# the README's generated tables and the tables derived from archived texts.
docs: $(STAMP)
	$(BIN)/python -m validate docs .

docs-check: $(STAMP)
	$(BIN)/python -m validate docs --check .

# The reference implementation's view of the same package (also run by the test suite).
frictionless: $(STAMP)
	$(BIN)/frictionless validate datapackage.json

# The accessibility engine (axe-core, pinned in tests/browser/package-lock.json) for the browser test;
# without npm the test says it is skipped.
$(AXE): tests/browser/package-lock.json
	@if command -v npm >/dev/null 2>&1; then { npm ci --prefix tests/browser --no-audit --no-fund --silent && touch $@; } \
		|| echo "npm ci failed: the accessibility check of the site will be skipped"; \
	else echo "npm not found: the accessibility check of the site will be skipped"; fi

# Before anything is installed, say what a bare machine lacks: an old Python, or Debian's and
# Ubuntu's python3-venv (their python3 has no venv without it).
$(STAMP): requirements.lock
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null || \
	  { echo "make: $(PYTHON) is not Python 3.11 or newer; install one and run make PYTHON=python3.11 (or newer)" >&2; exit 2; }
	@echo "$(PYTHON) -m venv $(VENV)"; $(PYTHON) -m venv $(VENV) || { rm -rf $(VENV); \
	  echo "make: $(PYTHON) -m venv failed; on Debian or Ubuntu install python3-venv (sudo apt-get install python3-venv), then run make again" >&2; exit 2; }
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-input -r requirements.lock
	rm -f $(VENV)/.installed-*
	touch $@

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis dist site .artifacts
