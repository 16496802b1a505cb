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
DEV_STAMP := $(VENV)/.gradlab-dev-installed
NBVAL := --nbval --nbval-current-env --nbval-sanitize-with tests/sanitize.cfg
# What `make unit` leaves out: notebooks run in kernels, the browser, builds and installs.
UNIT := -m "not slow" --ignore=tests/project/test_browser.py \
	--ignore=tests/project/test_notebooks.py

.PHONY: lab test unit lint notebooks bench site install install-dev course-deps system-deps \
	check-install clean

$(BIN)/python:
	@bash scripts/system_deps.sh python
	$(PYTHON) -m venv $(VENV)

# A learner's set-up: torch (CPU build where TORCH_INDEX_URL says), then gradlab[course].
$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet --upgrade pip setuptools
	$(BIN)/python -m pip install --quiet torch==$(TORCH_VERSION) $(if $(TORCH_INDEX_URL),--index-url $(TORCH_INDEX_URL),)
	$(BIN)/python -m pip install --quiet --no-build-isolation -e ".[course]"
	touch $(STAMP)

# A contributor's tools on top: the test runners, linters and jupytext.
$(DEV_STAMP): $(STAMP) requirements-test.txt
	$(BIN)/python -m pip install --quiet -r requirements-test.txt
	touch $(DEV_STAMP)

# The system programs: `dot` for every graph; chromium only for the browser test.
system-deps:
	@bash scripts/system_deps.sh dot chromium

course-deps:
	@bash scripts/system_deps.sh dot

install: course-deps $(STAMP)

install-dev: system-deps $(DEV_STAMP)

check-install:
	@$(if $(wildcard $(BIN)/python),$(BIN)/python,$(PYTHON)) gradlab/install_check.py

lab: install
	$(BIN)/jupyter trust notebooks/*.ipynb
	$(BIN)/jupyter lab --ip=127.0.0.1 --port=$(LAB_PORT) $(ROOT_FLAG) notebooks/00_start_here.ipynb

# TORCH_INDEX_URL reaches tests/project/test_wheel.py, which installs that torch in a fresh venv.
test: install-dev
	TORCH_INDEX_URL=$(TORCH_INDEX_URL) $(BIN)/python -m pytest -n 2 --dist loadfile $(NBVAL) tests notebooks

unit: course-deps $(DEV_STAMP)
	$(BIN)/python -m pytest -q -n 2 --dist loadfile $(UNIT) tests

lint: $(DEV_STAMP)
	$(BIN)/python -m ruff check gradlab benchmarks tests scripts
	$(BIN)/python -m mypy --strict gradlab

notebooks: course-deps $(DEV_STAMP)
	$(BIN)/python scripts/build_notebooks.py

site: install
	$(BIN)/python scripts/build_site.py site

bench: install-dev
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
