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
        if not n or not width:
            return ["[]"] * n
        used = np.unique(chosen.features[chosen.features >= 0]).tolist()
        values = {j: _values([getattr(lead, self._names[j], None) for lead in leads])
                  for j in used}
        weights = np.round(chosen.weights, WEIGHT_DECIMALS)
        columns = []
        for c in range(width):  # one reason slot of every lead at a time
            tails = self._tails["+" if c < width // 2 else "-"]
            columns.append([
                f"{self._heads[j]}{values[j][i]}{tails[j]}{w}}}" if j >= 0 else ""
                for i, (j, w) in enumerate(zip(chosen.features[:, c].tolist(),
                                               column(weights[:, c].tolist()), strict=True))])
        return [f"[{','.join(p for p in row if p)}]" for row in zip(*columns, strict=True)]


def _values(items: list) -> list[str]:
    """JSON text of one feature's values: numbers in one C call, texts memoised (a
    categorical has few levels)."""
    if all(v is None or type(v) in (int, float) for v in items):
        return column(items)
    memo: dict = {}
    return [memo[v] if v in memo else memo.setdefault(v, value(v)) for v in items]
