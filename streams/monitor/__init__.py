"""The monitor runtime between the faust agents and the pure monitors: window state in
tables (``runtime``, ``codec``), what is read from Redis when a window closes (``sources``),
the thresholds from settings (``config``) and Prometheus metrics (``metrics``).

May import the core, ``streams.stores`` and ``streams.settings``; knows no faust.
"""

__all__ = ["codec", "config", "metrics", "runtime", "sources"]
