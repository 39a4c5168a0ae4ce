// The phone upload page: ask the site where the photo goes, send it there with progress
// (straight to S3 with a presigned POST, or to the site on local-disk storage), tell the
// site it arrived, then poll the packet's status until it is settled.
(function () {
  const box = document.getElementById("upload");
  if (!box) return;
  const form = document.getElementById("upload-form");
  const inputs = Array.from(document.querySelectorAll(".photo-input"));
  const send = document.getElementById("send");
  const fileName = document.getElementById("file-name");
  const previewBox = document.getElementById("preview-box");
  const preview = document.getElementById("preview");
  const previewNote = document.getElementById("preview-note");
  const progressBox = document.getElementById("progress-box");
  const progress = document.getElementById("progress");
  const progressText = document.getElementById("progress-text");
  const errorBox = document.getElementById("upload-error");
  const csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;
  const maxBytes = Number(box.dataset.maxBytes);
  // Browsers that cannot name a type (HEIC on some desktops) still know the extension.
  const TYPES_BY_EXTENSION = { jpg: "image/jpeg", jpeg: "image/jpeg", png: "image/png",
    webp: "image/webp", heic: "image/heic", heif: "image/heif" };
  let chosen = null;

  function showError(message) {
    errorBox.textContent = message;
    errorBox.hidden = !message;
  }

  function showStatus(status) {
    const label = document.getElementById("status-label");
    label.textContent = status.label;
    label.className = `badge ${status.status}`;
    label.dataset.status = status.status;
    document.getElementById("status-text").textContent = status.text;
    document.getElementById("status-reason").textContent = status.reason;
    const refusal = document.getElementById("status-refusal");
    refusal.dataset.refusedBy = status.refused_by || "";
    refusal.hidden = !status.reason;
    form.hidden = !status.can_upload;
    box.dataset.finished = status.finished ? "1" : "0";
  }

  function declaredType(file) {
    if (file.type) return file.type;
    const extension = (file.name.split(".").pop() || "").toLowerCase();
    return TYPES_BY_EXTENSION[extension] || "";
  }

  async function postJson(url, body) {
    const response = await fetch(url, {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify(body),
      credentials: "same-origin",
    });
    const reply = await response.json().catch(() => ({}));
    if (!response.ok) throw new Error(reply.error || `The site answered ${response.status}.`);
    return reply;
  }

  // XMLHttpRequest, not fetch: it reports upload progress.
  function postForm(url, data, headers) {
    return new Promise((resolve, reject) => {
      const request = new XMLHttpRequest();
      request.open("POST", url);
      Object.entries(headers).forEach(([name, value]) => request.setRequestHeader(name, value));
      request.upload.addEventListener("progress", (event) => {
        if (!event.lengthComputable) return;
        const percent = Math.round((100 * event.loaded) / event.total);
        progress.value = percent;
        progressText.textContent = `${percent}%`;
      });
      request.addEventListener("load", () => {
        if (request.status >= 200 && request.status < 300) resolve(request.responseText);
        else reject(new Error(uploadError(request)));
      });
      request.addEventListener("error", () =>
        reject(new Error("The upload was interrupted. Check your connection and try again.")));
      request.send(data);
    });
  }

  function uploadError(request) {
    try {
      return JSON.parse(request.responseText).error;
    } catch (notJson) {
      if (request.status === 413 || request.responseText.includes("EntityTooLarge")) {
        return "The file is larger than the upload limit.";
      }
      return `The upload was refused (${request.status}). Please try again.`;
    }
  }

  async function upload(file) {
    const target = await postJson(box.dataset.startUrl, {
      type: declaredType(file), size: file.size, name: file.name,
    });
    const data = new FormData();
    if (target.direct) {
      Object.entries(target.fields).forEach(([name, value]) => data.append(name, value));
      data.append("file", file);
      await postForm(target.url, data, {});
      return postJson(box.dataset.doneUrl, { key: target.key });
    }
    data.append("upload", target.upload);
    data.append("file", file);
    return JSON.parse(await postForm(target.url, data, { "X-CSRFToken": csrf }));
  }

  async function poll() {
    try {
      const response = await fetch(box.dataset.statusUrl, { headers: { Accept: "application/json" } });
      const status = await response.json();
      if (!response.ok) throw new Error(status.error);
      showStatus(status);
      if (status.finished) return;
    } catch (error) {
      document.getElementById("status-text").textContent = "Lost contact with the site; retrying…";
    }
    setTimeout(poll, 2000);
  }

  inputs.forEach((input) => input.addEventListener("change", () => {
    chosen = input.files[0] || null;
    inputs.filter((other) => other !== input).forEach((other) => { other.value = ""; });
    showError("");
    if (chosen && chosen.size > maxBytes) {
      showError(`This file is ${(chosen.size / 1e6).toFixed(1)} MB; the limit is ${(maxBytes / 1e6).toFixed(0)} MB.`);
      chosen = null;
    }
    showPreview(chosen);
    send.disabled = !chosen;
  }));

  // What will be sent, before it is sent. A browser that cannot draw the file (HEIC on
  // most desktops) says so; the site converts it all the same.
  function showPreview(file) {
    if (preview.src) URL.revokeObjectURL(preview.src);
    previewBox.hidden = !file;
    if (!file) {
      preview.removeAttribute("src");
      return;
    }
    fileName.textContent = file.name;
    previewNote.textContent =
      file.size < 1e6 ? `${Math.ceil(file.size / 1e3)} kB` : `${(file.size / 1e6).toFixed(1)} MB`;
    preview.hidden = false;
    preview.src = URL.createObjectURL(file);
  }

  preview.addEventListener("error", () => {
    if (!preview.getAttribute("src")) return;
    preview.hidden = true;
    previewNote.textContent = "No preview in this browser for this kind of file; it can still be sent.";
  });

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!chosen) return;
    send.disabled = true;
    inputs.forEach((input) => { input.disabled = true; });
    showError("");
    progress.value = 0;
    progressText.textContent = "0%";
    progressBox.hidden = false;
    try {
      showStatus(await upload(chosen));
      chosen = null;
      showPreview(null);
      inputs.forEach((input) => { input.value = ""; });
      if (box.dataset.finished !== "1") setTimeout(poll, 1000);
    } catch (error) {
      showError(error.message);
      send.disabled = false;
    } finally {
      inputs.forEach((input) => { input.disabled = false; });
      progressBox.hidden = true;
    }
  });

  if (box.dataset.finished !== "1") setTimeout(poll, 1000);
})();
