"use strict";
// The live cockpit and board: poll the element's data-live-url with If-None-Match (304 when nothing
// changed) and morph each [data-live-region] in place from the answer's named fragments. A form the user
// has focused or edited is never touched, hidden inputs included, nor a focused field; countdowns keep
// ticking; new timeline entries are marked as new. Polling pauses while the tab is hidden.
(function () {
  const NEW_FOR_MS = 5 * 60 * 1000;

  function isField(el) {
    return el.tagName === "INPUT" || el.tagName === "TEXTAREA" || el.tagName === "SELECT";
  }

  function selectEdited(select) {
    const options = Array.from(select.options);
    if (select.multiple) return options.some(function (o) { return o.selected !== o.defaultSelected; });
    const initial = options.findIndex(function (o) { return o.defaultSelected; });
    return select.selectedIndex !== (initial === -1 ? 0 : initial);
  }

  function edited(form) {
    return Array.from(form.elements).some(function (el) {
      if (el.type === "hidden" || el.type === "submit" || el.type === "button" || el.type === "reset") return false;
      if (el.type === "checkbox" || el.type === "radio") return el.checked !== el.defaultChecked;
      if (el.tagName === "SELECT") return selectEdited(el);
      return "defaultValue" in el && el.value !== el.defaultValue;
    });
  }

  // A form the user is in or has changed stays exactly as it is until they submit or leave the page.
  // `focused` is taken before a morph: moving a node (to keep it in order) blurs it for a moment.
  function held(form, focused) {
    return (focused !== null && form.contains(focused)) || edited(form);
  }

  function nodeKey(node) {
    if (node.nodeType !== 1) return undefined;
    if (node.id) return node.id;
    if (node.tagName === "FORM") {
      const which = node.querySelector("input[type=hidden]:not([name=csrfmiddlewaretoken])");
      return "form " + node.getAttribute("action") + (which ? " " + which.name + "=" + which.value : "");
    }
    return undefined;
  }

  function keepAsIs(from, to, focused) {
    if (from.tagName === "FORM" && held(from, focused)) return true;
    if (isField(from) && from === focused) return true;
    // The countdown is filled in by the page every second; the server draws it empty.
    if (from.classList.contains("wr-countdown") && from.dataset.due === to.dataset.due) return true;
    return from.isEqualNode(to);
  }

  const firstSeen = new Map();

  function markNew(region, before, announce) {
    const now = Date.now();
    let arrived = 0;
    region.querySelectorAll("li[id]").forEach(function (item) {
      if (!before.has(item.id) && !firstSeen.has(item.id)) {
        firstSeen.set(item.id, now);
        arrived += 1;
      }
      const since = firstSeen.get(item.id);
      const isNew = since !== undefined && now - since < NEW_FOR_MS;
      item.classList.toggle("wr-entry-new", isNew);
      let badge = item.querySelector(":scope > .wr-new-badge");
      if (isNew && !badge) {
        badge = document.createElement("span");
        badge.className = "wr-new-badge";
        badge.textContent = pgettext("timeline entry", "New");
        item.prepend(badge);
      } else if (!isNew && badge) {
        badge.remove();
      }
    });
    if (arrived && announce) {
      announce.textContent = interpolate(
        ngettext("%(count)s new timeline entry.", "%(count)s new timeline entries.", arrived), { count: arrived }, true
      );
    }
  }

  function applyRegion(region, html, announce) {
    const fresh = region.cloneNode(false);
    fresh.innerHTML = html;
    const before = new Set(Array.from(region.querySelectorAll("li[id]"), function (el) { return el.id; }));
    const focused = region.contains(document.activeElement) ? document.activeElement : null;
    let selection = null;
    try {
      if (focused && typeof focused.selectionStart === "number") {
        selection = [focused.selectionStart, focused.selectionEnd, focused.selectionDirection];
      }
    } catch (e) { selection = null; } // inputs without a text selection (e.g. number) refuse to say
    window.morphdom(region, fresh, {
      childrenOnly: true,
      getNodeKey: nodeKey,
      onBeforeElUpdated: function (from, to) {
        if (keepAsIs(from, to, focused)) return false;
        if (from.tagName === "DETAILS") to.open = from.open; // opened or closed by the user: keep it so
        return true;
      },
      onBeforeNodeDiscarded: function (node) {
        return !(node.nodeType === 1 && node.tagName === "FORM" && held(node, focused));
      },
    });
    // The same node, kept but moved into its new place: give it back its focus and caret.
    if (focused && focused.isConnected && document.activeElement !== focused) {
      focused.focus({ preventScroll: true });
      if (selection) focused.setSelectionRange(selection[0], selection[1], selection[2]);
    }
    if (region.hasAttribute("data-live-mark-new")) markNew(region, before, announce);
  }

  function start(root) {
    const url = root.dataset.liveUrl;
    const every = Math.max(0.2, parseFloat(root.dataset.liveInterval) || 4) * 1000;
    const announce = root.querySelector("[data-live-announce]");
    let etag = root.dataset.liveEtag || "";
    let busy = false;

    function apply(regions) {
      root.querySelectorAll("[data-live-region]").forEach(function (region) {
        const html = regions[region.dataset.liveRegion];
        if (typeof html === "string") applyRegion(region, html, announce);
      });
      root.dispatchEvent(new CustomEvent("warroom:refreshed", { bubbles: true }));
    }

    function poll() {
      if (busy || document.hidden) return;
      busy = true;
      const headers = { Accept: "application/json" };
      if (etag) headers["If-None-Match"] = etag;
      // no-store: the browser's cache would turn our 304 into a 200 of its stored copy.
      fetch(url, { headers: headers, cache: "no-store", credentials: "same-origin", redirect: "error" })
        .then(function (response) {
          if (response.status === 304) return null;
          if (!response.ok) throw new Error("refresh answered " + response.status);
          etag = response.headers.get("ETag") || "";
          return response.json();
        })
        .then(function (data) {
          if (data) apply(data.regions);
          root.removeAttribute("data-live-stale");
        })
        .catch(function () {
          root.setAttribute("data-live-stale", ""); // e.g. logged out or offline: try again next time
        })
        .finally(function () { busy = false; });
    }

    setInterval(poll, every);
    document.addEventListener("visibilitychange", function () { if (!document.hidden) poll(); });
  }

  // Ages ("3h 12m", in the page's language) on the board move on between refreshes, like the countdowns.
  function showAges() {
    document.querySelectorAll(".wr-age[data-since]").forEach(function (el) {
      const minutes = Math.max(0, Math.floor((Date.now() - new Date(el.dataset.since)) / 60000));
      const days = Math.floor(minutes / 1440), hours = Math.floor((minutes % 1440) / 60);
      const parts = [];
      if (days) parts.push(interpolate(gettext("%(days)sd"), { days: days }, true));
      if (days || hours) parts.push(interpolate(gettext("%(hours)sh"), { hours: hours }, true));
      parts.push(interpolate(gettext("%(minutes)sm"), { minutes: minutes % 60 }, true));
      el.textContent = parts.join(" ");
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    showAges();
    setInterval(showAges, 30000);
    document.addEventListener("warroom:refreshed", showAges);
    if (!window.morphdom) return;
    document.querySelectorAll("[data-live-url]").forEach(start);
  });
})();
