/* Research Digest: tells the site that a paper page was really shown to a reader, so the
   view can count as a trending signal (docs/trending.md). Sent once, after the page has
   been visible for two seconds; never under automation (navigator.webdriver). */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || navigator.webdriver || typeof navigator.sendBeacon !== "function") return;
  var sent = false;

  function send() {
    if (sent || document.visibilityState !== "visible") return;
    sent = true;
    var form = new FormData();
    form.append("token", script.dataset.token);
    form.append("csrfmiddlewaretoken", script.dataset.csrf);
    navigator.sendBeacon(script.dataset.url, form);
  }

  function arm() {
    window.setTimeout(send, 2000);
  }

  if (document.visibilityState === "visible") {
    arm();
  } else {
    document.addEventListener("visibilitychange", function onVisible() {
      if (document.visibilityState !== "visible") return;
      document.removeEventListener("visibilitychange", onVisible);
      arm();
    });
  }
})();
