// The calendar page: FullCalendar (vendored) over the REST API. Month, week and day views in
// the user's time zone; select a slot to add an event, drag or resize to change it, click to
// edit or delete it. An occurrence of a repeating event asks "This event / All events" first.
// Reminders move by dragging; due dates only show. Writes send the CSRF token as the pages'
// other scripts do.
(function () {
  "use strict";
  var el = document.getElementById("calendar");
  if (!el || !window.FullCalendar) return;
  var zone = el.dataset.timeZone || "UTC";
  // The user's clock (Settings → Profile): every time of day on this page is written on it.
  var clock = document.documentElement.dataset.clock === "12h" ? "12h" : "24h";
  var HOURS = { hour: "numeric", minute: "2-digit", hourCycle: clock === "12h" ? "h12" : "h23" };
  var csrf = JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRF-Token"];
  var status = document.getElementById("calendar-status");
  var dialog = document.getElementById("event-dialog");
  var form = document.getElementById("event-form");
  var fields = form.elements;
  var errorBox = document.getElementById("event-error");
  var deleteButton = document.getElementById("event-delete");
  var editing = null; // the event being edited: {id, event, occurrence} or null for a new one
  var attendeeInput = document.getElementById("event-attendee");
  var attendeeList = document.getElementById("event-attendees");
  var attendeeChoices = document.getElementById("event-attendee-choices");
  var attendees = []; // [{email, name, contactId}] as shown in the dialog
  var linkInitial = "";
  var LINKS = ["contact_id", "organization_id", "project_id", "task_id"];
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

  // Times of day: "HH:MM" in the API, "14:30" or "2:30 PM" in the dialog (the user's clock).
  function pad(n) { return String(n).padStart(2, "0"); }

  function timeText(hhmm) {
    var p = hhmm.split(":").map(Number);
    if (clock === "24h") return pad(p[0]) + ":" + pad(p[1]);
    return (p[0] % 12 || 12) + ":" + pad(p[1]) + (p[0] < 12 ? " AM" : " PM");
  }

  // "14:30", "14.30", "2:30 pm", "2pm", "9" -> "HH:MM"; null if it is not a time of day.
  function parseTime(text) {
    var m = /^\s*(\d{1,2})(?:[:.h](\d{2}))?\s*(?:([ap])\.?\s*m?\.?)?\s*$/i.exec(text);
    if (!m) return null;
    var hour = Number(m[1]), minute = Number(m[2] || 0), half = (m[3] || "").toLowerCase();
    if (minute > 59) return null;
    if (half) {
      if (hour < 1 || hour > 12) return null;
      hour = (hour % 12) + (half === "p" ? 12 : 0);
    } else if (hour > 23) {
      return null;
    }
    return pad(hour) + ":" + pad(minute);
  }

  // The half hours, offered as the time fields' suggestions.
  var suggestions = document.getElementById("event-times");
  for (var half = 0; half < 48; half++) {
    suggestions.append(new Option(timeText(pad(Math.floor(half / 2)) + ":" + (half % 2 ? "30" : "00"))));
  }

  // A date field and its time of day: "2026-12-01T10:00..." (the wall time as the API shows
  // it) or "2026-12-01" for a whole day.
  function setWhen(name, value, allDay) {
    fields[name].value = String(value || "").slice(0, 10);
    fields[name + "_time"].value = allDay || !value ? "" : timeText(String(value).slice(11, 16));
  }

  function showTimes(allDay) {
    form.querySelectorAll("[data-time-of-day]").forEach(function (field) {
      field.hidden = allDay;
      field.querySelector("input").required = !allDay;
    });
  }

  function setAllDay(allDay) {
    fields.all_day.checked = allDay;
    showTimes(allDay);
    if (!allDay) {
      ["start_time", "end_time"].forEach(function (name, i) {
        if (!fields[name].value) fields[name].value = timeText(i ? "10:00" : "09:00");
      });
    }
  }

  // Attendees: chips of the people invited, added from the contacts' list or typed.
  function renderAttendees() {
    attendeeList.replaceChildren();
    attendees.forEach(function (person, index) {
      var li = document.createElement("li");
      li.className = "attendee";
      var label = document.createElement("span");
      label.textContent = person.name ? person.name + (person.email ? " (" + person.email + ")" : "") : person.email;
      var remove = document.createElement("button");
      remove.type = "button";
      remove.className = "attendee-remove";
      remove.setAttribute("aria-label", "Remove " + (person.name || person.email));
      remove.textContent = "\u00d7";
      remove.addEventListener("click", function () {
        attendees.splice(index, 1);
        renderAttendees();
        attendeeInput.focus();
      });
      li.append(label, remove);
      attendeeList.append(li);
    });
  }

  function addAttendee() {
    var text = attendeeInput.value.trim();
    if (!text) return;
    var option = Array.prototype.find.call(attendeeChoices.options, function (o) { return o.value === text; });
    var person = option
      ? { name: option.dataset.name, email: option.dataset.email, contactId: option.dataset.contactId }
      : /^[^\s@<>]+@[^\s@<>]+$/.test(text) ? { email: text } : null;
    if (!person) {
      errorBox.textContent = "Attendees: \u201c" + text + "\u201d is not one of your contacts or an e-mail address.";
      errorBox.hidden = false;
      return;
    }
    var key = function (p) { return (p.email || "").toLowerCase() || p.contactId; };
    if (!attendees.some(function (p) { return key(p) === key(person); })) attendees.push(person);
    attendeeInput.value = "";
    errorBox.hidden = true;
    renderAttendees();
  }

  function setSelect(select, value, customLabel) {
    Array.prototype.forEach.call(select.querySelectorAll("[data-custom]"), function (o) { o.remove(); });
    if (value && !Array.prototype.some.call(select.options, function (o) { return o.value === value; })) {
      var option = new Option(customLabel, value);
      option.dataset.custom = "";
      select.add(option);
    }
    select.value = value || "";
  }

  // opening: {id, event, occurrence: {recurrence_id, start, end}} of the event edited, or null.
  function openDialog(title, values, opening) {
    editing = opening;
    var recurring = !!(opening && opening.occurrence);
    document.getElementById("event-dialog-title").textContent = title;
    errorBox.hidden = true;
    fields.title.value = values.title || "";
    fields.location.value = values.location || "";
    fields.meeting_url.value = values.meeting_url || "";
    var join = document.getElementById("event-join");
    join.hidden = !/^https?:\/\//.test(values.meeting_url || "");
    join.href = join.hidden ? "#" : values.meeting_url;
    fields.description.value = values.description || "";
    fields.all_day.checked = !!values.all_day;
    showTimes(!!values.all_day);
    setWhen("start", values.start, values.all_day);
    setWhen("end", values.all_day ? addDays(values.end, -1) : values.end, values.all_day);
    var known = {};
    (values.attendee_contacts || []).forEach(function (c) { known[c.email.toLowerCase()] = c; });
    attendees = (values.attendees || []).map(function (email) {
      var contact = known[email.toLowerCase()];
      return contact ? { email: email, name: contact.name, contactId: contact.id } : { email: email };
    });
    attendeeInput.value = "";
    renderAttendees();
    var linked = LINKS.filter(function (name) { return values[name]; })[0];
    linkInitial = linked ? linked + ":" + values[linked] : "";
    setSelect(fields.link, linkInitial, "A linked " + (linked || "").replace("_id", ""));
    setSelect(fields.rrule, values.rrule || "", "Custom (" + values.rrule + ")");
    // A meeting someone else organises is read-only here: say so, offer no save or delete.
    var invited = document.getElementById("event-invited");
    var organizer = opening && opening.event ? opening.event.organizer : null;
    invited.hidden = !organizer;
    invited.textContent = organizer
      ? organizer + " organises this meeting; your answer: " + (opening.event.response || "none") +
        ". Answer or change it in your calendar."
      : "";
    document.getElementById("event-save").hidden = !!organizer;
    deleteButton.hidden = !opening || !!organizer;
    // An event kept in another time zone (imported, say) is edited in its own zone's times.
    var zoneHint = document.getElementById("event-zone");
    zoneHint.hidden = !values.timezone || values.timezone === zone;
    zoneHint.textContent = "Times in " + (values.timezone || zone) + ", the event's time zone.";
    document.getElementById("event-recurring").hidden = !recurring;
    dialog.showModal();
    fields.title.focus();
  }

  // The dialog's times for the API; throws a problem the dialog shows when a time of day
  // cannot be read.
  function times() {
    var allDay = fields.all_day.checked;
    if (allDay) return { all_day: true, start: fields.start.value, end: addDays(fields.end.value, 1) };
    var at = {};
    [["start", "Start time"], ["end", "End time"]].forEach(function (pair) {
      var text = fields[pair[0] + "_time"].value;
      var hhmm = parseTime(text);
      if (!hhmm) {
        var example = timeText("14:30");
        throw { detail: pair[1] + ": \u201c" + text + "\u201d is not a time of day; write it like " + example + "." };
      }
      at[pair[0]] = fields[pair[0]].value + "T" + hhmm + ":00";
    });
    return { all_day: false, start: at.start, end: at.end };
  }

  // What one occurrence has of its own.
  function occurrenceBody() {
    var when = times();
    return {
      title: fields.title.value.trim(),
      start: when.start,
      end: when.end,
      location: fields.location.value.trim() || null,
      description: fields.description.value.trim() || null,
    };
  }

  function formBody() {
    var body = Object.assign(occurrenceBody(), times());
    if (!editing) body.timezone = zone;
    body.attendees = attendees.filter(function (p) { return p.email; }).map(function (p) { return p.email; });
    body.attendee_contact_ids = attendees.filter(function (p) { return p.contactId; }).map(function (p) { return p.contactId; });
    var link = fields.link.value;
    if (link !== linkInitial) {
      if (linkInitial) body[linkInitial.split(":")[0]] = null;
      if (link) body[link.split(":")[0]] = link.split(":")[1];
    }
    body.rrule = fields.rrule.value || null;
    body.meeting_url = fields.meeting_url.value.trim() || null;
    return body;
  }

  // Wall-clock arithmetic on the API's local times ("2026-12-01T10:00..." or "2026-12-01").
  function wall(value) {
    var v = String(value);
    var p = v.slice(0, 16).split(/[-T:]/).map(Number);
    return Date.UTC(p[0], p[1] - 1, p[2], p[3] || 0, p[4] || 0);
  }

  function fromWall(ms, allDay) {
    var iso = new Date(ms).toISOString();
    return allDay ? iso.slice(0, 10) : iso.slice(0, 16) + ":00";
  }

  // "All events" from an occurrence's dialog: the series moves by as much as the occurrence
  // was moved in it (its own start is not the series' start).
  function seriesBody() {
    var body = formBody();
    var was = editing.occurrence, series = editing.event;
    var shift = wall(body.start) - wall(was.start), stretch = wall(body.end) - wall(was.end);
    if (body.all_day !== series.all_day) return body;
    if (!shift && !stretch) {
      delete body.start;
      delete body.end;
    } else {
      body.start = fromWall(wall(series.start) + shift, body.all_day);
      body.end = fromWall(wall(series.end) + stretch, body.all_day);
    }
    return body;
  }

  // "This event" or "All events" for an occurrence of a repeating event: a promise of
  // "this", "all" or "" (cancelled).
  var scopeDialog = document.getElementById("scope-dialog");
  var scopeAnswer = null;
  function askScope(title) {
    document.getElementById("scope-dialog-title").textContent = title;
    scopeDialog.returnValue = "";
    return new Promise(function (resolve) {
      scopeAnswer = resolve;
      scopeDialog.showModal();
      scopeDialog.querySelector('[data-scope="this"]').focus();
    });
  }
  scopeDialog.addEventListener("click", function (event) {
    var button = event.target.closest("[data-scope]");
    if (button) scopeDialog.close(button.dataset.scope);
  });
  scopeDialog.addEventListener("close", function () {
    var answer = scopeAnswer;
    scopeAnswer = null;
    if (answer) answer(scopeDialog.returnValue);
  });

  function occurrenceUrl(eventId, recurrenceId) {
    return "/api/v1/calendar/events/" + eventId + "/occurrences/" + encodeURIComponent(recurrenceId);
  }

  function toEvent(item) {
    var kind = item.kind;
    return {
      id: kind + ":" + item.id + ":" + (item.recurrence_id || ""),
      title: item.title,
      start: item.start,
      end: item.end || undefined,
      allDay: item.all_day,
      className: "cal-item cal-" + kind.replace("_", "-"),
      color: COLORS[kind],
      contrastColor: "var(--cal-on-item)",
      startEditable: kind === "event" || kind === "reminder",
      durationEditable: kind === "event",
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
    var when = new Intl.DateTimeFormat(undefined, { dateStyle: "full", timeZone: zone }).format(new Date(item.start))
      + ", " + new Intl.DateTimeFormat("en-US", Object.assign({ timeZone: zone }, HOURS)).format(new Date(item.start));
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
    var moved = { start: info.event.startStr, end: info.event.endStr || null };
    var request;
    if (item.kind === "reminder") {
      request = api("PATCH", "/api/v1/reminders/" + item.id, { remind_at: info.event.startStr });
    } else if (item.recurrence_id) {
      request = askScope("Move a repeating event").then(function (scope) {
        if (scope === "this") return api("PATCH", occurrenceUrl(item.id, item.recurrence_id), moved);
        if (scope !== "all") throw null;
        // The series moves by as much as this occurrence did.
        var shift = Date.parse(info.event.start) - Date.parse(info.oldEvent.start);
        var stretch = Date.parse(info.event.end || info.event.start) - Date.parse(info.oldEvent.end || info.oldEvent.start);
        return api("GET", "/api/v1/calendar/events/" + item.id).then(function (series) {
          var at = function (value, ms) {
            return series.all_day
              ? new Date(Date.parse(value) + ms).toISOString().slice(0, 10)
              : new Date(Date.parse(value) + ms).toISOString();
          };
          return api("PATCH", "/api/v1/calendar/events/" + item.id, {
            start: at(series.start, shift), end: at(series.end, shift + stretch),
          });
        });
      });
    } else {
      moved.all_day = info.event.allDay;
      request = api("PATCH", "/api/v1/calendar/events/" + item.id, moved);
    }
    request.then(function () {
      toast("success", KIND_LABELS[item.kind] + " " + done + ".");
      refresh();
    }).catch(function (problem) {
      info.revert();
      if (problem !== null) toast("error", problemText(problem));
    });
  }

  // Week and day views open near now (when they show today) or the first timed item, not at
  // midnight: the page scrolls to that hour's row, an hour early.
  var scrollPending = false;
  var hourOf = new Intl.DateTimeFormat("en-GB", { hour: "2-digit", hourCycle: "h23", timeZone: zone });
  function scrollToWorkingTime() {
    var view = calendar.view;
    var now = new Date();
    var at = view.activeStart <= now && now < view.activeEnd ? now : null;
    if (!at) {
      calendar.getEvents().forEach(function (e) {
        if (!e.allDay && e.start >= view.activeStart && e.start < view.activeEnd && (!at || e.start < at)) at = e.start;
      });
    }
    scrollPending = !at; // until the range's items have come
    var hour = at ? Math.max(0, Number(hourOf.format(at)) - 1) : 8;
    var row = el.querySelector('[data-time="' + String(hour).padStart(2, "0") + ':00:00"]');
    if (row) window.scrollTo({ top: row.getBoundingClientRect().top + window.scrollY - 120 });
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
    eventTimeFormat: HOURS,
    slotHeaderFormat: HOURS, // FullCalendar 7's name (6 called it slotLabelFormat)
    selectable: true,
    editable: true,
    dayMaxEvents: 4,
    datesSet: function (info) {
      // The month marks every item with its kind's colour (the legend's, app.css), its title
      // free to wrap where the days are narrow.
      el.classList.toggle("cal-in-month", info.view.type === "dayGridMonth");
      scrollPending = info.view.type.indexOf("timeGrid") === 0;
      if (scrollPending) setTimeout(scrollToWorkingTime, 0);
    },
    eventsSet: function () { if (scrollPending) scrollToWorkingTime(); },
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
      openDialog("New event", values, null);
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
        if (!item.recurrence_id) {
          openDialog("Edit event", event, { id: event.id, event: event, occurrence: null });
          return;
        }
        // The occurrence clicked: its own times, and its own title, place and notes if it
        // was changed alone.
        var own = (event.overrides || []).filter(function (o) {
          return Date.parse(o.recurrence_id) === Date.parse(item.recurrence_id);
        })[0];
        var occurrence = { recurrence_id: item.recurrence_id, start: item.start, end: item.end };
        var values = Object.assign({}, event, { start: item.start, end: item.end },
          own ? { title: own.title, location: own.location, description: own.description } : {});
        openDialog("Edit event", values, { id: event.id, event: event, occurrence: occurrence });
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
      openDialog("Edit event", event, { id: event.id, event: event, occurrence: null });
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

  document.getElementById("event-attendee-add").addEventListener("click", addAttendee);
  attendeeInput.addEventListener("keydown", function (event) {
    if (event.key === "Enter") {
      event.preventDefault();
      addAttendee();
    }
  });
  // A contact picked from the list is added at once.
  attendeeInput.addEventListener("change", function () {
    var text = attendeeInput.value.trim();
    if (Array.prototype.some.call(attendeeChoices.options, function (o) { return o.value === text; })) addAttendee();
  });

  function failed(problem) {
    if (problem === null) return; // "Cancel" in the scope dialog
    errorBox.textContent = problemText(problem);
    errorBox.hidden = false;
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var request;
    try {
      times();
    } catch (problem) {
      failed(problem);
      return;
    }
    if (!editing) {
      request = api("POST", "/api/v1/calendar/events", formBody());
    } else if (!editing.occurrence) {
      request = api("PATCH", "/api/v1/calendar/events/" + editing.id, formBody());
    } else {
      var opened = editing;
      request = askScope("Change a repeating event").then(function (scope) {
        if (scope === "this") return api("PATCH", occurrenceUrl(opened.id, opened.occurrence.recurrence_id), occurrenceBody());
        if (scope === "all") return api("PATCH", "/api/v1/calendar/events/" + opened.id, seriesBody());
        throw null;
      });
    }
    request.then(function () {
      dialog.close();
      toast("success", editing ? "Event saved." : "Event added.");
      refresh();
    }).catch(failed);
  });

  deleteButton.addEventListener("click", function () {
    if (!editing) return;
    var opened = editing;
    var request;
    if (opened.occurrence) {
      request = askScope("Delete a repeating event").then(function (scope) {
        if (scope === "this") return api("DELETE", occurrenceUrl(opened.id, opened.occurrence.recurrence_id));
        if (scope === "all") return api("DELETE", "/api/v1/calendar/events/" + opened.id);
        throw null;
      });
    } else {
      if (!window.confirm("Delete this event" + (opened.event.rrule ? " and all its occurrences" : "") + "?")) return;
      request = api("DELETE", "/api/v1/calendar/events/" + opened.id);
    }
    request.then(function () {
      dialog.close();
      toast("success", "Event deleted.");
      refresh();
    }).catch(failed);
  });
})();
