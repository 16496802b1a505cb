# gradlab course: `make lab` opens the course, `make test` runs every test.
SHELL := /bin/bash
.DEFAULT_GOAL := lab

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
TORCH_VERSION ?= 2.13.0
# Leave empty to use pip's own configuration; elsewhere set it to PyTorch's CPU wheel index
# (see README) so pip does not pull several GB of CUDA packages.
TORCH_INDEX_URL ?=
LAB_PORT ?= 8888
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root,)
STAMP := $(VENV)/.gradlab-installed
NBVAL := --nbval --nbval-current-env --nbval-sanitize-with tests/sanitize.cfg

.PHONY: lab test bench site install system-deps check-install clean

$(BIN)/python:
	@bash scripts/system_deps.sh python
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(BIN)/python pyproject.toml requirements.txt requirements-test.txt
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet torch==$(TORCH_VERSION) $(if $(TORCH_INDEX_URL),--index-url $(TORCH_INDEX_URL),)
	$(BIN)/python -m pip install --quiet -r requirements.txt -r requirements-test.txt
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $(STAMP)

system-deps:
	@bash scripts/system_deps.sh dot chromium

install: system-deps $(STAMP)

check-install:
	@$(if $(wildcard $(BIN)/python),$(BIN)/python,$(PYTHON)) gradlab/install_check.py

lab: install
	$(BIN)/jupyter trust notebooks/*.ipynb
	$(BIN)/jupyter lab --ip=127.0.0.1 --port=$(LAB_PORT) $(ROOT_FLAG) notebooks/00_start_here.ipynb

test: install
	$(BIN)/python -m pytest -n 2 --dist loadfile $(NBVAL) tests notebooks

site: install
	$(BIN)/python scripts/build_site.py site

bench: install
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
