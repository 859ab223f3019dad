"""A batch's chosen reasons → one JSON array text per lead, for the ``leads.scored`` record.

Same fast path as the rest of the record (:mod:`streams.json_text`): per spec feature the
constant parts (name, label, direction) are encoded once per model; per lead only the
lead's own values and the weights are formatted. The value is the lead's attribute as
validated at intake (``87``, ``"Google"``, ``null``), not its encoding.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from schemas.leads import IncomingLead
from scoring.reasons import ChosenReasons
from streams.json_text import column, quote, value

WEIGHT_DECIMALS = 4


class ReasonsText:
    """Renders one model's reasons; built once per explainer (its spec and labels)."""

    def __init__(self, names: Sequence[str], labels: Sequence[str]):
        self._names = list(names)
        self._heads = [f'{{"feature":{quote(n)},"value":' for n in names]
        self._tails = {d: [f',"label":{quote(label)},"direction":"{d}","weight":'
                           for label in labels] for d in "+-"}

    def render(self, leads: Sequence[IncomingLead], chosen: ChosenReasons) -> list[str]:
        """Per lead, the JSON array of its reasons (``[]`` when it has none)."""
        n, width = chosen.features.shape
        k = width // 2
        features = chosen.features.tolist()
        weights = column(np.round(chosen.weights, WEIGHT_DECIMALS).ravel().tolist())
        heads, names, up, down = self._heads, self._names, self._tails["+"], self._tails["-"]
        out = []
        for i in range(n):
            lead, row, base = leads[i], features[i], i * width
            parts = [f"{heads[j]}{value(getattr(lead, names[j], None))}"
                     f"{(up if c < k else down)[j]}{weights[base + c]}}}"
                     for c, j in enumerate(row) if j >= 0]
            out.append(f"[{','.join(parts)}]")
        return out
