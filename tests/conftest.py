"""Hypothesis profiles: ``default`` (fast, in ``make test``) and ``fuzz`` (``make fuzz``).

Choose one with ``HYPOTHESIS_PROFILE``; the property-based tests carry the ``fuzz`` marker.
``FUZZ_EXAMPLES`` overrides the fuzz profile's examples per target (a shorter long run).
"""

import os

from hypothesis import HealthCheck, settings

_SLOW_OK = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example]

settings.register_profile("default", max_examples=60, deadline=None,
                          suppress_health_check=_SLOW_OK)
settings.register_profile("fuzz", max_examples=int(os.environ.get("FUZZ_EXAMPLES", 100_000)),
                          deadline=None,
                          suppress_health_check=_SLOW_OK, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))
