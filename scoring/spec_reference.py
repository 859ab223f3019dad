"""The feature-spec reference (``docs/spec.md``), written from the spec's own models.

Every key, its type, default and meaning come from the pydantic fields of
:class:`~schemas.spec.FeatureSpec`, :class:`~schemas.spec.NumericFeature` and
:class:`~schemas.spec.CategoricalFeature`; the accepted target values from
:mod:`scoring.crm_export`. ``leadstream spec reference`` prints it, and a test keeps
``docs/spec.md`` equal to it, so the reference cannot drift from the code.
"""

from __future__ import annotations

from enum import Enum
from types import UnionType
from typing import Annotated, Literal, Union, get_args, get_origin

from pydantic import BaseModel
from pydantic_core import PydanticUndefined

from schemas.spec import CategoricalFeature, FeatureSpec, NumericFeature
from scoring.crm_export import NEGATIVE, POSITIVE, SEPARATORS
from scoring.split import TIME_COLUMN

INTRO = """# Feature spec reference

A spec (TOML, YAML or JSON) tells leadstream which attributes a lead event carries, how to
read them from live events and from a CRM export, and what to train on. This page is
generated from the spec's models (`leadstream spec reference`); `leadstream spec check SPEC
--data CSV` shows what a training run would keep, drop and why.
"""

EXAMPLE = """```toml
name = "my-crm"
target = "converted"          # the outcome column after reading
target_source = "Converted"   # ... as the export names it
id_source = "Lead ID"
time_source = "Created On"    # newest 20 % of leads = the test split

[[features]]
name = "pdays"
source = "Days Since Contact" # live events may use either name; `pdays` wins
kind = "numeric"
dtype = "int"
min = 0
null_values = [999]           # 999 means "never contacted": missing, not a number

[[features]]
name = "lead_source"
kind = "categorical"
null_values = ["Select"]
```
"""


_NAMES = {str: "text", float: "number", int: "whole number", bool: "true/false",
          type(None): "none"}


def _type(annotation: object) -> str:
    """A type in words: ``text or none``, ``one of nan, impute``, ``list of text``."""
    origin, args = get_origin(annotation), get_args(annotation)
    if origin is Literal:
        return "one of " + ", ".join(f"`{a.value if isinstance(a, Enum) else a}`" for a in args)
    if origin in (Union, UnionType):
        return " or ".join(_type(a) for a in args)
    if origin is tuple:
        return f"list of {_type(args[0])}" if args else "list"
    if origin is Annotated:
        return "features"
    return _NAMES.get(annotation, getattr(annotation, "__name__", str(annotation)))


def _default(value: object) -> str:
    if value is PydanticUndefined:
        return "required"
    if isinstance(value, Enum):
        return f"`{value.value}`"
    if value in (None, (), ""):
        return "-" if value is None else "empty"
    return f"`{value}`"


def _table(model: type[BaseModel], skip: set[str] = frozenset()) -> str:
    rows = ["| key | type | default | meaning |", "|---|---|---|---|"]
    for name, info in model.model_fields.items():
        if name in skip:
            continue
        meaning = (info.description or "").replace("|", "\\|")
        rows.append(f"| `{name}` | {_type(info.annotation)} | {_default(info.default)} | "
                    f"{meaning} |")
    return "\n".join(rows)


def reference_markdown() -> str:
    seps = ", ".join(repr(s) for s in SEPARATORS)
    parts = [
        INTRO, "## Top level\n", _table(FeatureSpec),
        "\n## Numeric features (`kind = \"numeric\"`)\n", _table(NumericFeature),
        "\n## Categorical features (`kind = \"categorical\"`)\n", _table(CategoricalFeature),
        "\n## Reading a CRM export\n",
        f"- The delimiter is detected among {seps} (or `--sep`).\n"
        "- Each feature is read from its `source` column (default: its name) through the same "
        "field policy as live events: text stripped; empty cells and `null_values` (matched "
        "ignoring case, and by number for numeric features) are missing.\n"
        f"- Target values counted as a conversion: {', '.join(sorted(POSITIVE))}; as a "
        f"non-conversion: {', '.join(sorted(NEGATIVE))} (ignoring case). Rows with any other "
        "value are dropped, counted, and the most frequent such values are named.\n"
        "- Rows are also dropped, and counted by reason, for a missing `reject` feature, a "
        "numeric value out of range, a duplicate lead id, or an unreadable `time_source`.\n"
        f"- With `time_source`, its cells (numbers, else dates) become `{TIME_COLUMN}`, and "
        "training splits by time.\n",
        "\n## Example\n", EXAMPLE,
    ]
    return "\n".join(parts)
