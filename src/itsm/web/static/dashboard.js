// The live dashboard: read the panel again on every event of the page's stream, and
// draw its charts from the figures the panel carries. No inline script (strict CSP).
(function () {
  "use strict";
  var root = document.getElementById("dashboard");
  if (!root) { return; }
  var panelUrl = root.getAttribute("data-panel-url");
  var eventsUrl = root.getAttribute("data-events-url");
  var loading = false;
  var again = false;
  var charts = [];

  function size(box) {
    var width = Math.max(280, box.clientWidth || 280);
    return { width: width, height: Math.round(Math.min(260, width * 0.45)) };
  }

  function draw() {
    charts.forEach(function (chart) { chart.destroy(); });
    charts = [];
    if (typeof uPlot === "undefined") { return; }
    var boxes = document.querySelectorAll("[data-chart]");
    Array.prototype.forEach.call(boxes, function (box) {
      var data = JSON.parse(box.getAttribute("data-chart"));
      var series = [{}].concat(data.series.map(function (s) {
        return { label: s.label, stroke: s.color, width: 2, spanGaps: true };
      }));
      var dims = size(box);
      charts.push(new uPlot({
        width: dims.width,
        height: dims.height,
        series: series,
        scales: { x: { time: true } },
        axes: [{}, {}],
        legend: { show: true }
      }, [data.x].concat(data.series.map(function (s) { return s.values; })), box));
    });
  }

  // The session is over (logout, a new password, expiry): the panel is answered with
  // a redirect to the login page, or 401. Go there rather than show frozen figures.
  function loggedOut(response) {
    return response.status === 401 ||
      (response.redirected && new URL(response.url).pathname === "/login");
  }

  function toLogin() {
    root.setAttribute("data-state", "logged-out");
    window.location.assign("/login?next=" + encodeURIComponent(window.location.pathname));
  }

  function read() {
    return fetch(panelUrl, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (response) {
        if (loggedOut(response)) { toLogin(); throw new Error("logged out"); }
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response;
      });
  }

  function refresh() {
    if (loading) { again = true; return; }
    loading = true;
    read()
      .then(function (response) { return response.text(); })
      .then(function (html) {
        var panel = document.getElementById("dashboard-panel");
        var fresh = new DOMParser().parseFromString(html, "text/html")
          .getElementById("dashboard-panel");
        if (panel && fresh) {
          panel.replaceWith(document.importNode(fresh, true));
          draw();
        }
        root.setAttribute("data-state", "live");
      })
      .catch(function () {
        if (root.getAttribute("data-state") !== "logged-out") {
          root.setAttribute("data-state", "stale");
        }
      })
      .finally(function () {
        loading = false;
        if (again) { again = false; refresh(); }
      });
  }

  draw();
  var source = new EventSource(eventsUrl);
  source.onmessage = function (message) {
    var kind = JSON.parse(message.data).kind;
    if (kind === "ready") { root.setAttribute("data-state", "live"); }
    refresh();  // also on "ready": whatever changed while the stream was away
  };
  source.onerror = function () {
    root.setAttribute("data-state", "stale");
    // The stream ends with the session, and its reconnection then lands on the login
    // page: ask the panel whether that is why (a server away just stays stale).
    read().catch(function () { return null; });
  };
  window.addEventListener("resize", draw);
}());
