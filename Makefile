# The README's commands. `make install` builds .venv; `make test` and `make demo` use it.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
# TF 2.15 and dm-reverb 0.14.0 publish wheels for CPython 3.9-3.11 only.
PYTHON_CANDIDATES := python3.11 python3.10 python3.9

.PHONY: install test demo bench clean

install: $(VENV)/.installed

$(VENV)/.installed: setup.cfg pyproject.toml
	@py=""; for p in $(PYTHON_CANDIDATES); do \
	  if $$p -c 'import sys; assert (3, 9) <= sys.version_info[:2] <= (3, 11)' >/dev/null 2>&1; then py=$$p; break; fi; \
	done; \
	if [ -z "$$py" ]; then \
	  echo "error: tfrainbow needs python3.11, 3.10 or 3.9 on PATH: TensorFlow 2.15 and dm-reverb 0.14.0 ship wheels only for CPython 3.9-3.11." >&2; exit 1; \
	fi; \
	echo "Creating $(VENV) with $$py"; \
	[ -x $(PY) ] || $$py -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip setuptools wheel
	$(PY) -m pip install --quiet -e '.[test,ray]'
	@touch $@

# Reverb 0.14's server always listens on all interfaces ([::]:port). Tests therefore run in a
# private network namespace that has only loopback, where the machine allows one.
test: install
	@if unshare -n true 2>/dev/null && command -v ip >/dev/null; then \
	  unshare -n sh -c 'ip link set lo up && exec $(PY) -m pytest -q'; \
	else \
	  echo "note: no private network namespace here (unshare -n); test Reverb servers listen on all interfaces."; \
	  $(PY) -m pytest -q; \
	fi

# Each demo trains into a fresh run directory; earlier runs are never touched.
ifndef DEMO_DIR
DEMO_DIR := runs/cartpole-$(shell date +%Y%m%d-%H%M%S)
endif

# The export is evaluated on 100 more episodes (seeds 10,000-10,099: no training or
# periodic evaluation episode used them); the last lines say what the run took.
demo: install
	$(PY) -m binaries.train_rainbow --gin_file=gin/rainbow/cartpole.gin --root_dir=$(DEMO_DIR)
	$(PY) -m binaries.evaluate --policy_dir=$(DEMO_DIR)/policy --num_episodes=100
	$(PY) -m binaries.plot --output=$(DEMO_DIR)/returns.png $(DEMO_DIR)
	@$(PY) -m binaries.summary --root_dir=$(DEMO_DIR)

# The same-work peer: Dopamine's JAX full Rainbow in its own environment (dopamine-rl 4.1.2
# needs TensorFlow >= 2.18 through tf-keras, which cannot share .venv's 2.15). Its train step
# needs jax, flax and optax; its atari_lib's baselines, legacy gym and OpenCV imports get empty
# stand-ins (benchmarks/peers/dopamine_rainbow.py). Versions: those measured in issue 20.
DOPAMINE := runs/peers/dopamine
$(DOPAMINE)/.installed: install
	@[ -x $(DOPAMINE)/bin/python ] || $(PY) -m venv $(DOPAMINE)
	$(DOPAMINE)/bin/python -m pip install --quiet --upgrade pip
	$(DOPAMINE)/bin/python -m pip install --quiet --no-deps dopamine-rl==4.1.2
	$(DOPAMINE)/bin/python -m pip install --quiet jax==0.4.30 jaxlib==0.4.30 flax==0.8.5 \
	  optax==0.2.3 tensorflow-probability==0.24.0 tensorflow-cpu==2.18.1 tf-keras==2.18.0 "numpy<2" \
	  gin-config absl-py gymnasium ale-py
	@touch $@

# The peer that does less work: TF-Agents' C51, in its own environment with .venv's TensorFlow
# (tf-agents 0.19 pins typing-extensions 4.5.0 and gym <= 0.23, which .venv's gymnasium 1.x
# and grpcio cannot share). Versions: those measured in issue 20.
TF_AGENTS := runs/peers/tf_agents
$(TF_AGENTS)/.installed: install
	@[ -x $(TF_AGENTS)/bin/python ] || $(PY) -m venv $(TF_AGENTS)
	$(TF_AGENTS)/bin/python -m pip install --quiet --upgrade pip
	$(TF_AGENTS)/bin/python -m pip install --quiet tensorflow==2.15.1 tensorflow-probability==0.23.0 \
	  tf-agents==0.19.0 gym==0.23.0 "numpy<2"
	@touch $@

# Side-by-side speed (scripts, not tests); each peer runs in its own environment.
bench: install $(DOPAMINE)/.installed $(TF_AGENTS)/.installed
	$(PY) benchmarks/learner_throughput.py --network=mlp --rounds=3 --steps=160 --out=runs/bench-learner-mlp.json
	$(PY) benchmarks/learner_throughput.py --network=cnn --rounds=3 --steps=24 --out=runs/bench-learner-cnn.json
	$(PY) benchmarks/learner_throughput.py --network=minatar --rounds=3 --steps=100 --out=runs/bench-learner-minatar.json
	$(PY) benchmarks/pipeline_throughput.py --env_steps=3000 --updates=1000 --impala_env_steps=200000 --raw_seconds=10 --out=runs/bench-pipeline.json
	$(PY) benchmarks/jit_compile.py --network=mlp --rounds=3 --steps=100

clean:
	rm -rf $(VENV) *.egg-info
