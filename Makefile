# Two commands on a fresh Debian/Ubuntu machine:  make run   and   make test
# PYTHON: the interpreter that builds .venv.  TORCH: the PyTorch pins (see README for other platforms).
PYTHON ?= python3
VENV   ?= .venv
TORCH  ?= torch==2.14.1 torchvision==0.29.1
PIP    := $(VENV)/bin/pip
STAMP  := $(VENV)/.installed

.PHONY: run test check venv system-deps bench clean

# Create the venv and install the app (PyTorch first, from the pins above).
$(STAMP): pyproject.toml
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q $(TORCH)
	$(PIP) install -q -e '.[test]'
	touch $(STAMP)

venv: $(STAMP)

# Qt's xcb libraries for a real window (needs root or sudo; skipped when they are present).
system-deps:
	@sh scripts/install-qt-system-deps.sh

run: venv system-deps
	$(VENV)/bin/fcn-studio $(ARGS)

# The whole suite (what CI runs), then the 15 slowest tests.
test: venv
	QT_QPA_PLATFORM=offscreen $(VENV)/bin/python -m pytest -q --durations=15 $(PYTEST_ARGS)

# The quick tier for developers (a few minutes on 2 cores): everything but the tests marked slow
# (ONNX exports, int8 gates, SIGKILL and torchrun, training runs, the wheel build, benchmarks).
check: venv
	QT_QPA_PLATFORM=offscreen $(VENV)/bin/python -m pytest -q -m "not slow" --durations=10 $(PYTEST_ARGS)

bench: venv
	$(VENV)/bin/python -m fcn_studio.benchmarks

clean:
	rm -rf $(VENV) .pytest_cache
