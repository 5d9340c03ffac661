// The calendar page: FullCalendar (vendored) over the REST API. Month, week and day views in
// the user's time zone; select a slot to add an event, drag or resize to change it, click to
// edit or delete it. Reminders move by dragging; due dates only show. Writes send the CSRF
// token as the pages' other scripts do.
(function () {
  "use strict";
  var el = document.getElementById("calendar");
  if (!el || !window.FullCalendar) return;
  var zone = el.dataset.timeZone || "UTC";
  var csrf = JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRF-Token"];
  var status = document.getElementById("calendar-status");
  var dialog = document.getElementById("event-dialog");
  var form = document.getElementById("event-form");
  var fields = form.elements;
  var errorBox = document.getElementById("event-error");
  var deleteButton = document.getElementById("event-delete");
  var editing = null; // the event being edited: {id} or null for a new one
  var COLORS = { event: "var(--cal-event)", reminder: "var(--cal-reminder)", task_due: "var(--cal-due)", project_due: "var(--cal-due)" };
  var KIND_LABELS = { event: "Event", reminder: "Reminder", task_due: "Task due", project_due: "Project due" };

  function api(method, url, body) {
    var headers = { Accept: "application/json", "X-CSRF-Token": csrf };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    return fetch(url, {
      method: method,
      credentials: "same-origin",
      headers: headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    }).then(function (response) {
      if (response.status === 204) return null;
      return response.json().then(function (data) {
        if (!response.ok) throw data;
        return data;
      });
    });
  }

  function problemText(problem) {
    if (problem && problem.errors && problem.errors.length) {
      return problem.errors.map(function (e) { return e.field + ": " + e.message; }).join("; ");
    }
    return (problem && problem.detail) || "The server could not be reached.";
  }

  function toast(kind, text) {
    document.body.dispatchEvent(new CustomEvent("toast", { detail: { kind: kind, text: text } }));
    status.textContent = text;
  }

  // Days as YYYY-MM-DD; an all-day end is exclusive in the API and inclusive in the dialog.
  function addDays(day, count) {
    var parts = day.split("-").map(Number);
    var d = new Date(Date.UTC(parts[0], parts[1] - 1, parts[2] + count));
    return d.toISOString().slice(0, 10);
  }

  function localInput(value) {
    // "2026-12-01T10:00:00+01:00" -> "2026-12-01T10:00" (the wall time as the API shows it)
    return value ? String(value).slice(0, 16) : "";
  }

  function setAllDay(allDay) {
    fields.all_day.checked = allDay;
    ["start", "end"].forEach(function (name) {
      var input = fields[name];
      var value = input.value;
      input.type = allDay ? "date" : "datetime-local";
      input.value = allDay ? value.slice(0, 10) : value.length === 10 ? value + "T09:00" : value;
    });
  }

  function openDialog(title, values, id, recurring) {
    editing = id ? { id: id } : null;
    document.getElementById("event-dialog-title").textContent = title;
    errorBox.hidden = true;
    fields.title.value = values.title || "";
    fields.location.value = values.location || "";
    fields.description.value = values.description || "";
    fields.start.type = fields.end.type = values.all_day ? "date" : "datetime-local";
    fields.all_day.checked = !!values.all_day;
    fields.start.value = values.all_day ? values.start : localInput(values.start);
    fields.end.value = values.all_day ? addDays(values.end, -1) : localInput(values.end);
    deleteButton.hidden = !id;
    // An event kept in another time zone (imported, say) is edited in its own zone's times.
    var zoneHint = document.getElementById("event-zone");
    zoneHint.hidden = !values.timezone || values.timezone === zone;
    zoneHint.textContent = "Times in " + (values.timezone || zone) + ", the event's time zone.";
    document.getElementById("event-recurring").hidden = !recurring;
    dialog.showModal();
    fields.title.focus();
  }

  function formBody() {
    var allDay = fields.all_day.checked;
    var body = {
      title: fields.title.value.trim(),
      all_day: allDay,
      start: allDay ? fields.start.value : fields.start.value + ":00",
      end: allDay ? addDays(fields.end.value, 1) : fields.end.value + ":00",
      location: fields.location.value.trim() || null,
      description: fields.description.value.trim() || null,
    };
    if (!editing) body.timezone = zone;
    return body;
  }

  function toEvent(item) {
    var kind = item.kind;
    var recurring = kind === "event" && !!item.recurrence_id;
    return {
      id: kind + ":" + item.id + ":" + (item.recurrence_id || ""),
      title: item.title,
      start: item.start,
      end: item.end || undefined,
      allDay: item.all_day,
      className: "cal-item cal-" + kind.replace("_", "-"),
      color: COLORS[kind],
      contrastColor: "var(--cal-on-item)",
      // One occurrence of a series is changed in the dialog (for the whole series), not dragged.
      startEditable: (kind === "event" && !recurring) || kind === "reminder",
      durationEditable: kind === "event" && !recurring,
      extendedProps: { item: item },
    };
  }

  function refresh() { calendar.refetchEvents(); }

  // A reminder: snooze it or dismiss it.
  var reminderDialog = document.getElementById("reminder-dialog");
  var reminderError = document.getElementById("reminder-error");
  var reminder = null;

  function openReminder(item) {
    reminder = item;
    reminderError.hidden = true;
    document.getElementById("reminder-text").textContent = item.title;
    var when = new Intl.DateTimeFormat(undefined, { dateStyle: "full", timeStyle: "short", timeZone: zone })
      .format(new Date(item.start));
    document.getElementById("reminder-when").textContent = when + (item.status ? " · " + item.status : "");
    reminderDialog.showModal();
  }

  reminderDialog.addEventListener("click", function (event) {
    var button = event.target.closest("[data-reminder-action]");
    if (!button || !reminder) return;
    var action = button.dataset.reminderAction;
    if (action === "close") { reminderDialog.close(); return; }
    var url = "/api/v1/reminders/" + reminder.id;
    var request = action === "dismiss"
      ? api("POST", url + "/dismiss", {})
      : api("POST", url + "/snooze", { until: new Date(Date.now() + (action === "hour" ? 1 : 24) * 3600e3).toISOString() });
    request.then(function () {
      reminderDialog.close();
      toast("success", action === "dismiss" ? "Reminder dismissed." : "Reminder snoozed.");
      refresh();
    }).catch(function (problem) {
      reminderError.textContent = problemText(problem);
      reminderError.hidden = false;
    });
  });

  function saveMove(info, done) {
    var item = info.event.extendedProps.item;
    var request;
    if (item.kind === "reminder") {
      request = api("PATCH", "/api/v1/reminders/" + item.id, { remind_at: info.event.startStr });
    } else {
      var body = { start: info.event.startStr, all_day: info.event.allDay };
      body.end = info.event.endStr || null;
      request = api("PATCH", "/api/v1/calendar/events/" + item.id, body);
    }
    request.then(function () {
      toast("success", KIND_LABELS[item.kind] + " " + done + ".");
      refresh();
    }).catch(function (problem) {
      info.revert();
      toast("error", problemText(problem));
    });
  }

  var narrow = window.matchMedia("(max-width: 700px)").matches;
  var calendar = new FullCalendar.Calendar(el, {
    timeZone: zone,
    initialView: narrow ? "timeGridDay" : "dayGridMonth",
    headerToolbar: {
      start: "prev,next today",
      center: "title",
      end: narrow ? "timeGridDay,dayGridMonth" : "dayGridMonth,timeGridWeek,timeGridDay",
    },
    // The page scrolls, not a region inside the calendar: FullCalendar's grid roles allow no
    // focusable scroller in them (axe), and a scroller that cannot be focused is unreachable.
    height: "auto",
    nowIndicator: true,
    selectable: true,
    editable: true,
    dayMaxEvents: 4,
    events: function (info, success, failure) {
      var query = new URLSearchParams({ start: info.startStr, end: info.endStr });
      api("GET", "/api/v1/calendar/items?" + query.toString())
        .then(function (data) { success(data.items.map(toEvent)); })
        .catch(function (problem) {
          toast("error", problemText(problem));
          failure(new Error(problemText(problem)));
        });
    },
    select: function (info) {
      var values = { start: info.startStr, end: info.endStr, all_day: info.allDay };
      calendar.unselect();
      openDialog("New event", values, null, false);
    },
    eventDrop: function (info) { saveMove(info, "moved"); },
    eventResize: function (info) { saveMove(info, "resized"); },
    eventClick: function (info) {
      var item = info.event.extendedProps.item;
      info.jsEvent.preventDefault();
      if (item.kind === "reminder") {
        openReminder(item);
        return;
      }
      if (item.kind !== "event") {
        window.location.assign(item.link);  // a task's or a project's due date: its page
        return;
      }
      api("GET", "/api/v1/calendar/events/" + item.id).then(function (event) {
        openDialog("Edit event", event, event.id, !!event.rrule);
      }).catch(function (problem) { toast("error", problemText(problem)); });
    },
  });
  calendar.render();

  // /calendar?event=<id> and ?reminder=<id> (the links of notifications and e-mails): go to
  // it and open it.
  var query = new URLSearchParams(window.location.search);
  var linked = query.get("event");
  if (linked) {
    api("GET", "/api/v1/calendar/events/" + encodeURIComponent(linked)).then(function (event) {
      calendar.gotoDate(String(event.start).slice(0, 10));
      openDialog("Edit event", event, event.id, !!event.rrule);
    }).catch(function (problem) { toast("error", problemText(problem)); });
  }
  var linkedReminder = query.get("reminder");
  if (linkedReminder) {
    api("GET", "/api/v1/reminders/" + encodeURIComponent(linkedReminder)).then(function (found) {
      calendar.gotoDate(String(found.remind_at).slice(0, 10));
      openReminder({ id: found.id, title: found.message, start: found.remind_at, status: found.status });
    }).catch(function (problem) { toast("error", problemText(problem)); });
  }

  fields.all_day.addEventListener("change", function () { setAllDay(fields.all_day.checked); });
  document.getElementById("event-cancel").addEventListener("click", function () { dialog.close(); });

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var body = formBody();
    var request = editing
      ? api("PATCH", "/api/v1/calendar/events/" + editing.id, body)
      : api("POST", "/api/v1/calendar/events", body);
    request.then(function () {
      dialog.close();
      toast("success", editing ? "Event saved." : "Event added.");
      refresh();
    }).catch(function (problem) {
      errorBox.textContent = problemText(problem);
      errorBox.hidden = false;
    });
  });

  deleteButton.addEventListener("click", function () {
    if (!editing || !window.confirm("Delete this event" + (document.getElementById("event-recurring").hidden ? "" : " and all its occurrences") + "?")) return;
    api("DELETE", "/api/v1/calendar/events/" + editing.id).then(function () {
      dialog.close();
      toast("success", "Event deleted.");
      refresh();
    }).catch(function (problem) {
      errorBox.textContent = problemText(problem);
      errorBox.hidden = false;
    });
  });
})();
