// pdpacket serve: the little the pages need beyond HTML. Every form also works without it.
"use strict";

const CSRF = () => document.querySelector('meta[name="csrf"]').content;

function post(url, body) {
  return fetch(url, {method: "POST", body, credentials: "same-origin",
                     headers: {"X-CSRF-Token": CSRF(), "Accept": "application/json"}});
}

function tabLetter(n) {  // 0 -> A, 25 -> Z, 26 -> AA (as documents/context.py letters tabs)
  return n < 26 ? String.fromCharCode(65 + n) : tabLetter(Math.floor(n / 26) - 1) + String.fromCharCode(65 + n % 26);
}

// --- repeated groups: add, remove, reorder; inputs are renamed after their item's new place ---

function renamePrefix(root, oldP, newP) {
  const hit = v => v === oldP || v.startsWith(oldP + ".") || v.startsWith(oldP + "[");
  for (const el of [root, ...root.querySelectorAll("[name], [data-path]")]) {
    for (const attr of ["name", "data-path"]) {
      const v = el.getAttribute(attr);
      if (v && hit(v)) el.setAttribute(attr, newP + v.slice(oldP.length));
    }
  }
}

function renumber(list) {
  const base = list.dataset.list;
  const order = [];
  list.querySelectorAll(":scope > .items > .item").forEach((item, k) => {
    const want = `${base}[${k}]`;
    if (item.dataset.path !== want) renamePrefix(item, item.dataset.path, want);
    item.querySelector(":scope > .item-head .num").textContent = k + 1;
    order.push(item.dataset.origin);
  });
  // The list's shape as the server reads it: for each item, which item of the file it was (or "new").
  list.querySelector(":scope > input[name$='._order']").value = order.join(",");
}

function updateTabs() {
  let n = 0;
  document.querySelectorAll("[data-tabbed]").forEach(list => {
    list.querySelectorAll(":scope > .items > .item").forEach(item => {
      const tab = item.querySelector(":scope > .item-head .tab");
      if (tab) tab.textContent = "Tab " + tabLetter(n);
      n++;
    });
  });
}

function addItem(list) {
  const none = list.querySelector(":scope > .none-known input[data-none]");
  if (none) none.checked = false;  // an entry says there is something: not "none known" any more
  const template = list.querySelector(":scope > template");
  const item = template.content.firstElementChild.cloneNode(true);
  list.querySelector(":scope > .items").appendChild(item);
  renumber(list);
  updateTabs();
  return item;
}

// An entry in words for a question about it: its title (or declarant, name) as typed now, never its id.
function entryName(item) {
  for (const key of ["title", "declarant", "name"]) {
    const input = item.querySelector(`[name="${CSS.escape(item.dataset.path)}.${key}"]`);
    if (input && input.value.trim()) return input.value.trim();
  }
  return item.querySelector(".caption").textContent.trim();
}

function listClick(event) {
  const button = event.target.closest("button[data-add], button[data-move], button[data-remove]");
  if (!button) return;
  const list = button.closest("[data-list]");
  if (button.hasAttribute("data-add")) {
    const item = addItem(list);
    const first = item.querySelector("input:not([type=hidden]), textarea, select");
    if (first) first.focus();
  } else {
    const item = button.closest(".item");
    if (button.dataset.move === "up" && item.previousElementSibling) item.parentNode.insertBefore(item, item.previousElementSibling);
    else if (button.dataset.move === "down" && item.nextElementSibling) item.parentNode.insertBefore(item.nextElementSibling, item);
    else if (button.hasAttribute("data-remove")) {
      const caption = entryName(item);
      if (!confirm(`Remove this entry${caption ? ` (${caption})` : ""}? It is removed from the case file when you save.`)) return;
      item.remove();
    }
    renumber(list);
    updateTabs();
  }
  refreshRefs();
  changed();
}

// --- checking as the user types: the same messages as `pdpacket validate`, next to their field ---

let form, checkTimer, dirty = false, checking = 0;

function changed() {
  dirty = true;
  const status = document.getElementById("form-status");
  status.textContent = "Unsaved changes";
  status.classList.add("dirty");
  clearTimeout(checkTimer);
  checkTimer = setTimeout(check, 500);
}

