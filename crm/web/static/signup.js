// Sign-up: the account starts in the browser's time zone and on its locale's clock, 12- or
// 24-hour (the server keeps UTC and 24-hour without them).
(function () {
  "use strict";
  var options = Intl.DateTimeFormat(undefined, { hour: "numeric" }).resolvedOptions();
  var cycle = options.hourCycle || (options.hour12 ? "h12" : "h23");
  var clock = cycle === "h11" || cycle === "h12" ? "12h" : "24h";
  document.querySelectorAll("input[data-browser-zone]").forEach(function (field) {
    field.value = options.timeZone || "";
  });
  document.querySelectorAll("input[data-browser-clock]").forEach(function (field) {
    field.value = clock;
  });
})();
