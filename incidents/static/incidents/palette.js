"use strict";
// The admin's command palette: Ctrl-K / Cmd-K opens it on every admin page. Its commands come from the
// page (json_script "wr-palette-commands" and elements marked data-palette-label); incidents come from the
// incident admin's search view as you type. A command that acts on the page looks its form or element up
// when it runs, because a live refresh may have replaced that part of the page since it was drawn.
(function () {
  const SEARCH_DELAY_MS = 120;

  const state = {
    dialog: null, input: null, list: null, status: null, searchUrl: "",
    options: [], active: -1, incidents: [], searchSeq: 0, searching: null, returnFocus: null,
  };

  function readCommands() {
    const script = document.getElementById("wr-palette-commands");
    const commands = script ? JSON.parse(script.textContent) : [];
    // Any element can offer itself: data-palette-label (and data-palette-keywords, data-palette-group).
    document.querySelectorAll("[data-palette-label]").forEach(function (el) {
      if (!el.id) return;  // found again by id when it runs
      commands.push({
        label: el.dataset.paletteLabel, keywords: el.dataset.paletteKeywords || "",
        group: el.dataset.paletteGroup || pgettext("palette group", "Incident"), run: el.dataset.paletteRun || "focus", target: "#" + el.id,
      });
    });
    return commands;
  }

  function formFor(action) {
    return Array.prototype.find.call(document.forms, function (form) {
      return form.getAttribute("action") === action;
    }) || null;
  }

  function targetOf(command) {
    if (command.run === "submit") return formFor(command.target);
    if (command.run === "focus") return document.querySelector(command.target);
    return true;
  }

  // Offered only while its form or element is on the page: the cockpit draws what is legal now.
  function available(command) { return Boolean(targetOf(command)); }

  function matches(words, text) {
    const haystack = text.toLowerCase();
    return words.every(function (word) { return haystack.indexOf(word) !== -1; });
  }

  function render(keepActive) {
    const query = state.input.value.trim().toLowerCase();
    const words = query ? query.split(/\s+/) : [];
    const commands = readCommands().filter(available).filter(function (c) {
      return matches(words, c.label + " " + c.keywords + " " + c.group);
    });
    // A label that starts with what was typed comes first; otherwise the page's order is kept.
    commands.sort(function (a, b) {
      return (b.label.toLowerCase().startsWith(query) ? 1 : 0) - (a.label.toLowerCase().startsWith(query) ? 1 : 0);
    });
    const previous = state.options[state.active];
    state.options = commands.map(function (c) { return { kind: "command", command: c, label: c.label, hint: c.group }; })
      // Incidents of an earlier search stay only while they still match; the new answer replaces them.
      .concat(state.incidents.filter(function (i) { return matches(words, i.reference + " " + i.title); }).map(function (i) {
        return {
          kind: "incident", incident: i, label: i.reference + " " + i.title,
          hint: i.severity + " \u00b7 " + i.status_display,
        };
      }));
    state.list.replaceChildren();
    state.options.forEach(function (option, index) {
      const item = document.createElement("li");
      item.id = "wr-palette-option-" + index;
      item.setAttribute("role", "option");
      item.className = "wr-palette-option";
      const label = document.createElement("span");
      label.className = "wr-palette-label";
      label.textContent = option.label;
      const hint = document.createElement("span");
      hint.className = "wr-palette-hint";
      hint.textContent = option.hint;
      item.append(label, hint);
      item.addEventListener("mousemove", function () { if (state.active !== index) setActive(index); });
      item.addEventListener("click", function () { setActive(index); runActive(); });
      state.list.append(item);
    });
    const keep = keepActive && previous ? state.options.findIndex(function (o) { return o.label === previous.label; }) : -1;
    setActive(keep >= 0 ? keep : (state.options.length ? 0 : -1));
    state.input.setAttribute("aria-expanded", state.options.length ? "true" : "false");
    const count = state.options.length;
    state.status.textContent = count
      ? interpolate(ngettext("%(count)s result", "%(count)s results", count), { count: count }, true)
      : (state.searching ? gettext("Searching\u2026") : gettext("No command or incident matches."));
  }

  function setActive(index) {
    state.active = index;
    state.list.querySelectorAll("[role=option]").forEach(function (item, i) {
      item.setAttribute("aria-selected", i === index ? "true" : "false");
      item.classList.toggle("wr-palette-active", i === index);
    });
    if (index >= 0) {
      const item = document.getElementById("wr-palette-option-" + index);
      state.input.setAttribute("aria-activedescendant", item.id);
      item.scrollIntoView({ block: "nearest" });
    } else {
      state.input.removeAttribute("aria-activedescendant");
    }
  }

  function search() {
    const seq = ++state.searchSeq;
    if (!state.searchUrl) { state.searching = null; return; }
    const query = state.input.value.trim();
    state.searching = new Promise(function (resolve) {
      setTimeout(function () {
        if (seq !== state.searchSeq) { resolve(); return; }  // a newer search replaced this one
        fetch(state.searchUrl + "?" + new URLSearchParams({ q: query }).toString(), {
          credentials: "same-origin", headers: { Accept: "application/json" },
        })
          .then(function (response) { return response.ok ? response.json() : { results: [] }; })
          .catch(function () { return { results: [] }; })
          .then(function (data) {
            if (seq === state.searchSeq) {
              state.incidents = data.results || [];
              state.searching = null;
              if (state.dialog.open) render(true);
            }
            resolve();
          });
      }, SEARCH_DELAY_MS);
    });
  }

  function runActive() {
    const option = state.options[state.active];
    if (!option && state.searching) {
      // Enter pressed before the incidents arrived: run the first one once they have.
      state.searching.then(function () { if (state.options.length) { setActive(0); runActive(); } });
      return;
    }
    if (!option) return;
    if (option.kind === "incident") { closePalette(false); window.location.assign(option.incident.url); return; }
    const command = option.command;
    const target = targetOf(command);  // looked up now: the page may have been redrawn since it opened
    if (!target) {
      render(false);
      state.status.textContent = gettext("No longer possible here: the page has changed since.");
      return;
    }
    if (command.run === "navigate") { closePalette(false); window.location.assign(command.target); return; }
    // Focus goes back first: a form sent without leaving the page keeps the user where they were.
    if (command.run === "submit") { closePalette(true); target.requestSubmit(); return; }
    closePalette(false);
    focusTarget(target);
  }

  function focusTarget(target) {
    let field = target;
    if (target.tagName === "FORM") {
      field = target.querySelector("input:not([type=hidden]):not([disabled]), select:not([disabled]), textarea:not([disabled])") || target;
    }
    // Open what hides it (a collapsed <details> panel).
    for (let parent = field.parentElement; parent; parent = parent.parentElement) {
      if (parent.tagName === "DETAILS") parent.open = true;
    }
    if (field.tagName === "TEXTAREA") field.setAttribute("aria-keyshortcuts", "Control+Enter Meta+Enter");
    if (!field.hasAttribute("tabindex") && !/^(INPUT|SELECT|TEXTAREA|BUTTON|A)$/.test(field.tagName)) {
      field.setAttribute("tabindex", "-1");
    }
    field.scrollIntoView({ block: "center" });
    field.focus();
  }

  function openPalette() {
    if (state.dialog.open) { state.input.select(); return; }
    state.returnFocus = document.activeElement;
    state.input.value = "";
    state.incidents = [];
    state.options = [];
    state.dialog.showModal();
    state.input.focus();
    render();
    search();  // open incidents, for an empty query
  }

  function closePalette(restoreFocus) {
    if (!state.dialog.open) return;
    state.dialog.close();
    state.searchSeq++;
    state.searching = null;
    if (restoreFocus && state.returnFocus && document.contains(state.returnFocus)) state.returnFocus.focus();
  }

  function onInputKey(event) {
    const count = state.options.length;
    if (event.key === "ArrowDown" && count) { event.preventDefault(); setActive((state.active + 1) % count); }
    else if (event.key === "ArrowUp" && count) { event.preventDefault(); setActive((state.active - 1 + count) % count); }
    else if (event.key === "Home" && count && event.ctrlKey) { event.preventDefault(); setActive(0); }
    else if (event.key === "End" && count && event.ctrlKey) { event.preventDefault(); setActive(count - 1); }
    else if (event.key === "Enter") { event.preventDefault(); runActive(); }
    else if (event.key === "Escape") { event.preventDefault(); closePalette(true); }
  }

  function onDocumentKey(event) {
    const mod = event.ctrlKey || event.metaKey;
    if (mod && !event.altKey && !event.shiftKey && event.key.toLowerCase() === "k") {
      event.preventDefault();
      if (state.dialog.open) closePalette(true); else openPalette();
      return;
    }
    // Ctrl/Cmd-Enter in a cockpit text field sends its form (a note, a status update, a page).
    const field = event.target;
    if (mod && event.key === "Enter" && field.form && field.closest && field.closest(".wr-cockpit")) {
      event.preventDefault();
      field.form.requestSubmit();
    }
  }

  function init() {
    state.dialog = document.getElementById("wr-palette");
    if (!state.dialog) return;
    state.input = document.getElementById("wr-palette-input");
    state.list = document.getElementById("wr-palette-list");
    state.status = document.getElementById("wr-palette-status");
    state.searchUrl = state.dialog.dataset.searchUrl || "";
    state.input.addEventListener("input", function () { render(false); search(); });
    state.input.addEventListener("keydown", onInputKey);
    // Escape on the dialog itself (the browser's own cancel) also returns focus where it was.
    state.dialog.addEventListener("cancel", function (event) { event.preventDefault(); closePalette(true); });
    // A click on the backdrop (the dialog element outside its box) closes it.
    state.dialog.addEventListener("click", function (event) { if (event.target === state.dialog) closePalette(true); });
    document.addEventListener("keydown", onDocumentKey);
    // A button for touch screens and for discovering the shortcut, in the header's user links.
    const tools = document.getElementById("user-tools");
    if (tools) {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "wr-palette-open";
      button.setAttribute("aria-haspopup", "dialog");
      button.setAttribute("aria-keyshortcuts", "Control+K Meta+K");
      button.textContent = /Mac|iPhone|iPad/.test(navigator.platform) ? gettext("Commands (\u2318K)") : gettext("Commands (Ctrl-K)");
      button.addEventListener("click", openPalette);
      tools.prepend(button);
    }
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init); else init();
})();
