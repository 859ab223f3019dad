"""Experiments watched at many looks: cumulative per-arm counts that only grow."""

from __future__ import annotations

from hypothesis import strategies as st

from scoring.experiments.counts import ArmCounts


@st.composite
def count_paths(draw, max_looks: int = 30, max_step: int = 3000):
    """Looks of (control, treatment) cumulative counts: each look adds leads to both arms
    (zero included) and conversions at any rate, from a near-zero to a near-one rate."""
    looks = []
    xc = nc = xt = nt = 0
    for _ in range(draw(st.integers(1, max_looks))):
        dc, dt = draw(st.integers(0, max_step)), draw(st.integers(0, max_step))
        xc += draw(st.integers(0, dc))
        xt += draw(st.integers(0, dt))
        nc, nt = nc + dc, nt + dt
        looks.append((ArmCounts(nc, xc), ArmCounts(nt, xt)))
    return looks
