// The technician's ticket page. htmx leaves 4xx answers unswapped; a refused action's
// answer names its slot (HX-Retarget), so show it there. After an action the page's
// part is new: move focus to the line saying what was done, for keyboard users.
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
}());
