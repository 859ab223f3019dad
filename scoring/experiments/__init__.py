"""Experiment statistics: SRM, lift, fixed-horizon and sequential tests tuned to an MDE
(``bounded``: valid up to a planned horizon, the default; ``sequential``: the open-ended
mSPRT), reports,
and a canary's automatic progression (``policy``: its TOML; ``progression``: the pure decision;
``progress_evidence`` / ``progress_view``: its input and what the report shows), and a shadow
challenger's quality beside the champion's on the same leads (``shadow_quality``, imports
scipy: not re-exported here) and its promotion on those labels (``shadow_progression``).

Pure functions on counts (frozen dataclasses in, frozen dataclasses out); the Kafka and
Redis side lives in ``streams``. scipy is imported on first use, inside the functions that
need it: the scorer imports this package (``shadow``) and must not pay for scipy.
"""

from scoring.experiments.counts import ArmCounts, ArmTally, OutcomeApplied, apply_outcome
from scoring.experiments.fixed_horizon import FixedHorizonResult, fixed_horizon_test
from scoring.experiments.intervals import Interval
from scoring.experiments.lift import Lift, lift
from scoring.experiments.report import (
    DecisionPolicy,
    ExperimentContext,
    build_report,
    recommend,
    state_from_report,
)
from scoring.experiments.sequential import (
    DEFAULT_TAU2,
    SequentialState,
    sequential_look,
    treatment_below_control,
)
from scoring.experiments.srm import SRM_ALPHA, SrmResult, sample_ratio_mismatch
from scoring.experiments.tuning import DEFAULT_MDE, mixing_variance

__all__ = [
    "DEFAULT_MDE",
    "DEFAULT_TAU2",
    "SRM_ALPHA",
    "ArmCounts",
    "ArmTally",
    "DecisionPolicy",
    "ExperimentContext",
    "FixedHorizonResult",
    "Interval",
    "Lift",
    "OutcomeApplied",
    "SequentialState",
    "SrmResult",
    "apply_outcome",
    "build_report",
    "fixed_horizon_test",
    "lift",
    "mixing_variance",
    "recommend",
    "sample_ratio_mismatch",
    "sequential_look",
    "state_from_report",
    "treatment_below_control",
]
