"""Topic names come from the registry through one override map; 0.1's per-topic variables
are refused with the map entry that replaces them; ``config --process`` shows one process's
settings; policy defaults are the core's."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from monitors.drift_policy import DriftPolicy
from monitors.event_time import SkewTolerance
from monitors.persistence import PersistenceRule
from monitors.retrain import RetrainPolicy
from schemas.topics import all_topics
from scoring.training import TrainConfig
from streams.cli.config import config
from streams.kafka.topics import plan_topics, suffixed_topics, topic_name
from streams.settings import PROCESSES, Settings, process_fields
from streams.settings.topics import TOPIC_ATTRIBUTES

REGISTRY = all_topics()
names = st.text(st.sampled_from("abcdefghijklmnopqrstuvwxyz0123456789._-"), min_size=1,
                max_size=40)


def test_every_registered_topic_has_its_attribute_and_no_attribute_names_another() -> None:
    assert sorted(TOPIC_ATTRIBUTES.values()) == sorted(REGISTRY)
    defaults = Settings(_env_file=None)
    assert {a: getattr(defaults, a) for a in TOPIC_ATTRIBUTES} == TOPIC_ATTRIBUTES


@given(renamed=st.dictionaries(st.sampled_from(sorted(REGISTRY)), names, max_size=6))
def test_the_map_renames_exactly_the_topics_it_lists(renamed: dict[str, str]) -> None:
    s = Settings(_env_file=None, topics=renamed)
    for attr, registry_name in TOPIC_ATTRIBUTES.items():
        want = renamed.get(registry_name, registry_name)
        assert getattr(s, attr) == want == topic_name(s, REGISTRY[registry_name])
    assert {p.registry_name: p.name for p in plan_topics(s)} == {
        n: renamed.get(n, n) for n in REGISTRY}


def test_the_map_comes_from_one_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEADSTREAM_TOPICS", '{"leads.incoming": "crm.leads"}')
    s = Settings(_env_file=None)
    assert (s.topic_incoming, s.topic_scored) == ("crm.leads", "leads.scored")


def test_a_name_that_is_no_topic_is_refused_with_the_registry_named() -> None:
    with pytest.raises(ValidationError, match=r"leads\.incomming: not a topic of leadstream"):
        Settings(_env_file=None, topics={"leads.incomming": "x"})


@pytest.mark.parametrize("attr", ["topic_incoming", "topic_scores_shadow",
                                  "topic_monitor_samples_deadletter"])
def test_an_old_per_topic_variable_is_refused_with_the_map_entry_that_replaces_it(
        monkeypatch: pytest.MonkeyPatch, attr: str) -> None:
    monkeypatch.setenv(f"LEADSTREAM_{attr.upper()}", "crm.x")
    with pytest.raises(ValidationError) as refused:
        Settings(_env_file=None)
    message = str(refused.value)
    assert f"LEADSTREAM_{attr.upper()}" in message
    wanted = json.dumps({TOPIC_ATTRIBUTES[attr]: "crm.x"})
    assert f"LEADSTREAM_TOPICS='{wanted}'" in message


def test_an_old_topic_keyword_is_refused_not_ignored() -> None:
    with pytest.raises(ValidationError, match="LEADSTREAM_TOPIC_SCORED"):
        Settings(_env_file=None, topic_scored="x")


def test_suffixed_topics_rename_every_topic_and_keep_earlier_renames() -> None:
    s = Settings(_env_file=None, topics={"leads.incoming": "crm.leads"})
    fresh = s.model_copy(update={"topics": suffixed_topics(s, "t1")})
    assert fresh.topic_incoming == "crm.leads.t1"
    assert {p.name for p in plan_topics(fresh)} == {
        f"{n}.t1" for n in REGISTRY if n != "leads.incoming"} | {"crm.leads.t1"}


def test_policy_defaults_are_the_core_policies() -> None:
    s, drift, retrain = Settings(_env_file=None), DriftPolicy(), RetrainPolicy()
    persist, skew = PersistenceRule(), SkewTolerance()
    assert (s.monitor_drift_min_n, s.monitor_psi_warn, s.monitor_psi_critical, s.monitor_fdr_q,
            s.monitor_critical_alpha) == (drift.min_n, drift.psi_warn, drift.psi_critical,
                                          drift.fdr_q, drift.critical_alpha)
    assert (s.retrain_drift_windows, s.retrain_auc_floor, s.retrain_new_labels,
            s.retrain_every_s * 1000, s.retrain_cooldown_s * 1000) == (
        retrain.drift_windows, retrain.auc_floor, retrain.new_labels, retrain.every_ms,
        retrain.cooldown_ms)
    assert (s.monitor_persist_k, s.monitor_persist_m) == (persist.k, persist.m)
    assert (s.event_time_future_s * 1000, s.event_time_past_s * 1000) == (
        skew.future_ms, skew.past_ms)
    train = TrainConfig()
    assert (s.train_min_rows, s.train_min_positives, s.train_min_negatives) == (
        train.min_rows, train.min_positives, train.min_negatives)


@pytest.mark.parametrize("process", sorted(PROCESSES))
def test_config_process_shows_what_that_process_reads(process: str) -> None:
    out = CliRunner().invoke(config, ["--process", process, "--json"])
    assert out.exit_code == 0, out.output
    shown = [row["field"] for row in json.loads(out.output)]
    wanted = {n for part in PROCESSES[process] for n in part.model_fields}
    assert set(shown) == wanted and len(shown) == len(wanted)
    assert shown == process_fields(process)


def test_config_process_scorer_leaves_out_other_processes_settings() -> None:
    out = CliRunner(env={"COLUMNS": "200"}).invoke(config, ["--process", "scorer"])
    assert out.exit_code == 0, out.output
    assert "LEADSTREAM_BATCH_SIZE" in out.output and "LEADSTREAM_TOPICS" in out.output
    for other in ("LEADSTREAM_SINK_URL", "LEADSTREAM_DASHBOARD_PORT", "LEADSTREAM_KAFKA_HEAP",
                  "LEADSTREAM_MONITOR_WINDOW_S"):
        assert other not in out.output
    assert CliRunner().invoke(config, ["--process", "nope"]).exit_code == 2


def test_a_refused_old_name_does_not_echo_the_other_values(monkeypatch: pytest.MonkeyPatch
                                                            ) -> None:
    """A model-level error would quote every input (pydantic's ``input_value``): secrets too."""
    monkeypatch.setenv("LEADSTREAM_SASL_PASSWORD", "hunter2-not-shown")
    monkeypatch.setenv("LEADSTREAM_TOPIC_SCORED", "crm.scored")
    with pytest.raises(ValidationError) as refused:
        Settings(_env_file=None)
    assert "hunter2-not-shown" not in str(refused.value)
    assert "LEADSTREAM_TOPIC_SCORED" in str(refused.value)
