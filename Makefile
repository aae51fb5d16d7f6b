# Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
LMCOR := $(VENV)/bin/lmcor
STAMP := $(VENV)/.installed-stamp

.PHONY: install run test test-fast bench fuzz clean

install: $(STAMP)

# llama-cpp-python compiles from source (about 9 minutes on 2 cores; pip caches the wheel).
$(STAMP): pyproject.toml scripts/llama-cmake-args.sh
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	CMAKE_ARGS="$$(sh scripts/llama-cmake-args.sh)" $(PY) -m pip install --quiet -e '.[test,eval,train]'
	touch $(STAMP)

run: install
	$(LMCOR) fix examples/sample.md

test: install
	$(PY) -m pytest -q

test-fast: install
	$(PY) -m pytest -q -m "not model"

clean:
	rm -rf $(VENV) build *.egg-info

bench: install
	$(LMCOR) bench --threads 1

# Long property-based run of the byte-safety guarantees (several minutes).
fuzz: install
	HYPOTHESIS_PROFILE=fuzz $(PY) -m pytest -q tests/test_properties.py tests/test_segment.py