function showMessages(result) {
  form.querySelectorAll(".messages").forEach(ul => { ul.innerHTML = ""; });
  form.querySelectorAll(".has-error").forEach(el => el.classList.remove("has-error"));
  const counts = {};
  for (const [path, found] of Object.entries(result.placed)) {
    const holder = form.querySelector(`[data-path="${CSS.escape(path)}"]`);
    const ul = holder && holder.querySelector(":scope > .messages, :scope > label ~ .messages");
    const section = path.split(/[.[]/)[0];
    counts[section] = counts[section] || {error: 0, warning: 0, fill: 0};
    for (const f of found) {
      counts[section][f.fill ? "fill" : f.severity]++;
      if (!ul) continue;
      const li = document.createElement("li");
      li.className = f.fill ? "fill" : f.severity;
      li.textContent = f.message;
      ul.appendChild(li);
    }
    if (holder && found.some(f => f.severity === "error" && !f.fill)) {
      holder.classList.add("has-error");
      for (let d = holder.closest("details"); d; d = d.parentElement.closest("details")) d.open = true;
    }
  }
  const general = document.getElementById("general");
  const gl = general.querySelector("ul");
  gl.innerHTML = "";
  for (const f of result.general) {
    const li = document.createElement("li");
    li.className = f.severity;
    li.textContent = (f.where ? f.where + ": " : "") + f.message;
    gl.appendChild(li);
  }
  general.hidden = result.general.length === 0;
  document.querySelectorAll(".sections a[data-section]").forEach(a => {
    const c = counts[a.dataset.section] || {error: 0, warning: 0, fill: 0};
    const e = a.querySelector(".count.error"), w = a.querySelector(".count.warning"), t = a.querySelector(".count.fill");
    e.textContent = c.error; e.hidden = !c.error;
    if (t) { t.textContent = c.fill; t.hidden = !c.fill; }
    w.textContent = c.warning; w.hidden = !c.warning;
  });
  const summary = document.getElementById("summary");
  summary.innerHTML = "";
  const badge = (cls, text) => { const s = document.createElement("span"); s.className = "badge " + cls; s.textContent = text; summary.appendChild(s); summary.append(" "); };
  const fixes = result.errors - (result.fill || 0);
  if (result.fill) badge("todo", `${result.fill} to fill`);
  if (fixes > 0) badge("invalid", `${fixes} to fix`);
  if (!result.errors) badge("built", "no problems");
  if (result.warnings) badge("warning", `${result.warnings} warning${result.warnings > 1 ? "s" : ""}`);
  const status = document.getElementById("form-status");
  status.textContent = (dirty ? "Unsaved changes · " : "") +
    (result.errors ? checklist(result.fill || 0, result.errors - (result.fill || 0)) : "No problems found");
}

function checklist(fill, fix) {
  const parts = [];
  if (fill) parts.push(`${fill} field${fill > 1 ? "s" : ""} to fill`);
  if (fix) parts.push(`${fix} problem${fix > 1 ? "s" : ""} to fix`);
  return parts.join(", ");
}

async function check() {
  const mine = ++checking;
  const data = new URLSearchParams(new FormData(form));
  try {
    const response = await post(form.dataset.check, data);
    if (!response.ok || mine !== checking) return;
    showMessages(await response.json());
  } catch (e) { /* the server is gone: the Save button still says so */ }
}

// --- exhibits: upload by drag and drop, then an entry in the list for each new file ---

// A file by its name, not its place in the case folder ("lease.pdf", not "exhibits/lease.pdf").
function fileName(path) {
  return path.replace(/^.*\//, "");
}

// What the upload did with a file, in words: its name as kept when that differs from the one chosen.
function keptAs(r) {
  const kept = fileName(r.name);
  return kept === r.file ? "" : ` (kept as the file ${kept})`;
}

function slug(name) {
  return name.replace(/^.*\//, "").replace(/\.[^.]*$/, "").toLowerCase().replace(/[^a-z0-9_-]+/g, "_").replace(/^_+|_+$/g, "") || "exhibit";
}

async function upload(files) {
  const zone = document.getElementById("dropzone");
  const results = document.getElementById("upload-results");
  const data = new FormData();
  data.append("csrf", CSRF());
  for (const f of files) data.append("files", f, f.name);
  results.innerHTML = "<li>Uploading…</li>";
  const response = await post(zone.dataset.upload, data);
  results.innerHTML = "";
  if (!response.ok) {
    const li = document.createElement("li");
    li.className = "error";
    li.textContent = (await response.json().catch(() => ({}))).error || `The upload failed (${response.status}).`;
    results.appendChild(li);
    return;
  }
  const answer = await response.json();
  refreshFiles(answer.files);
  const list = document.querySelector('[data-list="exhibits"]');
  const used = new Set([...form.querySelectorAll('[data-thumb]')].map(i => i.value));
  let first = null;
  for (const r of answer.results) {
    const li = document.createElement("li");
    li.className = r.ok ? "ok" : "error";
    if (r.ok && list && !used.has(r.name)) {
      const item = addExhibit(list, r.name);
      first = first || item;
      li.textContent = `${r.file}: added as a new exhibit${keptAs(r)}. Give it a title below, then Save.`;
      offerTranslation(li, item, r.name);
    } else {
      li.textContent = r.ok ? `${r.file}: uploaded${keptAs(r)}.` : r.message;
    }
    results.appendChild(li);
  }
  refreshRefs();
  const title = first && first.querySelector('[name$="].title"]');
  if (title) title.focus();  // the next thing to do: give it a title
  changed();
}

// The uploaded file may be the translation of an exhibit (a birth certificate's): one click moves it into
// that exhibit's Translation and removes the entry the upload made. Offered only where it can be: among the
// exhibits with a file of their own and no translation yet, none chosen in advance (the re-walk found it under
// every upload, the first exhibit preselected: one careless click moved a lease into a birth certificate).
function entryValue(item, key) {
  const input = item.querySelector(`[name="${CSS.escape(item.dataset.path)}.${key}"]`);
  return input ? input.value.trim() : "";
}

function offerTranslation(li, item, file) {
  const others = [...form.querySelectorAll('[data-list="exhibits"] > .items > .item')]
    .filter(i => i !== item && entryValue(i, "file") && !entryValue(i, "translation.file"));
  if (!others.length) return;
  const label = document.createElement("label");
  label.append(" It is the translation of ");
  const select = document.createElement("select");
  select.dataset.translationOf = "";
  const none = document.createElement("option");
  none.value = "";
  none.textContent = "— not a translation —";
  select.appendChild(none);
  others.forEach((other, n) => {
    const o = document.createElement("option");
    o.value = String(n + 1);
    o.textContent = entryValue(other, "title") || fileName(entryValue(other, "file"));
    o.item = other;
    select.appendChild(o);
  });
  select.value = "";
  label.appendChild(select);
  const button = document.createElement("button");
  button.type = "button";
  button.className = "small";
  button.dataset.moveTranslation = "";
  button.textContent = "Move it there";
  button.disabled = true;
  select.addEventListener("change", () => { button.disabled = !select.value; });
  button.addEventListener("click", () => {
    const target = select.value && select.selectedOptions[0].item;
    if (!target || !target.isConnected) return;
    const list = item.closest("[data-list]");
    const details = target.querySelector(`details[data-path="${CSS.escape(target.dataset.path)}.translation"]`);
    if (details) details.open = true;
    const box = target.querySelector('select[name$="].translation.file"]');
    if (box) { box.value = file; box.dispatchEvent(new Event("change", {bubbles: true})); }
    if (item.isConnected) { item.remove(); renumber(list); updateTabs(); }
    li.textContent = `${fileName(file)}: now the translation of ${select.selectedOptions[0].textContent}. Fill in its translator, then Save.`;
    refreshRefs();
    changed();
    if (box) box.focus();
  });
  li.append(" ", label, " ", button);
}

// --- files chosen, not typed: every file field is a select of the uploaded files ---

function fileSelects() {
  const inTemplates = [...document.querySelectorAll("template")].flatMap(t => [...t.content.querySelectorAll("select[data-files]")]);
  return [...document.querySelectorAll("select[data-files]"), ...inTemplates];
}

function refreshFiles(files) {
  const datalist = document.getElementById("case-files");  // what a typed path (a signature image) is offered
  if (datalist) {
    datalist.innerHTML = "";
    for (const name of files) { const o = document.createElement("option"); o.value = name; datalist.appendChild(o); }
  }
  for (const select of fileSelects()) {
    const value = select.value;
    for (const o of [...select.options]) if (o.value && files.includes(o.value)) o.remove();
    const kept = [...select.options].filter(o => o.value).map(o => o.value);  // a path as the case names it
    for (const name of files) {
      const o = document.createElement("option");
      o.value = name;
      o.textContent = name.replace(/^.*\//, "");
      select.appendChild(o);
    }
    for (const o of [...select.options]) if (kept.includes(o.value)) select.appendChild(o);
    select.value = value;
  }
}

async function uploadHere(input) {
  const field = input.closest(".field");
  const select = field.querySelector("select[data-files]");
  const note = field.querySelector(".upload-note");
  const data = new FormData();
  data.append("csrf", CSRF());
  if (input.dataset.slot) data.append("slot", input.dataset.slot);  // a form's: the server refuses a Word file
  for (const f of input.files) data.append("files", f, f.name);
  note.textContent = "Uploading…";
  const response = await post(`/case/${encodeURIComponent(form.dataset.case)}/upload`, data);
  if (!response.ok) {
    note.textContent = (await response.json().catch(() => ({}))).error || `The upload failed (${response.status}).`;
    return;
  }
  const answer = await response.json();
  refreshFiles(answer.files);
  const done = answer.results.find(r => r.ok);
  note.textContent = done ? `${done.file}: uploaded${keptAs(done)}.` : answer.results.map(r => r.message).join(" ");
  if (done) { select.value = done.name; select.dispatchEvent(new Event("change", {bubbles: true})); }
  input.value = "";
}

// --- references chosen, not typed: a factor's exhibits, a disposition exhibit, ticked or chosen by title ---

const MISSING_REF = "no exhibit or declaration has this id now: untick it to remove it";

function caseEntries() {
  const entries = [];
  for (const input of form.querySelectorAll('[name$="].id"]')) {
    const m = input.name.match(/^(exhibits|declarations)\[(\d+)\]\.id$/);
    const id = input.value.trim();
    if (!m || !id) continue;
    const words = form.querySelector(`[name="${m[1]}[${m[2]}].${m[1] === "exhibits" ? "title" : "declarant"}"]`);
    const text = words ? words.value.trim() : "";
    entries.push({id, exhibit: m[1] === "exhibits", words: m[1] === "exhibits" ? text || id : (text ? `Declaration of ${text}` : id)});
  }
  return entries;
}

function refreshRefs() {
  if (!form) return;
  // An id changed on the page (typed, or following its title): what cited the old id follows it.
  const renamed = {};
  for (const input of form.querySelectorAll('[name$="].id"]')) {
    const now = input.value.trim(), before = input.dataset.prev;
    if (before && now && before !== now) renamed[before] = now;
    if (now) input.dataset.prev = now;  // an id emptied to be retyped: what cited it follows the new one
  }
  const entries = caseEntries();
  const known = new Set(entries.map(e => e.id));
  for (const box of form.querySelectorAll("[data-refs]")) {
    const ticked = [...box.querySelectorAll("input[type=checkbox]:checked")].map(b => renamed[b.value] || b.value);
    const holder = box.querySelector(".ref-boxes");
    holder.innerHTML = "";
    const add = (id, words, missing) => {
      const label = document.createElement("label");
      label.className = "check wide" + (missing ? " missing" : "");
      const input = document.createElement("input");
      Object.assign(input, {type: "checkbox", name: box.dataset.path, value: id, checked: ticked.includes(id)});
      label.append(input, " " + words);
      holder.appendChild(label);
    };
    for (const e of entries) add(e.id, e.words, false);
    for (const id of ticked) if (id && !known.has(id)) add(id, `${id} (${MISSING_REF})`, true);
    box.querySelector(".no-refs").hidden = holder.children.length > 0;
  }
  for (const select of form.querySelectorAll("select[data-ref]")) {
    const value = renamed[select.value] || select.value;
    select.innerHTML = "";
    const add = (id, words, missing) => {
      const o = document.createElement("option");
      o.value = id; o.textContent = words;
      if (missing) o.className = "missing";
      select.appendChild(o);
    };
    add("", "— none chosen —", false);
    for (const e of entries) if (e.exhibit) add(e.id, e.words, false);
    if (value && !entries.some(e => e.exhibit && e.id === value)) add(value, `${value} (no exhibit has this id now)`, true);
    select.value = value;
  }
}

function addExhibit(list, name) {
  const item = addItem(list);
  const set = (key, value) => { const el = item.querySelector(`[name$="].${key}"]`); if (el) el.value = value; return el; };
  set("id", slug(name)).dataset.auto = "1";  // follows the title once one is typed
  set("file", name).dispatchEvent(new Event("change", {bubbles: true}));
  return item;
}

// A file uploaded earlier but never saved in an exhibit (the page was left unsaved): one click gives it its entry.
function addUnusedFile(event) {
  const button = event.target.closest("button[data-add-exhibit]");
  const list = document.querySelector('[data-list="exhibits"]');
  if (!button || !list) return;
  const item = addExhibit(list, button.dataset.addExhibit);
  refreshRefs();
  const offer = button.closest("li");
  const box = offer.parentElement;
  offer.remove();
  if (!box.children.length) box.remove();
  const title = item.querySelector('[name$="].title"]');
  if (title) title.focus();  // the next thing to do: give it a title
  changed();
}

// --- ids made from titles: a new entry's id follows its title (a declaration's, its declarant) until
// an id is typed by hand; ids already saved never change (factors cite them) ---

// An id stops at a whole word within 40 characters, and not on a little word ("...-2023-to"): a long title
// gives its first words, a short one all of them.
const LITTLE = new Set(["a", "an", "and", "the", "of", "to", "for", "from", "in", "on", "at", "by", "with", "or",
                        "de", "del", "la", "el", "los", "las", "y", "e", "en", "por", "para"]);

function idFrom(text, prefix) {
  const all = text.normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase()
    .replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "").split("-").filter(Boolean);
  const kept = [];
  for (const word of all) {
    if (kept.length && [...kept, word].join("-").length > 40) break;
    kept.push(word.slice(0, 40));
  }
  while (kept.length > 1 && kept.length < all.length && LITTLE.has(kept[kept.length - 1])) kept.pop();
  return kept.length ? prefix + kept.join("-") : "";
}

function followTitle(e) {
  const m = (e.target.name || "").match(/^(exhibits|declarations)\[(\d+)\]\.(title|declarant|id)$/);
  if (!m) return;
  const id = form.querySelector(`[name="${m[1]}[${m[2]}].id"]`);
  if (!id || e.target === id) { if (id) delete id.dataset.auto; return; }
  if (m[3] !== (m[1] === "exhibits" ? "title" : "declarant")) return;
  if (id.value && id.dataset.auto !== "1") return;
  const base = idFrom(e.target.value, m[1] === "declarations" ? "decl-" : "");
  const taken = new Set([...form.querySelectorAll('[name$="].id"]')].filter(i => i !== id).map(i => i.value));
  let candidate = base, n = 2;
  while (candidate && taken.has(candidate)) candidate = `${base}-${n++}`;
  id.value = candidate;
  id.dataset.auto = "1";
}

function setUpDropzone() {
  const zone = document.getElementById("dropzone");
  if (!zone) return;
  zone.addEventListener("click", addUnusedFile);
  zone.addEventListener("dragover", e => { e.preventDefault(); zone.classList.add("over"); });
  zone.addEventListener("dragleave", () => zone.classList.remove("over"));
  zone.addEventListener("drop", e => { e.preventDefault(); zone.classList.remove("over"); if (e.dataTransfer.files.length) upload(e.dataTransfer.files); });
  const input = document.getElementById("file-input");
  input.addEventListener("change", () => { if (input.files.length) upload(input.files).then(() => { input.value = ""; }); });
}

function thumbFor(input) {
  const img = input.closest(".field").querySelector("img.thumb");
  if (!img) return;
  if (input.value && /\.(pdf|jpe?g|png|tiff?|heic|heif)$/i.test(input.value)) {
    img.src = `/case/${encodeURIComponent(form.dataset.case)}/thumb/${input.value.split("/").map(encodeURIComponent).join("/")}`;
    img.hidden = false;
  } else {
    img.hidden = true;
  }
}

// A list whose "none known" is written [] (immigration history): its entries hidden while that is ticked,
// back (as they were) when it is unticked.
function showEntries(box) {
  const list = box.closest("[data-list]");
  list.querySelector(":scope > .items").hidden = box.checked;
  list.querySelector(":scope > button[data-add]").hidden = box.checked;
}

function setUpCaseForm() {
  form = document.getElementById("case-form");
  if (!form) return;
  document.querySelectorAll("[data-list]").forEach(renumber);
  updateTabs();
  form.addEventListener("click", listClick);
  refreshRefs();  // notes each id as the page shows it, so a rename is followed
  form.addEventListener("input", e => {
    followTitle(e);
    if (/^(exhibits|declarations)\[\d+\]\.(id|title|declarant)$/.test(e.target.name || "")) refreshRefs();
    changed();
  });
  form.addEventListener("change", e => {
    if (e.target.matches("input[data-upload-here]") && e.target.files.length) { uploadHere(e.target); return; }
    if (e.target.matches("[data-thumb]")) thumbFor(e.target);
    if (e.target.matches("input[data-hides]")) showEntries(e.target);
    changed();
  });
  form.querySelectorAll("img.thumb").forEach(img => img.addEventListener("error", () => { img.hidden = true; }));
  form.addEventListener("submit", () => { dirty = false; });
  window.addEventListener("beforeunload", e => { if (dirty) { e.preventDefault(); e.returnValue = ""; } });
  setUpDropzone();
}

// --- build: follow the job until it ends, then show the result ---

function setProgress(job) {
  const bar = document.querySelector("#job .progress");
  if (!bar) return;
  const pct = Math.round((job ? job.fraction : Number(bar.getAttribute("aria-valuenow")) / 100) * 100);
  bar.setAttribute("aria-valuenow", pct);
  bar.querySelector(".bar").style.width = pct + "%";
  if (job && job.step_text) document.getElementById("job-step").textContent = job.step_text;
}

function followBuild() {
  const box = document.getElementById("job");
  if (!box || !box.hasAttribute("data-active")) return;
  setProgress(null);
  const poll = async () => {
    try {
      const answer = await (await fetch(box.dataset.poll, {headers: {"Accept": "application/json"}})).json();
      if (answer.job && (answer.job.state === "done" || answer.job.state === "failed")) { location.reload(); return; }
      setProgress(answer.job);
    } catch (e) { /* keep trying: the server may be busy */ }
    setTimeout(poll, 700);
  };
  setTimeout(poll, 500);
}

// --- cases: filter the table as the user types ---

function setUpFilter() {
  const input = document.querySelector("input[data-filter]");
  if (!input) return;
  input.addEventListener("input", () => {
    const q = input.value.trim().toLowerCase();
    const digits = q.replace(/\D/g, "");
    document.querySelectorAll(input.dataset.filter).forEach(row => {
      const text = row.dataset.search || "";
      const hit = !q || q.split(/\s+/).every(w => text.includes(w)) || (digits.length >= 3 && text.replace(/\D/g, "").includes(digits));
      row.hidden = !hit;
    });
  });
}

document.addEventListener("DOMContentLoaded", () => { setUpCaseForm(); followBuild(); setUpFilter(); });

// --- a form that asks before it acts (the Approve button: the attorney's electronic signature) ---

document.addEventListener("submit", (event) => {
  const form = event.target.closest("form[data-confirm]");
  if (form && !confirm(form.dataset.confirm)) event.preventDefault();
});
