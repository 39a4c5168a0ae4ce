// Poll a run's JSON status until it finishes, then reload once to show its result.
// The element `boxId` carries data-status-url, and data-finished="1" once there is nothing
// to wait for; `show(status)` puts each answer on the page, `lost()` says the site could not
// be reached (polling goes on).
window.pollRun = function (boxId, show, lost, { first = 500, every = 1000 } = {}) {
  const box = document.getElementById(boxId);
  if (!box || box.dataset.finished === "1") return;
  const url = box.dataset.statusUrl;
  async function poll() {
    try {
      const response = await fetch(url, { headers: { Accept: "application/json" } });
      if (!response.ok) throw new Error(response.status);
      const status = await response.json();
      show(status);
      if (status.finished) { window.location.reload(); return; }
    } catch (error) {
      lost();
    }
    setTimeout(poll, every);
  }
  setTimeout(poll, first);
};
