"""pytest plugin loaded only by `make mutate` (see ``[tool.mutmut]`` in pyproject.toml).

mutmut 3.7 reads ``item._nodeid``, which pytest 9 removed; 3.8.1 fixed that but needs
click >= 8.4.2, and faust-streaming pins click < 8.4, so the dev extras resolve to 3.7.
This restores the old attribute as an alias of ``nodeid``, and only when it is missing.
"""

from _pytest.nodes import Node

if not hasattr(Node, "_nodeid"):
    Node._nodeid = property(lambda self: self.nodeid)  # type: ignore[attr-defined]
