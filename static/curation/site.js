// Sizes and tints that templates give as data attributes: the Content-Security-Policy
// allows no inline style attributes, but scripts may set styles.
(function () {
  document.querySelectorAll("[data-width]").forEach(function (element) {
    element.style.width = element.dataset.width + "%";
  });
  document.querySelectorAll("[data-rate]").forEach(function (element) {
    if (element.dataset.rate) element.style.setProperty("--rate", element.dataset.rate);
  });
})();
