// Show the scene run's progress while it runs (polling in core/poll_run.js); the reload
// at the end shows its scenes and failures.
window.pollRun(
  "scene-run",
  (progress) => {
    document.getElementById("scene-run-progress").value = progress.percent;
    document.getElementById("scene-run-count").textContent = `${progress.stored}/${progress.total}`;
    document.getElementById("scene-run-status").textContent = progress.status_label;
    document.getElementById("scene-run-jobs").textContent = Object.entries(progress.jobs)
      .map(([state, count]) => `${count} ${state}`).join(", ");
  },
  () => {
    document.getElementById("scene-run-status").textContent = "lost contact with the site; retrying…";
  },
  { first: 1000, every: 2000 },
);
