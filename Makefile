# mlxchat: `make demo` shows the main job, `make test` runs every check.
# Both create .venv on first use; re-running is fast when nothing changed (a stamp file
# remembers the inputs of the last install).

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
UNAME  := $(shell uname -s)

ifeq ($(UNAME),Linux)
# No Metal on Linux: MLX runs on its CPU backend. A plain install of mlx-openai-server pulls
# the CUDA build of MLX and GBs of CUDA torch, so install a pinned CPU set without resolving.
SERVER_REQS := requirements/servers-linux.txt
define install_servers
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet --no-deps -r $(SERVER_REQS)
endef
# mlx-openai-server's multimodal mode fails every image request with that MLX; the set that works
# (MLX 0.31.1) lives in a second environment layered over .venv, so .venv keeps its pins: .venv-mm
# holds only the five packages of its requirements file, and a .pth file puts .venv's site-packages
# after its own for everything else. Rebuilt from scratch whenever either environment's pins change.
MM_VENV  := .venv-mm
MM_REQS  := requirements/servers-multimodal-linux.txt
MM_STAMP := $(MM_VENV)/.installed
SITE     := import sysconfig; print(sysconfig.get_path("purelib"))
else
SERVER_REQS := requirements/servers-macos.txt
define install_servers
	$(BIN)/pip install --quiet -r $(SERVER_REQS)
endef
endif

# llama.cpp's llama-server for the real-server tests, built from the llama-cpp-python sdist on PyPI
# into a cache outside the checkout (keyed by the sdist version in the script). The first build takes
# about 20 minutes on two cores; after that the file exists and make never rebuilds it.
LLAMA_VERSION := $(shell sed -n 's/^SDIST_VERSION = "\(.*\)"/\1/p' tools/build_llama_server.py)
LLAMA_SERVER  := $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/mlxchat-build/llama-server-$(LLAMA_VERSION)/llama-server

.PHONY: test lint typecheck pytest demo bench completions clean install llama-server

install: $(STAMP) $(MM_STAMP)

llama-server: $(LLAMA_SERVER)

$(LLAMA_SERVER): | $(STAMP)
	nice $(BIN)/python tools/build_llama_server.py

$(STAMP): pyproject.toml $(SERVER_REQS)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(install_servers)
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

ifdef MM_STAMP
$(MM_STAMP): $(STAMP) $(MM_REQS)
	rm -rf $(MM_VENV)
	$(BIN)/python -m venv $(MM_VENV)
	$(MM_VENV)/bin/pip install --quiet --no-deps -r $(MM_REQS)
	$(BIN)/python -c '$(SITE)' > "$$($(MM_VENV)/bin/python -c '$(SITE)')/zz-base-venv.pth"
	touch $(MM_STAMP)
endif

test: $(STAMP) lint typecheck pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP) $(MM_STAMP) $(LLAMA_SERVER)
	$(BIN)/pytest

demo: $(STAMP)
	bash tools/demo.sh

bench: $(STAMP)
	$(BIN)/python -m benchmarks.run

completions: $(STAMP)
	$(BIN)/python tools/make_completions.py

clean:
	rm -rf $(VENV) $(MM_VENV) .mypy_cache .pytest_cache .ruff_cache build *.egg-info
