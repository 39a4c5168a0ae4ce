// Choosing another release reloads the page so that its own response sets are offered.
(function () {
  const form = document.getElementById("compare-form");
  if (!form) return;
  form.elements.release.addEventListener("change", function () {
    form.querySelectorAll("input[name=sets]").forEach((box) => { box.checked = false; });
    form.submit();
  });
})();
