"""Hostile CRM answers: what a CRM (or a proxy in front of it) may answer a write-back.

For each format the sink speaks, answers shaped like the API's own (webhook ``rejected``,
Salesforce's result list, HubSpot's ``errors[].context.ids``) with every part replaced now
and then by anything JSON holds, next to arbitrary JSON and arbitrary bytes. Lead ids in
answers are drawn from the ids sent, ``None``/``null``, numbers and strangers, so that a
sent lead whose id is the string ``"None"`` meets an entry without ``lead_id``.
"""

from __future__ import annotations

import functools
import json

from hypothesis import strategies as st

from tests.strategies.hostile import arbitrary_json

__all__ = ["LEAD_IDS", "crm_answer", "lead_ids"]

LEAD_IDS = st.one_of(st.sampled_from(["None", "null", "1", "01", "", " ", "00Q1", "True",
                                      "\u202e\u0645", "x" * 300]),
                     st.text(max_size=12))


def lead_ids(max_size: int = 12) -> st.SearchStrategy[list[str]]:
    """Distinct lead ids (a batch holds one score per lead)."""
    return st.lists(LEAD_IDS, min_size=1, max_size=max_size, unique=True)


_SCALARS = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False),
                     st.text(max_size=20))
_ANY = st.recursive(_SCALARS, lambda inner: st.lists(inner, max_size=3)
                    | st.dictionaries(st.text(max_size=10), inner, max_size=3), max_leaves=8)


def _maybe(strategy: st.SearchStrategy[object]) -> st.SearchStrategy[object]:
    """Mostly ``strategy``, sometimes anything JSON holds."""
    return st.one_of(strategy, strategy, strategy, _ANY)


def _named(sent: tuple[str, ...]) -> st.SearchStrategy[object]:
    """A lead id as a CRM echoes it: a sent one, its number, or nothing readable."""
    numeric = [int(i) for i in sent if i.isascii() and i.isdigit() and len(i) < 18]
    return st.one_of(st.sampled_from(sent), st.sampled_from(sent),
                     st.sampled_from(numeric) if numeric else st.nothing(),
                     st.sampled_from([None, "None", "stranger", 0, True, [], {}]))


@st.composite
def _some_of(draw: st.DrawFn, fields: dict[str, st.SearchStrategy[object]]) -> dict[str, object]:
    """An object of ``fields``, each drawn, now and then one left out."""
    return {k: draw(v) for k, v in fields.items() if draw(st.integers(0, 5)) > 0}


def _webhook(sent: tuple[str, ...]) -> st.SearchStrategy[object]:
    entry = _some_of({"lead_id": _named(sent), "reason": _maybe(st.text(max_size=30))})
    entries = st.lists(_maybe(entry), max_size=len(sent) + 2)
    return _some_of({"rejected": _maybe(entries), "accepted": _SCALARS})


@st.composite
def _results(draw: st.DrawFn, result: st.SearchStrategy[object], most: int) -> list[object]:
    n = draw(st.integers(0, most))
    return draw(st.lists(_maybe(result), min_size=n, max_size=n))


def _salesforce(sent: tuple[str, ...]) -> st.SearchStrategy[object]:
    error = _maybe(_some_of({"statusCode": _maybe(st.text(max_size=20)),
                             "message": _maybe(st.text(max_size=30))}))
    result = _some_of({"id": _named(sent), "success": _maybe(st.booleans()),
                       "errors": _maybe(st.lists(error, max_size=2))})
    return _maybe(_results(result, len(sent) + 2))


def _hubspot(sent: tuple[str, ...]) -> st.SearchStrategy[object]:
    ids = _maybe(st.lists(_named(sent), max_size=3))
    error = _some_of({"status": st.just("error"), "message": _maybe(st.text(max_size=30)),
                      "context": _maybe(_some_of({"ids": ids}))})
    errors = _maybe(st.lists(_maybe(error), max_size=3))
    return _some_of({"status": st.just("COMPLETE"), "results": st.just([]), "errors": errors})


def _dynamics(sent: tuple[str, ...]) -> st.SearchStrategy[object]:
    return _some_of({"Ids": st.lists(_named(sent))})


SHAPED = {"webhook": _webhook, "salesforce": _salesforce, "hubspot": _hubspot,
          "dynamics": _dynamics}
_RAW = st.one_of(arbitrary_json(), st.binary(max_size=60),
                 st.sampled_from([b"", b" ", b"OK", b"null", b"[" * 5_000 + b"]" * 5_000]))


def _dumps(doc: object) -> bytes:
    return json.dumps(doc).encode("utf-8", "surrogatepass")


@functools.lru_cache(maxsize=512)
def _answers(fmt: str, sent: tuple[str, ...]) -> st.SearchStrategy[bytes]:
    shaped = SHAPED[fmt](sent).map(_dumps)
    return st.one_of(shaped, shaped, shaped, _RAW)


def crm_answer(fmt: str, sent: list[str]) -> st.SearchStrategy[bytes]:
    """The body of a CRM's answer to a request for the leads ``sent``, in format ``fmt``
    (built once per format and leads: a test draws many)."""
    return _answers(fmt, tuple(sent))
