"""What ``leadstream experiment report`` says about a canary's progression: where it stands
(step, dwell), the last decision and what the next one needs (pure: progress and a look in,
a JSON-ready dict out; counts and shares only); for a shadow run under a policy,
:func:`shadow_view` (no steps: what promotes it, the last decision)."""

from __future__ import annotations

from scoring.experiments.progression import Progress


def progress_view(p: Progress, treatment_assigned: int) -> dict:
    if p.shadow_of is not None:
        return shadow_view(p)
    pol = p.policy
    served = max(0, treatment_assigned - p.step_start_assigned)
    more_windows = max(0, pol.min_windows - p.step_windows - 1)
    more_leads = max(0, pol.min_samples - served)
    if p.finished:
        upcoming = f"none: finished ({p.last_action.value if p.last_action else '-'})"
    elif not p.last_step:
        upcoming = (f"advance to {pol.steps[p.step + 1]:.0%} at the close of the "
                    f"{more_windows + 1}{_nth(more_windows + 1)} window from now at the "
                    f"earliest, once {more_leads} more leads are served, every guardrail it "
                    "needs is HEALTHY and the treatment is not significantly worse")
    else:
        upcoming = (f"promote when the always-valid CI's lower bound is above -{pol.margin:g} "
                    f"with {pol.min_outcomes_per_arm} outcomes per arm (dwell: "
                    f"{more_windows} more window(s), {more_leads} more leads)")
    left = max(0, pol.max_windows - p.total_windows)
    return {"experiment_id": p.experiment_id, "step": p.step + 1, "steps": len(pol.steps),
            "share": p.share, "shares": list(pol.steps), "windows_at_step": p.step_windows,
            "min_windows": pol.min_windows, "leads_at_step": served,
            "min_samples": pol.min_samples, "windows": p.total_windows,
            "max_windows": pol.max_windows, "windows_left": left,
            "last_window_end_ms": p.last_window_end_ms,
            "last_action": p.last_action.value if p.last_action else None,
            "last_reasons": list(p.last_reasons), "finished": p.finished,
            "next": upcoming}


def _nth(n: int) -> str:
    return {1: "st", 2: "nd", 3: "rd"}.get(n if n < 20 else n % 10, "th")


def shadow_view(p: Progress) -> dict:
    """A shadow run's progression: windows seen, the last decision, what ends it."""
    pol = p.policy
    if p.finished:
        upcoming = f"none: finished ({p.last_action.value if p.last_action else '-'})"
    else:
        ends = (f"promote when the paired DeLong {1 - pol.alpha:.0%} CI of AUC(challenger) - "
                f"AUC(champion) lies above -{pol.auc_margin:g}" if pol.shadow_promote else
                "no promotion ([shadow] promote = false)")
        upcoming = (f"{ends}, with at least {pol.min_labels} labelled leads; abort if it lies "
                    f"below 0; stop after {pol.max_windows} windows")
    return {"experiment_id": p.experiment_id, "shadow_of": p.shadow_of,
            "min_labels": pol.min_labels, "alpha": pol.alpha, "auc_margin": pol.auc_margin,
            "promote": pol.shadow_promote, "windows": p.total_windows,
            "max_windows": pol.max_windows,
            "windows_left": max(0, pol.max_windows - p.total_windows),
            "last_window_end_ms": p.last_window_end_ms,
            "last_action": p.last_action.value if p.last_action else None,
            "last_reasons": list(p.last_reasons), "finished": p.finished, "next": upcoming}
