# Two commands on a fresh machine with only Python 3.11+ and make:
#   make demo   — set up .venv, load examples/ into demo.db, show a Lisa 4 report and a case
#   make test   — set up .venv with dev extras, run ruff, mypy and the whole test suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEMO_DB := demo.db
PIP := $(BIN)/python -m pip --disable-pip-version-check -q
# Python keeps compiled modules in __pycache__ here even where the environment says not to (as the
# sandboxes of CI do): every process the tests start rvneet in compiled all of its modules again,
# and each pytest worker rewrote every test module again (20 s of `make test` on 2 cores).
unexport PYTHONDONTWRITEBYTECODE

.PHONY: demo test lint typecheck browser office postgres readme-image pytest test-pg soak bench i18n docs clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: $(BIN)/python pyproject.toml
	$(PIP) install -e .
	touch $@

# The encrypted extra (SQLCipher) too where a wheel exists, so its tests run; elsewhere they are skipped.
$(VENV)/.installed-dev: $(BIN)/python pyproject.toml
	$(PIP) install --only-binary sqlcipher3-binary -e '.[dev,encrypted]' 2>/dev/null || { \
	  echo "sqlcipher3-binary has no wheel here: the encryption tests will be skipped"; \
	  $(PIP) install -e '.[dev]'; }
	touch $@ $(VENV)/.installed

demo: $(VENV)/.installed
	rm -f $(DEMO_DB) $(DEMO_DB)-wal $(DEMO_DB)-shm
	@echo "Loading examples/load.sh into $(DEMO_DB) ..."
	@RVNEET_DB=$(DEMO_DB) RVNEET_USER=demo $(BIN)/python examples/load.py examples/load.sh >/dev/null
	@echo
	@echo '$$ rvneet --db $(DEMO_DB) report lisa4 --period 2025H1'
	@$(BIN)/rvneet --db $(DEMO_DB) report lisa4 --period 2025H1
	@echo
	@echo '$$ rvneet --db $(DEMO_DB) case show RV-2025-001'
	@$(BIN)/rvneet --db $(DEMO_DB) case show RV-2025-001

# The picture of Lisa 4 in docs/reports.md: the demo book's Estonian Lisa 4 page printed by headless
# Chromium, its first page as PNG (pdftoppm). Needs chromium and poppler-utils (make browser office).
README_IMAGE := docs/lisa4-2025H1.png
readme-image: $(VENV)/.installed browser office
	@set -e; tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	RVNEET_DB=$$tmp/demo.db RVNEET_USER=demo $(BIN)/python examples/load.py examples/load.sh >/dev/null; \
	$(BIN)/rvneet --db $$tmp/demo.db report lisa4 --period 2025H1 --format html --lang et \
	  --no-timestamp --output $$tmp/lisa4.html 2>/dev/null; \
	chromium --headless --no-sandbox --disable-gpu --disable-dev-shm-usage --no-pdf-header-footer \
	  --user-data-dir=$$tmp/profile --print-to-pdf=$$tmp/lisa4.pdf $$tmp/lisa4.html >/dev/null 2>&1; \
	pdftoppm -png -r 72 -f 1 -l 1 -singlefile $$tmp/lisa4.pdf $(README_IMAGE:.png=); \
	echo "Wrote $(README_IMAGE) ($$(wc -c < $(README_IMAGE)) bytes)"

# mypy runs beside the tests rather than before them: the tests leave a core idle while they wait
# for the processes and servers they start, and mypy fills it (18 s less on 2 cores). Its output
# is shown after the tests', and either failing fails `make test`.
test: lint browser office postgres $(VENV)/.installed-dev
	@log=$$(mktemp); $(BIN)/mypy >$$log 2>&1 & mypy=$$!; \
	$(BIN)/pytest; tests=$$?; \
	wait $$mypy; typed=$$?; echo "$(BIN)/mypy"; cat $$log; rm -f $$log; \
	[ $$tests -eq 0 ] && [ $$typed -eq 0 ]

lint: $(VENV)/.installed-dev
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .

typecheck: $(VENV)/.installed-dev
	$(BIN)/mypy

# The HTML reports are checked in headless Chromium: install Debian's package when it is missing and
# we may (root, or sudo without a password); otherwise that one test is skipped and says why.
browser:
	@command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] && echo "" || echo "sudo -n" ); \
	  command -v apt-get >/dev/null 2>&1 && { \
	    $$SUDO apt-get install -y -qq chromium >/dev/null 2>&1 || \
	    { $$SUDO apt-get update -qq >/dev/null 2>&1 && $$SUDO apt-get install -y -qq chromium >/dev/null 2>&1; }; \
	  }; } || echo "Chromium is not installed and could not be: the HTML rendering test will be skipped"

