"use strict";
// Live SLA countdowns and the severity suggestion on the declare form. Progressive: pages work without it.
(function () {
  function formatLeft(ms) {
    const late = ms < 0;
    let s = Math.floor(Math.abs(ms) / 1000);
    const h = Math.floor(s / 3600); s -= h * 3600;
    const m = Math.floor(s / 60); s -= m * 60;
    const parts = [];
    if (h) parts.push(interpolate(gettext("%(hours)sh"), { hours: h }, true));
    parts.push(interpolate(gettext("%(minutes)sm"), { minutes: m }, true));
    parts.push(interpolate(gettext("%(seconds)ss"), { seconds: s }, true));
    const text = parts.join(" ");
    return interpolate(late ? gettext("%(time)s overdue") : gettext("%(time)s left"), { time: text }, true);
  }
  // The countdowns change every second; a screen reader hears only a deadline passing, through the
  // page's polite clock region (never the seconds themselves).
  function announce(el) {
    const region = document.querySelector("[data-clock-announce]");
    if (!region) return;
    const term = el.closest("dd") && el.closest("dd").previousElementSibling;
    const cell = el.closest("td");
    const what = term ? term.textContent : cell ? cell.dataset.label : "";
    region.textContent = interpolate(
      gettext("%(what)s: deadline passed."), { what: (what || gettext("A deadline")).trim() }, true
    );
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
          box.textContent = interpolate(
            gettext("Suggested severity: %(level)s (%(reasons)s)."),
            { level: data.level, reasons: data.reasons.join("; ") },
            true
          );
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
