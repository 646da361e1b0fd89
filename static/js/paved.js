/* Paved's own small behaviours, loaded from a file (the Content-Security-Policy allows no inline script).
   - The menu button: on narrow screens the main menu and the search box fold behind it.
   - Tables scroll sideways inside a wrapper instead of widening the page (also in htmx-loaded content). */
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  function setupMenu() {
    var button = document.querySelector("[data-nav-toggle]");
    var bar = button && button.closest(".topbar");
    if (!bar || button.dataset.ready) { return; }
    button.dataset.ready = "1";
    button.addEventListener("click", function () {
      var open = !bar.classList.contains("nav-open");
      bar.classList.toggle("nav-open", open);
      button.setAttribute("aria-expanded", open ? "true" : "false");
    });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && bar.classList.contains("nav-open")) {
        bar.classList.remove("nav-open");
        button.setAttribute("aria-expanded", "false");
        button.focus();
      }
    });
  }

  function wrapTables(root) {
    if (!root || !root.querySelectorAll) { return; }
    var tables = root.matches && root.matches("table") ? [root] : root.querySelectorAll("table");
    Array.prototype.forEach.call(tables, function (table) {
      var parent = table.parentElement;
      if (!parent || !table.closest("main") || parent.classList.contains("table-scroll") ||
          parent.closest("table")) { return; }
      var wrapper = document.createElement("div");
      wrapper.className = "table-scroll";
      parent.insertBefore(wrapper, table);
      wrapper.appendChild(table);
    });
  }

  function start() {
    setupMenu();
    wrapTables(document.body);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
  document.addEventListener("htmx:load", function (event) { wrapTables(event.detail && event.detail.elt); });
})();
