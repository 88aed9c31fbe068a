/* Research Digest: LaTeX in titles and abstracts (KaTeX auto-render), and the theme toggle. */
(function () {
  "use strict";

  var DELIMITERS = [
    { left: "$$", right: "$$", display: true },
    { left: "\\[", right: "\\]", display: true },
    { left: "$", right: "$", display: false },
    { left: "\\(", right: "\\)", display: false }
  ];

  function renderTex(root) {
    if (typeof window.renderMathInElement !== "function") return;
    var nodes = root.querySelectorAll ? root.querySelectorAll(".tex") : [];
    if (root.classList && root.classList.contains("tex")) nodes = [root].concat([].slice.call(nodes));
    for (var i = 0; i < nodes.length; i++) {
      if (nodes[i].dataset.texDone) continue;
      nodes[i].dataset.texDone = "1";
      window.renderMathInElement(nodes[i], { delimiters: DELIMITERS, throwOnError: false });
    }
  }

  function currentTheme() {
    var set = document.documentElement.dataset.theme;
    if (set) return set;
    return window.matchMedia && window.matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "light";
  }

  function syncToggle() {
    var buttons = document.querySelectorAll("[data-theme-toggle]");
    for (var i = 0; i < buttons.length; i++) {
      buttons[i].setAttribute("aria-pressed", currentTheme() === "dark" ? "true" : "false");
    }
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-theme-toggle]");
    if (!button) return;
    var next = currentTheme() === "dark" ? "light" : "dark";
    document.documentElement.dataset.theme = next;
    try { localStorage.setItem("theme", next); } catch (e) { /* private mode: not kept */ }
    syncToggle();
  });

  document.addEventListener("DOMContentLoaded", function () {
    renderTex(document.body);
    syncToggle();
  });
  // Cards added by infinite scroll and buttons swapped by htmx.
  document.addEventListener("htmx:load", function (event) { renderTex(event.target); });

  // Back and forward restore htmx's snapshot of the page, which holds the markup but not
  // what was typed since: put the URL's query back into the search form's fields.
  document.addEventListener("htmx:historyRestore", function () {
    var form = document.querySelector("form.search-form");
    if (!form) return;
    var params = new URLSearchParams(window.location.search);
    var fields = form.querySelectorAll("input[name], select[name]");
    for (var i = 0; i < fields.length; i++) {
      var field = fields[i];
      if (field.type === "checkbox") field.checked = params.get(field.name) === field.value;
      else field.value = params.get(field.name) || (field.tagName === "SELECT" ? field.options[0].value : "");
    }
  });
})();
