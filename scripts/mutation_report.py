"""Score per package of the last mutmut run, and the surviving mutants (``make mutate``).

Reads mutmut's result files (``mutants/<path>.py.meta``, one per mutated module) and prints
one row per top-level package (``--by module``: per module): killed / total and the
percentage, then every mutant that was not killed. A mutant counts as killed when a test
failed (or timed out: an infinite loop is a detected change); "no tests" means no selected
test even reaches the mutated function, so it counts as surviving.

    python scripts/mutation_report.py [--by package|module] [--diff] [--names]

``--diff`` prints each survivor's diff (``mutmut show``). Survivors named in
``tests/MUTANTS.md`` (equivalent mutants, each with its reason) are marked ``equivalent``.
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import re
import subprocess
import sys
import tomllib
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

# mutmut's exit-code convention (mutmut/__main__.py, status_by_exit_code).
KILLED_CODES = {1, 3, -24, 24, 36, 152, 255}
STATUS = {0: "survived", 5: "no tests", 33: "no tests", 34: "skipped", None: "not checked",
          -9: "segfault", -11: "segfault"}


@dataclass
class Tally:
    killed: int = 0
    total: int = 0

    @property
    def percent(self) -> float:
        return 100.0 * self.killed / self.total if self.total else 100.0


def status_of(code: int | None) -> str:
    return "killed" if code in KILLED_CODES else STATUS.get(code, "suspicious")


def excluded_patterns(pyproject: Path = Path("pyproject.toml")) -> list[str]:
    """``[tool.mutmut] do_not_mutate``: results left from before a module was excluded."""
    config = tomllib.loads(pyproject.read_text()).get("tool", {}).get("mutmut", {})
    return list(config.get("do_not_mutate", []))


def load_results(root: Path) -> dict[str, dict[str, int | None]]:
    """``{source path: {mutant name: exit code}}`` for every module mutmut mutates."""
    excluded = excluded_patterns()
    out = {}
    for meta in sorted(root.glob("**/*.py.meta")):
        source = str(meta.relative_to(root))[: -len(".meta")]
        if any(fnmatch.fnmatch(source, p) for p in excluded):
            continue
        out[source] = json.loads(meta.read_text())["exit_code_by_key"]
    return out


def group_of(source: str, by: str) -> str:
    return source.split("/")[0] if by == "package" else source


def accepted_names(path: Path) -> set[str]:
    """Mutant names listed in ``tests/MUTANTS.md`` (in backticks), except lines marked OPEN."""
    if not path.exists():
        return set()
    return {name for line in path.read_text().splitlines() if "OPEN" not in line
            for name in re.findall(r"`([\w.ǁ]+__mutmut_\d+)`", line)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--by", choices=("package", "module"), default="package")
    parser.add_argument("--diff", action="store_true", help="print each survivor's diff")
    parser.add_argument("--names", action="store_true",
                        help="print only the names of the survivors not listed as equivalent")
    parser.add_argument("--root", type=Path, default=Path("mutants"))
    parser.add_argument("--accepted", type=Path, default=Path("tests/MUTANTS.md"))
    args = parser.parse_args(argv)

    results = load_results(args.root)
    if not results:
        print(f"no mutmut results under {args.root}/: run `make mutate` first", file=sys.stderr)
        return 1
    accepted = accepted_names(args.accepted)
    tallies: dict[str, Tally] = defaultdict(Tally)
    survivors: list[tuple[str, str]] = []
    for source, codes in results.items():
        tally = tallies[group_of(source, args.by)]
        for name, code in sorted(codes.items()):
            status = status_of(code)
            if status == "skipped":
                continue
            tally.total += 1
            if status == "killed":
                tally.killed += 1
            else:
                survivors.append((name, status))

    if args.names:
        print("\n".join(n for n, _ in survivors if n not in accepted))
        return 0
    width = max(len(g) for g in tallies) + 2
    print(f"\n{'package' if args.by == 'package' else 'module':<{width}}"
          f"{'killed':>8}{'total':>8}{'score':>9}")
    total = Tally()
    for group, t in sorted(tallies.items()):
        total.killed, total.total = total.killed + t.killed, total.total + t.total
        print(f"{group:<{width}}{t.killed:>8}{t.total:>8}{t.percent:>8.1f}%")
    print(f"{'all':<{width}}{total.killed:>8}{total.total:>8}{total.percent:>8.1f}%")

    print(f"\nsurviving mutants: {len(survivors)} "
          f"({sum(n in accepted for n, _ in survivors)} listed as equivalent in {args.accepted})")
    for name, status in survivors:
        mark = "  equivalent" if name in accepted else ""
        print(f"  {name}: {status}{mark}")
        if args.diff:
            shown = subprocess.run([sys.executable, "-m", "mutmut", "show", name],
                                   capture_output=True, text=True, check=False)
            print("    " + shown.stdout.strip().replace("\n", "\n    "))
    return 0


if __name__ == "__main__":
    sys.exit(main())
