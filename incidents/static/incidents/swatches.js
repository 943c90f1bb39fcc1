"use strict";
// Colours and widths that come from data (a severity's colour, a progress bar) are carried in data-
// attributes and applied here: the Content-Security-Policy refuses style= attributes in the markup.
(function () {
  function apply() {
    document.querySelectorAll("[data-swatch]").forEach(function (el) {
      el.style.backgroundColor = el.dataset.swatch;
    });
    document.querySelectorAll("[data-progress]").forEach(function (el) {
      el.style.width = Math.max(0, Math.min(100, Number(el.dataset.progress) || 0)) + "%";
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", apply);
  else apply();
})();
