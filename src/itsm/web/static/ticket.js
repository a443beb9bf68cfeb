// The technician's ticket page. htmx leaves 4xx answers unswapped; a refused action's
// answer names its slot (HX-Retarget), so show it there. After an action the page's
// part is new: move focus to the line saying what was done, for keyboard users.
// Live: on each event of the ticket's stream, read the page again and put its changed
// parts in place, except a part the technician is typing in (their text stays).
(function () {
  "use strict";
  document.addEventListener("htmx:beforeSwap", function (event) {
    var xhr = event.detail.xhr;
    if (xhr.status >= 400 && xhr.getResponseHeader("HX-Retarget")) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });
  document.addEventListener("htmx:afterSettle", function (event) {
    var done = document.getElementById("desk-done");
    if (event.detail.xhr.status < 300 && done && done.textContent.trim()) {
      done.focus();
    }
  });

  // The merge and link pickers (WAI-ARIA combobox with a list): htmx fills the list as
  // the technician types; arrow keys move through it, Enter or a click fills the field.
  function listOf(input) { return document.getElementById(input.getAttribute("aria-controls")); }

  function choices(list) {
    return Array.prototype.filter.call(list.querySelectorAll("[role=option]"), function (o) {
      return o.getAttribute("aria-disabled") !== "true";
    });
  }

  function mark(input, option) {
    var list = listOf(input);
    Array.prototype.forEach.call(list.querySelectorAll("[role=option]"), function (o) {
      o.setAttribute("aria-selected", o === option ? "true" : "false");
    });
    if (option) {
      input.setAttribute("aria-activedescendant", option.id);
      option.scrollIntoView({ block: "nearest" });
    } else {
      input.removeAttribute("aria-activedescendant");
    }
  }

  function closeList(input) {
    var list = listOf(input);
    if (list) { list.hidden = true; }
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
  }

  function choose(input, option) {
    input.value = option.getAttribute("data-value");
    closeList(input);
    input.focus();
  }

  document.addEventListener("htmx:afterSwap", function (event) {
    var list = event.detail.target;
    if (!list.classList || !list.classList.contains("picker-list")) { return; }
    var input = document.querySelector("[aria-controls='" + list.id + "']");
    if (!input || document.activeElement !== input) { closeList(input || list); return; }
    list.hidden = false;
    input.setAttribute("aria-expanded", "true");
    mark(input, null);
  });

  document.addEventListener("keydown", function (event) {
    var input = event.target;
    if (!input.getAttribute || input.getAttribute("role") !== "combobox") { return; }
    var list = listOf(input);
    if (!list || list.hidden) { return; }
    var options = choices(list);
    var active = document.getElementById(input.getAttribute("aria-activedescendant") || "");
    var at = options.indexOf(active);
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      if (!options.length) { return; }
      var step = event.key === "ArrowDown" ? 1 : -1;
      mark(input, options[(at + step + options.length) % options.length]);
    } else if (event.key === "Enter" && at >= 0) {
      event.preventDefault();  // fill the field; a second Enter sends the form
      choose(input, options[at]);
    } else if (event.key === "Escape") {
      closeList(input);
    }
  });

  document.addEventListener("mousedown", function (event) {
    var option = event.target.closest && event.target.closest(".picker-list [role=option]");
    if (!option || option.getAttribute("aria-disabled") === "true") { return; }
    event.preventDefault();  // keep the focus in the field
    var input = document.querySelector("[aria-controls='" + option.parentNode.id + "']");
    if (input) { choose(input, option); }
  });

  document.addEventListener("focusout", function (event) {
    var input = event.target;
    if (input.getAttribute && input.getAttribute("role") === "combobox") { closeList(input); }
  });

  var live = document.getElementById("desk-live");
  if (!live) { return; }
  var PARTS = [
    "desk-facts", "desk-sla", "desk-files", "desk-watchers", "desk-links", "desk-actions", "timeline"
  ];
  var QUIET_MS = 250;  // events closer than this are one change to show
  var timer = null;
  var loading = false;
  var again = false;

  function defaultIndex(select) {
    for (var i = 0; i < select.options.length; i += 1) {
      if (select.options[i].defaultSelected) { return i; }
    }
    return select.options.length ? 0 : -1;
  }

  // Whether the technician is using ``node``: focus in it, or a field changed from
  // what the page was sent with.
  function inUse(node) {
    var active = document.activeElement;
    if (active && active !== document.body && node.contains(active)) { return true; }
    var fields = node.querySelectorAll("input, textarea, select");
    for (var i = 0; i < fields.length; i += 1) {
      var f = fields[i];
      if (f.tagName === "SELECT") {
        if (!f.multiple && f.selectedIndex !== defaultIndex(f)) { return true; }
      } else if (f.type === "checkbox" || f.type === "radio") {
        if (f.checked !== f.defaultChecked) { return true; }
      } else if (f.type === "file") {
        if (f.files && f.files.length) { return true; }
      } else if (f.type !== "hidden" && f.value !== f.defaultValue) {
        return true;
      }
    }
    return false;
  }

  function loggedOut(response) {
    return response.status === 401 ||
      (response.redirected && new URL(response.url).pathname === "/login");
  }

  function refresh() {
    if (loading) { again = true; return; }
    loading = true;
    fetch(window.location.pathname, {
      credentials: "same-origin", headers: { "Accept": "text/html" }
    })
      .then(function (response) {
        if (loggedOut(response)) {
          live.setAttribute("data-state", "logged-out");
          window.location.assign("/login?next=" + encodeURIComponent(window.location.pathname));
          throw new Error("logged out");
        }
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.text();
      })
      .then(function (html) {
        var page = new DOMParser().parseFromString(html, "text/html");
        PARTS.forEach(function (id) {
          var current = document.getElementById(id);
          var fresh = page.getElementById(id);
          if (!current || !fresh || inUse(current)) { return; }
          if (current.innerHTML === fresh.innerHTML) { return; }
          var node = document.importNode(fresh, true);
          current.replaceWith(node);
          if (window.htmx) { window.htmx.process(node); }
        });
        live.setAttribute("data-state", "live");
      })
      .catch(function () {
        if (live.getAttribute("data-state") !== "logged-out") {
          live.setAttribute("data-state", "stale");
        }
      })
      .finally(function () {
        loading = false;
        if (again) { again = false; later(); }
      });
  }

  function later() {
    if (timer !== null) { return; }
    timer = window.setTimeout(function () { timer = null; refresh(); }, QUIET_MS);
  }

  var source = new EventSource(live.getAttribute("data-events-url"));
  source.onmessage = function () {
    later();  // also on "ready": whatever changed while the stream was away
  };
  source.onerror = function () {
    if (live.getAttribute("data-state") !== "logged-out") {
      live.setAttribute("data-state", "stale");
    }
  };
}());
