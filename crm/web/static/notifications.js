// The bell's unread count, kept live: a WebSocket to /api/v1/notifications/ws (signed in by
// the session cookie) tells the count when it opens and each new notification after; a toast
// shows it (with Join for an online meeting's reminder); a chat turn's end is passed on to the assistant page ("crm:chat"). Reconnects after
// a pause when the connection drops. Without JavaScript the bell
// is a plain link to /notifications with the count the page was rendered with.
"use strict";

(function () {
  const RETRY_MS = 5000;

  function setCount(bell, count) {
    const badge = bell.querySelector("[data-notifications-count]");
    if (!badge) return;
    badge.textContent = String(count);
    badge.hidden = count <= 0;
    bell.setAttribute("aria-label", count > 0 ? "Notifications, " + count + " unread" : "Notifications");
    bell.dataset.unread = String(count);
  }

  function announce(notification) {
    const join = (notification.data || {}).meeting_url; // a reminder of an online meeting
    const detail = { kind: "info", text: notification.title, join: join };
    document.body.dispatchEvent(new CustomEvent("toast", { detail: detail }));
  }

  function connect(bell) {
    const scheme = location.protocol === "https:" ? "wss://" : "ws://";
    const socket = new WebSocket(scheme + location.host + "/api/v1/notifications/ws");
    socket.addEventListener("message", function (event) {
      const message = JSON.parse(event.data);
      if (message.type === "unread") {
        setCount(bell, message.unread);
      } else if (message.type === "notification") {
        setCount(bell, Number(bell.dataset.unread || "0") + 1);
        announce(message.notification);
        document.dispatchEvent(new CustomEvent("crm:notification", { detail: message.notification }));
      } else if (message.type === "chat") {
        // A chat turn of this user ended, in this tab or another (on any server instance).
        document.dispatchEvent(new CustomEvent("crm:chat", { detail: message }));
      }
    });
    socket.addEventListener("close", function (event) {
      if (event.code !== 1008) setTimeout(function () { connect(bell); }, RETRY_MS);
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    const bell = document.querySelector("[data-notifications]");
    if (bell && "WebSocket" in window) connect(bell);
  });
})();
