#!/usr/bin/env bash
# `make mutate`: mutation testing of the pure core (scoring/, monitors/, schemas/) with
# mutmut, configured in pyproject.toml ([tool.mutmut]); tests/MUTANTS.md has the scope,
# the last scores and the equivalent survivors. Prints the score per package and the
# surviving mutants (scripts/mutation_report.py).
#
# mutmut keeps its results in mutants/ and re-tests only what changed since the last run;
# MUTATE_FRESH=1 starts over. A new test does not re-open a verdict by itself: after adding
# tests, MUTATE_RETEST=1 re-runs just the current survivors (those not in tests/MUTANTS.md).
# MUTATE_JOBS sets the parallel children (default: 2).
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${VENV:-.venv}

# mutmut forks one child per mutant from a parent that has already run the tests: an
# OpenMP (xgboost) or BLAS thread pool started in the parent deadlocks in the children.
export OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1

if [ "${MUTATE_FRESH:-0}" = 1 ]; then rm -rf mutants; fi
start=$(date +%s)
names=()
if [ "${MUTATE_RETEST:-0}" = 1 ]; then
  mapfile -t names < <("$VENV/bin/python" scripts/mutation_report.py --names)
  echo "re-testing ${#names[@]} surviving mutants"
fi
"$VENV/bin/mutmut" run --max-children "${MUTATE_JOBS:-2}" "${names[@]}"
echo "mutmut run: $(( $(date +%s) - start )) s"
"$VENV/bin/python" scripts/mutation_report.py
