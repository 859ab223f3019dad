"""``leadstream experiment``: shadow, canary and A/B experiments from the command line.

Every change is a request to the controller (``leadstream agents`` must run), which
answers with the new serving configuration or says why it refused.

\b
Worked example:
  leadstream agents &                                   # controller, outcomes, reports
  leadstream experiment start --mode shadow --challenger 2
  leadstream experiment shadow-summary                  # how far apart, which ranks better?
  leadstream experiment stop
  leadstream experiment start --mode ab --challenger 2 --share 0.5
  leadstream experiment report                          # SRM, lift, sequential test
  leadstream experiment promote                         # v2 becomes champion
  leadstream models history
  leadstream experiment start --mode canary --challenger 3 --policy policy.toml
  leadstream experiment report                          # step, dwell, next decision
"""

from __future__ import annotations

import getpass
import uuid
from datetime import UTC, datetime
from pathlib import Path

import click
from rich.table import Table

from schemas.control import ControlAction, ControlRequest, ServingConfig, ServingMode
from schemas.errors import FatalError
from schemas.experiments import ExperimentReport, ShadowComparison
from scoring.experiments.policy import parse_policy
from scoring.experiments.progress_view import progress_view
from scoring.experiments.shadow import ShadowSummary
from scoring.routing import parse_steps
from streams.cli.common import console, fit_columns, json_option, print_json
from streams.cli.experiment_shadow import print_shadow, quality_of, shadow_doc, shadow_report
from streams.control.client import latest_config, submit
from streams.kafka.reader import TopicReader
from streams.settings import Settings


def signing_name(settings: Settings) -> str | None:
    """The name control requests are signed as, or None when signing is off."""
    if settings.control_signing == "off":
        return None
    path = settings.operator_key_path
    return settings.operator_key_name or (path.stem if path else "LEADSTREAM_OPERATOR_KEY_NAME")


def _actor(ctx: click.Context, param: click.Parameter, value: str | None) -> str:
    """The actor of a request: ``--actor`` or ``$USER`` with signing off; with signing on
    the verified signer is what the audit records, so a declared ``--actor`` is refused."""
    signer = signing_name(Settings())
    if signer is None:
        return value or getpass.getuser()
    if value is not None:
        raise click.BadParameter(
            f"{value!r} would be ignored: control requests are signed "
            f"(LEADSTREAM_CONTROL_SIGNING=required) and the audit records the verified "
            f"signer, {signer!r}; leave --actor out", ctx, param)
    return signer


actor_option = click.option(
    "--actor", callback=_actor, show_default="$USER",
    help="Who asks, recorded in the audit entry when signing is off. With "
         "LEADSTREAM_CONTROL_SIGNING=required the verified signer's name is recorded "
         "instead, and --actor is refused.")
reason_option = click.option("--reason", default="", help="Why (recorded in the audit entry).")


def ask(settings: Settings, action: ControlAction, actor: str, reason: str,
        **fields: object) -> ServingConfig:
    """Send one request to the controller, print its answer, fail on a refusal."""
    request = ControlRequest(request_id=uuid.uuid4().hex, model_name=settings.model_name,
                             action=action, actor=actor, reason=reason,
                             requested_at=datetime.now(UTC), **fields)
    result = submit(settings, request)
    if result.alert is not None:
        raise FatalError(f"controller refused ({result.alert.kind}): {result.alert.message}")
    assert result.config is not None
    print_config(result.config)
    return result.config


def print_config(c: ServingConfig) -> None:
    steps = ",".join(f"{s:g}" for s in c.canary_steps) or "-"
    console().print(f"[bold]{c.model_name}[/] seq {c.sequence}: champion v{c.champion_version}, "
                  f"challenger {('v' + c.challenger_version) if c.challenger_version else '-'}, "
                  f"mode {c.mode.value}, share {c.treatment_share:g}, steps {steps}, "
                  f"experiment {c.experiment_id or '-'} (by {c.actor}: {c.reason or '-'})")


@click.group()
def experiment() -> None:
    """Run shadow, canary and A/B experiments against the champion."""


