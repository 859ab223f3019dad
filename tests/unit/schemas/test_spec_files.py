"""Loading a spec from each file format, the errors that name the file, the fingerprint."""

from __future__ import annotations

import hashlib
import json
import tomllib
from importlib import resources

import pytest
import yaml

from schemas.errors import SpecError
from schemas.export import export_schemas, topic_schemas
from schemas.spec import load_spec

DEFAULT_TOML = resources.files("schemas").joinpath("default_spec.toml").read_text()
RAW = tomllib.loads(DEFAULT_TOML)


@pytest.mark.parametrize("suffix", [".toml", ".TOML", ".yaml", ".yml", ".YML", ".json"])
def test_every_format_loads_the_same_spec(tmp_path, suffix):
    path = tmp_path / f"spec{suffix}"
    if suffix.lower() == ".toml":
        path.write_text(DEFAULT_TOML)
    elif suffix.lower() == ".json":
        path.write_text(json.dumps(RAW))
    else:
        path.write_text(yaml.safe_dump(RAW))
    assert load_spec(path) == load_spec()


def test_an_unknown_format_is_refused_with_the_file_name(tmp_path):
    path = tmp_path / "spec.ini"
    path.write_text("name = x")
    with pytest.raises(SpecError) as info:
        load_spec(path)
    assert str(info.value) == f"{path}: spec must be .toml, .yaml/.yml or .json"


def test_parse_and_validation_errors_name_the_file(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(SpecError, match=rf"^{bad}: cannot parse: "):
        load_spec(bad)
    invalid = tmp_path / "invalid.json"
    invalid.write_text(json.dumps({"name": "x"}))
    with pytest.raises(SpecError, match=rf"^{invalid}: invalid feature spec \(1 problem\):\n"
                                        r"  - spec: key 'features' is required$"):
        load_spec(invalid)
    with pytest.raises(SpecError, match="feature spec not found: "):
        load_spec(tmp_path / "absent.toml")


def test_fingerprint_is_sixteen_hex_digits_of_the_sorted_json():
    spec = load_spec()
    blob = json.dumps(spec.model_dump(mode="json"), sort_keys=True).encode()
    assert spec.fingerprint() == hashlib.sha256(blob).hexdigest()[:16]
    assert len(spec.fingerprint()) == 16


def test_spec_json_is_indented_by_two():
    text = load_spec().to_json()
    assert text.splitlines()[1].startswith('  "') and not text.splitlines()[1].startswith("   ")


def test_exported_files_are_sorted_indented_json_in_a_new_directory(tmp_path):
    target = tmp_path / "a" / "b"
    paths = export_schemas(load_spec(), target)
    schemas = topic_schemas(load_spec())
    for p in paths:
        name = p.name.removesuffix(".schema.json")
        assert p.read_text() == json.dumps(schemas[name], indent=2, sort_keys=True) + "\n"
    assert export_schemas(load_spec(), target) == paths  # a second export overwrites
