"""Issue 10, item 3 on the secured stack (signing on, as ``stack up --secure`` sets it):
the operator's signed request is applied with the VERIFIED name as actor; an unsigned
request and one signed by a key outside the allow-list are refused with an alert and a
dead letter; a forged models.control record with sequence 2**62 does not pin a running
scorer, and ``status`` keeps showing the controller's configuration and names the forgery."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from pathlib import Path

from schemas.control import ControlAction, ControlRequest, ServingConfig
from scoring.control.signing import sign
from streams.control.client import alerts, history, latest_config, submit
from streams.control.keys import load_private, new_key_pair
from streams.kafka.reader import TopicReader, produce_one
from streams.stack.credentials import ADMIN
from tests.integration.agents_support import AgentsProcess, registered_versions, run_cli
from tests.integration.helpers import ScorerProcess, wait_until


def promote(settings, version: str, actor: str = "mallory-claims-to-be-admin") -> ControlRequest:
    return ControlRequest(request_id=uuid.uuid4().hex, model_name=settings.model_name,
                          action=ControlAction.PROMOTE_VERSION, version=version, actor=actor,
                          requested_at=datetime.now(UTC))


def refusals(settings) -> list:
    return [a for a in alerts(settings, settings.model_name) if a.kind == "signature_refused"]


def test_signed_requests_are_applied_as_their_signer_and_others_refused(
        secure_stack, secure_settings, tmp_path: Path) -> None:
    base = secure_settings.model_copy(update={"control_wait_s": 90.0})
    operator, agents = (secure_stack.as_(p, base) for p in ("operator", "agents"))
    assert operator.control_signing == "required"
    registered_versions(base, 2)
    with AgentsProcess(agents, tmp_path / "agents.log") as proc:
        result = submit(operator, promote(operator, "2"))
        assert result.config is not None, proc.tail()
        assert result.audit.actor == "operator" and result.config.actor == "operator"

        unsigned = promote(operator, "1")
        produce_one(operator, operator.topic_models_control_requests, base.model_name,
                    unsigned.model_dump_json().encode())
        mallory = new_key_pair(tmp_path, "mallory").private_path
        stranger = submit(operator.model_copy(update={"operator_key_path": mallory,
                                                      "operator_key_name": "mallory"}),
                          promote(operator, "1"))
        assert stranger.audit is None and stranger.alert.kind == "signature_refused"
        wait_until(lambda: len(refusals(operator)) >= 2, 60, "both refusals alerted")
        found = {a.request_id: a for a in refusals(operator)}
        assert found[unsigned.request_id].message.startswith(
            "request at ") and "control request refused (unsigned)" in \
            found[unsigned.request_id].message
        assert "control request refused (unknown_key): signed as 'mallory'" in \
            stranger.alert.message
        assert all(a.actor == "unverified" for a in found.values())
        print("REFUSAL unsigned:", found[unsigned.request_id].message)
        print("REFUSAL unknown key:", stranger.alert.message)
        assert latest_config(operator, base.model_name).champion_version == "2"
        assert [e.actor for e in history(operator, base.model_name)] == ["operator"]
        out = run_cli(operator, "models", "history", "--json")
        assert out.exit_code == 0, out.output
        doc = json.loads(out.output)
        assert [c["actor"] for c in doc["changes"]] == ["operator"]
        admin = secure_stack.as_(ADMIN, base)  # the one principal that reads dead letters
        with TopicReader(admin, admin.topic_models_control_requests_deadletter) as dead:
            letters = [json.loads(r.value) for r in dead.to_end()]
        assert sorted(d["reason"] for d in letters) == ["signature_refused"] * 2


def test_a_forged_control_record_pins_no_scorer_and_not_status(
        secure_stack, secure_settings, tmp_path: Path) -> None:
    base = secure_settings.model_copy(update={"control_wait_s": 90.0})
    operator, agents, scorer = (secure_stack.as_(p, base) for p in ("operator", "agents",
                                                                       "scorer"))
    registered_versions(base, 2)
    with AgentsProcess(agents, tmp_path / "agents.log") as proc, \
            ScorerProcess(scorer, tmp_path / "scorer.log") as score:
        assert submit(operator, promote(operator, "2")).config is not None, proc.tail()
        wait_until(lambda: "now serving" in score.text() and "v2" in score.text(), 90,
                   "the scorer serving v2")
        swaps = score.text().count("now serving")
        forged = ServingConfig(model_name=base.model_name, champion_version="1",
                               sequence=2**62, actor="attacker", updated_at=datetime.now(UTC))
        value = forged.model_dump_json().encode()
        topic = agents.topic_models_control
        produce_one(agents, topic, base.model_name, value)  # only agents may write it (ACL)
        rogue = load_private(new_key_pair(tmp_path, "controller").private_path)
        produce_one(agents, topic, base.model_name, value,
                    headers=sign(rogue, "controller", topic, base.model_name.encode(), value,
                                 int(datetime.now(UTC).timestamp() * 1000)))
        wait_until(lambda: score.text().count("not the controller's") >= 2, 60,
                   "the scorer refusing both forged records")
        wait_until(lambda: len([a for a in alerts(operator, base.model_name)
                                if a.kind == "forged_config"]) >= 2, 60, "forged_config alerts")
        assert score.text().count("now serving") == swaps and score.alive, score.text()[-2000:]
        lines = [ln for ln in score.text().splitlines() if "not the controller's" in ln]
        print("SCORER:", *lines, sep="\n")
        assert latest_config(operator, base.model_name).champion_version == "2"
        viewer = secure_stack.as_("dashboard", base)  # reads models.* and monitor reports
        out = run_cli(viewer, "status", "--json")
        assert out.exit_code == 0, out.output
        doc = json.loads(out.output[out.output.index("{"):])
        assert doc["serving"]["champion_version"] == "2" and doc["serving"]["sequence"] < 2**62
        assert [f["reason"] for f in doc["forged_control_records"]] == ["unsigned",
                                                                        "bad_signature"]
        text = run_cli(viewer, "status").output
        print("STATUS:", text)
        assert "is not the controller's and was ignored (unsigned)" in text
