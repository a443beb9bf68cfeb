// The service worker of web push: shows what the desk sent (title, body, the page to
// open, a tag per ticket; texts already in the reader's language) and opens that page
// on a click. Served at /sw.js so that its scope is the whole site.
"use strict";

self.addEventListener("push", function (event) {
  var data = {};
  try {
    data = event.data ? event.data.json() : {};
  } catch (err) {
    data = {};
  }
  var options = {
    body: typeof data.body === "string" ? data.body : "",
    data: {url: typeof data.url === "string" ? data.url : "/"}
  };
  if (typeof data.tag === "string" && data.tag) {
    options.tag = data.tag;  // one notification per ticket, the newest shown
    options.renotify = true;
  }
  var title = typeof data.title === "string" && data.title ? data.title : "itsm";
  event.waitUntil(self.registration.showNotification(title, options));
});

self.addEventListener("notificationclick", function (event) {
  event.notification.close();
  var wanted = (event.notification.data && event.notification.data.url) || "/";
  var url = new URL(wanted, self.location.origin);
  if (url.origin !== self.location.origin) {  // only the desk's own pages
    url = new URL("/", self.location.origin);
  }
  event.waitUntil(
    self.clients.matchAll({type: "window", includeUncontrolled: true}).then(function (open) {
      for (var i = 0; i < open.length; i += 1) {
        if (open[i].url === url.href && "focus" in open[i]) {
          return open[i].focus();
        }
      }
      return self.clients.openWindow(url.href);
    })
  );
});

// The push service renewed this browser's subscription (or dropped it): subscribe again
// with the same key if the browser did not, and have the new one replace the old one on
// the desk, for the same person and login. The old one's auth secret is the proof (a
// service worker has no login to show). Without the old one (some browsers give none)
// the desk cannot tell whose it is: the preferences page tells it again on the next visit.
function renewed(oldSubscription, newSubscription) {
  if (!oldSubscription) {
    return Promise.resolve(false);
  }
  var fresh = newSubscription ? Promise.resolve(newSubscription) :
    self.registration.pushManager.subscribe(oldSubscription.options);
  return fresh.then(function (subscription) {
    return fetch("/api/v1/push-subscriptions/renew", {
      method: "POST",
      credentials: "omit",
      headers: {"Content-Type": "application/json"},
      body: JSON.stringify({old: oldSubscription.toJSON(), new: subscription.toJSON()})
    });
  }).then(function (answer) {
    return answer.ok;
  });
}

self.addEventListener("pushsubscriptionchange", function (event) {
  event.waitUntil(renewed(event.oldSubscription, event.newSubscription).catch(function () {
    return false;
  }));
});
