"use strict";
// Accessibility repairs for the admin's bundled select2 (autocomplete fields), which it renders after load
// and again on every change: its inline search box gets the field's label as its name, and its
// "remove all" control moves out of the list of choices (a list holds only list items).
(function () {
  function labelFor(container) {
    const select = container.previousElementSibling;
    if (!select || !select.id) return "";
    const label = document.querySelector('label[for="' + select.id + '"]');
    return label ? label.textContent.replace(/:\s*$/, "").trim() : "";
  }
  // The sign-in page has no translation catalogue (it is served to staff only): English there.
  function searchLabel(name) {
    if (typeof gettext !== "function") return name ? "Search " + name : "Search";
    return name ? interpolate(gettext("Search %(field)s"), { field: name }, true) : gettext("Search");
  }
  function repair(root) {
    root.querySelectorAll(".select2-container").forEach(function (container) {
      container.querySelectorAll(".select2-search__field:not([aria-label])").forEach(function (field) {
        const name = labelFor(container);
        field.setAttribute("aria-label", searchLabel(name));
      });
      container.querySelectorAll("ul.select2-selection__rendered > .select2-selection__clear").forEach(function (clear) {
        clear.parentElement.before(clear);
      });
    });
  }
  function start() {
    repair(document);
    new MutationObserver(function () { repair(document); }).observe(document.body, { childList: true, subtree: true });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
