# One command for each job, on a fresh machine:
#   make dashboard   serve the Voilà dashboard on 127.0.0.1
#   make test        run every test (installs Chromium for the browser tests)
# Both create the virtual environment .venv first if it is missing.

VENV ?= .venv
PY := $(VENV)/bin/python
# A CPU build of torch; a bare `torch` requirement would pull a multi-GB CUDA build.
TORCH ?= torch==2.13.0

.PHONY: install chromium test lint dashboard demo bench clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet "$(TORCH)"
	$(PY) -m pip install --quiet -e ".[test]"
	touch $@

chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "Installing Debian's chromium for the browser tests"; \
	  apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium; }

test: install chromium
	$(PY) -m pytest

lint: install
	$(VENV)/bin/ruff check mlp_widgets tests benchmarks

dashboard: install
	$(VENV)/bin/mlp-widgets dashboard

demo: install
	$(VENV)/bin/mlp-widgets demo

bench: install
	for script in benchmarks/bench_*.py; do $(PY) $$script || exit 1; done

clean:
	rm -rf $(VENV) .pytest_cache
