"""``leadstream forget``: ``--wait`` (default) prints done with what was removed and the
files Redis rewrote, a refusal exits 1 with the alert's reason, ``--no-wait`` only sends;
the lead id is never printed (only the start of its digest)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from click.testing import CliRunner

from schemas.alerts import ControlAlert
from schemas.privacy import ErasureEntry, lead_digest
from streams.cli import main
from streams.control.forget import ErasureRefused

NOW = datetime(2026, 3, 1, tzinfo=UTC)
LEAD = "lead-Ü-42"


def run(monkeypatch, *args: str, answer=None) -> tuple[int, str, list]:
    sent: list = []

    def forget(settings, request, timeout_s):
        sent.append(request)
        if isinstance(answer, Exception):
            raise answer
        return answer.model_copy(update={"request_id": request.request_id})

    monkeypatch.setattr("streams.cli.forget.forget", forget)
    monkeypatch.setattr("streams.cli.forget.send", lambda settings, request: sent.append(request))
    result = CliRunner().invoke(main, ["forget", LEAD, *args], env={"COLUMNS": "200"})
    return result.exit_code, result.output, sent


def test_wait_reports_done_and_no_wait_only_sends(monkeypatch):
    entry = ErasureEntry(request_id="x", actor="dpo", lead_sha256=lead_digest(LEAD),
                         requested_at=NOW, at=NOW, removed={"ledger": 2, "history": 1},
                         persistence=["aof", "rdb"])
    code, out, sent = run(monkeypatch, answer=entry)
    assert code == 0 and out.startswith("done: erased lead sha256:" + lead_digest(LEAD)[:16])
    assert "3 entries removed (ledger 2, history 1)" in out and "files: aof, rdb" in out
    assert sent[0].lead_id == LEAD and LEAD not in out
    code, out, _ = run(monkeypatch, "--json", answer=entry)
    assert json.loads(out)["status"] == "done" and json.loads(out)["persistence"] == ["aof", "rdb"]
    code, out, sent = run(monkeypatch, "--no-wait", answer=AssertionError("must not wait"))
    assert code == 0 and f"erasure request {sent[0].request_id} sent" in out
    assert LEAD not in out


def test_a_refused_erasure_exits_1_with_the_alerts_reason(monkeypatch):
    alert = ControlAlert(model_name="privacy", kind="signature_refused", source="erasure",
                         message="erasure request refused (unknown_key): signed as 'eve'",
                         request_id="r9", actor="unverified", at=NOW)
    code, out, _ = run(monkeypatch, answer=ErasureRefused(alert))
    assert code == 1
    assert "erasure request r9 not applied (signature_refused)" in out and "'eve'" in out
