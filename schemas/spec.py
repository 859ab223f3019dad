"""The declarative feature spec: which attributes a lead event carries and how to read them.

A spec file (TOML or YAML) lists numeric and categorical features with their types, ranges
and missing-value policy. Training fills in what is learned from data (each categorical
feature's vocabulary) and stores the completed spec with the model, so the scorer encodes
exactly what the model was trained on.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import re
import tomllib
from enum import StrEnum
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from schemas.errors import SpecError

UNSEEN = "__unseen__"
"""Bucket for a category the model never saw (or merged as rare) at training time."""
MISSING = "__missing__"
"""Category used for an absent categorical value when the policy is ``category``."""


class MissingPolicy(StrEnum):
    """What to do when a lead event lacks a feature (or sends null)."""

    REJECT = "reject"
    """The event is invalid without it: dead-letter."""
    NAN = "nan"
    """Numeric only: pass NaN; XGBoost learns a default direction for missing values."""
    IMPUTE = "impute"
    """Numeric only: replace with the spec's ``impute`` value."""
    CATEGORY = "category"
    """Categorical only: treat 'missing' as a category of its own."""


class _Feature(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$", description="Field name in lead events.")
    source: str | None = Field(None, description="Column name in a CRM export, if different.")
    description: str = Field("", description="What the feature means, for people.")
    label: str | None = Field(
        None, description="Readable name shown with reason codes, e.g. 'Engagement score' "
        "(default: the name with spaces, capitalised).")
    null_values: tuple[str, ...] = Field(
        (), description="Values that mean 'not given', in CSV cells and live events alike "
        "(e.g. 'Select', or 999 for a numeric 'not contacted'); numbers may be written as "
        "numbers.")

    @field_validator("null_values", mode="before")
    @classmethod
    def _null_values_as_text(cls, value: object) -> object:
        if isinstance(value, list | tuple):
            return tuple(v if isinstance(v, str | bool) else
                         (f"{v:g}" if isinstance(v, float) else str(v)) for v in value)
        return value

    @property
    def column(self) -> str:
        """The column to read from a CRM export."""
        return self.source or self.name

    @property
    def accepted_names(self) -> tuple[str, ...]:
        """Keys a live lead event may carry this feature under: its name, then the export's
        ``source`` column name (when both are present, the name wins)."""
        return (self.name, self.source) if self.source and self.source != self.name else (
            self.name,)

    def read(self, value: object) -> object | None:
        """The field policy, one for CSV cells and live JSON values alike: text is stripped;
        ``None``, empty text and the ``null_values`` become ``None`` (missing). Null values
        match ignoring case, and for numeric features also by number (``999`` and
        ``"999.0"`` both match ``"999"``). Anything else is returned as it is."""
        if value is None:
            return None
        if isinstance(value, str):
            value = value.strip()
            if not value or (self.null_values
                              and value.casefold() in _folded(self.null_values)):
                return None
            if isinstance(self, NumericFeature) and _null_numbers(self.null_values):
                try:
                    number = float(value)
                except ValueError:
                    return value
                return None if number in _null_numbers(self.null_values) else value
            return value
        if (isinstance(self, NumericFeature) and isinstance(value, int | float)
                and not isinstance(value, bool) and value in _null_numbers(self.null_values)):
            return None
        return value


class NumericFeature(_Feature):
    kind: Literal["numeric"] = Field("numeric", description="A number.")
    dtype: Literal["float", "int"] = Field(
        "float", description="'int' rejects fractional values in live events.")
    min: float | None = Field(None, description="Smallest accepted value (events below it "
                              "are dead-lettered, CSV rows dropped).")
    max: float | None = Field(None, description="Largest accepted value.")
    missing: Literal[MissingPolicy.REJECT, MissingPolicy.NAN, MissingPolicy.IMPUTE] = Field(
        MissingPolicy.NAN, description="When the value is absent: 'nan' (the model learns "
        "where missing goes), 'impute' (use 'impute'), 'reject' (dead-letter / drop the row).")
    impute: float | None = Field(None, description="The value used for missing = 'impute'.")

    @model_validator(mode="after")
    def _check(self) -> NumericFeature:
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError(f"keys 'min' and 'max': min {self.min} > max {self.max}")
        if self.missing is MissingPolicy.IMPUTE and self.impute is None:
            raise ValueError("key 'impute': missing = 'impute' needs an 'impute' value")
        return self


class CategoricalFeature(_Feature):
    kind: Literal["categorical"] = Field("categorical", description="One of a set of values.")
    missing: Literal[MissingPolicy.REJECT, MissingPolicy.CATEGORY] = Field(
        MissingPolicy.CATEGORY, description="When the value is absent: 'category' (missing "
        "is a value of its own) or 'reject' (dead-letter / drop the row).")
    lowercase: bool = Field(True, description="Fold case ('google' == 'Google').")
    max_length: int = Field(200, gt=0, description="Longest accepted value, in characters.")
    min_frequency: float = Field(
        0.005, ge=0, lt=1, description="Rarer training categories are merged into 'unseen'."
    )
    max_categories: int = Field(50, gt=0, description="Most frequent categories kept.")
    vocabulary: tuple[str, ...] = Field(
        (), description="Categories learned at training time, in encoding order."
    )

    def normalize(self, value: str | None) -> str:
        """Map a raw value to its vocabulary form (missing and unseen included): the field
        policy (:meth:`read`), then case folding."""
        text = self.read(value)
        if text is None:
            return MISSING
        return text.lower() if self.lowercase else text


Feature = Annotated[NumericFeature | CategoricalFeature, Field(discriminator="kind")]


@lru_cache(maxsize=1024)
def _folded(null_values: tuple[str, ...]) -> frozenset[str]:
    return frozenset(v.strip().casefold() for v in null_values)


@lru_cache(maxsize=1024)
def _null_numbers(null_values: tuple[str, ...]) -> frozenset[float]:
    numbers = set()
    for v in null_values:
        try:
            numbers.add(float(v))
        except ValueError:
            continue
    return frozenset(n for n in numbers if n == n)  # NaN never equals a value


class FeatureSpec(BaseModel):
    """A whole spec: ordered features plus the training target."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field("default", description="The spec's name (logged with every model).")
    target: str = Field("converted", description="Outcome column in training data.")
    target_source: str | None = Field(None, description="Target column in a CRM export.")
    id_source: str | None = Field(None, description="Lead id column in a CRM export.")
    time_source: str | None = Field(
        None, description="Column of a CRM export that orders leads in time (a date, or a "
        "lead number the CRM assigns in sequence). When set, training tests on the newest "
        "20 % of leads and validates on the 20 % before them, as the CRM will use the model.")
    features: tuple[Feature, ...] = Field(
        min_length=1, description="The features, in order: one [[features]] table each.")

    @model_validator(mode="after")
    def _unique(self) -> FeatureSpec:
        names = [f.name for f in self.features]
        dupes = {n for n in names if names.count(n) > 1}
        reserved = {"lead_id", "event_id", "occurred_at"} & set(names)
        if dupes or reserved:
            raise ValueError(f"duplicate or reserved feature names: {sorted(dupes | reserved)}")
        return self

    @property
    def numeric(self) -> tuple[NumericFeature, ...]:
        return tuple(f for f in self.features if isinstance(f, NumericFeature))

    @property
    def categorical(self) -> tuple[CategoricalFeature, ...]:
        return tuple(f for f in self.features if isinstance(f, CategoricalFeature))

    @property
    def is_trained(self) -> bool:
        """True once every categorical feature has its learned vocabulary."""
        return all(f.vocabulary for f in self.categorical)

    def with_vocabularies(self, vocabularies: dict[str, tuple[str, ...]]) -> FeatureSpec:
        """A copy with the categorical vocabularies learned from training data."""
        feats = tuple(
            f.model_copy(update={"vocabulary": tuple(vocabularies[f.name])})
            if isinstance(f, CategoricalFeature)
            else f
            for f in self.features
        )
        return self.model_copy(update={"features": feats})

    def fingerprint(self) -> str:
        """A short stable hash of the spec (logged with every model)."""
        blob = json.dumps(self.model_dump(mode="json"), sort_keys=True).encode()
        return hashlib.sha256(blob).hexdigest()[:16]

    def to_json(self) -> str:
        return self.model_dump_json(indent=2)


def load_spec(path: str | Path | None = None) -> FeatureSpec:
    """Read a spec from a TOML, YAML or JSON file; ``None`` gives the packaged default."""
    if path is None:
        text = resources.files("schemas").joinpath("default_spec.toml").read_text()
        suffix, where = ".toml", "schemas/default_spec.toml"
    else:
        p = Path(path)
        if not p.is_file():
            raise SpecError(f"feature spec not found: {p}")
        text, suffix, where = p.read_text(), p.suffix.lower(), str(p)
    try:
        if suffix == ".toml":
            raw = tomllib.loads(text)
        elif suffix in {".yaml", ".yml"}:
            raw = yaml.safe_load(text)
        elif suffix == ".json":
            raw = json.loads(text)
        else:
            raise SpecError(f"{where}: spec must be .toml, .yaml/.yml or .json")
        return FeatureSpec.model_validate(raw)
    except (tomllib.TOMLDecodeError, yaml.YAMLError, json.JSONDecodeError) as exc:
        raise SpecError(f"{where}: cannot parse: {exc}") from exc
    except ValidationError as exc:
        problems = spec_problems(exc, raw)
        raise SpecError(f"{where}: invalid feature spec ({len(problems)} "
                        f"problem{'s' if len(problems) > 1 else ''}):\n"
                        + "\n".join(f"  - {p}" for p in problems)) from None


_KINDS = {"numeric": NumericFeature, "categorical": CategoricalFeature}


def spec_problems(exc: ValidationError, raw: object) -> list[str]:
    """A spec's validation errors in plain words, each naming the feature (1-based, with its
    name) and the key: no pydantic dump, no 0-based index, no link."""
    errors = exc.errors(include_url=False)
    out = []
    for e in errors:
        loc = list(e["loc"])
        if loc == ["features"] and e["type"] == "too_short" and len(errors) > 1:
            continue  # a consequence of the features' own errors
        where, model = "spec", FeatureSpec
        if len(loc) >= 2 and loc[0] == "features" and isinstance(loc[1], int):
            where, model = _feature_label(raw, loc[1]), None
            loc = loc[2:]
            if loc and loc[0] in _KINDS:
                model = _KINDS[str(loc.pop(0))]
        key = ".".join(str(p) for p in loc)
        out.append(f"{where}: {_plain(e, key, model)}")
    return out or [str(exc)]


def _feature_label(raw: object, i: int) -> str:
    features = raw.get("features") if isinstance(raw, dict) else None
    item = features[i] if isinstance(features, list) and i < len(features) else None
    name = item.get("name") if isinstance(item, dict) else None
    return f"feature {i + 1}" + (f" {name!r}" if isinstance(name, str) else "")


def _plain(e: Any, key: str, model: type[BaseModel] | None) -> str:
    kind, msg = e["type"], e["msg"]
    if kind == "string_pattern_mismatch" and key == "name":
        value = str(e.get("input", ""))
        fixed = re.sub(r"[^a-z0-9_]+", "_", value.lower()).strip("_")
        hint = f" (e.g. {fixed!r})" if fixed and fixed[0].isalpha() else ""
        return (f"key 'name': {value!r} is not a valid feature name: start with a lowercase "
                f"letter, then only lowercase letters, digits and '_'{hint}; the export's "
                f"column name goes in 'source'")
    if kind == "extra_forbidden":
        known = sorted(model.model_fields) if model is not None else []
        close = difflib.get_close_matches(key, known, n=1)
        return f"unknown key {key!r}" + (f" (did you mean {close[0]!r}?)" if close else "")
    if kind in ("union_tag_invalid", "union_tag_not_found"):
        tag = e.get("ctx", {}).get("tag")
        said = f"{tag!r} is not a kind" if kind == "union_tag_invalid" else "missing"
        return f"key 'kind': {said}; use 'numeric' or 'categorical'"
    if kind == "missing":
        return f"key {key!r} is required"
    if kind == "value_error":
        msg = msg.removeprefix("Value error, ")
    msg = re.sub(r"<[\w.]+: ('[^']*')>", r"\1", msg).replace("Input should be", "should be")
    value = e.get("input")
    if isinstance(value, str | int | float) and kind != "value_error":
        msg += f" (got {value!r})"
    return f"key {key!r}: {msg}" if key else msg
