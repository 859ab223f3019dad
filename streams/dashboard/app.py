"""The dashboard's composition root: a FastAPI app over one :class:`Dashboard`.

Routes: ``/`` and ``/<page>`` (HTML shells from ``templates/``), ``/api/<page>`` (the
page's JSON payload), ``/events/<page>`` (server-sent events pushing the payload on every
change), ``/static/...`` (the page script, styles and the vendored uPlot). ``build_app``
wires the feed from the settings; ``create_app`` takes a ready :class:`Dashboard` (tests
fill its history by hand).
"""

from __future__ import annotations

from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import HTMLResponse, StreamingResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from streams.dashboard.diagnosis import Diagnoses
from streams.dashboard.events import page_events
from streams.dashboard.feed import Feed
from streams.dashboard.history import History
from streams.dashboard.ops_feed import OpsFeed
from streams.dashboard.pages import PAGES, Dashboard
from streams.dashboard.profiles import Profiles
from streams.diagnose.collect import diagnosis_report
from streams.settings import Settings

HERE = Path(__file__).parent
UPLOT_VERSION = "1.6.32"
"""The uPlot release vendored in ``static/vendor/uplot`` (``npm pack uplot``; MIT)."""


def create_app(dash: Dashboard) -> FastAPI:
    @asynccontextmanager
    async def lifespan(_app: FastAPI):
        for feed in (dash.feed, dash.ops):
            if feed is not None:
                feed.start()
        yield
        for feed in (dash.feed, dash.ops):
            if feed is not None:
                feed.stop()

    app = FastAPI(title="leadstream dashboard", lifespan=lifespan, docs_url=None,
                  redoc_url=None)
    templates = Jinja2Templates(directory=HERE / "templates")
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")

    def known(page: str) -> str:
        if page not in PAGES:
            raise HTTPException(404, f"no page {page!r}")
        return page

    @app.get("/", response_class=HTMLResponse)
    @app.get("/{page}", response_class=HTMLResponse)
    def html(request: Request, page: str = "overview") -> HTMLResponse:
        return templates.TemplateResponse(request, "page.html", {
            "page": known(page), "pages": PAGES, "model": dash.model,
            "uplot_version": UPLOT_VERSION})

    @app.get("/api/{page}")
    def api(page: str, feature: str | None = None) -> dict:
        return dash.payload(known(page), feature)

    @app.get("/events/{page}")
    async def events(request: Request, page: str, feature: str | None = None):
        known(page)
        stream = page_events(dash.history, lambda: dash.payload(page, feature),
                             request.is_disconnected)
        return StreamingResponse(stream, media_type="text/event-stream",
                                 headers={"Cache-Control": "no-store"})

    return app


def build_app(settings: Settings, model: str | None = None) -> FastAPI:
    """The app fed from the topics and Redis named by ``settings``."""
    name = model or settings.model_name
    history = History(settings.dashboard_history_days * 86_400, settings.dashboard_max_windows,
                      settings.monitor_window_s)
    diagnoses = Diagnoses(lambda: diagnosis_report(settings, name), on_ready=history.touch)
    return create_app(Dashboard(settings, name, history, Feed(settings, name, history),
                                Profiles(settings, name, history.touch), diagnoses,
                                OpsFeed(settings, history)))
