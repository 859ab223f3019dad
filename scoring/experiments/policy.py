"""An experiment's progression policy: canary steps, dwell, guardrails, verdict, gates.

Written in TOML (``leadstream experiment start --policy policy.toml``), every key optional
(the defaults below), parsed into a frozen :class:`ProgressionPolicy`::

    [canary]
    steps = [5, 10, 25, 50]   # treatment share in percent, strictly ascending, 0 < s <= 100
    min_windows = 3           # closed monitor windows at a step before it may advance
    min_samples = 200         # leads the challenger served at the step before it may advance
    max_windows = 120         # windows in all: then an undecided canary stops (keep_control)

    [guardrails]
    healthy = []              # names that must be HEALTHY to advance; [] = every guardrail

    [verdict]
    alpha = 0.05              # the always-valid test's level
    margin = 0.01             # promote when treatment is not worse than control by more
                              # than this (absolute conversion rate), or better
    min_outcomes_per_arm = 200
    test = "bounded"          # or "msprt"; unset: LEADSTREAM_EXPERIMENT_TEST. "bounded"
                              # stops (keep control) at its horizon, n* of the MDE

    [shadow]                  # a shadow run (experiment start --mode shadow --policy ...)
    promote = false           # may a shadow challenger be promoted on its labels?
    min_labels = 500          # labelled leads scored by both models before reading the test
    auc_margin = 0.0          # promote when the paired DeLong interval of AUC(challenger) -
                              # AUC(champion) at level 1 - alpha lies above -auc_margin
                              # (0: only a challenger that ranks significantly better)

    [[webhook]]               # optional gates (confirm-promotion, as Flagger's)
    name = "release-desk"
    url = "http://127.0.0.1:8080/confirm"
    on = ["promote"]          # "advance" and/or "promote"
    timeout_s = 5.0

A webhook gates the actions it is ``on``: POSTed the decision, a 2xx answer lets it go;
anything else (refusal, timeout, no answer) holds the canary at its step, never promotes.
A shadow run uses ``[shadow]``, ``alpha``, ``max_windows``, the guardrails and the
``promote`` webhooks (:mod:`scoring.experiments.shadow_progression`).
"""

from __future__ import annotations

import tomllib

from pydantic import ValidationError

from schemas.errors import FatalError
from schemas.policy import ProgressionPolicy, WebhookGate

__all__ = ["ProgressionPolicy", "WebhookGate", "parse_policy"]

_SECTIONS = {"canary": ("steps", "min_windows", "min_samples", "max_windows"),
             "guardrails": ("healthy",),
             "verdict": ("alpha", "margin", "min_outcomes_per_arm", "test"),
             "shadow": ("promote", "min_labels", "auc_margin")}
_FIELDS = {("shadow", "promote"): "shadow_promote"}


def parse_policy(text: str) -> ProgressionPolicy:
    """The policy of a TOML document (steps in percent); a bad one is a :class:`FatalError`
    that says which key is wrong."""
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise FatalError(f"policy is not valid TOML: {exc}") from exc
    fields: dict[str, object] = {}
    for section, keys in _SECTIONS.items():
        table = doc.pop(section, {})
        if not isinstance(table, dict) or set(table) - set(keys):
            raise FatalError(f"policy [{section}] takes only {', '.join(keys)}")
        fields.update({_FIELDS.get((section, k), k): v for k, v in table.items()})
    fields["webhooks"] = doc.pop("webhook", [])
    if doc:
        raise FatalError(f"policy: unknown section(s) {', '.join(sorted(doc))} (expected "
                         "[canary], [guardrails], [verdict], [shadow], [[webhook]])")
    if "steps" in fields:
        steps = fields["steps"]
        if not isinstance(steps, list) or not all(isinstance(s, int | float) for s in steps):
            raise FatalError("policy [canary] steps must be a list of percentages")
        fields["steps"] = tuple(round(float(s) / 100.0, 6) for s in steps)
    try:
        return ProgressionPolicy.model_validate(fields)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise FatalError(f"policy {where}: {first['msg']}") from exc
