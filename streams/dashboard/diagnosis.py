"""The diagnose page: the report of ``leadstream diagnose``, the same document, kept fresh,
with the feature-importance shares now vs at training as a table of their own.

The report reads Kafka, Redis and the registry and may take seconds (more when one of them
is down), so it is never built while a page waits: a thread builds it at most every
``refresh_s`` while someone looks (``latest`` asks for one), and ``on_ready`` tells the
history, so open pages get it pushed.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from monitors.diagnosis import Diagnosis
from streams.dashboard.charts import table

log = logging.getLogger(__name__)

Report = Callable[[], Diagnosis]


class Diagnoses:
    """``latest()``: the newest report (None until the first is built) and when it was."""

    def __init__(self, report: Report, refresh_s: float = 30.0,
                 on_ready: Callable[[], None] = lambda: None):
        self._report, self._refresh_s, self._on_ready = report, refresh_s, on_ready
        self._latest: tuple[Diagnosis, float] | None = None
        self._error: str | None = None
        self._asked = -refresh_s
        self._running = False
        self._lock = threading.Lock()

    def latest(self) -> tuple[Diagnosis | None, float | None, str | None]:
        with self._lock:
            now = time.monotonic()
            if not self._running and now - self._asked >= self._refresh_s:
                self._asked, self._running = now, True
                threading.Thread(target=self._build, daemon=True, name="diagnose").start()
            report, at = self._latest if self._latest else (None, None)
            return report, at, self._error

    def _build(self) -> None:
        try:
            report, error = self._report(), None
        except Exception as exc:  # shown on the page; the next look tries again
            log.warning("diagnose failed: %s", type(exc).__name__)
            report, error = None, f"the report could not be built ({type(exc).__name__})"
        with self._lock:
            if report is not None:
                self._latest = (report, time.time())
            self._error, self._running = error, False
        self._on_ready()


def diagnose_page(diagnoses: Diagnoses | None, model: str) -> dict:
    """The page body: ranked findings with their evidence, then the next steps."""
    title = f"Diagnose — {model}"
    if diagnoses is None:
        return {"title": title, "charts": [], "tables": [], "empty": "diagnose is off"}
    report, at, error = diagnoses.latest()
    if report is None:
        return {"title": title, "charts": [], "tables": [],
                "empty": error or "building the report (as `leadstream diagnose` does)…"}
    doc = report.as_dict()
    built = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(at)) if at else "—"
    findings = [[i + 1, f["severity"], f["kind"], f["summary"],
                 ", ".join(f"{k} {v}" for k, v in (f["evidence"] or {}).items()
                           if k != "shares"),
                 f["action"] or ""] for i, f in enumerate(doc["findings"])]
    return {"title": title, "charts": [], "tables": [
        table("findings", "Findings, likeliest root cause first",
              ["rank", "severity", "finding", "what", "evidence", "next step"], findings,
              note=f"built {built}" + (f"; {error}" if error else "")),
        table("next-steps", "Next steps", ["step"], [[s] for s in doc["next_steps"]]),
        *importance_table(doc["findings"]),
    ]}


def importance_table(findings: list[dict]) -> list[dict]:
    """Mean |contribution| shares per feature now (from the reasons) and at training."""
    shift = next((f for f in findings if f["kind"] == "importance_shift"
                  and (f["evidence"] or {}).get("shares")), None)
    if shift is None:
        return []
    ev = shift["evidence"]
    return [table("importance", "Feature importance: share of mean |contribution|, now vs "
                  "at training", ["feature", "share now", "share at training", "rank now",
                                  "rank at training"],
                  [[f, cur, ref, cr, rr] for f, ref, cur, rr, cr in ev["shares"]],
                  note=f"now: the reasons of {ev['n_leads']} recent scored leads (a feature "
                       "outside a lead's top reasons counts 0); at training: every "
                       "contribution over the holdout rows. Share distance "
                       f"{ev['distance']:.2f}.")]
