// "Push on this browser" on the notification preferences page: registers the service
// worker, subscribes this browser with the desk's VAPID key and tells the server, or
// unsubscribes it. Every text comes from the page (data-say-*), already translated.
// On every page, logging out unsubscribes this browser first: the next person on a
// shared computer must not get the previous one's notifications (the server forgets
// the subscriptions of the login too).
(function () {
  "use strict";
  var logout = document.querySelector("form.logout");
  if (logout && "serviceWorker" in navigator) {
    logout.addEventListener("submit", function (event) {
      event.preventDefault();
      navigator.serviceWorker.getRegistration("/").then(function (registration) {
        return registration ? registration.pushManager.getSubscription() : null;
      }).then(function (subscription) {
        return subscription ? subscription.unsubscribe() : false;
      }).catch(function () {
        return false;
      }).then(function () {
        logout.submit();  // submit() fires no submit event: no second round
      });
    });
  }
  var root = document.getElementById("push");
  if (!root) {
    return;
  }
  var box = document.getElementById("push-switch");
  var status = document.getElementById("push-status");

  function say(state) {
    root.setAttribute("data-state", state);
    status.textContent = root.getAttribute("data-say-" + state) || "";
  }

  function applicationServerKey() {
    var text = root.getAttribute("data-key").replace(/-/g, "+").replace(/_/g, "/");
    var raw = window.atob(text + "===".slice((text.length + 3) % 4));
    var bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i += 1) {
      bytes[i] = raw.charCodeAt(i);
    }
    return bytes;
  }

  function post(url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRF-Token": root.getAttribute("data-csrf")},
      body: JSON.stringify(body)
    }).then(function (answer) {
      if (!answer.ok) {
        throw new Error("the desk answered " + answer.status);
      }
    });
  }

  if (!window.isSecureContext) {
    say("insecure");
    return;
  }
  if (!("serviceWorker" in navigator) || !("PushManager" in window) || !("Notification" in window)) {
    say("unsupported");
    return;
  }

  var ready = navigator.serviceWorker.register("/sw.js", {scope: "/"}).then(function () {
    return navigator.serviceWorker.ready;
  });

  function switchOn() {
    return Notification.requestPermission().then(function (permission) {
      if (permission !== "granted") {
        return "denied";
      }
      return ready.then(function (registration) {
        return registration.pushManager.subscribe({
          userVisibleOnly: true,
          applicationServerKey: applicationServerKey()
        });
      }).then(function (subscription) {
        return post("/me/push-subscriptions", subscription.toJSON());
      }).then(function () {
        return "on";
      });
    });
  }

  function switchOff() {
    return ready.then(function (registration) {
      return registration.pushManager.getSubscription();
    }).then(function (subscription) {
      if (!subscription) {
        return "off";
      }
      var endpoint = subscription.endpoint;
      return subscription.unsubscribe().then(function () {
        return post("/me/push-subscriptions/delete", {endpoint: endpoint});
      }).then(function () {
        return "off";
      });
    });
  }

  ready.then(function (registration) {
    return registration.pushManager.getSubscription();
  }).then(function (subscription) {
    // The server forgets a browser when its login ends (expiry, a new password): told
    // again, so that the switch says what the server will do, for whoever is here now.
    return subscription ? post("/me/push-subscriptions", subscription.toJSON()).then(function () {
      return subscription;
    }) : null;
  }).then(function (subscription) {
    box.checked = Boolean(subscription);
    box.disabled = false;
    say(subscription ? "on" : "off");
  }).catch(function () {
    say("failed");
  });

  box.addEventListener("change", function () {
    var wanted = box.checked;
    box.disabled = true;
    (wanted ? switchOn() : switchOff()).then(function (state) {
      box.checked = state === "on";
      say(state);
    }).catch(function () {
      box.checked = !wanted;
      say("failed");
    }).then(function () {
      box.disabled = false;
    });
  });
}());