@experiment.command()
@click.option("--mode", type=click.Choice(["shadow", "canary", "ab"]), required=True)
@click.option("--challenger", required=True, help="Registry version of the challenger.")
@click.option("--share", type=click.FloatRange(0, 1), help="Treatment share (canary/ab).")
@click.option("--steps", help="Canary steps in percent, e.g. 5,25,50 (starts at the first).")
@click.option("--experiment-id", help="Default: <model>-<mode>-<sequence>.")
@click.option("--policy", "policy_path", type=click.Path(exists=True, dir_okay=False,
                                                         path_type=Path),
              help="Progression policy (TOML) of a canary: it then advances, promotes or "
                   "aborts on its own (docs/tutorials/first-canary.md); its steps replace "
                   "--steps and --share. Of a shadow: it is promoted or stopped on its labels "
                   "(the policy's [shadow] section).")
@actor_option
@reason_option
def start(mode: str, challenger: str, share: float | None, steps: str | None,
          experiment_id: str | None, policy_path: Path | None, actor: str,
          reason: str) -> None:
    """Start an experiment with a challenger version."""
    policy = None
    if policy_path is not None:
        if mode == "ab" or steps or share is not None:
            raise click.UsageError("--policy goes with --mode canary or shadow, without "
                                   "--steps/--share (the policy has the steps)")
        policy = parse_policy(policy_path.read_text())
    ask(Settings(), ControlAction.START_EXPERIMENT, actor, reason, mode=mode,
        challenger_version=challenger, treatment_share=share, experiment_id=experiment_id,
        canary_steps=(policy.steps if policy and mode == "canary" else
                      parse_steps(steps) if steps else ()),
        policy=policy)


@experiment.command()
@actor_option
@reason_option
def stop(actor: str, reason: str) -> None:
    """Stop the running experiment: all traffic to the champion."""
    ask(Settings(), ControlAction.STOP_EXPERIMENT, actor, reason)


@experiment.command()
@actor_option
@reason_option
def promote(actor: str, reason: str) -> None:
    """Make the challenger the champion (the old champion is kept for rollback)."""
    ask(Settings(), ControlAction.PROMOTE_CHALLENGER, actor, reason)


@experiment.command()
@click.option("--share", type=click.FloatRange(0, 1), help="Set this share instead.")
@actor_option
@reason_option
def step(share: float | None, actor: str, reason: str) -> None:
    """Move a canary to its next step (or set the treatment share)."""
    if share is None:
        ask(Settings(), ControlAction.NEXT_STEP, actor, reason)
    else:
        ask(Settings(), ControlAction.SET_SHARE, actor, reason, treatment_share=share)


@experiment.command()
@click.option("--publish", is_flag=True,
              help="Also publish the look on experiments.reports and keep it as the state "
                   "the next look continues from, as the agents do every "
                   "LEADSTREAM_REPORT_INTERVAL_S (needs the agents' write access).")
@json_option
def report(publish: bool, as_json: bool) -> None:
    """Take a look at the running canary/A/B now and print it (read only: any principal
    that may read models.control and Redis; --publish also records it). Of a running
    shadow: both models on the labelled leads, with the paired test."""
    settings = Settings()
    config = latest_config(settings, settings.model_name)
    if config is None:
        raise FatalError(f"no serving configuration for {settings.model_name}")
    if config.mode is ServingMode.SHADOW:  # both models on the labelled leads
        if publish:
            raise click.UsageError("--publish records a canary's or an A/B's look; a "
                                   "shadow's report is read only")
        return shadow_report(settings, config, as_json)
    if publish:
        from streams.agents.reports import publish_look

        look = publish_look(settings, config)
    else:
        from streams.stores.experiments import look_now

        look = look_now(settings, config)
    from streams.stores.experiments import read_progress

    progress = read_progress(settings, look.experiment_id)
    view = progress_view(progress, look.treatment.assigned or 0) if progress else None
    if as_json:  # an experiments.reports record, and the canary's progression (or null)
        print_json(look.model_dump(mode="json") | {"progression": view})
    else:
        print_report(look)
        if view is not None:
            print_progress(view)


