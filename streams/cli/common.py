"""What several commands share: option parsers and the JSON output switch."""

from __future__ import annotations

import click


def parse_shift(values: tuple[str, ...]) -> dict[str, float]:
    shift = {}
    for item in values:
        name, sep, sigmas = item.partition("=")
        try:
            shift[name.strip()] = float(sigmas)
        except ValueError:
            sep = ""
        if not sep:
            raise click.BadParameter(f"expected feature=number, got {item!r}", param_hint="--shift")
    return shift
