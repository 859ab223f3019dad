"""The evidence ``diagnose`` weighs, gathered read-only, and the report built from it.

The newest closed champion window comes from Redis (the monitor state ``status`` reads) or,
without Redis, from the monitor topics; the reference profile of its version from the
registry (for the missing-value share at training); calibration by score decile and
conversion by grade from the version's labelled scores in Redis; the feature importance in
the reasons of the version's recent scored leads (against the profile's); the dead letters, the
sink's failures and the controller's alerts of the last hour from their topics; liveness
and lag from the consumer groups (these Kafka readers: :mod:`.topic_evidence`). Whatever
cannot be read is named in the evidence, never zero.
"""

from __future__ import annotations

import time

import redis
from confluent_kafka import KafkaException

import streams.diagnose.topic_evidence as topics
from monitors.diagnosis import Diagnosis, diagnose
from monitors.evidence import Evidence, FeatureEvidence
from monitors.quality import calibration_by_decile, conversion_by_grade
from schemas.profile import ReferenceProfile
from schemas.sink import SINK_DEADLETTER
from schemas.topics import LEADS_DEADLETTER
from streams.cli.status import from_topics
from streams.settings import Settings
from streams.stores.labels import LabelWindow
from streams.stores.status import read_state


def diagnosis_report(settings: Settings, model: str) -> Diagnosis:
    """The whole diagnosis of ``model`` now: what ``diagnose`` prints and the dashboard shows."""
    return diagnose(collect(settings, model))


def collect(settings: Settings, model: str) -> Evidence:
    now_ms = int(time.time() * 1000)
    unreadable: list[str] = []
    processes = topics.processes(settings, unreadable)
    kafka = processes is not None  # Kafka answered: read its topics too
    window = _champion_window(settings, model, unreadable, kafka)
    drift, perf, guard = (window.get(k) or {} for k in ("drift", "performance", "guardrails"))
    version = str(perf.get("model_version") or drift.get("model_version") or "")
    profile = _profile(settings, model, version, unreadable)
    deciles, by_grade = _labels(settings, model, version, unreadable)
    now_importance, n_explained = (topics.importance(settings, model, version, now_ms, unreadable)
                                   if kafka and version else (None, 0))
    return Evidence(
        model=model, now_ms=now_ms, window_end_ms=perf.get("window_end_ms") or
        drift.get("window_end_ms"), n_scored=perf.get("n_scored", drift.get("n", 0)),
        n_rejected=perf.get("n_rejected", 0), n_failed=perf.get("n_failed", 0),
        guardrail_state=guard.get("state"),
        breached=tuple(g["name"] for g in guard.get("guardrails", [])
                       if g.get("level") != "HEALTHY"),
        features=tuple(_feature(f, profile) for f in drift.get("features", [])
                       if f.get("kind") != "score"),
        unknown_attributes=dict(perf.get("unknown_attributes") or {}),
        score_psi=(drift.get("prediction") or {}).get("score_psi"),
        n_labels=perf.get("n_labels", 0), auc=perf.get("auc"),
        calibration_error=perf.get("calibration_error"), calibration_deciles=deciles,
        conversion_by_grade=by_grade,
        newest_input_ms=topics.freshness(settings, unreadable) if kafka else {},
        deadletter_reasons=topics.reasons(settings, LEADS_DEADLETTER, now_ms, unreadable)
        if kafka else None,
        sink_failures=topics.reasons(settings, SINK_DEADLETTER, now_ms, unreadable,
                                     status=True) if kafka else None,
        alerts=topics.alerts(settings, model, now_ms, unreadable) if kafka else {},
        importance_reference=profile.importance if profile is not None else None,
        importance_now=now_importance, n_explained=n_explained,
        processes=processes or (), unreadable=tuple(unreadable))


def _champion_window(settings: Settings, model: str, unreadable: list[str],
                     kafka: bool) -> dict:
    """The reports of the newest closed champion window, by kind."""
    try:
        _, _, windows = read_state(settings.redis_url, 2.0, model)
    except (redis.RedisError, OSError) as exc:
        unreadable.append(f"monitor state in Redis ({type(exc).__name__})")
        windows = []
    if not windows and kafka:
        try:
            windows = from_topics(settings, model)[2]
        except KafkaException as exc:
            unreadable.append(f"monitor topics ({exc})")
    champion = [w for w in windows if w.get("role") == "champion"]
    return champion[0].get("reports", {}) if champion else {}


def _profile(settings: Settings, model: str, version: str,
             unreadable: list[str]) -> ReferenceProfile | None:
    if not version:
        return None
    from scoring.registry import ModelRegistry  # mlflow: only when there is a window
    s = settings
    try:
        registry = ModelRegistry(s.tracking_uri, model, s.model_cache_dir, s.artifact_root)
        return registry.load_version(version).profile
    except Exception as exc:  # any registry failure: the profile is named unreadable
        unreadable.append(f"reference profile of v{version} ({type(exc).__name__})")
        return None


def _labels(settings: Settings, model: str, version: str, unreadable: list[str]
            ) -> tuple[tuple[tuple[int, float, float], ...], dict[str, tuple[int, int]]]:
    """Calibration by score decile and conversion by grade of the version's labelled leads."""
    if not version:
        return (), {}
    client = redis.Redis.from_url(settings.redis_url, socket_timeout=2.0,
                                  socket_connect_timeout=2.0)
    try:
        labels, scores = LabelWindow(client, cap=1).read(model, version)
    except (redis.RedisError, OSError) as exc:
        unreadable.append(f"labelled scores in Redis ({type(exc).__name__})")
        return (), {}
    finally:
        client.close()
    grades = settings.grade_scale.assign(scores) if scores.size else []
    return tuple(calibration_by_decile(labels, scores)), conversion_by_grade(labels, grades)


def _feature(f: dict, profile: ReferenceProfile | None) -> FeatureEvidence:
    ref = None
    if profile is not None:
        known = profile.numeric.get(f["name"]) or profile.categorical.get(f["name"])
        ref = known.proportions[-1] if known is not None else None
    return FeatureEvidence(f["name"], f["kind"], f["psi"], f.get("persisted") or
                           f["severity"], f["missing_share"], ref, f.get("unseen_share"))
