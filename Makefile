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
	@echo "== Installing conformance into $(VENV) (a Python virtual environment, so nothing else on this machine changes):"
	@echo "   its dependencies schemathesis, hypothesis, pytest, jsonschema, requests, PyYAML, Jinja2 and pytest-xdist."
	@echo "   Once, about 30 s the first time (pip downloads them); later runs skip this step."
	python3 -m venv $(VENV)
	$(PY) -m pip install --upgrade --progress-bar on pip
	$(PY) -m pip install --progress-bar on -e '.[dev]'
	@touch $@
	@echo "== Installed: $(VENV)/bin/conformance and the pytest plugin."

demo: $(VENV)/.installed
	$(VENV)/bin/conformance demo $(DEMO_ARGS)

# Exits 0 when exactly the planted violations fail: that is what this demo is for.
demo-faulty: $(VENV)/.installed
	$(VENV)/bin/conformance demo --faulty $(DEMO_ARGS)

# The browser test of the HTML report needs Chromium; install it where we may (root with apt), else it skips.
browser:
	@if command -v chromium >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  echo "== Installing Chromium with apt-get (as root): the browser tests of the HTML report drive it headless."; \
	  echo "   Once, about a minute; without it those tests are skipped."; \
	  { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium; } || \
	  echo "== Chromium could not be installed: the browser tests of the HTML report will be skipped."; \
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
