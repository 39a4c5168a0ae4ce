// The review desk: one image at a time, decided by keyboard or touch. The page claims its
// images by POST (opening it holds nothing) and keeps the next two claimed and decoded,
// so a decision moves on at once; the decision itself is sent behind the scenes, one
// request after another. Leases are renewed while the page is open and handed back by a
// beacon when it closes.
(function () {
  "use strict";
  const root = document.getElementById("review");
  if (!root) return;

  const els = {
    image: document.getElementById("review-image"),
    stage: document.getElementById("review-stage"),
    loading: document.getElementById("review-loading"),
    empty: document.getElementById("review-empty"),
    title: document.getElementById("review-title"),
    info: document.getElementById("review-info"),
    reasons: document.getElementById("review-reasons"),
    message: document.getElementById("review-message"),
    mine: document.getElementById("count-mine"),
    left: document.getElementById("count-left"),
    help: document.getElementById("review-help"),
    zoomLevel: document.getElementById("zoom-level"),
    boxes: document.getElementById("reading-boxes"),
    doubtfulFirst: document.getElementById("doubtful-first"),
  };
  const urls = {
    claim: root.dataset.claimUrl,
    undo: root.dataset.undoUrl,
    heartbeat: root.dataset.heartbeatUrl,
    release: root.dataset.releaseUrl,
  };
  const HOLD = 1 + Number(root.dataset.preload); // on screen + preloaded
  const LOST = ["lease-lost", "lease-expired", "lease-moved", "already-resolved", "already-decided"];
  // This page load's desk token, sent with every request: the site holds images for a
  // page, so that this page's closing beacon frees only its own, never those a reload of
  // it has taken over meanwhile. Made here, not in the HTML, so that no cached copy of the
  // page shares it. (getRandomValues works on plain http too, e.g. a LAN address.)
  const DESK = Array.from(crypto.getRandomValues(new Uint8Array(16)), (byte) =>
    byte.toString(16).padStart(2, "0"),
  ).join("");
  root.dataset.desk = DESK;
  const state = {
    items: [], // items[0] is on screen, the rest are preloaded
    picked: new Set(),
    shownId: undefined,
    claiming: null,
    settled: false, // a claim has answered at least once
    leaving: new Set(), // ids being decided or skipped: not to be claimed back meanwhile
    chain: Promise.resolve(), // decisions, skips and undos, in order
    contactLost: false,
  };
  const zoom = { scale: 1, x: 0, y: 0, drag: null };

  function jsonHeaders() {
    return {
      "Content-Type": "application/json",
      Accept: "application/json",
      "X-CSRFToken": root.dataset.csrf,
    };
  }

  // Counters come with every answer; an answer to an older request never overwrites a
  // newer one's (a claim sent just before a decision may answer after it).
  let sent = 0;
  let shownProgress = 0;

  async function post(url, body) {
    const number = ++sent;
    let response;
    try {
      response = await fetch(url, {
        method: "POST",
        headers: jsonHeaders(),
        body: JSON.stringify({ ...body, desk: DESK }),
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
    if (data.progress && number > shownProgress) {
      shownProgress = number;
      setProgress(data.progress);
    }
    return data;
  }

  function inOrder(task) {
    state.chain = state.chain.then(task, task);
    return state.chain;
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

  // Images behind the one on screen wait in the stage, invisible, so the browser has
  // fetched, decoded and laid them out before they are needed: showing one is a swap.
  function preload(item) {
    const loader = new Image();
    loader.alt = "";
    loader.draggable = false;
    loader.className = "review-image waiting";
    loader.src = item.image_url;
    item.loader = loader;
    els.stage.append(loader);
  }

  function element(tag, text, className) {
    const node = document.createElement(tag);
    if (text !== undefined) node.textContent = text;
    if (className) node.className = className;
    return node;
  }

  // A value with no space in it (an email address, a long number) cannot wrap between
  // words: it gets two columns, or the whole row, instead of being cut mid-word; an
  // email address may still break after its @, never inside a name.
  const ONE_WORD = /^\S+$/;
  const SPAN_TWO = 15;
  const SPAN_ALL = 26;

  function valueCell(value) {
    const blank = value === "" || value === undefined || value === null;
    if (blank) return element("dd", "(blank)", "blank");
    const text = String(value);
    const cell = element("dd");
    const at = text.indexOf("@");
    if (at > 0) cell.append(text.slice(0, at + 1), document.createElement("wbr"), text.slice(at + 1));
    else cell.textContent = text;
    return cell;
  }

  function valueSpan(value) {
    const text = value === undefined || value === null ? "" : String(value);
    if (!ONE_WORD.test(text) || text.length < SPAN_TWO) return "";
    return text.length >= SPAN_ALL ? "span-all" : "span-two";
  }

  function factList(rows, className, marks) {
    const list = element("dl", undefined, className);
    for (const [label, value] of rows) {
      const row = element("div", undefined, "field");
      const span = valueSpan(value);
      if (span) row.classList.add(span);
      const term = element("dt", label);
      term.title = label;
      const cell = valueCell(value);
      const mark = marks && marks.get(String(value));
      if (mark) {
        row.dataset.reading = mark.kind;
        cell.append(" ", element("span", mark.text, `reading-mark ${mark.kind}`));
      }
      row.append(term, cell);
      list.append(row);
    }
    return list;
  }

  // Each target value of the compare list, marked with what the machine reading found.
  function readingMarks(item) {
    const marks = new Map();
    for (const target of item.reading.targets) {
      if (target.legible) marks.set(target.value, { kind: "read", text: "read" });
      else if (target.confirmed) marks.set(target.value, { kind: "read", text: "confirmed" });
      else marks.set(target.value, { kind: "unread", text: "not read" });
    }
    return marks;
  }

  function renderInfo(item) {
    const kind = [item.scenario, item.target_type].filter(Boolean).join(" · ");
    const heading = element("h1", `${item.source_label} #${item.id} `);
    heading.append(element("span", kind ? `·\u00a0${kind}` : "", "muted"));
    els.title.replaceChildren(heading);
    const parts = [];
    if (item.scene) {
      parts.push(element("h2", "What the scene should show"));
      const rows = [
        ["Prompt", item.scene.prompt],
        ["Type", item.scene.target_type],
        ["Scenario", item.scene.scenario],
        ["Cue", item.scene.cue],
      ].filter(([, value]) => value);
      parts.push(factList(rows, "facts"));
      if (item.scene.simulated) parts.push(element("p", "Demo scene (random weights).", "muted"));
    }
    if (item.compare.length) {
      parts.push(element("h2", `Compare with the form (${item.compare.length} values)`));
      const rows = item.compare.map((field) => [field.label, field.value]);
      parts.push(factList(rows, "compare", readingMarks(item)));
    }
    parts.push(readingHint(item));
    els.info.replaceChildren(...parts);
  }

  // The machine reading, beside the values: per target read or not (and what was read),
  // a scene's PII-like text (boxed on the image); the reviewer's confirmations. A hint only.
  function readingHint(item) {
    const reading = item.reading;
    const box = element("section", undefined, "reading");
    box.id = "reading-hint";
    box.setAttribute("aria-label", "Machine reading");
    const heading = element("h2", "Machine reading ");
    heading.append(element("span", "(a hint: you decide)", "muted"));
    box.append(heading);
    if (reading.state === "unread") {
      box.append(element("p", "Not read yet.", "muted"));
      return box;
    }
    if (reading.state === "failed") {
      box.append(element("p", `The reading failed: ${reading.error}`, "muted"));
      return box;
    }
    const list = element("ul");
    for (const target of reading.targets) {
      const row = element("li");
      row.dataset.target = target.type;
      row.append(element("span", `${target.label}:`));
      if (target.legible) {
        row.append(element("span", "read", "verdict read"));
      } else if (target.confirmed) {
        row.append(element("span", "legible (confirmed by a reviewer)", "verdict read"));
      } else {
        row.append(element("span", "not read", "verdict unread"));
      }
      if (target.read && !target.legible) row.append("machine saw", element("code", target.read));
      if (!target.legible && !target.confirmed) {
        const button = element("button");
        button.type = "button";
        button.dataset.confirm = target.type;
        button.append("I can read it ", element("kbd", "L"));
        row.append(button);
      }
      list.append(row);
    }
    for (const found of reading.pii_like) {
      const row = element("li");
      row.append(element("span", "PII-like text", "verdict pii"), element("code", found.text));
      row.append(element("span", `(${found.type})`, "muted"));
      list.append(row);
    }
    if (reading.pii_like.length) {
      const row = element("li");
      if (reading.pii_overridden) {
        row.append(element("span", "Flag overridden: not personal data.", "verdict read"));
      } else {
        const button = element("button");
        button.type = "button";
        button.dataset.action = "pii";
        button.append("Not personal data ", element("kbd", "P"));
        row.append(button);
      }
      list.append(row);
    } else if (item.source === "diffusion") {
      list.append(element("li", "No PII-like text found."));
    }
    if (!list.children.length) list.append(element("li", "No values to check.", "muted"));
    box.append(list);
    return box;
  }

  // PII-like text boxed on the image: boxes come in the stored image's pixels and are
  // scaled to the image as laid out; the zoom moves them with it.
  function drawBoxes() {
    const item = current();
    const found = item && item.reading.pii_like.length && !els.image.hidden ? item.reading.pii_like : [];
    els.boxes.hidden = !found.length;
    if (!found.length) return els.boxes.replaceChildren();
    const image = els.image;
    const scale = image.offsetWidth / item.reading.width;
    Object.assign(els.boxes.style, {
      left: `${image.offsetLeft}px`,
      top: `${image.offsetTop}px`,
      width: `${image.offsetWidth}px`,
      height: `${image.offsetHeight}px`,
    });
    els.boxes.replaceChildren(
      ...found.map((pii) => {
        const [x0, y0, x1, y1] = pii.box;
        const mark = element("div", undefined, "reading-box");
        mark.dataset.text = pii.text;
        Object.assign(mark.style, {
          left: `${x0 * scale}px`,
          top: `${y0 * scale}px`,
          width: `${(x1 - x0) * scale}px`,
          height: `${(y1 - y0) * scale}px`,
        });
        return mark;
      }),
    );
  }

  function updateReading(item, reading) {
    item.reading = reading;
    if (item === current()) {
      renderInfo(item);
      drawBoxes();
    }
  }

  function confirmLegible(type) {
    const item = current();
    if (!item) return;
    const open = item.reading.targets.filter((target) => !target.legible && !target.confirmed);
    const target = type ? open.find((each) => each.type === type) : open[0];
    if (!target) {
      showMessage("No value left to confirm: the machine read them, or you confirmed them.", "hint");
      return;
    }
    inOrder(async () => {
      try {
        const data = await post(item.reading.confirm_url, { target_type: target.type });
        updateReading(item, data.reading);
        showMessage(`Confirmed: the ${target.label} of image #${item.id} is legible.`, "info");
      } catch (error) {
        showMessage(`Not confirmed: ${error.message}`);
      }
    });
  }

  function overridePii() {
    const item = current();
    if (!item || !item.reading.pii_like.length || item.reading.pii_overridden) return;
    inOrder(async () => {
      try {
        const data = await post(item.reading.override_url, {});
        updateReading(item, data.reading);
        showMessage(`Image #${item.id}: PII flag overridden (not personal data).`, "info");
      } catch (error) {
        showMessage(`Not overridden: ${error.message}`);
      }
    });
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

  function showImage(item) {
    const shown = item.loader || els.image;
    if (shown !== els.image) {
      els.image.remove();
      shown.id = "review-image";
      shown.className = "review-image";
      if (!shown.isConnected) els.stage.append(shown); // an item back at the front
      els.image = shown;
    } else if (els.image.getAttribute("src") !== item.image_url) {
      els.image.src = item.image_url;
    }
    els.image.alt = `${item.source_label} #${item.id} to review`;
    els.image.hidden = false;
    resetZoom();
    markPainted(item.id);
    if (!els.image.complete) els.image.addEventListener("load", drawBoxes, { once: true });
  }

  // The perf script reads these marks: the time the image was on screen, not just set.
  function markPainted(id) {
    const painted = () =>
      requestAnimationFrame(() => requestAnimationFrame(() => performance.mark(`review-painted-${id}`)));
    if (!els.image.complete) els.image.addEventListener("load", painted, { once: true });
    else if (els.image.naturalWidth) painted();
    else showMessage("This image could not be loaded; reject it as illegible or reload the page.");
  }

  function refresh() {
    const item = current();
    els.loading.hidden = Boolean(item) || state.settled;
    els.empty.hidden = Boolean(item) || !state.settled || Boolean(state.claiming);
    if (item && item.id === state.shownId) return;
    state.shownId = item ? item.id : null;
    state.picked.clear();
    root.dataset.imageId = item ? String(item.id) : "";
    if (!item) {
      els.image.hidden = true;
      drawBoxes();
      els.title.replaceChildren();
      els.info.replaceChildren();
      els.reasons.replaceChildren();
      return;
    }
    showImage(item);
    renderInfo(item);
    renderReasons(item);
    drawBoxes();
  }

  function fill() {
    const wanted = HOLD - state.items.length;
    if (state.claiming || wanted <= 0) return state.claiming;
    state.claiming = claim(wanted).finally(() => {
      state.claiming = null;
      state.settled = true;
      refresh();
    });
    refresh();
    return state.claiming;
  }

  async function claim(count) {
    const exclude = [...state.items.map((item) => item.id), ...state.leaving];
    try {
      const doubtfulFirst = els.doubtfulFirst.checked;
      const data = await post(urls.claim, { exclude, count, doubtful_first: doubtfulFirst });
      for (const item of data.items) {
        if (state.items.some((held) => held.id === item.id)) continue;
        preload(item);
        state.items.push(item);
      }
    } catch (error) {
      showMessage(`Could not fetch the next image. ${error.message}`);
    }
  }

  function moveOn() {
    state.items.shift();
    showMessage("");
    refresh();
    fill();
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

  function decide(decision) {
    const item = current();
    if (!item) return;
    if (decision === "reject" && state.picked.size === 0) {
      showMessage(`Pick a reason first (keys 1–${item.reasons.length}), then press R.`, "hint");
      return;
    }
    const reasons =
      decision === "reject"
        ? item.reasons.map((reason) => reason.code).filter((code) => state.picked.has(code))
        : [];
    state.leaving.add(item.id);
    moveOn();
    inOrder(async () => {
      try {
        await post(item.decide_url, { decision, reasons });
      } catch (error) {
        if (LOST.includes(error.code)) {
          showMessage(`Image #${item.id}: ${error.message}`);
          return;
        }
        showMessage(`Your decision on image #${item.id} was not saved: ${error.message}`);
        state.items.unshift(item);
        refresh();
      } finally {
        state.leaving.delete(item.id);
      }
    });
  }

  function skip() {
    const item = current();
    if (!item) return;
    state.leaving.add(item.id);
    moveOn();
    inOrder(async () => {
      try {
        await post(item.skip_url, {});
      } catch (error) {
        showMessage(`Image #${item.id} could not be skipped: ${error.message}`);
      } finally {
        state.leaving.delete(item.id);
        fill();
      }
    });
  }

  function undo() {
    inOrder(async () => {
      try {
        const data = await post(urls.undo, {});
        const others = state.items.filter((item) => item.id !== data.item.id);
        for (const item of state.items) {
          if (item.id === data.item.id && item.loader && item !== current()) item.loader.remove();
        }
        preload(data.item);
        state.items = [data.item, ...others];
        refresh();
        showMessage(`Undone: image #${data.item.id} is back for you to decide.`, "info");
      } catch (error) {
        showMessage(error.message);
      }
    });
  }

  async function heartbeat() {
    if (!state.items.length) {
      fill();
      return;
    }
    try {
      const data = await post(urls.heartbeat, { images: state.items.map((item) => item.id) });
      if (state.contactLost) showMessage("");
      state.contactLost = false;
      dropLost(new Set(data.held));
    } catch (error) {
      state.contactLost = error.code === "network";
      showMessage(`${error.message} Retrying…`);
    }
  }

  function dropLost(held) {
    const onScreen = current();
    if (state.items.every((item) => held.has(item.id))) return;
    for (const item of state.items) {
      if (!held.has(item.id) && item !== onScreen && item.loader) item.loader.remove();
    }
    state.items = state.items.filter((item) => held.has(item.id));
    if (onScreen && !held.has(onScreen.id)) {
      showMessage(
        `Your hold on image #${onScreen.id} ran out (or a newer review page of yours took it); ` +
          "go on with the next image.",
      );
    }
    refresh();
    fill();
  }

  // Zoom: Z toggles, the wheel zooms around the pointer, a drag moves the zoomed image.
  const ZOOM_STEP = 2.5;
  const ZOOM_MAX = 8;

  function applyZoom() {
    els.image.style.transform = `translate(${zoom.x}px, ${zoom.y}px) scale(${zoom.scale})`;
    els.boxes.style.transform = els.image.style.transform;
    els.stage.classList.toggle("zoomed", zoom.scale > 1);
    els.zoomLevel.hidden = zoom.scale === 1;
    els.zoomLevel.textContent = `${Math.round(zoom.scale * 100)} %`;
  }

  function resetZoom() {
    Object.assign(zoom, { scale: 1, x: 0, y: 0, drag: null });
    applyZoom();
  }

  function zoomAt(scale, clientX, clientY) {
    const box = els.stage.getBoundingClientRect();
    const px = clientX - (box.left + box.width / 2);
    const py = clientY - (box.top + box.height / 2);
    const next = Math.min(ZOOM_MAX, Math.max(1, scale));
    if (next === 1) {
      resetZoom();
      return;
    }
    zoom.x = px - (next * (px - zoom.x)) / zoom.scale;
    zoom.y = py - (next * (py - zoom.y)) / zoom.scale;
    zoom.scale = next;
    applyZoom();
  }

  function toggleZoom() {
    if (!current()) return;
    const box = els.stage.getBoundingClientRect();
    if (zoom.scale > 1) resetZoom();
    else zoomAt(ZOOM_STEP, box.left + box.width / 2, box.top + box.height / 2);
  }

  els.stage.addEventListener(
    "wheel",
    (event) => {
      if (!current()) return;
      event.preventDefault();
      zoomAt(zoom.scale * Math.exp(-event.deltaY * 0.002), event.clientX, event.clientY);
    },
    { passive: false },
  );
  els.stage.addEventListener("pointerdown", (event) => {
    if (zoom.scale === 1) return;
    zoom.drag = { x: event.clientX - zoom.x, y: event.clientY - zoom.y };
    els.stage.setPointerCapture(event.pointerId);
    els.stage.classList.add("dragging");
  });
  els.stage.addEventListener("pointermove", (event) => {
    if (!zoom.drag) return;
    zoom.x = event.clientX - zoom.drag.x;
    zoom.y = event.clientY - zoom.drag.y;
    applyZoom();
  });
  for (const name of ["pointerup", "pointercancel"]) {
    els.stage.addEventListener(name, () => {
      zoom.drag = null;
      els.stage.classList.remove("dragging");
    });
  }

  function toggleHelp(show) {
    els.help.hidden = show === undefined ? !els.help.hidden : !show;
  }

  // Sent even when nothing shows: a claim may still be on its way, and the site knows
  // what it holds for this page better than the page does.
  function release() {
    const form = new URLSearchParams({ csrfmiddlewaretoken: root.dataset.csrf, desk: DESK });
    navigator.sendBeacon(urls.release, form);
  }

  const ACTIONS = {
    accept: () => decide("accept"),
    reject: () => decide("reject"),
    skip: () => skip(),
    undo: () => undo(),
    zoom: () => toggleZoom(),
    help: () => toggleHelp(),
    legible: () => confirmLegible(),
    pii: () => overridePii(),
  };
  const KEYS = { a: "accept", r: "reject", s: "skip", u: "undo", z: "zoom", l: "legible", p: "pii" };

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
      const action = KEYS[event.key.toLowerCase()];
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
    const confirm = event.target.closest("[data-confirm]");
    if (confirm) {
      confirmLegible(confirm.dataset.confirm);
      return;
    }
    const button = event.target.closest("[data-action]");
    if (button) ACTIONS[button.dataset.action]();
  });

  // The queue's order is this reviewer's choice, remembered in this browser; it applies
  // to the next claims (the images already held stay).
  const DOUBTFUL_KEY = "review-doubtful-first";
  els.doubtfulFirst.checked = localStorage.getItem(DOUBTFUL_KEY) === "1";
  els.doubtfulFirst.addEventListener("change", () => {
    localStorage.setItem(DOUBTFUL_KEY, els.doubtfulFirst.checked ? "1" : "0");
  });
  window.addEventListener("resize", drawBoxes);

  document.getElementById("review-recheck").addEventListener("click", () => fill());
  els.stage.addEventListener(
    "error",
    (event) => {
      if (event.target === els.image && els.image.getAttribute("src")) {
        showMessage("This image could not be loaded; reject it as illegible or reload the page.");
      }
    },
    true,
  );
  window.addEventListener("pagehide", release);
  window.addEventListener("pageshow", (event) => {
    if (event.persisted) window.location.reload();
  });
  setInterval(heartbeat, Number(root.dataset.heartbeatSeconds) * 1000);

  refresh();
  fill();
})();
