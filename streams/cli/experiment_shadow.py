"""What ``experiment shadow-summary`` and a shadow run's ``experiment report`` print.

Per champion/challenger pair: the score comparison folded from ``scores.shadow``
(:class:`~scoring.experiments.shadow.ShadowSummary`) and, from the labelled leads both
scored (:mod:`streams.stores.shadow_labels`), both models' AUC, precision at the top 10 %
and calibration error side by side with DeLong's paired test and a sentence saying which
ranks leads better (:func:`~scoring.experiments.shadow_quality.shadow_quality`).
"""

from __future__ import annotations

import logging

import redis
from rich.table import Table

from schemas.control import ServingConfig
from scoring.experiments.progress_view import shadow_view
from scoring.experiments.shadow import ShadowSummary
from scoring.experiments.shadow_progression import shadow_run_id
from scoring.experiments.shadow_quality import ShadowQuality, p_text, shadow_quality
from streams.cli.common import console, fit_columns, print_json
from streams.settings import Settings
from streams.stores.shadow_labels import read_pair

log = logging.getLogger(__name__)
Pair = tuple[str, str]


def quality_of(settings: Settings, pair: Pair, alpha: float,
               min_labels: int) -> ShadowQuality | None:
    """Both models on the pair's labelled leads; None (logged) when Redis cannot say."""
    try:
        labels = read_pair(settings, settings.model_name, *pair)
    except (redis.RedisError, OSError) as exc:
        log.warning("labels of v%s vs v%s not read (Redis: %s)", *pair, type(exc).__name__)
        return None
    return shadow_quality(labels.labels, labels.champion, labels.challenger, pair,
                          alpha=alpha, min_labels=min_labels)


def shadow_doc(by_pair: dict[Pair, ShadowSummary],
               quality: dict[Pair, ShadowQuality | None] | None = None) -> list[dict]:
    """What ``shadow-summary --json`` prints: one object per champion/challenger pair
    (``quality``: the labelled comparison, or null)."""
    out = []
    for (a, b), s in sorted(by_pair.items()):
        la, lb = s.mean_latency_ms
        doc = {"champion_version": a, "challenger_version": b, "n": s.n,
               "mean_abs_diff": s.mean_abs_diff, "correlation": s.correlation,
               "grade_agreement": s.grade_agreement,
               "mean_latency_ms_champion": la, "mean_latency_ms_challenger": lb}
        if quality is not None:
            q = quality.get((a, b))
            doc["quality"] = None if q is None else q.as_dict()
        out.append(doc)
    return out


def print_shadow(by_pair: dict[Pair, ShadowSummary],
                 quality: dict[Pair, ShadowQuality | None] | None = None) -> None:
    table = Table(title="shadow comparisons")
    for col in ("champion", "challenger", "n", "mean |diff|", "correlation",
                "grade agreement", "latency ms (champ / chall)"):
        table.add_column(col)
    for (a, b), s in sorted(by_pair.items()):
        la, lb = s.mean_latency_ms
        corr = "-" if s.correlation is None else f"{s.correlation:.4f}"
        table.add_row(a, b, str(s.n), f"{s.mean_abs_diff:.4f}", corr,
                      f"{s.grade_agreement:.2%}", f"{la:.3f} / {lb:.3f}")
    console().print(fit_columns(table, champion=8, challenger=10))
    for pair in sorted(quality or {}):
        q = (quality or {})[pair]
        if q is not None:
            print_quality(q)


def _f(x: float, fmt: str = ".4f") -> str:
    return "-" if x != x else format(x, fmt)


def print_quality(q: ShadowQuality) -> None:
    """Both models on the same labelled leads, the paired test and the verdict."""
    a, b, t = q.champion, q.challenger, q.test
    table = Table(title=f"on the same {q.n_labels} labelled leads ({q.conversions} converted)")
    for col in ("metric", f"champion v{a.version}", f"challenger v{b.version}"):
        table.add_column(col)
    table.add_row("AUC", _f(a.auc), _f(b.auc))
    table.add_row("precision at top 10 %", _f(a.precision_at_10), _f(b.precision_at_10))
    table.add_row("calibration error (ECE)", _f(a.calibration_error),
                  _f(b.calibration_error))
    console().print(fit_columns(table, metric=12))
    console().print(f"paired DeLong: AUC difference {_f(t.difference, '+.4f')}, "
                    f"{t.level:.0%} CI [{_f(t.low, '+.4f')}, {_f(t.high, '+.4f')}], "
                    f"p{p_text(t.p_value)} (alpha {q.alpha:g})")
    console().print(f"[bold]{q.ranking.value}[/]: {q.sentence()}")


def shadow_report(settings: Settings, config: ServingConfig, as_json: bool) -> None:
    """``experiment report`` of a running shadow: the labelled comparison, and the run's
    progression when a policy drives it (read only)."""
    from streams.stores.experiments import read_progress

    assert config.challenger_version is not None
    progress = read_progress(settings, shadow_run_id(config.model_name, config.sequence))
    pol = progress.policy if progress is not None else None
    alpha = pol.alpha if pol else settings.experiment_alpha
    min_labels = pol.min_labels if pol else settings.monitor_min_labels
    pair = (config.champion_version, config.challenger_version)
    q = quality_of(settings, pair, alpha, min_labels)
    view = shadow_view(progress) if progress is not None else None
    if as_json:
        print_json({"model_name": config.model_name, "mode": config.mode.value,
                    "champion_version": pair[0], "challenger_version": pair[1],
                    "quality": None if q is None else q.as_dict(), "progression": view})
        return
    console().print(f"[bold]shadow[/] of v{pair[1]} beside champion v{pair[0]}")
    if q is None:
        console().print("labels: Redis unavailable")
    else:
        print_quality(q)
    if view is not None:
        console().print(f"[bold]progression[/] {view['windows']}/{view['max_windows']} windows; "
                        f"last decision: {view['last_action'] or '-'} "
                        f"({'; '.join(view['last_reasons']) or 'no window closed yet'})")
        console().print(f"next: {view['next']}")
