"use strict";
// Live SLA countdowns and the severity suggestion on the declare form. Progressive: pages work without it.
(function () {
  function formatLeft(ms) {
    const late = ms < 0;
    let s = Math.floor(Math.abs(ms) / 1000);
    const h = Math.floor(s / 3600); s -= h * 3600;
    const m = Math.floor(s / 60); s -= m * 60;
    const text = (h ? h + "h " : "") + m + "m " + s + "s";
    return late ? text + " overdue" : text + " left";
  }
  // The countdowns change every second; a screen reader hears only a deadline passing, through the
  // page's polite clock region (never the seconds themselves).
  function announce(el) {
    const region = document.querySelector("[data-clock-announce]");
    if (!region) return;
    const term = el.closest("dd") && el.closest("dd").previousElementSibling;
    const cell = el.closest("td");
    const what = term ? term.textContent : cell ? cell.dataset.label : "A deadline";
    region.textContent = (what || "A deadline").trim() + ": deadline passed.";
  }
  function tick() {
    document.querySelectorAll(".wr-countdown[data-due]").forEach(function (el) {
      const left = new Date(el.dataset.due) - new Date();
      const state = left < 0 ? "overdue" : "left";
      el.textContent = formatLeft(left);
      el.classList.toggle("wr-breached", left < 0);
      if (el.dataset.state === "left" && state === "overdue") announce(el);
      el.dataset.state = state;
    });
  }
  function suggest() {
    const box = document.getElementById("wr-suggestion");
    if (!box) return;
    const form = box.closest("form");
    const names = [
      "service_down", "data_impact", "security_breach", "core_function_impaired", "severe_degradation",
      "non_critical_affected",
    ];
    let latest = 0;
    function update() {
      const request = ++latest;
      const params = new URLSearchParams();
      names.forEach(function (n) { const el = form.elements[n]; if (el && el.checked) params.set(n, "1"); });
      const pct = form.elements["users_affected_pct"];
      if (pct && pct.value) params.set("users_affected_pct", pct.value);
      fetch(box.dataset.url + "?" + params.toString(), { credentials: "same-origin" })
        .then(function (r) { return r.json(); })
        .then(function (data) {
          if (request !== latest) return; // a newer answer is on its way; never show a stale one
          if (data.users_affected_pct) { box.textContent = data.users_affected_pct.join(" "); return; }
          box.textContent = "Suggested severity: " + data.level + " (" + data.reasons.join("; ") + ").";
          const select = form.elements["severity"];
          if (select && !select.dataset.touched && data.policy_id) select.value = String(data.policy_id);
        });
    }
    const select = form.elements["severity"];
    if (select) select.addEventListener("change", function () { select.dataset.touched = "1"; });
    form.addEventListener("change", function (e) { if (e.target.name !== "severity") update(); });
    update();
  }
  document.addEventListener("DOMContentLoaded", function () { tick(); setInterval(tick, 1000); suggest(); });
})();
