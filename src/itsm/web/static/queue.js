// The live queue: on each event of the page's stream, read the rows again with the
// same filters and page, a burst of events making one read. No inline script (CSP).
(function () {
  "use strict";
  var root = document.getElementById("queue");
  if (!root) { return; }
  var QUIET_MS = 250;  // events closer than this are one change to show
  var timer = null;
  var loading = false;
  var again = false;

  function rowsNow() { return document.getElementById("queue-rows"); }

  function refresh() {
    var rows = rowsNow();
    if (!rows) { return; }
    if (loading) { again = true; return; }
    loading = true;
    var url = rows.getAttribute("data-rows-url");
    fetch(url, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (response) {
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.text();
      })
      .then(function (html) {
        var current = rowsNow();
        var fresh = new DOMParser().parseFromString(html, "text/html")
          .getElementById("queue-rows");
        // The filters may have changed the rows meanwhile: those are newer than ours.
        if (current && fresh && current.getAttribute("data-rows-url") === url) {
          var node = document.importNode(fresh, true);
          current.replaceWith(node);
          if (window.htmx) { window.htmx.process(node); }
        }
        root.setAttribute("data-state", "live");
      })
      .catch(function () { root.setAttribute("data-state", "stale"); })
      .finally(function () {
        loading = false;
        if (again) { again = false; later(); }
      });
  }

  function later() {
    if (timer !== null) { return; }
    timer = window.setTimeout(function () { timer = null; refresh(); }, QUIET_MS);
  }

  // htmx leaves a refused filter (a username nobody has) unswapped: show the whole
  // page's answer, which says what was wrong, as the form does without JavaScript.
  document.addEventListener("htmx:responseError", function (event) {
    var url = event.detail.xhr.responseURL || "";
    var at = url.indexOf("/queue/rows?");
    if (at >= 0) { window.location.assign("/queue?" + url.slice(at + "/queue/rows?".length)); }
  });

  var source = new EventSource(root.getAttribute("data-events-url"));
  source.onmessage = function (message) {
    var kind = JSON.parse(message.data).kind;
    if (kind === "ready") { root.setAttribute("data-state", "live"); }
    later();  // also on "ready": whatever changed while the stream was away
  };
  source.onerror = function () { root.setAttribute("data-state", "stale"); };
}());
