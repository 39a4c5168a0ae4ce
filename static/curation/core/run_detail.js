// Show the run's progress while it runs (polling in poll_run.js).
window.pollRun(
  "run",
  (run) => {
    document.getElementById("run-progress").value = run.percent;
    document.getElementById("run-count").textContent = `${run.done}/${run.total}`;
    document.getElementById("run-message").textContent = run.message;
    document.getElementById("run-status").textContent = run.status;
  },
  () => {
    document.getElementById("run-message").textContent = "Lost contact with the site; retrying…";
  },
);
