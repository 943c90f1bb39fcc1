"use strict";
// The cockpit's "Publish status update" form: the suggested wording follows the chosen status until the
// author edits the message, and each component's "after publishing" status follows the form's choices.
// Listeners sit on the document, so a panel swapped in by a refresh keeps working.
(function () {
  function readJson(id) {
    const element = document.getElementById(id);
    return element ? JSON.parse(element.textContent) : null;
  }

  function worst(rank, statuses) {
    return statuses.reduce(function (a, b) { return rank[b] > rank[a] ? b : a; });
  }

  // Same rule as statuspage.selectors.status_after_publishing.
  function statusAfter(data, component, selected, publicStatus) {
    let status = worst(data.rank, [selected || component.stored, component.raisedByOthers]);
    const staysActive = data.unresolved.indexOf(publicStatus) !== -1;
    if (data.public && staysActive && (component.affected || selected)) {
      status = worst(data.rank, [status, data.raisesTo]);
    }
    return status;
  }

  function refreshOutlook(form) {
    const data = readJson(form.dataset.outlook);
    if (!data) return;
    const publicStatus = form.elements["status"].value;
    form.querySelectorAll("tr[data-component]").forEach(function (row) {
      const component = data.components[row.dataset.component];
      const select = form.elements["component-" + row.dataset.component];
      const cell = row.querySelector(".wr-public-after");
      if (!component || !select || !cell) return;
      const after = statusAfter(data, component, select.value, publicStatus);
      cell.textContent = data.labels[after];
      cell.className = cell.className.replace(/\bwr-cs-\S+/g, "").trim() + " wr-cs-" + after;
    });
  }

  function suggestWording(form, select) {
    const body = form.elements["body"];
    const suggestions = readJson("wr-suggestions") || {};
    const shown = Object.keys(suggestions).map(function (key) { return suggestions[key]; });
    // Replace the message only while it is empty or still one of the suggestions: never the author's text.
    if (body.value === "" || shown.indexOf(body.value) !== -1) body.value = suggestions[select.value] || "";
  }

  document.addEventListener("change", function (event) {
    const form = event.target.closest && event.target.closest("form.wr-publish-form");
    if (!form) return;
    if (event.target.name === "status") suggestWording(form, event.target);
    refreshOutlook(form);
  });
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form.wr-publish-form").forEach(refreshOutlook);
  });
})();
