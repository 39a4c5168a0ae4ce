// Poll the run's status until it finishes, then reload once to show its result.
(function () {
  const box = document.getElementById("run");
  if (!box || box.dataset.finished === "1") return;
  const url = box.dataset.statusUrl;
  async function poll() {
    try {
      const response = await fetch(url, { headers: { Accept: "application/json" } });
      if (!response.ok) throw new Error(response.status);
      const run = await response.json();
      document.getElementById("run-progress").value = run.percent;
      document.getElementById("run-count").textContent = `${run.done}/${run.total}`;
      document.getElementById("run-message").textContent = run.message;
      document.getElementById("run-status").textContent = run.status;
      if (run.finished) { window.location.reload(); return; }
    } catch (error) {
      document.getElementById("run-message").textContent = "Lost contact with the site; retrying…";
    }
    setTimeout(poll, 1000);
  }
  setTimeout(poll, 500);
})();
