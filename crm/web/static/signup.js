// Sign-up: the account starts in the browser's time zone (the server keeps UTC without it).
(function () {
  "use strict";
  var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  if (!zone) return;
  document.querySelectorAll("input[data-browser-zone]").forEach(function (field) {
    field.value = zone;
  });
})();
