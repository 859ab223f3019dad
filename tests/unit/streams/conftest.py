"""Fixtures shared with the scoring unit tests."""

from tests.unit.scoring.conftest import tiny_model  # noqa: F401
