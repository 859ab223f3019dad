"""JSON Schema export: one file per topic, from the topic's pydantic contract."""

from __future__ import annotations

import json
from pathlib import Path

from schemas.leads import incoming_model
from schemas.spec import FeatureSpec
from schemas.topics import all_topics


def topic_schemas(spec: FeatureSpec) -> dict[str, dict]:
    """JSON Schema per topic name; ``leads.incoming`` is built from the given spec."""
    out: dict[str, dict] = {}
    for name, topic in sorted(all_topics().items()):
        model = incoming_model(spec) if name == "leads.incoming" else topic.contract
        schema = model.model_json_schema(mode="validation")
        schema["$id"] = f"urn:leadstream:topic:{name}"
        schema["description"] = topic.description
        schema["x-kafka-key"] = topic.key
        out[name] = schema
    return out


def export_schemas(spec: FeatureSpec, directory: Path) -> list[Path]:
    """Write ``<topic>.schema.json`` files into ``directory``; return their paths."""
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, schema in topic_schemas(spec).items():
        path = directory / f"{name}.schema.json"
        path.write_text(json.dumps(schema, indent=2, sort_keys=True) + "\n")
        written.append(path)
    return written
