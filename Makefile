# Two commands do all the set-up on a fresh machine:
#   make demo   run the suite against the bundled demo APIs (writes reports/)
#   make test   run the whole test suite
# Each says what it installs, and why, before installing it.
VENV ?= .venv
PY := $(VENV)/bin/python
DEMO_ARGS ?=
# Let Python cache bytecode (and pytest its rewritten asserts): start-up is seconds faster.
export PYTHONDONTWRITEBYTECODE :=

.PHONY: demo demo-faulty test bench browser clean

$(VENV)/.installed: pyproject.toml
	@echo "== Installing pytest-conformance (the conformance command and its pytest plugin) into $(VENV) (a Python virtual environment, so nothing else on this machine changes):"
	@echo "   its dependencies schemathesis, hypothesis, pytest, jsonschema, requests, PyYAML, Jinja2 and pytest-xdist."
	@echo "   Once, about 30 s the first time (pip downloads them); later runs skip this step."
	python3 -m venv $(VENV)
	$(PY) -m pip install --upgrade --progress-bar on pip
	$(PY) -m pip install --progress-bar on -e '.[dev]'
	@touch $@
	@echo "== Installed: $(VENV)/bin/conformance and the pytest plugin."

demo: $(VENV)/.installed
	$(VENV)/bin/conformance demo $(DEMO_ARGS)
	@echo "== conformance and its pytest are in $(VENV)/bin: run them by that path, or activate it in each new terminal:"
	@echo "   . $(VENV)/bin/activate"

# Exits 0 when exactly the planted violations fail: that is what this demo is for.
demo-faulty: $(VENV)/.installed
	$(VENV)/bin/conformance demo --faulty $(DEMO_ARGS)

# The browser tests of the HTML report need Chromium. As root with apt-get, it is installed without recommended
# packages, and only where that upgrades nothing already on the machine (apt's own plan is read first and its
# size shown); otherwise those tests skip, each saying why.
browser:
	@if command -v chromium >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  apt-get update -qq >/dev/null 2>&1 || true; \
	  plan=$$(LC_ALL=C apt-get install --no-install-recommends --assume-no chromium 2>/dev/null); \
	  counts=$$(printf '%s\n' "$$plan" | grep -E '^[0-9]+ upgraded'); \
	  size=$$(printf '%s\n' "$$plan" | grep -E '^(Need to get|After this operation)' | tr '\n' ' '); \
	  case "$$counts" in \
	  "0 upgraded, "*) \
	    echo "== Installing Chromium with apt-get --no-install-recommends (as root), for the browser tests of the HTML report:"; \
	    echo "   $$counts"; echo "   $$size"; \
	    if DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends --no-upgrade chromium >/dev/null; \
	    then echo "== Chromium installed."; \
	    else echo "== Chromium could not be installed: the browser tests of the HTML report will be skipped."; fi ;; \
	  *) echo "== Chromium is not installed, and apt-get would upgrade packages already here to install it"; \
	     echo "   ($${counts:-no plan from apt-get}): the browser tests of the HTML report will be skipped (install chromium to run them).";; \
	  esac; \
	else \
	  echo "== Chromium is not installed and this is not root with apt-get: the browser tests of the HTML report"; \
	  echo "   will be skipped (install chromium to run them)."; \
	fi

test: $(VENV)/.installed browser
	@echo "== Running the whole test suite on 2 workers (pytest -n 2): real servers on 127.0.0.1, a few minutes."
	$(PY) -m pytest -n 2

bench: $(VENV)/.installed
	$(PY) bench/run.py
	$(PY) bench/run.py --latency 20
	$(PY) bench/parallel.py
	$(PY) bench/scale.py
	$(PY) bench/bigapi.py --skip-if-absent

clean:
	rm -rf $(VENV) reports/*.json reports/*.html reports/*.sarif
