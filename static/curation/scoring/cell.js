// The responses of one cell: choosing an outcome filters at once (no inline handler: the
// Content-Security-Policy allows none).
document.querySelectorAll("select[data-submit-on-change]").forEach((select) => {
  select.addEventListener("change", () => select.form.submit());
});
