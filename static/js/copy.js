// Copy buttons: <button type="button" data-copy="#some-input">Copy</button> copies that input's value
// (or that element's text). One delegated listener, so buttons htmx swaps in work too; no inline
// handlers (the CSP allows only nonce'd scripts).
(function () {
  "use strict";
  function say(button, text) {
    const label = button.dataset.label || button.textContent;
    button.dataset.label = label;
    button.textContent = text;
    window.setTimeout(function () { button.textContent = label; }, 2000);
  }
  function selectAndCopy(source, button) {
    if (typeof source.select === "function") {
      source.focus();
      source.select();
    }
    let copied = false;
    try { copied = document.execCommand("copy"); } catch (error) { copied = false; }
    say(button, copied ? "Copied" : "Press Ctrl+C");
  }
  document.addEventListener("click", function (event) {
    const button = event.target.closest("button[data-copy]");
    if (!button) { return; }
    const source = document.querySelector(button.dataset.copy);
    if (!source) { return; }
    const text = "value" in source ? source.value : source.textContent;
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text).then(function () { say(button, "Copied"); },
        function () { selectAndCopy(source, button); });
    } else {
      selectAndCopy(source, button);
    }
  });
}());
