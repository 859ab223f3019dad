"""Attributes a live lead event carries that its spec does not know: counted, never silent.

A CRM may send more than the model uses, so an unknown attribute is no reason to reject
an event; but a misspelled feature (``emp-var-rate`` for ``emp.var.rate``'s feature) is
scored as missing, and only a count per name shows it. The names are the lead's input:
each is sanitised (:func:`attribute_label`: at most ``MAX_LABEL_CHARS`` characters of
``A-Z a-z 0-9 _ . -``, anything else as ``?``) before it becomes a metric label, a
monitor-sample key or a log word, and an :class:`UnknownAttributes` tracks at most
``MAX_NAMES`` distinct labels per process; later ones count as :data:`OTHER`. Values
are never read.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Iterable, Mapping

from schemas.monitor import MAX_UNKNOWN_NAMES, UNKNOWN_OTHER

MAX_NAMES = MAX_UNKNOWN_NAMES
"""Distinct unknown attribute names tracked (metric labels, sample keys, warnings)."""
MAX_LABEL_CHARS = 64
OTHER = UNKNOWN_OTHER
"""Every unknown name beyond the first ``MAX_NAMES``."""
_UNSAFE = re.compile(r"[^A-Za-z0-9_.\-]")
log = logging.getLogger(__name__)


def attribute_label(name: str) -> str:
    """``name`` fit for a label or a log line: safe characters only, at most
    ``MAX_LABEL_CHARS`` (a cut name ends in ``~``); never empty, never :data:`OTHER`."""
    text = _UNSAFE.sub("?", name[:MAX_LABEL_CHARS + 1])
    if len(text) > MAX_LABEL_CHARS:
        text = text[:MAX_LABEL_CHARS - 1] + "~"
    return "?" + text if not text or text == OTHER else text


def unknown_names(extra: Mapping[str, object] | None, known: frozenset[str]) -> Iterable[str]:
    """The keys of an event's attributes its spec did not read (``known``: every name a
    field is accepted under, which an alias sent twice also lands in)."""
    return [k for k in extra if k not in known] if extra else ()


class UnknownAttributes:
    """One process's bounded view of unknown names: labels, and which are new per model."""

    def __init__(self, max_names: int = MAX_NAMES):
        self._max = max_names
        self._labels: set[str] = set()
        self._warned: set[tuple[str, str]] = set()

    def labelled(self, counts: Mapping[str, int]) -> Counter[str]:
        """Raw names → counts per tracked label (:data:`OTHER` beyond the bound)."""
        out: Counter[str] = Counter()
        for name, n in counts.items():
            label = attribute_label(name)
            if label not in self._labels and len(self._labels) < self._max:
                self._labels.add(label)
            out[label if label in self._labels else OTHER] += n
        return out

    def new_for(self, model: str, labels: Iterable[str]) -> list[str]:
        """The labels not seen before for ``model`` (each returned once per model)."""
        fresh = [label for label in labels if (model, label) not in self._warned]
        self._warned.update((model, label) for label in fresh)
        return sorted(fresh)

    def seen(self, model: str, counts: Mapping[str, int]) -> Counter[str]:
        """A batch's raw name counts → counts per label; one warning per label new for
        ``model`` (the label only, never a value)."""
        if not counts:
            return Counter()
        labelled = self.labelled(counts)
        for label in self.new_for(model, labelled):
            what = (f"more than {self._max} distinct names" if label == OTHER
                    else f"attribute {label!r}")
            log.warning("lead events carry %s that the spec of %s does not know: not used "
                        "for scoring (a misspelled feature is scored as missing); counted in "
                        "leadstream_scorer_unknown_attributes_total", what, model)
        return labelled

