/* Statistics dashboards: draws every chart of the page with the vendored Apache ECharts.
 *
 * The page embeds each chart's data as JSON (json_script "stats-chart-data": categories and series built by
 * stats/charts.py; "stats-map-data": the children's centroids and rates from stats/map.py). Nothing here is
 * inline in the page: the Content-Security-Policy allows scripts from our own origin only.
 * Numbers are formatted in the page's language (vi: 1.234 and 0,95%). Each chart can be saved as PNG (from
 * the canvas) or SVG (drawn again off screen by the SVG renderer). Charts follow their box on resize. */
(function () {
  "use strict";

  var lang = (document.documentElement.lang || "vi").slice(0, 2);
  var locale = lang === "en" ? "en-US" : "vi-VN";
  var intFormat = new Intl.NumberFormat(locale, { maximumFractionDigits: 0 });
  var pctFormat = new Intl.NumberFormat(locale, { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  // Axis ticks carry only the decimals they need ("3,5%" beside "3%"), so a scale reads evenly.
  var tickPctFormat = new Intl.NumberFormat(locale, { maximumFractionDigits: 2 });
  var PALETTE = ["#c8102e", "#e08a00", "#0b4f8a", "#2e7d32", "#6a1b9a", "#00838f", "#8d6e63", "#ad1457",
    "#558b2f", "#3949ab", "#f9a825", "#546e7a", "#d84315", "#00695c", "#7b1fa2", "#9e9d24"];
  var SHARE_COLOURS = ["#c8102e", "#e08a00", "#c5d3e0"];
  var RATE_COLOURS = ["#fff3c4", "#fdb863", "#e66101", "#b2182b", "#67001f"];
  var charts = {};
  var MAX_ROWS = 30;

  function fmt(value, unit) {
    if (value === null || value === undefined || Number.isNaN(value)) { return "–"; }
    return unit === "percent" ? pctFormat.format(value) + "%" : intFormat.format(value);
  }

  function readJson(id) {
    var node = document.getElementById(id);
    if (!node) { return null; }
    try { return JSON.parse(node.textContent); } catch (e) { return null; }
  }

  function tooltipRows(spec, index) {
    var lines = ["<strong>" + escapeHtml(spec.categories[index]) + "</strong>"];
    spec.series.forEach(function (s) {
      lines.push(escapeHtml(s.name) + ": <strong>" + fmt(s.values[index], s.unit) + "</strong>");
    });
    return lines.join("<br>");
  }

  function escapeHtml(text) {
    return String(text).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", "\"": "&quot;", "'": "&#39;" }[c];
    });
  }

  /* The legend wraps onto as many lines as it needs; the plot starts below it (a rough width per item). */
  function legendHeight(series, width, narrow) {
    var charWidth = narrow ? 6 : 6.6;
    var lines = 1;
    var used = 0;
    series.forEach(function (s) {
      var item = s.name.length * charWidth + 34;
      if (used && used + item > width) { lines += 1; used = 0; }
      used += item;
    });
    return lines * 20 + 14;
  }

  function chartOption(spec, width) {
    var narrow = width < 520;
    var drawn = spec.series.filter(function (s) { return s.drawn; });
    var hasCount = drawn.some(function (s) { return s.unit !== "percent"; });
    var hasPercent = drawn.some(function (s) { return s.unit === "percent"; });
    var twoAxes = hasCount && hasPercent;
    var shares = drawn.every(function (s) { return s.stack === "share"; });
    var valueAxes = [];
    if (hasCount || !hasPercent) {
      valueAxes.push({ type: "value", splitNumber: narrow ? 4 : 5,
        axisLabel: { hideOverlap: true, formatter: function (v) { return fmt(v, "count"); } }, minInterval: 1 });
    }
    if (hasPercent) {
      // Fewer ticks on a phone: "0% 10% 20% …" ran into each other under a horizontal bar chart.
      valueAxes.push({ type: "value", max: shares ? 100 : null, splitLine: { show: !twoAxes },
        splitNumber: narrow ? 4 : 5,
        axisLabel: { hideOverlap: true, formatter: function (v) { return tickPctFormat.format(v) + "%"; } } });
    }
    var labelWidth = narrow ? 110 : 190;
    var categoryAxis = { type: "category", data: spec.categories, inverse: spec.horizontal,
      axisLabel: spec.horizontal ? { width: labelWidth, overflow: "break", lineHeight: 14 } :
        { interval: 0, hideOverlap: true } };
    var colours = shares ? SHARE_COLOURS : PALETTE;
    var series = drawn.map(function (s, i) {
      var axis = twoAxes && s.unit === "percent" ? 1 : 0;
      var item = { name: s.name, type: s.kind, data: s.values, color: colours[i % colours.length],
        emphasis: { focus: "series" } };
      if (s.stack) { item.stack = s.stack; }
      if (s.kind === "line") { item.symbolSize = 7; item.lineStyle = { width: 3 }; }
      if (s.kind === "bar" && !s.stack) { item.barMaxWidth = 28; }
      if (spec.horizontal) { item.xAxisIndex = axis; } else { item.yAxisIndex = axis; }
      return item;
    });
    // Many units (a province's communes): show the first rows and scroll the rest with a slider.
    var zoom = spec.horizontal && spec.categories.length > MAX_ROWS ? [
      { type: "slider", yAxisIndex: 0, startValue: 0, endValue: MAX_ROWS - 1, right: 4, width: 18,
        showDetail: false, brushSelect: false },
      { type: "inside", yAxisIndex: 0, zoomOnMouseWheel: false, moveOnMouseWheel: true, moveOnMouseMove: false }
    ] : [];
    return {
      dataZoom: zoom,
      animationDuration: 300,
      textStyle: { fontFamily: "system-ui, 'Segoe UI', Roboto, 'Noto Sans', Arial, sans-serif" },
      legend: { top: 0, left: 0, right: 0, itemGap: 8, textStyle: { fontSize: narrow ? 11 : 12 } },
      grid: { left: 4, right: zoom.length ? 34 : (twoAxes && !spec.horizontal ? 8 : 16), top: legendHeight(drawn, width, narrow),
        bottom: 4, containLabel: true },
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, confine: true,
        formatter: function (params) { return tooltipRows(spec, params[0].dataIndex); } },
      xAxis: spec.horizontal ? valueAxes : categoryAxis,
      yAxis: spec.horizontal ? categoryAxis : valueAxes,
      series: series
    };
  }

  function sizeFor(el, spec) {
    if (!spec || !spec.horizontal) { return; }
    var bars = spec.series.filter(function (s) { return s.drawn && !s.stack; }).length || 1;
    var rows = Math.min(spec.categories.length, MAX_ROWS);
    var labelLines = el.clientWidth < 520 ? 3 : 2;
    el.style.height = Math.max(220, Math.min(2400, rows * Math.max(bars * 14 + 18, labelLines * 15 + 8) +
      legendHeight(spec.series.filter(function (s) { return s.drawn; }), el.clientWidth, el.clientWidth < 520) +
      40)) + "px";
  }

  /* The map: bubbles on a longitude/latitude plane (no tiles), or the province's boundaries when uploaded. */
  function mapOption(data, narrow, boundaryKey) {
    var points = data.points;
    var rates = points.map(function (p) { return p.rate || 0; });
    var maxRate = Math.max.apply(null, rates.concat([0.01]));
    var maxPoor = Math.max.apply(null, points.map(function (p) { return p.poor; }).concat([1]));
    var visualMap = { type: "continuous", min: 0, max: Math.ceil(maxRate * 10) / 10, calculable: !narrow,
      orient: narrow ? "horizontal" : "vertical", left: narrow ? "center" : 0, bottom: 0,
      text: narrow ? [fmt(Math.ceil(maxRate * 10) / 10, "percent"), "0%"] : null,
      inRange: { color: RATE_COLOURS }, outOfRange: { color: "#b0bec5" },
      dimension: boundaryKey ? undefined : 2, seriesIndex: 0, formatter: function (v) { return fmt(v, "percent"); } };
    var tooltip = { trigger: "item", confine: true, formatter: function (params) {
      var p = params.data && params.data.point;
      if (!p) { return escapeHtml(params.name || ""); }
      return "<strong>" + escapeHtml(p.name) + "</strong><br>" +
        escapeHtml(data.labels.poor) + ": <strong>" + fmt(p.poor, "count") + "</strong> (" + fmt(p.rate, "percent") +
        ")<br>" + escapeHtml(data.labels.near_poor) + ": " + fmt(p.near_poor, "count") + "<br>" +
        escapeHtml(data.labels.households) + ": " + fmt(p.households, "count");
    } };
    if (boundaryKey) {
      return { tooltip: tooltip, visualMap: visualMap, series: [{ type: "map", map: boundaryKey, roam: true,
        nameProperty: data.code_property, itemStyle: { areaColor: "#eceff1", borderColor: "#78909c" },
        label: { show: false }, emphasis: { label: { show: false } },
        data: points.map(function (p) { return { name: p.code, value: p.rate, point: p }; }) }] };
    }
    var located = points.filter(function (p) { return p.lon !== null && p.lat !== null; });
    var lons = located.map(function (p) { return p.lon; });
    var lats = located.map(function (p) { return p.lat; });
    var box = { minLon: Math.min.apply(null, lons), maxLon: Math.max.apply(null, lons),
      minLat: Math.min.apply(null, lats), maxLat: Math.max.apply(null, lats) };
    return { tooltip: tooltip, visualMap: visualMap, box: box,
      xAxis: { type: "value", show: false, scale: true }, yAxis: { type: "value", show: false, scale: true },
      grid: { left: narrow ? 8 : 90, right: 8, top: 8, bottom: narrow ? 56 : 8 },
      series: [{ type: "scatter", data: located.map(function (p) {
        // A unit with no households yet has no rate: grey, below the colour scale.
        return { value: [p.lon, p.lat, p.rate === null ? -1 : p.rate], point: p, name: p.name };
      }), symbolSize: function (value, params) {
        return 6 + 34 * Math.sqrt((params.data.point.poor || 0) / maxPoor);
      }, itemStyle: { borderColor: "#37474f", borderWidth: 0.6, opacity: 0.9 } }] };
  }

  /* Equal scale on both axes (a degree of longitude shortened by cos(latitude)), so the province keeps its
     shape whatever the box. */
  function fitBox(option, el) {
    var box = option.box;
    delete option.box;
    if (!box) { return option; }
    var width = Math.max(el.clientWidth - option.grid.left - option.grid.right, 50);
    var height = Math.max(el.clientHeight - option.grid.top - option.grid.bottom, 50);
    var midLat = (box.minLat + box.maxLat) / 2;
    var kx = Math.cos(midLat * Math.PI / 180);
    var spanLon = Math.max(box.maxLon - box.minLon, 0.02) * 1.12;
    var spanLat = Math.max(box.maxLat - box.minLat, 0.02) * 1.12;
    if (spanLon * kx / spanLat > width / height) { spanLat = spanLon * kx * height / width; }
    else { spanLon = spanLat * width / height / kx; }
    var cLon = (box.minLon + box.maxLon) / 2;
    var cLat = (box.minLat + box.maxLat) / 2;
    option.xAxis.min = cLon - spanLon / 2; option.xAxis.max = cLon + spanLon / 2;
    option.yAxis.min = cLat - spanLat / 2; option.yAxis.max = cLat + spanLat / 2;
    option.xAxis.scale = option.yAxis.scale = false;
    return option;
  }

  function draw(el, option) {
    var chart = echarts.init(el, null, { renderer: "canvas" });
    chart.setOption(option);
    charts[el.getAttribute("data-chart")] = { chart: chart, el: el, option: option };
    return chart;
  }

  function drawMap(el, data) {
    var narrow = el.clientWidth < 520;
    var key = el.getAttribute("data-boundary-key");
    if (key) {
      fetch(el.getAttribute("data-boundary"), { credentials: "same-origin" })
        .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
        .then(function (geojson) {
          echarts.registerMap(key, geojson);
          var chart = draw(el, mapOption(data, narrow, key));
          chart.on("click", openUnit);
        })
        .catch(function () { drawBubbles(el, data, narrow); });
      return;
    }
    drawBubbles(el, data, narrow);
  }

  function drawBubbles(el, data, narrow) {
    var chart = draw(el, fitBox(mapOption(data, narrow, ""), el));
    chart.on("click", openUnit);
  }

  /* Bubbles or the cells around the centroids (stats/map.py::centroid_cells), drawn as a choropleth. */
  function switchMap(button, mapData) {
    var entry = charts["ban-do"];
    if (!entry || !mapData || !mapData.cells) { return; }
    var view = button.getAttribute("data-map-view");
    button.parentNode.querySelectorAll("[data-map-view]").forEach(function (b) {
      b.setAttribute("aria-pressed", b === button ? "true" : "false");
    });
    var narrow = entry.el.clientWidth < 520;
    var option;
    if (view === "cells") {
      echarts.registerMap("cells", mapData.cells);
      option = mapOption(mapData, narrow, "cells");
    } else {
      option = fitBox(mapOption(mapData, narrow, ""), entry.el);
    }
    entry.chart.setOption(option, true);
    entry.option = option;
  }

  function openUnit(params) {
    var p = params.data && params.data.point;
    if (p && p.url) { window.location.href = p.url; }
  }

  function saveBlob(blob, filename) {
    var url = URL.createObjectURL(blob);
    var a = document.createElement("a");
    a.href = url;
    a.download = filename;
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(function () { URL.revokeObjectURL(url); }, 10000);
  }

  function download(slug, kind) {
    var entry = charts[slug];
    if (!entry) { return; }
    var filename = (entry.el.getAttribute("data-filename") || slug) + "." + kind;
    if (kind === "png") {
      // Decoded here rather than fetched: the Content-Security-Policy does not let fetch() read data: URLs.
      var dataUrl = entry.chart.getDataURL({ type: "png", pixelRatio: 2, backgroundColor: "#fff" });
      var bytes = atob(dataUrl.slice(dataUrl.indexOf(",") + 1));
      var buffer = new Uint8Array(bytes.length);
      for (var i = 0; i < bytes.length; i += 1) { buffer[i] = bytes.charCodeAt(i); }
      saveBlob(new Blob([buffer], { type: "image/png" }), filename);
      return;
    }
    var holder = document.createElement("div");
    holder.style.cssText = "position:absolute;left:-10000px;top:0;width:" + entry.el.clientWidth + "px;height:" +
      entry.el.clientHeight + "px";
    document.body.appendChild(holder);
    var svgChart = echarts.init(holder, null, { renderer: "svg", width: entry.el.clientWidth,
      height: entry.el.clientHeight });
    var option = entry.chart.getOption();
    option.animation = false;
    option.backgroundColor = "#fff";
    svgChart.setOption(option);
    var svg = svgChart.renderToSVGString();
    svgChart.dispose();
    holder.remove();
    saveBlob(new Blob([svg], { type: "image/svg+xml;charset=utf-8" }), filename);
  }

  function sortTable(button) {
    var th = button.closest("th");
    var table = th.closest("table");
    var index = Array.prototype.indexOf.call(th.parentNode.children, th);
    var numeric = button.getAttribute("data-sort") === "num";
    var ascending = th.getAttribute("aria-sort") !== "ascending";
    table.querySelectorAll("thead th").forEach(function (h) { h.removeAttribute("aria-sort"); });
    th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    rows.sort(function (a, b) {
      var x = a.cells[index].getAttribute("data-value") || "";
      var y = b.cells[index].getAttribute("data-value") || "";
      var order = numeric ? parseFloat(x) - parseFloat(y) : x.localeCompare(y, locale);
      return ascending ? order : -order;
    });
    rows.forEach(function (row) { body.appendChild(row); });
  }

  function start() {
    document.addEventListener("click", function (event) {
      var target = event.target.closest("[data-chart-download], [data-sort], [data-map-view]");
      if (!target) { return; }
      if (target.hasAttribute("data-sort")) { sortTable(target); return; }
      if (target.hasAttribute("data-map-view")) { switchMap(target, readJson("stats-map-data")); return; }
      download(target.getAttribute("data-chart"), target.getAttribute("data-chart-download"));
      var menu = target.closest("details");
      if (menu) { menu.open = false; }
    });
    document.querySelectorAll("[data-sort]").forEach(function (b) { b.closest("table").classList.add("is-sortable"); });
    if (typeof echarts === "undefined") { return; }
    var specs = readJson("stats-chart-data") || {};
    var mapData = readJson("stats-map-data");
    document.querySelectorAll(".stats-chart[data-chart]").forEach(function (el) {
      var slug = el.getAttribute("data-chart");
      if (slug === "ban-do") {
        if (mapData) { drawMap(el, mapData); }
        return;
      }
      var spec = specs[slug];
      if (!spec) { return; }
      sizeFor(el, spec);
      draw(el, chartOption(spec, el.clientWidth));
    });
    var pending = null;
    window.addEventListener("resize", function () {
      clearTimeout(pending);
      pending = setTimeout(function () {
        Object.keys(charts).forEach(function (slug) {
          var entry = charts[slug];
          if (slug === "ban-do" && entry.option.xAxis) {
            entry.chart.setOption(fitBox(mapOption(mapData, entry.el.clientWidth < 520, ""), entry.el));
          }
          entry.chart.resize();
        });
      }, 150);
    });
  }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
}());
