# The two commands that do all set-up on a fresh machine:
#   make demo   local stack up, train, score, monitor, show a rollback
#   make test   every test against the real Kafka, Redis and MLflow
.PHONY: bootstrap demo test unit lint bench

bootstrap:
	@scripts/bootstrap.sh

demo: bootstrap
	.venv/bin/leadstream demo

test: bootstrap
	.venv/bin/ruff check .
	.venv/bin/pytest

unit: bootstrap
	.venv/bin/pytest tests/unit

lint: bootstrap
	.venv/bin/ruff check .

bench: bootstrap
	.venv/bin/python -m bench.throughput
