// The catalog list keeps its state in the URL; htmx keeps a snapshot of the page for each URL
// so back/forward can restore it. The snapshot is taken as the next URL arrives, when the text
// boxes may already hold what was typed for it: write into them what the snapshot's own URL
// (event.detail.path, not window.location, which back/forward has already changed) says.
document.addEventListener("htmx:beforeHistorySave", function (event) {
  var path = (event.detail && event.detail.path) || window.location.pathname + window.location.search;
  var params = new URL(path, window.location.origin).searchParams;
  var box = document.getElementById("catalog-q");
  if (box) { box.setAttribute("value", params.get("q") || ""); }
  document.querySelectorAll(".facet-search input[name=tag_q]").forEach(function (input) {
    input.setAttribute("value", params.get("tag_q") || "");
  });
});
