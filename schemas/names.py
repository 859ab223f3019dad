"""Model names and versions that are safe where they become paths, keys and labels.

A model name or version ends up as a folder of the model cache, a Redis key and a metric
label, so both are one path segment: letters, digits, ``_``, ``.`` and ``-``, starting with
a letter or digit, no ``..``, at most 128 characters. MLflow versions (``1``, ``2``, …) and
the usual model names (``lead-scoring``) pass.
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator

_SEGMENT = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,127}")


def check_segment(value: str, what: str = "name") -> str:
    """``value`` if it is one safe path segment, else :class:`ValueError` saying why."""
    if not isinstance(value, str) or not _SEGMENT.fullmatch(value) or ".." in value:
        raise ValueError(f"{what} {str(value)[:140]!r} is not a safe name: use 1-128 letters, "
                         "digits, '_', '.' or '-', starting with a letter or digit, no '..'")
    return value


ModelName = Annotated[str, AfterValidator(lambda v: check_segment(v, "model name"))]
"""A model name: one safe path segment."""
ModelVersion = Annotated[str, AfterValidator(lambda v: check_segment(v, "model version"))]
"""A model version: one safe path segment."""
