// Poll the scene run's progress until it finishes, then reload once to show scenes and failures.
(function () {
  const box = document.getElementById("scene-run");
  if (!box || box.dataset.finished === "1") return;
  const url = box.dataset.statusUrl;
  async function poll() {
    try {
      const response = await fetch(url, { headers: { Accept: "application/json" } });
      if (!response.ok) throw new Error(response.status);
      const progress = await response.json();
      document.getElementById("scene-run-progress").value = progress.percent;
      document.getElementById("scene-run-count").textContent = `${progress.stored}/${progress.total}`;
      document.getElementById("scene-run-status").textContent = progress.status_label;
      document.getElementById("scene-run-jobs").textContent = Object.entries(progress.jobs)
        .map(([state, count]) => `${count} ${state}`).join(", ");
      if (progress.finished) { window.location.reload(); return; }
    } catch (error) {
      document.getElementById("scene-run-status").textContent = "lost contact with the site; retrying…";
    }
    setTimeout(poll, 2000);
  }
  setTimeout(poll, 1000);
})();
