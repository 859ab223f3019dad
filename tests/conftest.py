"""Hypothesis profiles: ``default`` (fast, in ``make test``) and ``fuzz`` (``make fuzz``).

Choose one with ``HYPOTHESIS_PROFILE``; the property-based tests carry the ``fuzz`` marker.
``FUZZ_EXAMPLES`` overrides the fuzz profile's examples per target (a shorter long run).
Under the fuzz profile the run ends with one line per target (test, or test and topic):
examples run, failing examples, invalid draws, seconds, examples per second and result.
"""

import os
import re

import pytest
from hypothesis import HealthCheck, settings

_SLOW_OK = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example]
PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "default")

settings.register_profile("default", max_examples=60, deadline=None,
                          suppress_health_check=_SLOW_OK)
settings.register_profile("fuzz", max_examples=int(os.environ.get("FUZZ_EXAMPLES", 100_000)),
                          deadline=None,
                          suppress_health_check=_SLOW_OK, print_blob=True)
settings.load_profile(PROFILE)

_CASES = re.compile(r"(\d+) passing, (\d+) failing, and (\d+) invalid")
_SECONDS = re.compile(r"phase \(([\d.]+) seconds\)")
_FUZZ: dict[str, list] = {}
"""nodeid → [examples, failing, invalid, seconds, result] of each fuzz target run."""


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    report = (yield).get_result()
    if item.get_closest_marker("fuzz") is None or report.when != "call":
        return
    stats = getattr(item, "hypothesis_statistics", "")
    cases = [tuple(map(int, m)) for m in _CASES.findall(stats)]
    _FUZZ[item.nodeid] = [sum(c[0] + c[1] for c in cases), sum(c[1] for c in cases),
                          sum(c[2] for c in cases), sum(map(float, _SECONDS.findall(stats))),
                          report.outcome]


@pytest.hookimpl(trylast=True)  # after hypothesis' statistics: the last thing printed
def pytest_terminal_summary(terminalreporter, exitstatus, config):
    if PROFILE != "fuzz" or not _FUZZ:
        return
    tr = terminalreporter
    tr.section(f"fuzz summary: up to {settings().max_examples:,} examples per target")
    names = {n: n.removeprefix("tests/unit/").replace(".py::", "::") for n in _FUZZ}
    width = max(len(n) for n in names.values())
    tr.write_line(f"{'target':<{width}}  {'examples':>9}  {'failing':>7}  {'invalid':>7}  "
                  f"{'seconds':>8}  {'ex/s':>6}  result")
    for name, (n, failing, invalid, seconds, result) in _FUZZ.items():
        rate = n / seconds if seconds else 0.0
        tr.write_line(f"{names[name]:<{width}}  {n:>9,}  {failing:>7}  {invalid:>7}  "
                      f"{seconds:>8.1f}  {rate:>6.1f}  {result}")
