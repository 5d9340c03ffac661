// The pages' bit of plain JavaScript: toasts, the sidebar drawer, the account menu, the
// Ctrl/Cmd+K palette, copy buttons and relative dates. Everything works without it, except
// the palette, which is a shortcut to links that are on the page anyway.
"use strict";

(function () {
  const sprite = "/static/vendor/lucide-sprite.svg";
  const TOAST_ICONS = { success: "circle-check", error: "circle-alert", info: "info" };
  const LANG = document.documentElement.lang || "en";
  // Times of day on the user's clock (Settings → Profile), whatever the browser's locale.
  const HOUR_CYCLE = document.documentElement.dataset.clock === "12h" ? "h12" : "h23";
  const TIME_STYLE = { dateStyle: "medium", timeStyle: "short", hourCycle: HOUR_CYCLE };

  function icon(name) {
    const ns = "http://www.w3.org/2000/svg";
    const svg = document.createElementNS(ns, "svg");
    svg.setAttribute("class", "icon");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    const use = document.createElementNS(ns, "use");
    use.setAttribute("href", sprite + "#" + name);
    svg.appendChild(use);
    return svg;
  }

  // Toasts ------------------------------------------------------------------------------
  function dismissLater(toast, kind) {
    if (kind === "error") return; // errors stay until dismissed
    setTimeout(function () { toast.remove(); }, 6000);
  }

  // `join`: an online meeting's link, shown as a Join link in the toast (a web address only).
  function showToast(kind, text, join) {
    const region = document.getElementById("toasts");
    if (!region) return;
    const toast = document.createElement("div");
    toast.className = "toast toast-" + kind;
    toast.setAttribute("data-toast", "");
    const p = document.createElement("p");
    p.textContent = text;
    const close = document.createElement("button");
    close.type = "button";
    close.className = "icon-button toast-close";
    close.setAttribute("data-toast-close", "");
    close.setAttribute("aria-label", "Dismiss");
    close.appendChild(icon("x"));
    toast.append(icon(TOAST_ICONS[kind] || "info"), p);
    if (typeof join === "string" && /^https?:\/\//.test(join)) {
      const link = document.createElement("a");
      link.className = "button button-secondary";
      link.href = join;
      link.target = "_blank";
      link.rel = "noopener noreferrer";
      link.textContent = "Join";
      link.setAttribute("data-join", "");
      toast.appendChild(link);
    }
    toast.appendChild(close);
    region.appendChild(toast);
    dismissLater(toast, kind);
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-toast]").forEach(function (t) {
      dismissLater(t, t.classList.contains("toast-error") ? "error" : "success");
    });
    relativeTimes(document);
  });

  document.addEventListener("click", function (event) {
    const close = event.target.closest("[data-toast-close]");
    if (close) close.closest("[data-toast]").remove();
  });

  // The server's HX-Trigger {"toast": [{kind, text}, ...]}
  document.body.addEventListener("toast", function (event) {
    const detail = event.detail;
    const list = Array.isArray(detail) ? detail : Array.isArray(detail && detail.value) ? detail.value : [detail];
    list.forEach(function (t) { if (t && t.text) showToast(t.kind || "info", t.text, t.join); });
  });
  document.body.addEventListener("htmx:responseError", function (event) {
    const xhr = event.detail.xhr;
    if (xhr && xhr.getResponseHeader("HX-Trigger")) return; // the server said what went wrong
    showToast("error", "Something went wrong (" + (xhr ? xhr.status : "?") + "); try again.");
  });
  document.body.addEventListener("htmx:sendError", function () {
    showToast("error", "The server cannot be reached; check your connection and try again.");
  });
  document.body.addEventListener("htmx:afterSwap", function (event) {
    relativeTimes(event.detail.target);
  });
  // New content (an outerHTML swap replaces its target, so afterSwap's target is the old one).
  document.body.addEventListener("htmx:load", function (event) {
    relativeTimes(event.detail.elt);
  });

  // The record pages' side panel: focus its first field when it opens, close it with its
  // close links and Escape, and give the focus back to what opened it.
  let panelOpener = null;
  document.body.addEventListener("htmx:beforeRequest", function (event) {
    const elt = event.detail.elt;
    if (elt && elt.getAttribute && elt.getAttribute("hx-target") === "#panel" && elt.tagName === "A") panelOpener = elt;
  });
  document.body.addEventListener("htmx:afterSettle", function (event) {
    const panel = document.getElementById("panel");
    if (!panel || !panel.contains(event.detail.elt)) return;
    if (panel.hidden) { // saved or deleted: back to what opened the panel, when it is still there
      if (panelOpener && document.body.contains(panelOpener)) panelOpener.focus();
      return;
    }
    relativeTimes(panel);
    const invalid = panel.querySelector("[aria-invalid=true], [role=alert] a");
    const first = invalid || panel.querySelector("input:not([type=hidden]), select, textarea, button");
    if (first) first.focus();
  });
  function closePanel() {
    const panel = document.querySelector("[data-panel]");
    if (!panel) return false;
    const empty = document.createElement("div");
    empty.id = "panel";
    empty.hidden = true;
    panel.replaceWith(empty);
    if (panelOpener && document.body.contains(panelOpener)) panelOpener.focus();
    return true;
  }
  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-panel-close]")) {
      if (closePanel()) event.preventDefault();
    }
  });

  // The sidebar drawer on narrow screens -------------------------------------------------
  const sidebar = document.getElementById("sidebar");
  const opener = document.querySelector("[data-sidebar-open]");
  function setSidebar(open) {
    if (!sidebar || !opener) return;
    sidebar.classList.toggle("open", open);
    opener.setAttribute("aria-expanded", String(open));
    if (open) {
      const first = sidebar.querySelector("a[href]:not([data-sidebar-close])");
      if (first) first.focus();
    } else if (location.hash === "#sidebar") {
      history.replaceState(null, "", location.pathname + location.search);
    }
  }
  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-sidebar-open]")) {
      event.preventDefault();
      setSidebar(true);
    } else if (event.target.closest("[data-sidebar-close]")) {
      event.preventDefault();
      setSidebar(false);
      if (opener) opener.focus();
    }
  });

  // The account menu (a <details>): close on Escape and on a click elsewhere -------------
  document.addEventListener("click", function (event) {
    document.querySelectorAll("details[data-menu][open]").forEach(function (menu) {
      if (!menu.contains(event.target)) menu.removeAttribute("open");
    });
  });

  // Copy buttons --------------------------------------------------------------------------
  document.addEventListener("click", function (event) {
    const button = event.target.closest("[data-copy]");
    if (!button) return;
    const field = document.querySelector(button.getAttribute("data-copy"));
    if (!field) return;
    field.select();
    const done = function () { showToast("success", "Copied to the clipboard."); };
    if (navigator.clipboard) {
      navigator.clipboard.writeText(field.value).then(done, function () { document.execCommand("copy"); done(); });
    } else {
      document.execCommand("copy");
      done();
    }
  });

  // The contact form's organization: its matches are the datalist's suggestions; below the
  // field, whether the name links to one of the user's organizations, or a button to create
  // it (the link is made when the contact is saved, by name, whatever its case).
  function organizationStatus(field) {
    const status = field.form && field.form.querySelector("[data-organization-status]");
    if (!status) return;
    const name = field.value.trim();
    const names = Array.from(field.list ? field.list.options : []).map(function (o) { return o.value; });
    const match = names.find(function (n) { return n.toLowerCase() === name.toLowerCase(); });
    status.replaceChildren();
    if (!name) return;
    if (match) {
      status.append(icon("circle-check"), "Links to " + match + ".");
      return;
    }
    const create = document.createElement("button");
    create.type = "button";
    create.className = "button button-sm";
    create.append(icon("plus"), "Create organization \u201c" + name + "\u201d");
    create.addEventListener("click", function () {
      const csrf = JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRF-Token"];
      fetch("/api/v1/organizations", {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRF-Token": csrf },
        body: JSON.stringify({ name: name }),
      }).then(function (response) {
        return response.json().then(function (data) {
          if (!response.ok) throw data;
          const option = document.createElement("option");
          option.value = data.name;
          field.list.appendChild(option);
          field.value = data.name;
          organizationStatus(field);
          showToast("success", "Organization " + data.name + " created.");
        });
      }).catch(function (problem) {
        showToast("error", (problem && problem.detail) || "The organization could not be created.");
      });
    });
    status.append("No organization of yours has this name. ", create);
  }
  document.addEventListener("input", function (event) {
    if (event.target.matches && event.target.matches("input[list=organization-names]")) organizationStatus(event.target);
  });

  // Relative dates, with the exact time on hover -----------------------------------------
  function relativeTimes(root) {
    if (!root || !root.querySelectorAll) return;
    // In the interface's language (the page's lang), not the browser's.
    const format = new Intl.RelativeTimeFormat(LANG, { numeric: "auto" });
    const units = [["year", 31536000], ["month", 2592000], ["week", 604800], ["day", 86400], ["hour", 3600], ["minute", 60]];
    root.querySelectorAll("time[data-relative]").forEach(function (el) {
      const when = new Date(el.getAttribute("datetime"));
      if (isNaN(when)) return;
      el.title = when.toLocaleString(LANG, TIME_STYLE);
      const seconds = (when - Date.now()) / 1000;
      for (const [unit, size] of units) {
        if (Math.abs(seconds) >= size) {
          el.textContent = format.format(Math.round(seconds / size), unit);
          return;
        }
      }
      el.textContent = format.format(0, "second");
    });
    // Calendar days ("in 3 days", "yesterday"), counted in whole days of the user's calendar.
    root.querySelectorAll("time[data-relative-day]").forEach(function (el) {
      const parts = el.getAttribute("datetime").split("-").map(Number);
      if (parts.length !== 3) return;
      const day = new Date(parts[0], parts[1] - 1, parts[2]);
      const now = new Date();
      const today = new Date(now.getFullYear(), now.getMonth(), now.getDate());
      const days = Math.round((day - today) / 86400000);
      if (Math.abs(days) <= 13) el.textContent = format.format(days, "day");
    });
  }

  // Escape closes what is open -------------------------------------------------------------
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    const palette = document.getElementById("palette");
    if (!(palette && palette.open) && closePanel()) return;
    document.querySelectorAll("details[data-menu][open]").forEach(function (menu) {
      menu.removeAttribute("open");
      menu.querySelector("summary").focus();
    });
    if (sidebar && sidebar.classList.contains("open")) {
      setSidebar(false);
      if (opener) opener.focus();
    }
  });

  // The Ctrl/Cmd+K palette ------------------------------------------------------------------
  const palette = document.getElementById("palette");
  if (!palette) return;
  const input = document.getElementById("palette-input");
  const list = document.getElementById("palette-list");
  let options = Array.from(palette.querySelectorAll("[role=option]"));
  const empty = palette.querySelector(".palette-empty");
  let active = -1;

  // Records by name, from the server, under the pages that match (the latest answer wins).
  let searchTimer = null;
  let searchSeq = 0;
  function searchRecords() {
    clearTimeout(searchTimer);
    const q = input.value.trim();
    const seq = ++searchSeq;
    if (q.length < 2) { showRecords(""); return; }
    searchTimer = setTimeout(function () {
      fetch("/search?q=" + encodeURIComponent(q), { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.text() : ""; })
        .then(function (html) { if (seq === searchSeq) showRecords(html); })
        .catch(function () {});
    }, 200);
  }
  function showRecords(html) {
    list.querySelectorAll("[data-record]").forEach(function (o) { o.remove(); });
    list.insertAdjacentHTML("beforeend", html);
    options = Array.from(list.querySelectorAll("[role=option]"));
    empty.hidden = visible().length > 0;
    if (active < 0 || !visible()[active]) activate(0);
  }

  function visible() { return options.filter(function (o) { return !o.hidden; }); }
  function activate(index) {
    const shown = visible();
    options.forEach(function (o) { o.setAttribute("aria-selected", "false"); });
    if (!shown.length) { active = -1; input.removeAttribute("aria-activedescendant"); return; }
    active = (index + shown.length) % shown.length;
    shown[active].setAttribute("aria-selected", "true");
    input.setAttribute("aria-activedescendant", shown[active].id);
    shown[active].scrollIntoView({ block: "nearest" });
  }
  function filter() {
    const words = input.value.toLowerCase().split(/\s+/).filter(Boolean);
    options.forEach(function (o) {
      if (o.hasAttribute("data-record")) return; // the server matched it
      const text = o.textContent.toLowerCase();
      o.hidden = !words.every(function (w) { return text.includes(w); });
    });
    empty.hidden = visible().length > 0;
    activate(0);
  }
  function go(option) { if (option) window.location.assign(option.getAttribute("data-href")); }
  function openPalette() {
    if (palette.open) return;
    input.value = "";
    showRecords("");
    filter();
    palette.showModal();
    input.focus();
  }

  document.addEventListener("keydown", function (event) {
    if ((event.ctrlKey || event.metaKey) && !event.altKey && event.key.toLowerCase() === "k") {
      event.preventDefault();
      if (palette.open) palette.close(); else openPalette();
    }
  });
  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-palette-open]")) openPalette();
  });
  input.addEventListener("input", function () { filter(); searchRecords(); });
  input.addEventListener("keydown", function (event) {
    if (event.key === "ArrowDown") { event.preventDefault(); activate(active + 1); }
    else if (event.key === "ArrowUp") { event.preventDefault(); activate(active - 1); }
    else if (event.key === "Enter") { event.preventDefault(); go(visible()[active]); }
  });
  palette.addEventListener("click", function (event) {
    const option = event.target.closest("[role=option]");
    if (option) go(option);
    else if (event.target === palette) palette.close(); // a click on the backdrop
  });
})();