# Every XLSX file is opened in LibreOffice Calc and printed to PDF, whose text is read
# (tests/test_xlsx_files.py): install Debian's packages as for Chromium; otherwise that test is skipped.
office:
	@{ command -v soffice >/dev/null 2>&1 && command -v pdftotext >/dev/null 2>&1; } || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] && echo "" || echo "sudo -n" ); \
	  PKGS="libreoffice-calc-nogui poppler-utils"; \
	  command -v apt-get >/dev/null 2>&1 && { \
	    $$SUDO apt-get install -y -qq $$PKGS >/dev/null 2>&1 || \
	    { $$SUDO apt-get update -qq >/dev/null 2>&1 && $$SUDO apt-get install -y -qq $$PKGS >/dev/null 2>&1; }; \
	  }; } || echo "LibreOffice Calc or pdftotext is not installed and could not be: the XLSX printing test will be skipped"

pytest: $(VENV)/.installed-dev
	$(BIN)/pytest

# The PostgreSQL half of the tests starts a throwaway server (tests/pg.py: initdb in a temporary
# folder, a Unix socket only, removed at the end): install Debian's server when it is missing and we
# may, as for Chromium; otherwise those tests are skipped and say why.
postgres:
	@{ command -v pg_config >/dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; } || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] && echo "" || echo "sudo -n" ); \
	  command -v apt-get >/dev/null 2>&1 && { \
	    $$SUDO apt-get install -y -qq postgresql >/dev/null 2>&1 || \
	    { $$SUDO apt-get update -qq >/dev/null 2>&1 && $$SUDO apt-get install -y -qq postgresql >/dev/null 2>&1; }; \
	  }; } || echo "PostgreSQL is not installed and could not be: the PostgreSQL tests will be skipped"

# Every test that takes the engine as a parameter, on PostgreSQL only: `make test` runs them on both
# engines, but for the tests marked postgresql_on_request and most cells of the role table.
test-pg: $(VENV)/.installed-dev postgres
	$(BIN)/pytest --engine postgresql -k "postgresql or test_postgres"

# The crash, concurrency and fuzz tests at full strength (docs/security.md): the import of 50 000
# youths killed 60 times instead of 3, a restore killed 60 times instead of 4, 4 processes opening
# 400 cases each instead of 100, 8 writers of 400 cases each on PostgreSQL instead of 100, 40 youths
# erased beside readers instead of 2, and 2000 inputs per fuzz test instead of a few dozen; about
# 20 minutes. RVNEET_CRASH_SEED=N changes the kill moments, RVNEET_SOAK_EXAMPLES=N the fuzz inputs
# per test.
soak: $(VENV)/.installed-dev
	RVNEET_SOAK=1 $(BIN)/pytest -n 0 -s tests/test_crash.py tests/test_restore_crash.py tests/test_concurrency.py \
	  tests/test_pg_concurrency.py
	RVNEET_SOAK=1 $(BIN)/pytest -n 0 -s tests/test_erasure_disk.py -k beside_readers
	HYPOTHESIS_PROFILE=soak $(BIN)/pytest -n 2 tests/test_fuzz.py tests/test_suppression.py

# Issue 6's benchmarks on synthetic books (bench/generate.py), each beside its reference, and issue
# 18's PostgreSQL rows on the same books in a throwaway server (tests/pg.py; skipped in one line
# without one); writes bench/results.md. `python -m bench.run --keep` keeps the books in bench/.cache/.
bench: $(VENV)/.installed-dev postgres
	$(BIN)/python -m bench.run

# The catalog of every text people read: the --help texts of the command tree and the source's
# _()/N_()/ngettext() messages, merged into the Estonian .po (new texts untranslated), compiled to
# the .mo that ships in the wheel. Translate, then run it again.
i18n: $(VENV)/.installed-dev
	$(BIN)/python -m rvneet.i18n_catalog

# Every `$ rvneet …` example of README.md and docs/*.md run on the book its page names (the demo
# book, an empty one or none) at a fixed clock, its output written in place under it (docs/examples.py;
# tests/test_docs_examples.py compares instead). Read the diff: a changed output is a changed behaviour.
docs: $(VENV)/.installed-dev
	$(BIN)/python docs/examples.py --update

clean:
	rm -rf $(VENV) $(DEMO_DB) $(DEMO_DB)-wal $(DEMO_DB)-shm .mypy_cache .ruff_cache .pytest_cache .hypothesis
