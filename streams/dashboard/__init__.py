"""``leadstream dashboard``: the live web cockpit (FastAPI + uvicorn, Jinja templates, a
little JavaScript, uPlot vendored from npm; updates pushed with server-sent events).

Modules:
  app          composition root: the FastAPI app, its routes and the feed's lifetime
  pages        the page registry and :class:`Dashboard` (payload per page)
  feed         the topics (read_committed, from the beginning) and Redis into the history
  ops_feed     Prometheus and Alertmanager, asked every few seconds, into the history
  prometheus   Prometheus's and Alertmanager's HTTP APIs (httpx); unreachable is said
  ops          the overview's operations panels: dead letters by reason, lag, liveness, sink
  deliveries   Alertmanager's alerts: state and receivers, kept after they resolve
  history      bounded in-memory history (age and count), with a revision to wait on
  series       columnar window series and per-window score histograms (fast 30-day pages)
  events       server-sent events: a page's payload pushed on every change
  charts       downsampled time series and tables (every chart has a table equivalent)
  overview     serving configuration, guardrails with evidence, throughput, latency, liveness
  drift        PSI per feature, drifted share, missing rates, reference vs current bins
  performance  realized vs estimated (CBPE) quality, calibration, conversion by grade
  experiments  arms, lift, sequential p-value over looks, SRM, recommendation
  audit        the models page (audit trail, rollbacks, retrain) and the alerts page
  labels       realized calibration and conversion by grade from Redis's labelled scores
  profiles     reference profiles from the registry and current bin counts from samples
  diagnosis    the diagnose page: ``leadstream diagnose``'s report, rebuilt on a thread

Static files: ``templates/page.html``, ``static/dashboard.js``, ``static/dashboard.css``,
``static/vendor/uplot/`` (uPlot, MIT; version in ``VERSION``).
"""

__all__ = ["app", "audit", "charts", "deliveries", "diagnosis", "drift", "events",
           "experiments", "feed", "history", "labels", "ops", "ops_feed", "overview", "pages",
           "performance", "profiles", "prometheus", "series"]
