# pdpacket: `make demo` and `make test` work on a fresh Debian machine as root.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
# python3-uno: LibreOffice is kept running and driven over UNO by a client in the system python3
# (assembler/convert/warm.py); without it every conversion starts LibreOffice anew.
# fonts-liberation2: the page stamps' font (embedded); colord-data: the sRGB profile of a PDF/A filing.
# OCR of scanned exhibits (convert/ocr.py, through OCRmyPDF): Tesseract with the languages our clients'
# documents come in most (English, Spanish, French, Haitian Creole, Portuguese; another is one
# tesseract-ocr-XXX package, see docs), Ghostscript (OCRmyPDF rasterises with it), pngquant and unpaper
# (OCRmyPDF's optional optimiser and cleaner; it warns without them).
OCR_PACKAGES := tesseract-ocr tesseract-ocr-eng tesseract-ocr-spa tesseract-ocr-fra tesseract-ocr-hat tesseract-ocr-por ghostscript pngquant unpaper
APT_PACKAGES := python3 python3-venv libreoffice-writer-nogui python3-uno fonts-liberation2 fonts-crosextra-carlito fonts-crosextra-caladea fonts-dejavu-core poppler-utils qpdf chromium colord-data $(OCR_PACKAGES)
DEMO_OUT ?= demo-out

.PHONY: install system-deps venv shell demo test test-fast lint docs bench clean

install: system-deps venv

# Installs only what is missing; apt-get update runs once, before the first install.
system-deps:
	@missing=""; for p in $(APT_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  if [ "$$(id -u)" != 0 ]; then SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing; \
	fi

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test,lint,docs]'
	touch $@

venv: $(VENV)/.installed

# A shell (yours, else bash) where `pdpacket` is this checkout's .venv/bin/pdpacket; `exit` leaves it.
shell: install
	@echo "pdpacket is $(CURDIR)/$(VENV)/bin/pdpacket in this shell; type exit to leave it."
	@PATH="$(CURDIR)/$(VENV)/bin:$$PATH" VIRTUAL_ENV="$(CURDIR)/$(VENV)" $${SHELL:-/bin/bash}

demo: install
	@rm -rf $(DEMO_OUT)
	@set -e; mkdir -p $(DEMO_OUT); export PDPACKET_LEDGER=$(CURDIR)/$(DEMO_OUT)/pdpacket.db PDPACKET_KEEPER=off; \
	for c in samples/*/; do \
	  name=$$(basename $$c); \
	  $(VENV)/bin/pdpacket build -q $$c -o $(DEMO_OUT)/$$name; \
	done
	@echo; echo "Sample filings (with their Word copies in docx/ and manifest.json beside them):"
	@ls -1 $(CURDIR)/$(DEMO_OUT)/*/*.pdf

# The browser tests drive a web app that, in use, is a process of its own: they run in a
# pytest process of their own too, away from the state other tests leave in theirs.
test: install docs
	$(VENV)/bin/pytest -q --ignore=tests/test_web_browser.py --ignore=tests/test_form_images_browser.py
	$(VENV)/bin/pytest -q tests/test_web_browser.py tests/test_form_images_browser.py

# The tests that start neither LibreOffice nor a wheel build, in seconds. PDPACKET_SOFFICE
# points at a stand-in that fails: a LibreOffice test left without its marker fails loudly.
# -n auto: one pytest worker a core (pytest-xdist; every test works in its own tmp_path). --dist worksteal: an
# idle worker takes tests queued for the other; with the default (`load`) one worker sat idle through the
# last seconds while the other ran a queue of slow tests (41 s against 59 s, the same CPU, measured in a row).
# HYPOTHESIS_PROFILE=fast: a tenth of each property test's examples (tests/helpers.py `examples`).
# PYTHONDONTWRITEBYTECODE= (empty: off): the test modules' rewritten asserts and pdpacket's own bytecode
# are cached in __pycache__ between runs; set in the environment, every worker and every `python -m
# assembler` a test starts compiled them again (about 6 s of CPU a worker).
# --ignore=tests/test_web_browser.py: every test of it is `slow` (its pytestmark), and collecting it imports
# Playwright and uvicorn in each worker for nothing.
test-fast: install
	PYTHONDONTWRITEBYTECODE= HYPOTHESIS_PROFILE=fast PDPACKET_SOFFICE=$(CURDIR)/tests/fakes/forbidden-soffice \
	  $(VENV)/bin/pytest -q -n auto --dist worksteal -m "not libreoffice and not slow" --ignore=tests/test_web_browser.py

# ruff (pyflakes, import order, bugbear, pyupgrade, blind excepts), mypy, and import-linter (the
# layers of docs/developer/architecture.md: no import from a lower layer to a higher one); in pyproject.toml.
# Then the shape tests (seconds): no import cycle, no reach into another module's private names, the
# CLI through the api only, every module named in docs/developer/architecture.md.
lint: install
	$(VENV)/bin/ruff check assembler tests bench tools
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports --no-cache
	$(VENV)/bin/pytest -q -p no:cacheprovider tests/test_layers.py tests/test_architecture_modules.py

# The documentation site (mkdocs.yml, docs/) into site/. --strict: a warning (a broken link or anchor,
# a page missing from the nav, a snippet not found) fails the build. NO_MKDOCS_2_WARNING silences the
# theme's banner on every build: Material for MkDocs is maintained until 2027-05-05, Zensical after it.
docs: install
	NO_MKDOCS_2_WARNING=1 $(VENV)/bin/mkdocs build --strict --quiet

bench: install
	$(PY) bench/run.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) $(DEMO_OUT) dist build site samples/*/out
