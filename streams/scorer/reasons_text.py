"""A batch's chosen reasons → one JSON array text per lead, for the ``leads.scored`` record.

Same fast path as the rest of the record (:mod:`streams.json_text`), over the whole batch:
per spec feature the constant parts (name, label, direction) are encoded once per model;
per batch each feature's values and the reasons' weights are formatted once (one C call
per numeric column; the values for the whole batch, shared by every model that explains
it: :class:`LeadValues`; a weight's text memoised per model,
:class:`~streams.json_text.FloatTexts`); the pieces of every reason slot are
then gathered as numpy object arrays (``features`` indexes them) and each lead's array is
one ``str.join``. The value is the lead's attribute as validated at intake (``87``,
``"Google"``, ``null``), not its encoding.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from scoring.reasons import ChosenReasons
from streams.json_text import FloatTexts, column, numeric, quote, value

WEIGHT_DECIMALS = 4


class ReasonsText:
    """Renders one model's reasons; built once per explainer (its spec and labels)."""

    def __init__(self, names: Sequence[str], labels: Sequence[str]):
        self._names = list(names)
        self._weights = FloatTexts()  # a model's rounded weights recur batch after batch
        # a reason is ',' + head + value + tail + weight + '}': the leading comma of a
        # lead's first reason is cut off. Index len(names) is a slot without a reason.
        heads = [f',{{"feature":{quote(n)},"value":' for n in names]
        self._heads = np.array([*heads, ""], dtype=object)
        self._tails = {d: np.array([*(f',"label":{quote(label)},"direction":"{d}","weight":'
                                      for label in labels), ""], dtype=object)
                       for d in "+-"}

    def render(self, leads: Sequence, chosen: ChosenReasons, shared: LeadValues | None = None,
               rows: np.ndarray | None = None) -> list[str]:
        """Per explained lead, the JSON array of its reasons (``[]`` when it has none):
        ``chosen`` has a row per lead of ``leads[rows]`` (``rows`` ``None``: every lead);
        ``shared``: the values of ``leads`` already made as text."""
        n, width = chosen.features.shape
        if not n or not width:
            return ["[]"] * n
        features = chosen.features
        valid = features >= 0
        none = len(self._names)
        slots = np.where(valid, features, none)  # no reason: empty pieces
        shared = shared or LeadValues(leads)
        values = np.full((none + 1, n), "", dtype=object)  # per feature, per lead
        for j in np.unique(features[valid]).tolist():
            column_j = shared.of(self._names[j])
            values[j] = column_j if rows is None else column_j[rows]
        weights = np.full((n, width), "", dtype=object)
        weights[valid] = self._weights.column(
            np.round(chosen.weights[valid], WEIGHT_DECIMALS).tolist())
        ups = width // 2
        tails = np.concatenate([self._tails["+"][slots[:, :ups]],
                                self._tails["-"][slots[:, ups:]]], axis=1)
        pieces = np.empty((n, width, 5), dtype=object)
        pieces[:, :, 0] = self._heads[slots]
        pieces[:, :, 1] = values[slots, np.arange(n)[:, None]]
        pieces[:, :, 2] = tails
        pieces[:, :, 3] = weights
        pieces[:, :, 4] = np.where(valid, "}", "")
        return [f"[{''.join(row)[1:]}]" for row in pieces.reshape(n, width * 5).tolist()]


class LeadValues:
    """A batch's lead attributes as JSON text, per feature, made once per batch for every
    model's reasons (a shadow challenger's reasons name the same leads' values)."""

    def __init__(self, leads: Sequence):
        self._leads = leads
        self._texts: dict[str, np.ndarray] = {}

    def of(self, name: str) -> np.ndarray:
        """Per lead of the batch, its ``name`` value's JSON text (``null``: none)."""
        texts = self._texts.get(name)
        if texts is None:
            texts = np.empty(len(self._leads), dtype=object)
            texts[:] = _values([getattr(lead, name, None) for lead in self._leads])
            self._texts[name] = texts
        return texts


def _values(items: list) -> list[str]:
    """JSON text of one feature's values: numbers in one C call, texts memoised (a
    categorical has few levels)."""
    if numeric(items):
        return column(items)
    memo: dict = {}
    return [memo[v] if v in memo else memo.setdefault(v, value(v)) for v in items]
