"use strict";
// The cockpit's publish panel: picking a public status fills the message with its suggestion, unless
// the commander has already written one.
(function () {
  function wire() {
    const select = document.getElementById("wr-update-status");
    const body = document.getElementById("wr-update-body");
    const data = document.getElementById("wr-suggestions");
    if (!select || !body || !data) return;
    const suggestions = JSON.parse(data.textContent);
    let last = body.value;
    select.addEventListener("change", function () {
      if (body.value === last || body.value === "") {
        body.value = suggestions[select.value] || "";
        last = body.value;
      }
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", wire);
  else wire();
})();
