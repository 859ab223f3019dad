"""Support of the canary progression's real-stack runs (the integration test and
``bench.aa_soak``): small models, the audit topic read back, the audit trail as text."""

from __future__ import annotations

import numpy as np

from schemas.control import AuditEntry
from schemas.spec import load_spec
from scoring.features import FeatureEncoder
from scoring.synthetic import SyntheticCRM
from scoring.training import TrainConfig, train_model
from streams.settings import Settings
from tests.integration.helpers import read_topic


def train_small(rows: int, seed: int, shuffle: bool = False, model_seed: int | None = None):
    """A small model on ``rows`` leads of ``SyntheticCRM(seed)``, trained with ``model_seed``
    (default ``seed``); ``shuffle``: on permuted labels."""
    frame, spec = SyntheticCRM(seed).leads(rows), load_spec()
    if shuffle:  # labels that say nothing: a model that ranks leads at random
        frame[spec.target] = np.random.default_rng(seed).permutation(
            frame[spec.target].to_numpy())
    config = TrainConfig(seed=seed if model_seed is None else model_seed, num_boost_round=40,
                         early_stopping_rounds=10, nthread=1)
    return train_model(frame, spec, config)


def truth_corr(trained) -> float:
    """Correlation of the model's scores with the simulator's true probabilities."""
    frame, p = SyntheticCRM(99).leads_with_truth(5000, None)
    spec = trained.spec
    x = FeatureEncoder(spec).encode_columns({f.name: frame[f.name].tolist()
                                             for f in spec.features}, len(frame)).matrix
    return float(np.corrcoef(trained.booster.inplace_predict(x), p)[0, 1])


def audit_entries(s: Settings) -> list[AuditEntry]:
    """Every committed entry of ``models.audit``."""
    return [AuditEntry.model_validate_json(r.value)
            for r in read_topic(s, s.topic_models_audit, 30)]


def audit_trail(entries: list[AuditEntry]) -> str:
    """The entries as text, each with its reason and evidence."""
    lines = []
    for e in entries:
        before = f"{e.before.mode.value} {e.before.treatment_share:.0%}" if e.before else "-"
        after = f"{e.after.mode.value} {e.after.treatment_share:.0%}"
        ev = e.evidence
        facts = "" if not ev else (
            f"\n    evidence: window_end_ms={ev['window_end_ms']} "
            f"control {ev['control_conversions']}/{ev['control_outcomes']} "
            f"treatment {ev['treatment_conversions']}/{ev['treatment_outcomes']} "
            f"(served {ev['treatment_assigned']}), sequential p={ev['p_value']:.3g}, "
            f"always-valid CI [{_f(ev['lower'])}, {_f(ev['upper'])}], "
            f"SRM {'ok' if ev['srm_ok'] else 'MISMATCH'} p={ev['srm_p_value']:.3g}"
            f"{'' if ev['srm_checked'] else ' (not checked past step 1)'}; "
            + ", ".join(f"{k.removeprefix('guardrail.')}={v}{_value(ev, k)}"
                        for k, v in sorted(ev.items()) if k.startswith("guardrail.")))
        lines.append(f"seq {e.sequence} {e.at.isoformat(timespec='seconds')} {e.action} by "
                     f"{e.actor}: {before} -> {after}, champion v{e.after.champion_version}"
                     f"\n    reason: {e.reason}{facts}")
    return "\n".join(lines)


def _value(ev: dict, key: str) -> str:
    v = ev.get(f"value.{key.removeprefix('guardrail.')}")
    return f" ({v:.3g})" if isinstance(v, int | float) else ""


def _f(x) -> str:
    return "-" if x is None else f"{x:+.4f}"
