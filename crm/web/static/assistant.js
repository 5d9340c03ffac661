// The assistant's chat: sends a message over the WebSocket and shows the turn as it streams
// (text, the records it created or changed, a confirmation to answer). Without JavaScript the
// form posts the message and the page reloads with the answer.
(function () {
  "use strict";
  var form = document.getElementById("chat-form");
  if (!form || !window.WebSocket) return;
  var log = document.getElementById("chat-log");
  var box = document.getElementById("chat-message");
  var send = document.getElementById("chat-send");
  var stop = document.getElementById("chat-stop");
  var status = document.getElementById("chat-status");
  var conversation = form.dataset.conversation || null;
  var socket = null;
  var queue = [];
  var current = null;
  var question = null; // the open question this message answers, if any

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text) node.textContent = text;
    return node;
  }

  function bubble(role, text) {
    var item = el("li", "chat-message chat-" + role);
    item.appendChild(el("p", "chat-who", role === "user" ? "You" : "Assistant"));
    var body = el("div", "chat-text", text || "");
    item.appendChild(body);
    log.appendChild(item);
    item.scrollIntoView({ block: "end" });
    return { item: item, body: body };
  }

  function busy(on) {
    send.disabled = on;
    stop.hidden = !on;
    status.textContent = on ? "The assistant is answering…" : "";
  }

  // The kinds of record with a page: /contacts/{id}, /organizations/{id}, /projects/{id}, /tasks/{id}.
  var PAGES = ["contact", "organization", "project", "task"];

  function card(event) {
    var working = current && current.item.querySelector(".chat-activity");
    if (working) working.remove();
    if (!event.ok || !event.entity_id || !current) return;
    var linked = PAGES.indexOf(event.entity_type) >= 0;
    var node = el(linked ? "a" : "span", "entity-card", event.summary);
    if (linked) node.href = "/" + event.entity_type + "s/" + event.entity_id;
    current.item.appendChild(node);
    if (event.tool !== "undo") undoButton(current.item);
  }

  // "Undo" reverts the conversation's last change: offered on the latest action card only.
  function undoButton(item) {
    log.querySelectorAll(".chat-undo, .chat-undo-form").forEach(function (n) { n.remove(); });
    var button = el("button", "button button-sm chat-undo", "Undo");
    button.type = "button";
    button.addEventListener("click", function () {
      button.remove();
      submit("undo");
    });
    item.appendChild(button);
  }

  function working(event) {
    // What the assistant is doing now ("create contact…"), until the call finishes.
    var line = current.item.querySelector(".chat-activity");
    if (!line) current.item.appendChild(line = el("p", "chat-activity muted"));
    line.textContent = event.tool.replace(/_/g, " ") + "…";
  }

  function confirmation(event) {
    var group = el("div", "chat-confirm");
    group.setAttribute("role", "group");
    group.setAttribute("aria-label", "Confirm the pending change");
    group.appendChild(el("p", null, event.summary + "?"));
    // A proposed new record: Add it as it is, or Edit it in its form (prefilled) first.
    var adding = event.tool.indexOf("create_") === 0;
    var answers = adding
      ? [["yes", "Add", "button button-primary"], ["no", "Cancel", "button"]]
      : [["yes", "Confirm", "button button-danger"], ["no", "Cancel", "button"]];
    answers.forEach(function (a) {
      var button = el("button", a[2], a[1]);
      button.type = "button";
      button.addEventListener("click", function () { submit(a[0]); });
      group.appendChild(button);
    });
    if (adding && event.edit_url) {
      var edit = el("a", "button", "Edit");
      edit.href = event.edit_url;
      group.insertBefore(edit, group.lastChild);
    }
    current.item.appendChild(group);
  }

  // The open question's buttons: off while a message answers it (typed or pressed), then the
  // question shows what became of it, as it does after a reload.
  var DECISIONS = JSON.parse(document.getElementById("chat-decisions").textContent);
  function openQuestion() {
    return log.querySelector(".chat-confirm:not(.chat-decided)");
  }
  function answering(question, on) {
    question.querySelectorAll("button").forEach(function (b) { b.disabled = on; });
  }
  function decide(question, decision) {
    question.classList.add("chat-decided");
    question.setAttribute("aria-label", "A change you answered");
    question.querySelectorAll("button, form").forEach(function (n) { n.remove(); });
    var label = DECISIONS[decision];
    question.appendChild(el("span", "pill tone-" + label[1], label[0]));
  }

  function notice(event) {
    if (event.reset) {
      // The provider failed: what its attempt showed was undone; the offline assistant answers.
      current.body.textContent = "";
      current.item.querySelectorAll(".entity-card, .chat-confirm").forEach(function (n) {
        n.remove();
      });
    }
    var note = el("p", "chat-notice", event.text);
    note.setAttribute("role", "alert");
    current.item.insertBefore(note, current.body);
  }

  function onEvent(event) {
    if (event.type === "ready") {
      while (queue.length) socket.send(queue.shift());
      return;
    }
    if (!current) return;
    if (event.type === "delta") current.body.textContent += event.text;
    else if (event.type === "notice") notice(event);
    else if (event.type === "tool_started") working(event);
    else if (event.type === "tool_finished") card(event);
    else if (event.type === "confirmation") confirmation(event);
    else if (event.type === "done" || event.type === "stopped" || event.type === "error") {
      if (question && event.type === "done" && event.decided) decide(question, event.decided);
      else if (question) answering(question, false);
      question = null;
      if (event.type === "done") {
        if (!conversation) listed(event.conversation_id, current.title, true);
        conversation = event.conversation_id;
        form.dataset.conversation = conversation;
        form.elements.c.value = conversation;
        history.replaceState(null, "", "/assistant?c=" + conversation);
      } else if (event.type === "stopped") {
        current.body.textContent += " (stopped: nothing of this answer was kept)";
      } else {
        current.body.textContent = event.detail || "Something went wrong.";
      }
      var activity = current.item.querySelector(".chat-activity");
      if (activity) activity.remove();
      var asking = current.item.querySelector(".chat-confirm button");
      current = null;
      busy(false);
      (asking || box).focus();
    }
  }

  // A new conversation joins the list at the top (as the server titles it: its first message),
  // without a reload: this page's (the current one), or one begun in another tab or device.
  function listed(id, title, isCurrent) {
    var history = document.querySelector(".chat-history");
    var known = history.querySelector('a[href="/assistant?c=' + id + '"]');
    var list = history.querySelector(".chat-history-list");
    if (!list) {
      var hint = history.querySelector("p.muted");
      if (hint) hint.remove();
      history.appendChild(list = el("ul", "chat-history-list"));
    }
    if (isCurrent) {
      list.querySelectorAll("[aria-current]").forEach(function (a) { a.removeAttribute("aria-current"); });
      if (known) known.setAttribute("aria-current", "page");
    }
    if (known) return;
    var link = el("a", null, title.slice(0, 200));
    link.href = "/assistant?c=" + id;
    if (isCurrent) link.setAttribute("aria-current", "page");
    var when = el("span", "muted", " · ");
    when.appendChild(el("time", null, new Intl.RelativeTimeFormat(document.documentElement.lang || "en", { numeric: "auto" }).format(0, "second")));
    link.appendChild(when);
    var item = el("li");
    item.appendChild(link);
    list.insertBefore(item, list.firstChild);
  }

  document.addEventListener("crm:chat", function (e) {
    if (e.detail.conversation_id !== conversation) listed(e.detail.conversation_id, e.detail.title, false);
  });

  function connect() {
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(scheme + location.host + "/api/v1/chat/ws");
    socket.addEventListener("message", function (m) { onEvent(JSON.parse(m.data)); });
    socket.addEventListener("close", function () { socket = null; });
  }

  function submit(text) {
    text = text.trim();
    if (!text || current) return;
    question = openQuestion();
    if (question) answering(question, true);
    bubble("user", text);
    current = bubble("assistant", "");
    current.title = text;
    busy(true);
    var payload = JSON.stringify({ type: "message", message: text, conversation_id: conversation });
    if (!socket) connect();
    if (socket.readyState === WebSocket.OPEN) socket.send(payload);
    else queue.push(payload);
  }

  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var text = box.value;
    box.value = "";
    submit(text);
  });
  box.addEventListener("keydown", function (e) {
    if (e.key === "Enter" && !e.shiftKey) {
      e.preventDefault();
      form.requestSubmit();
    }
  });
  stop.addEventListener("click", function () {
    if (socket) socket.send(JSON.stringify({ type: "stop" }));
  });
  document.querySelectorAll(".chat-undo-form").forEach(function (undo) {
    undo.addEventListener("submit", function (e) {
      e.preventDefault();
      undo.remove();
      submit("undo");
    });
  });
  document.querySelectorAll(".chat-answer").forEach(function (answer) {
    answer.addEventListener("submit", function (e) {
      e.preventDefault();
      submit(answer.elements.message.value);
    });
  });
})();
