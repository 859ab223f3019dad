"""The documentation: the site builds with ``mkdocs build --strict`` (a broken link, a page
missing from the nav or a bad anchor fails), the generated reference pages say what the
code says today, and the README stays a landing page whose links resolve."""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"


def _docs_ref():
    spec = importlib.util.spec_from_file_location("docs_ref", ROOT / "scripts" / "docs_ref.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_site_builds_strict(tmp_path: Path) -> None:
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path)],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
    print(f"mkdocs build --strict: {time.monotonic() - started:.1f} s")
    assert done.returncode == 0, done.stderr[-3000:]
    assert (tmp_path / "index.html").is_file()
    assert (tmp_path / "tutorials" / "demo" / "index.html").is_file()


def test_the_generated_reference_pages_are_current() -> None:
    """`make docs-ref` rewrites them; a new command, option, setting, topic field or metric
    without it fails here."""
    assert _docs_ref().stale() == [], "run `make docs-ref` and commit docs/reference/"


def test_the_reference_names_every_command_setting_topic_and_metric() -> None:
    """Independently of the generator: what the code defines appears on the pages."""
    import click

    from schemas.topics import all_topics
    from streams.cli import main
    from streams.settings import Settings
    from tests.support.metric_names import exposed_names

    ref = ROOT / "docs" / "reference"
    cli = (ref / "cli.md").read_text()
    ctx = click.Context(main)
    for name in main.list_commands(ctx):
        assert f"## `leadstream {name}`" in cli, name
    settings = (ref / "settings.md").read_text()
    for field in Settings.model_fields:
        assert f"`LEADSTREAM_{field.upper()}`" in settings, field
    topics = (ref / "topics.md").read_text()
    for name in all_topics():
        assert f"\n## {name}\n" in topics, name
    metrics = (ref / "metrics.md").read_text()
    series = {n for n in exposed_names() if not n.endswith(("_bucket", "_sum", "_count"))}
    for name in series:
        assert f"`{name}`" in metrics or f"`{name.removesuffix('_seconds')}_seconds`" in metrics


def test_the_readme_is_a_landing_page_whose_links_resolve() -> None:
    text = README.read_text()
    assert len(text.splitlines()) <= 200
    targets = re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", text)
    assert targets, "the README links into the site"
    missing = [t for t in targets if "://" not in t and not (ROOT / t).exists()]
    assert missing == []
    for required in ("docs/img/dashboard.png", "make demo", "make test", "Dynamics", "Einstein",
                     "Seldon", "KServe", "Flagger", "Evidently"):
        assert required in text, required
