// The start button sends the previewed settings; once the form is edited, ask for a new preview.
(function () {
  const settings = document.getElementById("scene-settings");
  const start = document.getElementById("scene-start");
  if (!settings || !start) return;
  settings.addEventListener("input", function () {
    start.querySelector("button[type=submit]").disabled = true;
    document.getElementById("scene-stale").hidden = false;
  });
})();