def print_progress(v: dict) -> None:
    shares = " -> ".join(f"{s:.0%}" for s in v["shares"])
    console().print(
        f"[bold]progression[/] step {v['step']}/{v['steps']} at {v['share']:.0%} ({shares}); "
        f"dwell {v['windows_at_step']}/{v['min_windows']} windows, {v['leads_at_step']}/"
        f"{v['min_samples']} leads; {v['windows']}/{v['max_windows']} windows in all")
    console().print(f"last decision: {v['last_action'] or '-'} "
                    f"({'; '.join(v['last_reasons']) or 'no window closed yet'})")
    console().print(f"next: {v['next']}")


def print_report(r: ExperimentReport) -> None:
    table = Table(title=f"{r.experiment_id} ({r.mode.value}, share {r.treatment_share:g})")
    for col in ("arm", "version", "assigned", "outcomes", "conversions", "rate"):
        table.add_column(col)
    for arm in (r.control, r.treatment):
        rate = f"{arm.conversion_rate:.4f}" if arm.conversion_rate is not None else "-"
        table.add_row(arm.variant.value, arm.model_version or "-", str(arm.assigned or "-"),
                      str(arm.outcomes), str(arm.conversions), rate)
    console().print(fit_columns(table, arm=9))
    ci = r.sequential_ci
    console().print(f"SRM p={r.srm_p_value:.3g} ({'ok' if r.srm_ok else 'MISMATCH'}); "
                  f"lift {_fmt(r.absolute_lift.estimate)} [{_fmt(r.absolute_lift.lower)}, "
                  f"{_fmt(r.absolute_lift.upper)}]; sequential p={r.sequential_p_value:.3g}, "
                  f"always-valid CI [{_fmt(ci.lower)}, {_fmt(ci.upper)}] after "
                  f"{r.sequential_looks} looks{_horizon(r)}")
    console().print(f"[bold]{r.recommendation.value}[/]: {'; '.join(r.reasons)}")


def _horizon(r: ExperimentReport) -> str:
    """How far a horizon-bounded test has come (nothing for the open-ended mSPRT)."""
    if r.sequential_ci.method != "bounded_repeated_ci":
        return ""
    return f" (bounded test: {min(r.information, 1.0):.0%} of its horizon)"


def _fmt(x: float | None) -> str:
    return "-" if x is None else f"{x:+.4f}"


@experiment.command("shadow-summary")
@click.option("--challenger", help="Only this challenger version.")
@click.option("--alpha", type=click.FloatRange(0, 1, min_open=True, max_open=True),
              help="Level of the paired test  [default: LEADSTREAM_EXPERIMENT_ALPHA]")
@click.option("--min-labels", type=click.IntRange(4), help="Labelled leads before the test "
              "is read  [default: LEADSTREAM_MONITOR_MIN_LABELS]")
@json_option
def shadow_summary(challenger: str | None, alpha: float | None, min_labels: int | None,
                   as_json: bool) -> None:
    """Summarise scores.shadow (count, mean |diff|, correlation, grades, latency) and, on
    the leads both models scored that have an outcome, each model's AUC, precision at the
    top 10 % and calibration side by side, with DeLong's paired test and which ranks leads
    better."""
    settings = Settings()
    by_pair: dict[tuple[str, str], ShadowSummary] = {}
    chunk: dict[tuple[str, str], list[ShadowComparison]] = {}

    def fold() -> None:
        for pair, rows in chunk.items():
            by_pair[pair] = by_pair.get(pair, ShadowSummary()).merge(ShadowSummary.of(rows))
        chunk.clear()

    with TopicReader(settings, settings.topic_scores_shadow) as reader:
        for i, rec in enumerate(reader.to_end(), 1):
            c = ShadowComparison.model_validate_json(rec.value or b"")
            if c.model_name == settings.model_name and challenger in (None, c.challenger_version):
                chunk.setdefault((c.champion_version, c.challenger_version), []).append(c)
            if i % 10_000 == 0:
                fold()
    fold()
    quality = {pair: quality_of(settings, pair, alpha or settings.experiment_alpha,
                                min_labels or settings.monitor_min_labels) for pair in by_pair}
    if as_json:
        print_json(shadow_doc(by_pair, quality))
    else:
        print_shadow(by_pair, quality)
