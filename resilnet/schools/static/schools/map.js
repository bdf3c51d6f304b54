/* The map of every school: MapLibre GL JS over the site's own vector tiles.
   Cells (features with `count`) at low zooms, schools (features with `id`) at high ones;
   the tile endpoint decides which, so this script only draws and asks.
   No inline script (the page's CSP): configuration and translations come as JSON. */
(function () {
  "use strict";

  var config = JSON.parse(document.getElementById("map-config").textContent);
  var t = JSON.parse(document.getElementById("map-strings").textContent);
  var form = document.getElementById("map-controls");
  var rtl = document.documentElement.dir === "rtl";
  // On a phone the filters start folded, leaving the screen to the map.
  if (window.matchMedia("(max-width: 48rem)").matches) form.querySelector("details").open = false;

  var STATUSES = ["good", "moderate", "bad", "no_internet", "unknown"];
  var COLOURS = {
    good: "#1a7f37", moderate: "#e08a00", bad: "#c62828", no_internet: "#5e35b1", unknown: "#8a939c"
  };
  var FILTERS = ["education_level", "area_type", "status", "source"];
  var DAY = 86400000;

  /* ---------- weeks (ISO 8601: weeks start on Monday, week 1 holds a Thursday) ---------- */

  function isoWeek(monday) {
    var thursday = new Date(monday.getTime() + 3 * DAY);
    var year = thursday.getUTCFullYear();
    var week = 1 + Math.floor((thursday - Date.UTC(year, 0, 1)) / (7 * DAY));
    return year + "-W" + (week < 10 ? "0" : "") + week;
  }

  var firstWeek = new Date(config.first_week + "T00:00:00Z");
  var lastWeek = new Date(config.last_week + "T00:00:00Z");
  var weekCount = Math.round((lastWeek - firstWeek) / (7 * DAY)) + 1;
  var weekIndex = weekCount - 1; // the last one means "latest": no week parameter at all

  function weekParam() {
    if (weekIndex === weekCount - 1) return "";
    return isoWeek(new Date(firstWeek.getTime() + weekIndex * 7 * DAY));
  }

  /* ---------- the tile URL: layer, filters and week in the query string ---------- */

  function query() {
    var data = new FormData(form);
    var params = new URLSearchParams();
    params.set("layer", data.get("layer") || "global");
    FILTERS.forEach(function (name) {
      if (data.get(name)) params.set(name, data.get(name));
    });
    if (weekParam()) params.set("week", weekParam());
    return params;
  }

  function tileUrl() {
    // Absolute: MapLibre fetches tiles in its worker, whose base URL is the worker file's.
    return location.origin + config.tiles + "?" + query().toString();
  }

  /* ---------- the map ---------- */

  maplibregl.setWorkerUrl(config.worker);

  var style = {
    version: 8,
    sources: {},
    layers: [{ id: "sea", type: "background", paint: { "background-color": "#dbe7f0" } }]
  };
  if (config.basemap) {
    style.sources.basemap = { type: "raster", tiles: [config.basemap], tileSize: 256 };
    style.layers.push({ id: "basemap", type: "raster", source: "basemap" });
  }

  var map = new maplibregl.Map({
    container: "map",
    style: style,
    center: [10, 10],
    zoom: 1,
    maxZoom: 18,
    attributionControl: { compact: true, customAttribution: t.attribution },
    dragRotate: false,
    pitchWithRotate: false
  });
  map.touchZoomRotate.disableRotation();
  map.addControl(new maplibregl.NavigationControl({ showCompass: false }), rtl ? "top-left" : "top-right");

  function dominantColour() {
    // The status with most schools in the cell; ties go to the earlier (better) status.
    var count = function (status) { return ["coalesce", ["get", status], 0]; };
    var expression = ["case"];
    STATUSES.forEach(function (status) {
      var beats = ["all"];
      STATUSES.forEach(function (other) {
        if (other !== status) beats.push([">=", count(status), count(other)]);
      });
      expression.push(beats, COLOURS[status]);
    });
    expression.push(COLOURS.unknown);
    return expression;
  }

  var statusColour = ["match", ["get", "status"]];
  STATUSES.forEach(function (status) { statusColour.push(status, COLOURS[status]); });
  statusColour.push(COLOURS.unknown);

  var atlas = fetch(config.atlas).then(function (response) { return response.json(); });

  function mend(countries) {
    // A ring that crosses the antimeridian (Fiji, Chukotka) would be drawn as a band
    // around the world: move its western half east of 180. Antarctica's ring, which
    // runs along the pole, stays as it is.
    countries.features.forEach(function (feature) {
      var geometry = feature.geometry;
      var polygons = geometry.type === "Polygon" ? [geometry.coordinates] : geometry.coordinates;
      polygons.forEach(function (polygon) {
        polygon.forEach(function (ring) {
          var crosses = ring.some(function (point, i) {
            return i > 0 && Math.abs(point[0] - ring[i - 1][0]) > 180;
          });
          var polar = ring.some(function (point) { return point[1] < -80; });
          if (crosses && !polar) ring.forEach(function (point) { if (point[0] < 0) point[0] += 360; });
        });
      });
    });
    return countries;
  }

  map.on("load", function () {
    atlas.then(function (topology) {
      var countries = mend(topojson.feature(topology, topology.objects.countries));
      map.addSource("countries", { type: "geojson", data: countries });
      var before = map.getLayer("cells") ? "cells" : undefined;
      if (!config.basemap) {
        map.addLayer({ id: "land", type: "fill", source: "countries", paint: { "fill-color": "#f7f5ef" } }, before);
      }
      map.addLayer({
        id: "borders", type: "line", source: "countries",
        paint: { "line-color": "#9aa5b1", "line-width": 0.6 }
      }, before);
    });

    map.addSource("schools", { type: "vector", tiles: [tileUrl()], minzoom: 0, maxzoom: 14 });
    map.addLayer({
      id: "cells", type: "circle", source: "schools", "source-layer": "schools",
      filter: ["has", "count"],
      paint: {
        "circle-color": dominantColour(),
        "circle-opacity": 0.85,
        "circle-radius": [
          "interpolate", ["linear"], ["sqrt", ["get", "count"]], 1, 4, 10, 9, 100, 20, 1000, 36
        ],
        "circle-stroke-color": "#ffffff",
        "circle-stroke-width": 1.5
      }
    });
    map.addLayer({
      id: "schools", type: "circle", source: "schools", "source-layer": "schools",
      filter: ["!", ["has", "count"]],
      paint: {
        "circle-color": statusColour,
        "circle-radius": ["interpolate", ["linear"], ["zoom"], 6, 3, 12, 6, 16, 9],
        "circle-stroke-color": "#ffffff",
        "circle-stroke-width": 1
      }
    });

    ["cells", "schools"].forEach(function (layer) {
      map.on("mouseenter", layer, function () { map.getCanvas().style.cursor = "pointer"; });
      map.on("mouseleave", layer, function () { map.getCanvas().style.cursor = ""; });
    });
    map.on("click", "cells", function (event) {
      var feature = event.features[0];
      map.easeTo({ center: feature.geometry.coordinates, zoom: Math.min(map.getZoom() + 2, 18) });
    });
    map.on("click", "schools", function (event) {
      // A plan's site drawn over this school answers the click instead.
      if (map.getLayer("overlay-sites") && map.queryRenderedFeatures(event.point, { layers: ["overlay-sites"] }).length) return;
      openSchool(event.features[0].properties.id);
    });
    if (config.overlay) showOverlay(config.overlay, true);
    map.on("idle", updateLegend);
    map.on("sourcedata", function (event) {
      if (event.sourceId !== "schools" || !askAgainWhenLoaded || !map.isSourceLoaded("schools")) return;
      askAgainWhenLoaded = false;
      map.getSource("schools").setTiles([tileUrl()]);
    });
  });

  // A tile still loading when the URL changes is finished from its old URL and kept:
  // MapLibre re-reads the data it fetched rather than fetching again. Such tiles are
  // asked for once more, from the URL of the moment, when every tile is in.
  var askAgainWhenLoaded = false;

  function refreshTiles() {
    var source = map.getSource("schools");
    if (source) {
      if (!map.isSourceLoaded("schools")) askAgainWhenLoaded = true;
      source.setTiles([tileUrl()]);
    }
    // The address keeps the layer and filters, so the view can be shared or reloaded.
    var params = query();
    params.delete("week");
    if (overlayKey) params.set("overlay", overlayKey);
    history.replaceState(null, "", "?" + params.toString());
  }

  form.addEventListener("change", function (event) {
    if (event.target.name === "country") return flyToCountry(event.target.value);
    if (event.target.id === "week-range") return;
    if (event.target.name === "overlay") {
      showOverlay(event.target.value, true);
      return refreshTiles();
    }
    refreshTiles();
  });
  form.addEventListener("submit", function (event) { event.preventDefault(); refreshTiles(); });

  /* ---------- the legend: schools per status among the features drawn ---------- */

  var legend = document.getElementById("legend");

  function updateLegend() {
    if (!map.getLayer("cells")) return;
    var counts = {};
    STATUSES.forEach(function (status) { counts[status] = 0; });
    var seen = {};
    map.queryRenderedFeatures({ layers: ["cells", "schools"] }).forEach(function (feature) {
      var p = feature.properties;
      // A feature near a tile's edge can be drawn from two tiles: count it once.
      var key = p.count !== undefined ? "c" + feature.geometry.coordinates.join(",") : "s" + p.id;
      if (seen[key]) return;
      seen[key] = true;
      if (p.count !== undefined) {
        STATUSES.forEach(function (status) { counts[status] += Number(p[status] || 0); });
      } else {
        counts[STATUSES.indexOf(p.status) >= 0 ? p.status : "unknown"] += 1;
      }
    });
    var layer = new FormData(form).get("layer");
    var total = 0;
    legend.textContent = "";
    STATUSES.forEach(function (status) {
      if (layer === "coverage" && status === "no_internet") return;
      total += counts[status];
      legend.appendChild(legendRow(COLOURS[status], t.status[status], counts[status]));
    });
    legend.appendChild(legendRow("", t.total, total));
  }

  function legendRow(colour, label, count) {
    var item = document.createElement("li");
    var swatch = document.createElement("span");
    swatch.className = "swatch";
    if (colour) swatch.style.background = colour;
    var name = document.createElement("span");
    name.textContent = label;
    var number = document.createElement("data");
    number.value = String(count);
    number.textContent = count.toLocaleString(document.documentElement.lang);
    item.append(swatch, name, number);
    return item;
  }

  /* ---------- an overlay from another module (a plan): points shaped and coloured by
     category, lines between them, a point's details on click ---------- */

  var overlayKey = "";
  var overlayLegend = document.getElementById("overlay-legend");
  var overlayItems = document.getElementById("overlay-items");
  var overlayLoads = 0;
  var ICON = 22;

  function shapePath(context, shape, size) {
    var c = size / 2, r = size * 0.36;
    context.beginPath();
    if (shape === "square") context.rect(c - r * 0.85, c - r * 0.85, r * 1.7, r * 1.7);
    else if (shape === "triangle") { context.moveTo(c, c - r); context.lineTo(c + r, c + r * 0.8); context.lineTo(c - r, c + r * 0.8); context.closePath(); }
    else if (shape === "diamond") { context.moveTo(c, c - r); context.lineTo(c + r, c); context.lineTo(c, c + r); context.lineTo(c - r, c); context.closePath(); }
    else if (shape === "cross") { var w = r * 0.45; context.rect(c - r, c - w, 2 * r, 2 * w); context.rect(c - w, c - r, 2 * w, 2 * r); }
    else context.arc(c, c, r, 0, 2 * Math.PI);
  }

  function icon(category, size) {
    // Drawn on a canvas, so the map needs no sprite or font files (it works offline).
    var canvas = document.createElement("canvas");
    canvas.width = canvas.height = size;
    var context = canvas.getContext("2d");
    shapePath(context, category.shape, size);
    context.lineWidth = size / 8;
    context.strokeStyle = "#ffffff";
    context.stroke();
    context.fillStyle = category.colour;
    context.fill("nonzero");
    if (category.shape === "ring") {
      context.beginPath();
      context.arc(size / 2, size / 2, size * 0.15, 0, 2 * Math.PI);
      context.fillStyle = "#ffffff";
      context.fill();
    }
    return canvas;
  }

  function removeOverlay() {
    ["overlay-sites", "overlay-links", "overlay-links-dashed"].forEach(function (id) {
      if (map.getLayer(id)) map.removeLayer(id);
    });
    if (map.getSource("overlay")) map.removeSource("overlay");
    overlayLegend.hidden = true;
  }

  function showOverlay(key, frame) {
    var ticket = ++overlayLoads;
    overlayKey = config.overlays[key] ? key : "";
    removeOverlay();
    if (!overlayKey) return;
    var overlay = config.overlays[overlayKey];
    var ratio = window.devicePixelRatio || 1;
    var colour = ["match", ["get", "category"]];
    overlay.categories.forEach(function (category) {
      var name = "overlay-" + category.value;
      if (!map.hasImage(name)) {
        var canvas = icon(category, Math.round(ICON * ratio));
        var pixels = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height);
        map.addImage(name, { width: canvas.width, height: canvas.height, data: new Uint8Array(pixels.data.buffer) }, { pixelRatio: ratio });
      }
      colour.push(category.value, category.colour);
    });
    colour.push("#555555");
    var dashed = overlay.categories.filter(function (c) { return c.dashed; }).map(function (c) { return c.value; });
    json(overlay.data_url).then(function (data) {
      if (ticket !== overlayLoads) return; // another layer was chosen meanwhile
      map.addSource("overlay", { type: "geojson", data: data });
      var line = { "line-color": colour, "line-width": ["interpolate", ["linear"], ["zoom"], 5, 1, 12, 3] };
      map.addLayer({
        id: "overlay-links", type: "line", source: "overlay",
        filter: ["all", ["==", ["geometry-type"], "LineString"], ["!", ["in", ["get", "category"], ["literal", dashed]]]],
        paint: line
      });
      map.addLayer({
        id: "overlay-links-dashed", type: "line", source: "overlay",
        filter: ["all", ["==", ["geometry-type"], "LineString"], ["in", ["get", "category"], ["literal", dashed]]],
        paint: Object.assign({ "line-dasharray": [2, 1.5] }, line)
      });
      map.addLayer({
        id: "overlay-sites", type: "symbol", source: "overlay",
        filter: ["==", ["geometry-type"], "Point"],
        layout: {
          "icon-image": ["concat", "overlay-", ["get", "category"]],
          "icon-allow-overlap": true,
          "icon-ignore-placement": true,
          "icon-size": ["interpolate", ["linear"], ["zoom"], 4, 0.55, 10, 0.8, 14, 1]
        }
      });
      document.getElementById("overlay-title").textContent = overlay.title;
      var page = document.getElementById("overlay-page");
      page.href = overlay.page_url;
      page.textContent = t.overlay_page;
      overlayLegend.hidden = false;
      if (frame) frameOverlay(data);
    }).catch(function () {
      if (ticket === overlayLoads) announce(t.overlay_failed);
    });
  }

  function frameOverlay(data) {
    var box = [180, 90, -180, -90];
    data.features.forEach(function (feature) {
      if (feature.geometry.type !== "Point") return;
      var p = feature.geometry.coordinates;
      box = [Math.min(box[0], p[0]), Math.min(box[1], p[1]), Math.max(box[2], p[0]), Math.max(box[3], p[1])];
    });
    if (box[0] <= box[2]) map.fitBounds([[box[0], box[1]], [box[2], box[3]]], { padding: 40, maxZoom: 12, duration: 0 });
  }

  function updateOverlayLegend() {
    if (!overlayKey || !map.getLayer("overlay-sites")) return;
    var counts = {};
    var seen = {};
    map.queryRenderedFeatures({ layers: ["overlay-sites"] }).forEach(function (feature) {
      var p = feature.properties;
      if (seen[p.id]) return; // drawn from two tiles near their edge: counted once
      seen[p.id] = true;
      counts[p.category] = (counts[p.category] || 0) + 1;
    });
    var total = 0;
    overlayItems.textContent = "";
    config.overlays[overlayKey].categories.forEach(function (category) {
      var count = counts[category.value] || 0;
      total += count;
      var row = legendRow("", category.label, count);
      var swatch = row.querySelector(".swatch");
      swatch.className = "swatch shape";
      swatch.dataset.category = category.value;
      swatch.dataset.colour = category.colour;
      swatch.append(icon(category, Math.round(16 * (window.devicePixelRatio || 1))));
      overlayItems.appendChild(row);
    });
    overlayItems.appendChild(legendRow("", t.overlay_in_view, total));
  }

  function openOverlaySite(id) {
    var ticket = openPanel();
    json(config.overlays[overlayKey].detail_url.replace("{id}", encodeURIComponent(id)))
      .then(function (site) {
        if (ticket !== opened) return;
        title.textContent = site.title;
        var facts = element("dl", undefined, "facts");
        site.rows.forEach(function (row) { facts.append(element("dt", row[0]), element("dd", row[1])); });
        body.append(facts);
      })
      .catch(function () {
        if (ticket === opened) title.textContent = t.profile_failed;
      });
  }

  map.on("idle", updateOverlayLegend);
  map.on("click", "overlay-sites", function (event) { openOverlaySite(event.features[0].properties.id); });
  map.on("mouseenter", "overlay-sites", function () { map.getCanvas().style.cursor = "pointer"; });
  map.on("mouseleave", "overlay-sites", function () { map.getCanvas().style.cursor = ""; });

  /* ---------- the time player ---------- */

  var range = document.getElementById("week-range");
  var label = document.getElementById("week-label");
  var play = document.getElementById("week-play");
  var timer = null;
  range.max = String(weekCount - 1);

  function showWeek(index, reload) {
    weekIndex = Math.max(0, Math.min(weekCount - 1, index));
    range.value = String(weekIndex);
    var monday = new Date(firstWeek.getTime() + weekIndex * 7 * DAY);
    label.textContent = weekIndex === weekCount - 1 ? t.latest + " (" + isoWeek(monday) + ")" : isoWeek(monday);
    if (reload) refreshTiles();
  }

  function stop() {
    clearInterval(timer);
    timer = null;
    play.textContent = t.play;
    play.setAttribute("aria-pressed", "false");
  }

  document.getElementById("week-previous").addEventListener("click", function () { stop(); showWeek(weekIndex - 1, true); });
  document.getElementById("week-next").addEventListener("click", function () { stop(); showWeek(weekIndex + 1, true); });
  range.addEventListener("input", function () { stop(); showWeek(Number(range.value), true); });
  play.addEventListener("click", function () {
    if (timer) return stop();
    if (weekIndex === weekCount - 1) showWeek(0, true);
    play.textContent = t.pause;
    play.setAttribute("aria-pressed", "true");
    timer = setInterval(function () {
      showWeek(weekIndex + 1, true);
      if (weekIndex === weekCount - 1) stop();
    }, 1500);
  });
  showWeek(weekIndex, false);

  /* ---------- countries: fly to their bounds from the Natural Earth boundaries ---------- */

  var detail = null;

  function findCountry(topology, m49) {
    var geometries = topology.objects.countries.geometries;
    for (var i = 0; i < geometries.length; i++) {
      if (geometries[i].id === m49) return topojson.feature(topology, geometries[i]);
    }
    return null;
  }

  function bounds(feature) {
    // Countries across the antimeridian (Fiji, Russia) are framed on 0..360 when narrower.
    var box = [[180, 90, -180, -90], [360, 90, 0, -90]];
    function visit(coordinates) {
      if (typeof coordinates[0] === "number") {
        var lng = coordinates[0], lat = coordinates[1], shifted = lng < 0 ? lng + 360 : lng;
        [lng, shifted].forEach(function (x, i) {
          box[i][0] = Math.min(box[i][0], x); box[i][2] = Math.max(box[i][2], x);
          box[i][1] = Math.min(box[i][1], lat); box[i][3] = Math.max(box[i][3], lat);
        });
        return;
      }
      coordinates.forEach(visit);
    }
    visit(feature.geometry.coordinates);
    var best = box[1][2] - box[1][0] < box[0][2] - box[0][0] ? box[1] : box[0];
    return [[best[0], best[1]], [best[2], best[3]]];
  }

  function flyToCountry(iso3) {
    if (!iso3) return map.flyTo({ center: [10, 10], zoom: 1 });
    var m49 = config.countries[iso3];
    atlas.then(function (topology) {
      var feature = findCountry(topology, m49);
      if (feature) return feature;
      detail = detail || fetch(config.atlas_detail).then(function (response) { return response.json(); });
      return detail.then(function (fine) { return findCountry(fine, m49); });
    }).then(function (feature) {
      if (!feature) return announce(t.no_boundary);
      map.fitBounds(bounds(feature), { padding: 24, maxZoom: 9 });
    });
  }

  function announce(message) {
    label.textContent = message;
    setTimeout(function () { showWeek(weekIndex, false); }, 4000);
  }

  /* ---------- a school's profile in the side panel (a bottom sheet on phones) ---------- */

  var panel = document.getElementById("school-panel");
  var title = document.getElementById("school-title");
  var body = document.getElementById("school-body");
  var opened = 0;

  function element(tag, text, className) {
    var node = document.createElement(tag);
    if (text !== undefined) node.textContent = text;
    if (className) node.className = className;
    return node;
  }

  function json(url) {
    return fetch(url, { headers: { Accept: "application/json" } }).then(function (response) {
      if (!response.ok) throw new Error(response.status);
      return response.json();
    });
  }

  function shown(key, value) {
    if (value === null || value === undefined || value === "") return null;
    if (typeof value === "boolean") return value ? t.yes : t.no;
    if (key.indexOf("connectivity_") === 0 && t.status[value]) return t.status[value];
    if (typeof value === "object") return value.name || value.iso3 || null;
    return String(value);
  }

  function openPanel() {
    // The panel opens at once, saying it loads; the ticket tells a late answer apart.
    var ticket = ++opened;
    panel.hidden = false;
    title.textContent = t.loading;
    body.textContent = "";
    panel.focus();
    return ticket;
  }

  function openSchool(id) {
    var ticket = openPanel();
    var base = config.api + encodeURIComponent(id);
    Promise.all([json(base), json(base + "/weekly").catch(function () { return []; })])
      .then(function (answers) {
        if (ticket !== opened) return; // another school was clicked meanwhile
        var school = answers[0];
        title.textContent = school.school_name || String(id);
        var facts = element("dl", undefined, "facts");
        Object.keys(t.fields).forEach(function (key) {
          var value = shown(key, school[key]);
          if (value === null) return;
          facts.append(element("dt", t.fields[key]), element("dd", value));
        });
        var link = element("a", t.full_profile);
        link.href = config.profile.replace("{id}", encodeURIComponent(id));
        body.append(facts, chart(answers[1]), link);
      })
      .catch(function () {
        if (ticket === opened) title.textContent = t.profile_failed;
      });
  }

  function closeSchool() {
    panel.hidden = true;
    opened++;
  }
  document.getElementById("school-close").addEventListener("click", closeSchool);
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && !panel.hidden) closeSchool();
  });

  /* ---------- the weekly download chart, drawn as SVG ---------- */

  function weeks(answer) {
    var rows = Array.isArray(answer) ? answer : answer.items || answer.weeks || answer.results || [];
    return rows.map(function (row) {
      var bps = row.download_bps;
      return {
        week: row.week || (row.iso_year ? row.iso_year + "-W" + String(row.iso_week).padStart(2, "0") : row.week_start),
        mbps: bps === null || bps === undefined ? null : bps / 1e6
      };
    }).filter(function (row) { return row.mbps !== null; });
  }

  function svg(tag, attributes) {
    var node = document.createElementNS("http://www.w3.org/2000/svg", tag);
    Object.keys(attributes).forEach(function (name) { node.setAttribute(name, attributes[name]); });
    return node;
  }

  function chart(answer) {
    var figure = element("figure", undefined, "chart");
    figure.append(element("figcaption", t.chart_title));
    var rows = weeks(answer);
    if (!rows.length) {
      figure.append(element("p", t.chart_empty));
      return figure;
    }
    var width = 300, height = 120, pad = 24;
    var top = Math.max(20, Math.max.apply(null, rows.map(function (row) { return row.mbps; })));
    var x = function (i) { return pad + (rows.length === 1 ? 0 : i * (width - 2 * pad) / (rows.length - 1)); };
    var y = function (mbps) { return height - pad - mbps * (height - 2 * pad) / top; };
    var drawing = svg("svg", { viewBox: "0 0 " + width + " " + height, role: "img", "aria-label": t.chart_title });
    drawing.append(
      svg("line", { x1: pad, x2: width - pad, y1: y(0), y2: y(0), class: "axis" }),
      svg("line", { x1: pad, x2: width - pad, y1: y(20), y2: y(20), class: "benchmark" })
    );
    var points = rows.map(function (row, i) { return x(i).toFixed(1) + "," + y(row.mbps).toFixed(1); });
    drawing.append(svg("polyline", { points: points.join(" "), class: "line" }));
    rows.forEach(function (row, i) {
      var dot = svg("circle", { cx: x(i), cy: y(row.mbps), r: 3, class: "dot" });
      var tip = svg("title", {});
      tip.textContent = row.week + ": " + row.mbps.toFixed(1) + " " + t.mbps;
      dot.append(tip);
      drawing.append(dot);
    });
    var labels = [[rows[0].week, pad, "start"], [rows[rows.length - 1].week, width - pad, "end"]];
    labels.forEach(function (item) {
      var text = svg("text", { x: item[1], y: height - 6, "text-anchor": item[2], class: "tick" });
      text.textContent = item[0];
      drawing.append(text);
    });
    var scale = svg("text", { x: pad, y: 12, class: "tick" });
    scale.textContent = Math.round(top) + " " + t.mbps + " · " + t.benchmark + " 20";
    drawing.append(scale);
    figure.append(drawing);
    return figure;
  }
})();
