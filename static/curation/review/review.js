// The review page: one image at a time, decided by keyboard or touch. The next image is
// claimed and loaded in the background, so a decision moves on at once. Leases are
// renewed while the page is open and handed back when it closes.
(function () {
  "use strict";
  const root = document.getElementById("review");
  if (!root) return;

  const els = {
    image: document.getElementById("review-image"),
    stage: document.getElementById("review-stage"),
    empty: document.getElementById("review-empty"),
    info: document.getElementById("review-info"),
    reasons: document.getElementById("review-reasons"),
    message: document.getElementById("review-message"),
    mine: document.getElementById("count-mine"),
    left: document.getElementById("count-left"),
    help: document.getElementById("review-help"),
  };
  const urls = {
    claim: root.dataset.claimUrl,
    undo: root.dataset.undoUrl,
    heartbeat: root.dataset.heartbeatUrl,
    release: root.dataset.releaseUrl,
  };
  const first = JSON.parse(document.getElementById("review-first").textContent);
  const state = {
    items: first ? [first] : [], // items[0] is on screen, items[1] is preloaded
    picked: new Set(),
    shownId: undefined,
    busy: false,
    claiming: null,
    contactLost: false,
  };

  function jsonHeaders() {
    return {
      "Content-Type": "application/json",
      Accept: "application/json",
      "X-CSRFToken": root.dataset.csrf,
    };
  }

  async function post(url, body) {
    let response;
    try {
      response = await fetch(url, {
        method: "POST",
        headers: jsonHeaders(),
        body: JSON.stringify(body || {}),
        credentials: "same-origin",
      });
    } catch (error) {
      throw Object.assign(new Error("No connection to the site: check the network."), {
        code: "network",
      });
    }
    let data = {};
    try {
      data = await response.json();
    } catch (error) {
      data = {};
    }
    if (!response.ok) {
      const text = data.error || `The site answered ${response.status}; try again.`;
      throw Object.assign(new Error(text), { code: data.code || "http" });
    }
    return data;
  }

  function showMessage(text, kind) {
    els.message.textContent = text || "";
    els.message.className = `review-message ${kind || "error"}`;
    els.message.hidden = !text;
  }

  function setProgress(progress) {
    if (!progress) return;
    els.mine.textContent = progress.mine_today;
    els.left.textContent = `${progress.left}${progress.left_more ? "+" : ""}`;
  }

  function current() {
    return state.items[0] || null;
  }

  function preload(item) {
    const loader = new Image();
    loader.src = item.image_url;
    item.loader = loader;
  }

  function element(tag, text, className) {
    const node = document.createElement(tag);
    if (text !== undefined) node.textContent = text;
    if (className) node.className = className;
    return node;
  }

  function definitionList(rows) {
    const list = element("dl", undefined, "facts");
    for (const [label, value] of rows) {
      if (!value) continue;
      list.append(element("dt", label), element("dd", value));
    }
    return list;
  }

  function renderInfo(item) {
    const parts = [element("h1", `${item.source_label} #${item.id}`)];
    const kind = [item.scenario, item.target_type].filter(Boolean).join(" · ");
    parts.push(element("p", kind, "muted"));
    if (item.scene) {
      parts.push(element("h2", "What the scene should show"));
      parts.push(
        definitionList([
          ["Prompt", item.scene.prompt],
          ["Type", item.scene.target_type],
          ["Scenario", item.scene.scenario],
          ["Cue", item.scene.cue],
        ]),
      );
      if (item.scene.simulated) parts.push(element("p", "Demo scene (random weights).", "muted"));
    }
    if (item.compare.length) {
      parts.push(element("h2", "Compare with the form"));
      parts.push(definitionList(item.compare.map((field) => [field.label, field.value])));
    }
    els.info.replaceChildren(...parts);
  }

  function renderReasons(item) {
    const buttons = item.reasons.map((reason, index) => {
      const button = element("button", undefined, "reason");
      button.type = "button";
      button.dataset.reason = String(index);
      button.setAttribute("aria-pressed", "false");
      button.append(element("kbd", String(index + 1)), ` ${reason.label}`);
      return button;
    });
    els.reasons.replaceChildren(...buttons);
  }

  function refresh() {
    const item = current();
    if (item && item.id === state.shownId) return;
    state.shownId = item ? item.id : null;
    state.picked.clear();
    root.dataset.imageId = item ? String(item.id) : "";
    els.image.hidden = !item;
    els.empty.hidden = Boolean(item) || Boolean(state.claiming);
    if (!item) {
      els.image.removeAttribute("src");
      els.info.replaceChildren(state.claiming ? element("p", "Loading the next image…") : "");
      els.reasons.replaceChildren();
      return;
    }
    els.image.src = item.image_url;
    els.image.alt = `${item.source_label} #${item.id}`;
    renderInfo(item);
    renderReasons(item);
  }

  function ensureNext() {
    if (state.claiming || state.items.length >= 2) return state.claiming;
    state.claiming = claimOne().finally(() => {
      state.claiming = null;
      refresh();
    });
    refresh();
    return state.claiming;
  }

  async function claimOne() {
    try {
      const data = await post(urls.claim, { exclude: state.items.map((item) => item.id) });
      if (data.item && !state.items.some((item) => item.id === data.item.id)) {
        preload(data.item);
        state.items.push(data.item);
      }
    } catch (error) {
      showMessage(`Could not fetch the next image. ${error.message}`);
    }
  }

  function advance() {
    state.items.shift();
    refresh();
    ensureNext();
  }

  function toggleReason(index) {
    const item = current();
    if (!item || index >= item.reasons.length) return;
    const code = item.reasons[index].code;
    if (state.picked.has(code)) state.picked.delete(code);
    else state.picked.add(code);
    const button = els.reasons.querySelector(`[data-reason="${index}"]`);
    button.setAttribute("aria-pressed", String(state.picked.has(code)));
  }

  async function decide(decision) {
    const item = current();
    if (!item || state.busy) return;
    if (decision === "reject" && state.picked.size === 0) {
      showMessage(`Pick a reason first (keys 1–${item.reasons.length}), then press R.`, "hint");
      return;
    }
    const reasons =
      decision === "reject"
        ? item.reasons.map((reason) => reason.code).filter((code) => state.picked.has(code))
        : [];
    state.busy = true;
    try {
      const data = await post(item.decide_url, { decision, reasons });
      showMessage("");
      setProgress(data.progress);
      advance();
    } catch (error) {
      showMessage(error.message);
      if (["lease-lost", "lease-expired", "already-resolved", "already-decided"].includes(error.code)) advance();
    } finally {
      state.busy = false;
    }
  }

  async function undo() {
    if (state.busy) return;
    state.busy = true;
    try {
      const data = await post(urls.undo, {});
      setProgress(data.progress);
      const others = state.items.filter((item) => item.id !== data.item.id);
      state.items = [data.item, ...others];
      refresh();
      showMessage(`Undone: image #${data.item.id} is back for you to decide.`, "info");
    } catch (error) {
      showMessage(error.message);
    } finally {
      state.busy = false;
    }
  }

  async function heartbeat() {
    if (!state.items.length) {
      ensureNext();
      return;
    }
    try {
      const data = await post(urls.heartbeat, { images: state.items.map((item) => item.id) });
      if (state.contactLost) showMessage("");
      state.contactLost = false;
      setProgress(data.progress);
      dropLost(new Set(data.held));
    } catch (error) {
      state.contactLost = error.code === "network";
      showMessage(`${error.message} Retrying…`);
    }
  }

  function dropLost(held) {
    const onScreen = current();
    if (state.items.every((item) => held.has(item.id))) return;
    state.items = state.items.filter((item) => held.has(item.id));
    if (onScreen && !held.has(onScreen.id)) {
      showMessage(`Your hold on image #${onScreen.id} ran out; it went back to the queue.`);
    }
    refresh();
    ensureNext();
  }

  function toggleZoom() {
    els.stage.classList.toggle("zoomed");
  }

  function toggleHelp(show) {
    els.help.hidden = show === undefined ? !els.help.hidden : !show;
  }

  function release() {
    const ids = state.items.map((item) => item.id);
    if (!ids.length) return;
    fetch(urls.release, {
      method: "POST",
      keepalive: true,
      headers: jsonHeaders(),
      body: JSON.stringify({ images: ids }),
      credentials: "same-origin",
    });
  }

  const ACTIONS = {
    accept: () => decide("accept"),
    reject: () => decide("reject"),
    undo: () => undo(),
    zoom: () => toggleZoom(),
    help: () => toggleHelp(),
  };

  document.addEventListener("keydown", (event) => {
    if (event.ctrlKey || event.metaKey || event.altKey || event.repeat) return;
    if (event.target.closest && event.target.closest("input, textarea, select")) return;
    if (event.key === "?") {
      toggleHelp();
    } else if (event.key === "Escape") {
      toggleHelp(false);
    } else if (!els.help.hidden) {
      return;
    } else if (/^[1-9]$/.test(event.key)) {
      toggleReason(Number(event.key) - 1);
    } else {
      const action = { a: "accept", r: "reject", u: "undo", z: "zoom" }[event.key.toLowerCase()];
      if (!action) return;
      ACTIONS[action]();
    }
    event.preventDefault();
  });

  root.addEventListener("click", (event) => {
    const reason = event.target.closest("[data-reason]");
    if (reason) {
      toggleReason(Number(reason.dataset.reason));
      return;
    }
    const button = event.target.closest("[data-action]");
    if (button) ACTIONS[button.dataset.action]();
  });

  document.getElementById("review-recheck").addEventListener("click", () => ensureNext());
  els.image.addEventListener("error", () => {
    if (els.image.getAttribute("src")) {
      showMessage("This image could not be loaded; reject it as illegible or reload the page.");
    }
  });
  window.addEventListener("pagehide", release);
  window.addEventListener("pageshow", (event) => {
    if (event.persisted) window.location.reload();
  });
  setInterval(heartbeat, Number(root.dataset.heartbeatSeconds) * 1000);

  refresh();
  ensureNext();
})();
