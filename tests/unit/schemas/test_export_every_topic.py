"""The JSON Schema export covers every topic leadstream registers, not just ``leads.*``.

The expected topics are listed here by name (the design's data flow) and also found by
walking the contract modules for :class:`TopicSpec` objects, independently of
``all_topics``; a fresh interpreter checks that the export imports them by itself.
"""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
from pathlib import Path

import schemas
from schemas.export import export_schemas, topic_schemas
from schemas.spec import load_spec
from schemas.topics import CONTRACT_MODULES, TopicSpec

TOPICS = {
    "leads.incoming", "leads.scored", "leads.deadletter", "leads.outcomes",
    "scores.shadow", "experiments.reports",
    "monitor.samples", "monitor.drift", "monitor.performance", "monitor.guardrails",
    "monitor.windows",
    "models.control", "models.control.requests", "models.audit", "models.rollback",
    "models.alerts", "models.retrain", "models.progression",
    "sink.deadletter", "leads.outcomes.deadletter", "models.control.requests.deadletter",
    "models.rollback.deadletter", "monitor.samples.deadletter",
    "privacy.requests", "privacy.requests.deadletter",
}


def declared_topics() -> dict[str, TopicSpec]:
    found = {}
    for name in ("schemas.topics", *CONTRACT_MODULES):
        for obj in vars(importlib.import_module(name)).values():
            specs = obj.values() if isinstance(obj, dict) else [obj]  # a table of topics too
            for spec in specs:
                if isinstance(spec, TopicSpec):
                    found[spec.name] = spec
    return found


def test_every_declared_topic_is_exported(tmp_path):
    assert set(declared_topics()) == TOPICS
    paths = export_schemas(load_spec(), tmp_path)
    assert sorted(p.name for p in paths) == sorted(f"{t}.schema.json" for t in TOPICS)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in paths)


def test_each_schema_is_its_topics_contract(tmp_path):
    declared = declared_topics()
    schemas_by_topic = topic_schemas(load_spec())
    for name, spec in declared.items():
        schema = schemas_by_topic[name]
        assert schema["$id"] == f"urn:leadstream:topic:{name}"
        assert schema["x-kafka-key"] == spec.key and schema["description"] == spec.description
        if name != "leads.incoming":
            assert schema["title"] == spec.contract.__name__
            assert set(schema["properties"]) == set(spec.contract.model_fields)
    for path in export_schemas(load_spec(), tmp_path):
        name = path.name.removesuffix(".schema.json")
        assert json.loads(path.read_text()) == schemas_by_topic[name]


def test_the_incoming_schema_has_every_spec_feature():
    spec = load_spec()
    incoming = topic_schemas(spec)["leads.incoming"]
    assert set(incoming["properties"]) == {"lead_id", "event_id", "occurred_at"} | {
        f.name for f in spec.features}


_CHILD = """
import json, sys, tempfile
from pathlib import Path
from schemas.export import export_schemas
from schemas.spec import load_spec
out = Path(tempfile.mkdtemp())
print(json.dumps(sorted(p.name for p in export_schemas(load_spec(), out))))
"""


def test_a_fresh_process_exports_every_topic_too():
    root = str(Path(schemas.__file__).resolve().parent.parent)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([root, os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run([sys.executable, "-c", _CHILD], capture_output=True, text=True,
                          env=env, cwd=root, check=True, timeout=60)
    assert json.loads(done.stdout) == sorted(f"{t}.schema.json" for t in TOPICS)
