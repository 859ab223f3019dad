"""Grade scales: valid ones (names best first, bounds strictly decreasing to 0)."""

from __future__ import annotations

from hypothesis import strategies as st

__all__ = ["grade_scales"]


@st.composite
def grade_scales(draw) -> tuple[list[str], list[float]]:
    """``(names, bounds)`` of a valid scale of 1-8 grades."""
    n = draw(st.integers(1, 8))
    names = draw(st.lists(st.text("ABCDEFGHXYZ+-", min_size=1, max_size=3), min_size=n,
                          max_size=n, unique=True))
    inner = draw(st.lists(st.floats(0.001, 1.0), min_size=n - 1, max_size=n - 1, unique=True))
    return names, [*sorted(inner, reverse=True), 0.0]
