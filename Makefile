# Two commands do all the set-up on a fresh machine:
#   make demo   run the suite against the bundled demo APIs (writes reports/)
#   make test   run the whole test suite
VENV ?= .venv
PY := $(VENV)/bin/python
# Let Python cache bytecode (and pytest its rewritten asserts): start-up is seconds faster.
export PYTHONDONTWRITEBYTECODE :=

.PHONY: demo demo-faulty test bench browser clean

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	touch $@

demo: $(VENV)/.installed
	$(VENV)/bin/conformance demo

demo-faulty: $(VENV)/.installed
	-$(VENV)/bin/conformance demo --faulty

# The browser test of the HTML report needs Chromium; install it where we may (root with apt), else it skips.
browser:
	@command -v chromium >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 && \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) || \
	  echo "chromium not installed: the browser test of the HTML report will be skipped"; }

test: $(VENV)/.installed browser
	$(PY) -m pytest -n 2

bench: $(VENV)/.installed
	$(PY) bench/run.py
	$(PY) bench/parallel.py
	$(PY) bench/scale.py

clean:
	rm -rf $(VENV) reports/*.json reports/*.html reports/*.sarif
