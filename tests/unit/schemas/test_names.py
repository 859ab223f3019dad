"""Model names and versions are one safe path segment wherever they become paths."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from schemas.control import ControlRequest, ServingConfig
from schemas.errors import ModelUnavailable
from schemas.names import check_segment
from scoring.model_cache import ModelCache

BAD = ["..", "../x", "a/b", "a\\b", "a..b", ".hidden", "", "x" * 129, "a b", "v1\n", "/abs"]


@pytest.mark.parametrize("name", ["lead-scoring", "1", "21", "m_2.v3", "A" * 128])
def test_ordinary_names_pass(name):
    assert check_segment(name) == name


@pytest.mark.parametrize("name", BAD)
def test_path_like_names_are_refused_everywhere(name, tmp_path):
    with pytest.raises(ValueError):
        check_segment(name)
    with pytest.raises(ValidationError):
        ControlRequest(request_id="r", model_name="m", action="promote_version", version=name,
                       actor="a", requested_at=datetime.now(UTC))
    with pytest.raises(ValidationError):
        ServingConfig(model_name=name, champion_version="1", sequence=0, actor="a",
                      updated_at=datetime.now(UTC))
    with pytest.raises(ModelUnavailable):
        ModelCache(tmp_path / "cache", name)
    cache = ModelCache(tmp_path / "cache", "m")
    with pytest.raises(ModelUnavailable):
        cache.load(name, "champion")
    assert not any(tmp_path.iterdir())  # nothing written anywhere
