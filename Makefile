# The two commands that do all set-up on a fresh machine:
#   make demo   local stack up, train, score, monitor, show a rollback
#   make test   every test against the real Kafka, Redis and MLflow
.PHONY: bootstrap demo test unit integration cluster lint bench bench-scale soak mutate fuzz stack-up stack-down \
	docs docs-ref tutorials lock

bootstrap:
	@scripts/bootstrap.sh

demo: bootstrap
	.venv/bin/leadstream demo

test: bootstrap
	.venv/bin/ruff check .
	.venv/bin/pytest

unit: bootstrap
	.venv/bin/pytest tests/unit

integration: bootstrap
	.venv/bin/pytest tests/integration

# Chaos on a 3-node KRaft cluster: scale-out (tests/integration/test_cluster.py, also in
# `make test`: ~3.5 min) and the score history's chaos tests on the cluster
# (test_history_exact.py's [cluster] variants, marked `extended`: not in `make test`, for CI
# time; ~20 s of calls). 3 min 27 s in all at load ~4. `make bench-scale`: 1, 2 and 3
# scorers on that cluster (bench/README.md).
cluster: bootstrap
	.venv/bin/pytest -m cluster tests/integration/test_cluster.py tests/integration/test_history_exact.py

bench-scale: bootstrap
	.venv/bin/python -m bench.scale_out

stack-up: bootstrap
	.venv/bin/leadstream stack up

stack-down:
	.venv/bin/leadstream stack down

# The documentation site (mkdocs.yml, docs/). `make test` builds it with --strict
# (tests/unit/test_docs.py) and runs the tutorials' bash blocks (tests/integration/
# test_tutorials.py, ~5 min). `make docs-ref` regenerates docs/reference/{cli,settings,
# topics,metrics}.md from the code; a test fails while the committed pages are stale.
docs: bootstrap
	NO_MKDOCS_2_WARNING=1 .venv/bin/mkdocs build --strict

docs-ref: bootstrap
	.venv/bin/python scripts/docs_ref.py

tutorials: bootstrap
	.venv/bin/pytest -m tutorials tests/integration/test_tutorials.py

# requirements.lock pins every dependency (direct and transitive) of the dev and dashboard
# extras for Python 3.11+; bootstrap and CI install with it. `make lock` resolves the ranges
# of pyproject.toml again to the newest versions (uv, universal markers); commit the result.
lock: bootstrap
	.venv/bin/uv pip compile pyproject.toml --extra dev --extra dashboard --python-version 3.11 \
		--universal --upgrade --custom-compile-command "make lock" -o requirements.lock

lint: bootstrap
	.venv/bin/ruff check .

# Every variant drained in 3 interleaved rounds (medians; ratios flagged when a side's rounds
# spread > 20 %), then the latency phases: ~10 min on a quiet 2-core machine (bench/README.md).
bench: bootstrap
	.venv/bin/python -m bench.throughput

# Soaks of automatic canary progression (A/A, A/A', worse, better) on a stack of its own
# (Kafka 17092, Redis 17379): ~15 min at SOAK_RUNS=2 (runs per arm); see bench/README.md.
soak: bootstrap
	.venv/bin/python -m bench.aa_soak

# Mutation testing of the pure core: slow (see tests/MUTANTS.md), so not part of `make test`.
mutate: bootstrap
	scripts/mutate.sh

# Generated hostile input, long: >= 100,000 examples per target (whole records: key, value,
# headers, timestamp, on every consumed topic); ends with a table per target (examples run,
# failing, seconds, result). ~4 CPU-hours in all (25 targets at ~25-700 examples/s; the
# scorer's batch step is the slowest, ~75 min). FUZZ_EXAMPLES=2000 make fuzz: a shorter run;
# FUZZ_PATHS=tests/unit/streams/sink make fuzz: a slice; FUZZ='-k outcomes': pytest arguments.
# Failing examples are kept in .hypothesis/examples (not pytest's cache) and replayed first.
FUZZ_PATHS ?= tests/unit
fuzz: bootstrap
	HYPOTHESIS_PROFILE=fuzz .venv/bin/pytest -p no:cacheprovider -m fuzz --timeout=0 \
		--hypothesis-show-statistics -q $(FUZZ_PATHS) $(FUZZ)
