// leadstream dashboard: renders a page's payload and re-renders on every server-sent event.
// No build step; uPlot (vendored) draws the charts; every chart has its table beneath.
"use strict";
(function () {
  // Okabe–Ito: distinguishable with the common colour-vision deficiencies.
  const PALETTE = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9",
                   "#000000", "#F0E442"];
  const page = document.body.dataset.page;
  const plots = new Map();
  let source = null;
  let feature = new URLSearchParams(location.search).get("feature");

  function el(tag, attrs, text) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function fmtCell(v) {
    if (v === null || v === undefined) return "—";
    if (typeof v === "number") return Number.isInteger(v) ? String(v) : v.toPrecision(4);
    return String(v);
  }

  function tableNode(t) {
    const wrap = el("section", {"class": "table", "id": "t-" + t.id});
    wrap.appendChild(el("h2", {}, t.title));
    if (t.note) wrap.appendChild(el("p", {"class": "note"}, t.note));
    if (!t.rows.length) { wrap.appendChild(el("p", {"class": "note"}, "nothing yet")); return wrap; }
    const table = el("table");
    const head = el("tr");
    t.columns.forEach(c => head.appendChild(el("th", {"scope": "col"}, c)));
    table.appendChild(el("thead")).appendChild(head);
    const body = table.appendChild(el("tbody"));
    t.rows.forEach(r => {
      const tr = el("tr");
      r.forEach(c => tr.appendChild(el("td", typeof c === "number" ? {"class": "num"} : {},
                                       fmtCell(c))));
      body.appendChild(tr);
    });
    wrap.appendChild(table);
    return wrap;
  }

  function chartTable(c, xLabels) {
    const rows = c.x.map((x, i) => [xLabels ? xLabels[i] : new Date(x * 1000).toISOString()
      .replace("T", " ").slice(0, 19)].concat(c.series.map(s => s.values[i])));
    return tableNode({id: c.id + "-data", title: "Data table: " + c.title,
                      columns: [xLabels ? "bin" : "time (UTC)"].concat(c.series.map(s => s.label)),
                      rows: rows.slice(-200), note: rows.length > 200 ? "last 200 of "
                      + rows.length + " points" : ""});
  }

  // A bin's lower edge ("0.05 to 0.10" -> "0.05"); categories and "missing" as they are.
  function shortBin(label) {
    return label === undefined ? "" : String(label).split(" to ")[0];
  }

  function drawChart(container, c, xLabels) {
    const width = Math.max(320, Math.min(1100, container.clientWidth - 20));
    const series = [{}].concat(c.series.map((s, i) => ({
      label: s.label, stroke: PALETTE[i % PALETTE.length], width: s.dash ? 1.5 : 2,
      dash: s.dash ? [6, 4] : (i >= PALETTE.length ? [2, 2] : undefined),
      paths: xLabels ? uPlot.paths.stepped({align: 1}) : undefined, spanGaps: false,
    })));
    const opts = {width: width, height: 220, series: series,
                  scales: {x: {time: !xLabels}}, legend: {live: true},
                  axes: [xLabels ? {space: 60, values: (u, ticks) => ticks.map(t =>
                                     Number.isInteger(t) ? shortBin(xLabels[t]) : "")}
                                 : {}, {label: c.y_label || ""}]};
    const data = [c.x].concat(c.series.map(s => s.values));
    const key = c.id + "|" + c.series.map(s => s.label).join(",") + "|" + !!xLabels;
    const old = plots.get(c.id);
    if (old && old.key === key && old.root.isConnected) {
      old.plot.setData(data);
      return old.root;
    }
    if (old) old.plot.destroy();
    const root = el("div", {"class": "plot"});
    const plot = new uPlot(opts, data, root);
    plots.set(c.id, {key: key, plot: plot, root: root});
    return root;
  }

  function chartNode(c, xLabels) {
    const box = el("section", {"class": "chart", "id": "c-" + c.id,
                               "data-points": String(c.x.length),
                               "data-values": String(c.series.filter(s => !s.dash)
                                 .reduce((n, s) => n + s.values.filter(v => v !== null).length, 0))});
    box.appendChild(el("h2", {}, c.title));
    if (c.note) box.appendChild(el("p", {"class": "note"}, c.note));
    box.appendChild(drawChart(document.getElementById("charts"), c, xLabels));
    const details = el("details");
    details.appendChild(el("summary", {}, "Table of this chart's numbers"));
    details.appendChild(chartTable(c, xLabels));
    box.appendChild(details);
    return box;
  }

  function replace(id, nodes) {
    const root = document.getElementById(id);
    root.replaceChildren(...nodes);
  }

  function render(p) {
    document.getElementById("title").textContent = p.title;
    document.body.dataset.revision = String(p.revision);
    const banner = document.getElementById("banner");
    const warn = p.feed_error || (p.caught_up ? "" : "reading the topics' history…");
    banner.hidden = !warn;
    banner.textContent = warn || "";
    replace("states", (p.states || []).map(s => el("span", {"class": "state " + s.state},
      s.role + " v" + s.version + ": " + s.state
      + (s.serving === false ? " (last window; no longer serving)" : ""))));
    replace("cards", (p.cards || []).map(c => {
      const card = el("section", {"class": "card"});
      card.appendChild(el("h2", {}, c.title));
      const list = card.appendChild(el("ul"));
      c.lines.forEach(l => list.appendChild(el("li", {}, l)));
      return card;
    }));
    const picker = document.getElementById("picker");
    picker.hidden = !(p.features && p.features.length);
    if (!picker.hidden) {
      const select = document.getElementById("feature");
      if (select.options.length !== p.features.length) {
        select.replaceChildren(...p.features.map(f => el("option", {"value": f}, f)));
      }
      select.value = p.feature;
    }
    replace("bars", p.bars ? [chartNode({id: p.bars.id, title: p.bars.title,
      x: p.bars.labels.map((_, i) => i), series: p.bars.series, y_label: "share"},
      p.bars.labels)] : []);
    replace("charts", (p.charts || []).map(c => chartNode(c)));
    replace("tables", (p.tables || []).map(tableNode));
    document.getElementById("empty").textContent = p.empty || "";
    document.getElementById("live").textContent = "live · updated " +
      new Date().toLocaleTimeString();
  }

  function connect() {
    if (source) source.close();
    const query = feature ? "?feature=" + encodeURIComponent(feature) : "";
    source = new EventSource("/events/" + page + query);
    source.addEventListener("payload", e => render(JSON.parse(e.data)));
    source.onerror = () => {
      document.getElementById("live").textContent = "reconnecting…";
    };
  }

  document.getElementById("feature").addEventListener("change", e => {
    feature = e.target.value;
    history.replaceState(null, "", "?feature=" + encodeURIComponent(feature));
    connect();
  });
  window.addEventListener("beforeunload", () => source && source.close());
  connect();
})();
