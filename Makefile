# pdpacket: `make demo` and `make test` work on a fresh Debian machine as root.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
# python3-uno: LibreOffice is kept running and driven over UNO by a client in the system python3
# (assembler/convert/warm.py); without it every conversion starts LibreOffice anew.
# fonts-liberation2: the page stamps' font (embedded); colord-data: the sRGB profile of a PDF/A filing.
APT_PACKAGES := python3 python3-venv libreoffice-writer-nogui python3-uno fonts-liberation2 fonts-crosextra-carlito fonts-crosextra-caladea fonts-dejavu-core poppler-utils qpdf chromium colord-data
DEMO_OUT ?= demo-out

.PHONY: install system-deps venv demo test test-fast lint bench clean

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
	$(PY) -m pip install -q -e '.[test,lint]'
	touch $@

venv: $(VENV)/.installed

demo: install
	@rm -rf $(DEMO_OUT)
	@set -e; mkdir -p $(DEMO_OUT); export PDPACKET_LEDGER=$(CURDIR)/$(DEMO_OUT)/pdpacket.db; \
	for c in samples/*/; do \
	  name=$$(basename $$c); \
	  $(VENV)/bin/pdpacket validate $$c >/dev/null; \
	  $(VENV)/bin/pdpacket build -q $$c -o $(DEMO_OUT)/$$name; \
	done
	@echo; echo "Sample filings (with their Word copies in docx/ and manifest.json beside them):"
	@ls -1 $(CURDIR)/$(DEMO_OUT)/*/*.pdf

# The browser tests drive a web app that, in use, is a process of its own: they run in a
# pytest process of their own too, away from the state other tests leave in theirs.
test: install
	$(VENV)/bin/pytest -q --ignore=tests/test_web_browser.py
	$(VENV)/bin/pytest -q tests/test_web_browser.py

# The tests that start neither LibreOffice nor a wheel build, in seconds. PDPACKET_SOFFICE
# points at a stand-in that fails: a LibreOffice test left without its marker fails loudly.
test-fast: install
	PDPACKET_SOFFICE=$(CURDIR)/tests/fakes/forbidden-soffice $(VENV)/bin/pytest -q -m "not libreoffice and not slow"

# ruff (pyflakes, import order, bugbear, pyupgrade, blind excepts) and mypy; configured in pyproject.toml.
lint: install
	$(VENV)/bin/ruff check assembler tests bench tools
	$(VENV)/bin/mypy

bench: install
	$(PY) bench/run.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) $(DEMO_OUT) dist build samples/*/out
