/* The offline survey app (giamngheo/offline/, docs/offline.md): download the assigned cases, survey them with
 * no connection (drafts kept on the device, encrypted), see the provisional class as the answers come in, and
 * send the drafts when the connection is back. Every sentence shown comes from the server's catalogue
 * (#offline-messages); every field from the form definition sent with the cases.
 */
(function () {
  "use strict";

  const { Vault } = globalThis.GiamngheoOfflineStore;
  const { SurveyForm, el } = globalThis.GiamngheoOfflineForm;
  const Sync = globalThis.GiamngheoOfflineSync;
  const M = JSON.parse(document.getElementById("offline-messages").textContent);
  const URLS = JSON.parse(document.getElementById("offline-urls").textContent);
  const main = document.getElementById("offline-main");
  const actions = document.getElementById("offline-actions");
  const connection = document.getElementById("offline-connection");
  const PIN_PATTERN = /^\d{6,}$/;
  // Record errors and the engine's explanation in the page's language (the catalogue's, vi or en).
  const LANG = document.documentElement.lang === "en" ? "en" : "vi";

  const state = { vault: new Vault(), bundle: null, drafts: {}, pendingBundle: null, lockTimer: null, syncing: false, view: null,
    explanationOpen: {} };

  function fmt(template, values) {
    return template.replace(/%\((\w+)\)s/g, (all, name) => (name in values ? String(values[name]) : all));
  }

  function flash(text, kind) {
    return text ? el("p", { className: `offline-flash${kind ? " is-" + kind : ""}`, role: "status", text }) : null;
  }

  function button(text, onClick, className, attrs) {
    const node = el("button", { type: "button", className: className || "btn", text, ...(attrs || {}) });
    node.addEventListener("click", onClick);
    return node;
  }

  function pad(n) { return String(n).padStart(2, "0"); }
  function showDate(iso) { const d = new Date(iso); return `${pad(d.getDate())}/${pad(d.getMonth() + 1)}/${d.getFullYear()}`; }
  function showTime(iso) { const d = new Date(iso); return `${pad(d.getHours())}:${pad(d.getMinutes())} ${showDate(iso)}`; }
  function localToday() { const d = new Date(); return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`; }

  function show(nodes, view) {
    state.view = view || null;
    main.replaceChildren(...nodes.filter(Boolean));
    renderActions();
  }

  /* ------------------------------------------------------------------------------ connection */

  function renderConnection(online) {
    const now = online === undefined ? navigator.onLine : online;
    connection.textContent = now ? M.online : M.offline;
    connection.classList.toggle("is-offline", !now);
  }

  window.addEventListener("online", () => { renderConnection(); if (state.vault.isUnlocked()) syncNow(); });
  window.addEventListener("offline", () => renderConnection());
  // navigator.onLine is only a hint (it says "online" on a network with no way out, and a page opened from the
  // service worker may believe it too): waiting drafts are also retried every little while.
  const RETRY_SECONDS = 15;
  setInterval(() => {
    if (state.vault.isUnlocked() && Object.values(state.drafts).some((d) => d.status === Sync.WAITING)) syncNow();
  }, RETRY_SECONDS * 1000);

  /* ------------------------------------------------------------------------------ lock and wipe */

  function lockMinutes() { return (state.vault.meta && state.vault.meta.lock_minutes) || 5; }

  function touch() {
    if (!state.vault.isUnlocked()) return;
    clearTimeout(state.lockTimer);
    state.lockTimer = setTimeout(lockNow, lockMinutes() * 60 * 1000);
  }

  ["pointerdown", "keydown", "input"].forEach((name) => document.addEventListener(name, touch, { passive: true }));

  function lockNow() {
    clearTimeout(state.lockTimer);
    state.vault.lock();
    state.bundle = null;
    state.drafts = {};
    renderLock();
  }

  async function wipeIfExpired() {
    if (state.vault.hasData() && state.vault.expired()) {
      const days = state.vault.meta.keep_days;
      await state.vault.wipe();
      renderEmpty(fmt(M.wiped_expired, { days }), "error");
      return true;
    }
    return false;
  }

  async function logout() {
    const unsent = Object.values(state.drafts).filter((d) => d.status !== Sync.SENT).length;
    if (!window.confirm(fmt(M.logout_confirm, { count: unsent }))) return;
    await state.vault.wipe();
    state.bundle = null;
    state.drafts = {};
    try {
      const response = await fetch(URLS.session, { credentials: "same-origin" });
      if (response.ok) {
        const { csrf } = await response.json();
        await fetch(URLS.logout, { method: "POST", credentials: "same-origin", headers: { "X-CSRFToken": csrf } });
      }
    } catch (error) {
      // Offline: the device is already cleared; the session ends on the server when it expires.
    }
    window.location.assign(URLS.login);
  }

  function renderActions() {
    const nodes = [];
    if (state.vault.isUnlocked()) nodes.push(button(M.lock, lockNow, "btn", { "data-action": "lock" }));
    nodes.push(button(M.logout, logout, "btn", { "data-action": "logout" }));
    actions.replaceChildren(...nodes);
  }

  /* ------------------------------------------------------------------------------ download */

  async function download() {
    if (!navigator.onLine) { renderEmptyOrList(M.download_offline, "error"); return; }
    show([flash(M.downloading)]);
    let response;
    try {
      response = await fetch(URLS.bundle, { credentials: "same-origin", headers: { Accept: "application/json" } });
    } catch (error) {
      renderEmptyOrList(M.download_failed, "error");
      return;
    }
    if (response.status === 401) {
      const login = el("a", { className: "btn btn-primary", href: URLS.login, text: M.login });
      show([flash(M.download_login, "error"), login]);
      return;
    }
    if (!response.ok) { renderEmptyOrList(M.download_failed, "error"); return; }
    const bundle = await response.json();
    if (state.vault.isUnlocked()) {
      await state.vault.writeBundle(bundle);
      state.bundle = bundle;
      renderList();
    } else {
      state.pendingBundle = bundle;
      renderPinSetup();
    }
  }

  function renderEmptyOrList(text, kind) {
    if (state.vault.isUnlocked()) renderList(text, kind);
    else renderEmpty(text, kind);
  }

  function renderEmpty(text, kind) {
    show([
      flash(text, kind),
      el("section", { className: "card" }, [
        el("p", { text: M.no_data }),
        button(M.download, download, "btn btn-primary", { "data-action": "download" }),
      ]),
    ], "empty");
  }

  function pinForm(intro, submitText, repeat, onSubmit, message) {
    const pin = el("input", { type: "password", inputmode: "numeric", autocomplete: "off", id: "pin", name: "pin" });
    const pin2 = repeat ? el("input", { type: "password", inputmode: "numeric", autocomplete: "off", id: "pin2", name: "pin2" }) : null;
    const errors = el("ul", { className: "errorlist" });
    if (message) errors.append(el("li", { text: message }));
    const form = el("form", { className: "card pin-form" }, [
      el("p", { text: intro }),
      el("div", { className: "field" }, [el("label", { for: "pin", text: M.pin_label }), pin]),
      repeat ? el("div", { className: "field" }, [el("label", { for: "pin2", text: M.pin_repeat }), pin2]) : null,
      errors,
      el("button", { type: "submit", className: "btn btn-primary", text: submitText }),
    ]);
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const submit = form.querySelector("button[type=submit]");
      submit.setAttribute("aria-busy", "true");
      submit.disabled = true;
      const problem = await onSubmit(pin.value, pin2 ? pin2.value : null);
      submit.disabled = false;
      submit.removeAttribute("aria-busy");
      if (problem) errors.replaceChildren(el("li", { text: problem }));
    });
    return form;
  }

  function renderPinSetup() {
    show([pinForm(M.pin_intro, M.pin_save, true, async (pin, again) => {
      if (!PIN_PATTERN.test(pin)) return M.pin_short;
      if (pin !== again) return M.pin_mismatch;
      await state.vault.create(pin, state.pendingBundle);
      state.bundle = state.pendingBundle;
      state.pendingBundle = null;
      state.drafts = {};
      touch();
      renderList();
      return null;
    })], "pin");
  }

  function renderLock(message) {
    show([pinForm(M.unlock_intro, M.unlock, false, async (pin) => {
      if (await wipeIfExpired()) return null;
      const result = await state.vault.unlock(pin);
      if (result.wiped) { renderEmpty(M.wiped_attempts, "error"); return null; }
      if (!result.ok) return fmt(M.pin_wrong, { left: result.left });
      state.bundle = await state.vault.readBundle();
      state.drafts = await state.vault.readDrafts();
      touch();
      renderList();
      syncNow();
      return null;
    }, message)], "lock");
  }

  /* ------------------------------------------------------------------------------ list and queue */

  function statusOf(caseId) {
    const draft = state.drafts[caseId];
    return draft ? draft.status : "none";
  }

  function badge(status) {
    return el("span", { className: `badge badge-${status}`, "data-status": status, text: M[`status_${status}`] });
  }

  // Locked meanwhile (an answer arriving after the lock): nothing is lost by not saving it, since the server
  // answers the same key again from what it stored, and a refusal or conflict comes back the same.
  function saveDrafts() { return state.vault.isUnlocked() ? state.vault.writeDrafts(state.drafts) : Promise.resolve(); }

  async function syncNow() {
    if (state.syncing || !state.vault.isUnlocked()) return;
    if (!navigator.onLine) { if (state.view === "list") renderList(M.sync_offline, "error"); return; }
    state.syncing = true;
    let summary;
    try {
      summary = await Sync.sendWaiting({ drafts: state.drafts, urls: URLS, messages: M, save: saveDrafts });
    } finally {
      state.syncing = false;
    }
    if (!state.vault.isUnlocked()) return;
    renderConnection(summary.stopped !== "offline");
    let text = fmt(M.sync_done, summary);
    let kind = summary.refused || summary.conflict ? "error" : "ok";
    if (summary.stopped === "offline") { text = M.sync_offline; kind = "error"; }
    if (summary.stopped === "login") { text = M.sync_login; kind = "error"; }
    if (summary.stopped === "server") { text = fmt(M.sync_failed, { status: summary.status }); kind = "error"; }
    if (!summary.sent && !summary.refused && !summary.conflict && !summary.stopped) return;
    if (state.view === "list") renderList(text, kind);
  }

  function renderList(text, kind) {
    const bundle = state.bundle;
    const counts = { waiting: 0, sent: 0, refused: 0, conflict: 0, editing: 0 };
    for (const draft of Object.values(state.drafts)) counts[draft.status] = (counts[draft.status] || 0) + 1;
    const queue = el("section", { className: "card", "aria-labelledby": "queue-title" }, [
      el("h2", { id: "queue-title", text: M.queue_title }),
      el("ul", { className: "queue-counts" }, ["waiting", "sent", "refused", "conflict", "editing"].map((status) =>
        el("li", { "data-count": status }, [badge(status), document.createTextNode(` ${counts[status]}`)]))),
      button(M.sync, syncNow, "btn btn-primary", { "data-action": "sync", disabled: counts.waiting === 0 }),
    ]);
    const items = bundle.cases.map((item) => {
      const status = statusOf(item.id);
      const answer = (state.drafts[item.id] || {}).answer;
      const who = el("div", { className: "who" }, [
        el("strong", { text: `${item.household.code} · ${item.household.head}` }),
        el("small", { text: `${M.hamlet}: ${item.household.hamlet}` }),
        status === Sync.SENT && answer && answer.class_label ? el("small", { text: fmt(M.server_class, { class: answer.class_label }) }) : null,
      ]);
      return el("li", { "data-case": item.id }, [who, badge(status),
        button(M.open, () => renderSurvey(item.id), "btn btn-small", { "data-action": "open" })]);
    });
    show([
      flash(text, kind),
      el("p", { className: "offline-note", text: fmt(M.downloaded_at, { time: showTime(bundle.downloaded_at), date: showDate(bundle.expires_at) }) }),
      bundle.truncated ? flash(fmt(M.truncated, { count: bundle.max_cases }), "error") : null,
      queue,
      el("section", { className: "card" }, [
        el("h1", { text: M.cases_title }),
        bundle.cases.length ? el("ul", { className: "case-list" }, items) : el("p", { text: M.no_data }),
        button(M.download, download, "btn", { "data-action": "download" }),
      ]),
    ], "list");
  }

  /* ------------------------------------------------------------------------------ survey */

  function caseById(caseId) { return state.bundle.cases.find((c) => c.id === caseId); }

  function newDraft(item) {
    return {
      key: crypto.randomUUID(), case_id: item.id, status: "editing",
      base_case_version: item.version, base_household_version: item.household.version,
      record: JSON.parse(JSON.stringify(item.record)), causes: item.causes || [], wishes: item.wishes || [],
      note: item.note || "", date_confirmed: false,
    };
  }

  function evaluate(item, cycle, draft) {
    const R = globalThis.GiamngheoRecord;
    const E = globalThis.GiamngheoEngine;
    const record = { ...draft.record, id: item.household.code, year: cycle.year };
    let errors = [];
    if (R && typeof R.validate === "function") {
      errors = R.validate(state.bundle.record_rules, record, { today: localToday(), lang: LANG })
        .map((e) => ({ path: e.path, message: e.message }));
    }
    const results = [];
    if (!errors.length) {
      for (const sid of cycle.standards) {
        const portable = state.bundle.standards[sid];
        if (!E || !portable || (typeof E.supports === "function" && !E.supports(portable))) {
          results.push({ sid, unavailable: true });
          continue;
        }
        results.push({ sid, result: E.classify(portable, record, { lang: LANG }) });
      }
    }
    return { errors, results };
  }

  function indicatorNames(result, codes) {
    const names = {};
    for (const indicator of ((result.explanation || {}).indicators || [])) names[indicator.code] = indicator.name;
    return (codes || []).map((code) => names[code] || code).join(", ");
  }

  // The explanation is long on a phone: folded until the surveyor opens it, then kept open as answers change.
  function explanationNode(sid, result) {
    const details = el("details", { open: Boolean(state.explanationOpen[sid]) }, [
      el("summary", { text: M.explanation }),
      el("pre", { "data-result": "explanation", text: ((result.explanation || {}).text) || "" })]);
    details.addEventListener("toggle", () => { state.explanationOpen[sid] = details.open; });
    return details;
  }

  function resultNode(evaluation) {
    const card = el("section", { className: "card live-result", "aria-live": "polite", id: "live-result" }, [
      el("h2", { text: M.result_title }),
      el("p", { className: "provisional", text: M.provisional }),
    ]);
    if (evaluation.errors.length) {
      card.append(el("p", { "data-result": "errors", text: fmt(M.result_errors, { count: evaluation.errors.length }) }));
      return card;
    }
    for (const { sid, result, unavailable } of evaluation.results) {
      const title = state.bundle.standard_titles[sid] || sid;
      if (unavailable) { card.append(el("p", { text: `${title}: ${M.result_unavailable}` })); continue; }
      const label = state.bundle.class_labels[result.class] || M.result_unknown;
      card.append(el("div", { "data-standard": sid, "data-class": result.class }, [
        el("p", {}, [el("span", { text: `${title}: ` }), el("span", { className: "klass", "data-result": "class", text: label })]),
        (result.deprivations || []).length ? el("p", { text: fmt(M.deprived, { list: indicatorNames(result, result.deprivations) }) }) : null,
        (result.unknown || []).length ? el("p", { text: fmt(M.unknown_indicators, { list: indicatorNames(result, result.unknown) }) }) : null,
        explanationNode(sid, result),
      ]));
    }
    return card;
  }

  function serverErrors(answer) {
    return Object.entries((answer && answer.errors) || {}).flatMap(([path, msgs]) => msgs.map((message) => ({ path, message })));
  }

  function statusPanel(item, draft, rerender) {
    if (!draft) return null;
    const answer = draft.answer || {};
    if (draft.status === Sync.SENT) {
      return el("section", { className: "card server-result", "data-panel": "sent" }, [
        el("p", { text: answer.message || "" }),
        ...(answer.results || []).map((r) => el("details", {}, [el("summary", { text: `${r.standard}: ${r.class_label}` }), el("pre", { text: r.text })])),
      ]);
    }
    if (draft.status === Sync.REFUSED) {
      return el("section", { className: "card", "data-panel": "refused" }, [
        el("h2", { text: M.refused_title }), flash(answer.message, "error")]);
    }
    if (draft.status === Sync.CONFLICT) {
      const rows = (answer.changes || []).map((row) => el("tr", { "data-path": row.path }, [
        el("th", { scope: "row", text: row.label }), el("td", { "data-side": "mine", text: row.mine }),
        el("td", { "data-side": "server", text: row.server })]));
      const table = rows.length ? el("table", { className: "conflict-table" }, [
        el("thead", {}, [el("tr", {}, [el("th", { text: M.conflict_field }), el("th", { text: M.conflict_mine }), el("th", { text: M.conflict_server })])]),
        el("tbody", {}, rows)]) : el("p", { text: M.conflict_none });
      const keepMine = async () => {
        draft.base_case_version = answer.case_version;
        draft.base_household_version = answer.household_version;
        draft.status = Sync.WAITING;
        delete draft.answer;
        await saveDrafts();
        renderList();
        syncNow();
      };
      const dropMine = async () => {
        item.record = answer.server_record;
        item.version = answer.case_version;
        item.household.version = answer.household_version;
        item.causes = answer.server_causes || [];
        item.wishes = answer.server_wishes || [];
        item.note = answer.server_note || "";
        delete state.drafts[item.id];
        await state.vault.writeBundle(state.bundle);
        await saveDrafts();
        rerender();
      };
      return el("section", { className: "card", "data-panel": "conflict" }, [
        el("h2", { text: M.conflict_title }), flash(answer.message, "error"), table,
        el("div", { className: "conflict-actions" }, [
          button(M.conflict_keep_mine, keepMine, "btn btn-primary", { "data-action": "keep-mine" }),
          button(M.conflict_drop_mine, dropMine, "btn btn-danger", { "data-action": "drop-mine" }),
        ]),
      ]);
    }
    return null;
  }

  function renderSurvey(caseId, text, kind) {
    const item = caseById(caseId);
    const cycle = state.bundle.cycles[String(item.cycle)];
    let draft = state.drafts[caseId];
    const working = draft || newDraft(item);
    const readOnly = draft && [Sync.SENT, Sync.WAITING, Sync.CONFLICT].includes(draft.status);
    let resultCard = resultNode(evaluate(item, cycle, working));
    const savedNote = el("p", { className: "offline-note", "aria-live": "polite" });
    let saveTimer = null;
    let lastRead = null;
    const form = new SurveyForm(cycle.form, working, M, () => {
      if (readOnly) return;
      const typed = form.read();
      // A "change" after an "input" (the field losing focus) carries nothing new: the result stays as it is.
      const text = JSON.stringify(typed);
      if (text === lastRead) return;
      lastRead = text;
      Object.assign(working, typed);
      if (working.status === Sync.REFUSED) working.status = "editing";
      const evaluation = evaluate(item, cycle, working);
      form.showErrors(evaluation.errors);
      const fresh = resultNode(evaluation);
      resultCard.replaceWith(fresh);
      resultCard = fresh;
      clearTimeout(saveTimer);
      saveTimer = setTimeout(async () => {
        if (!state.vault.isUnlocked()) return;
        working.saved_at = new Date().toISOString();
        state.drafts[caseId] = working;
        draft = working;
        await saveDrafts();
        savedNote.textContent = fmt(M.saved_on_device, { time: showTime(working.saved_at) });
      }, 250);
    });
    const formHolder = readOnly ? el("fieldset", { disabled: true, className: "field" }, [form.root]) : form.root;
    if (draft && draft.status === Sync.REFUSED) form.showErrors(serverErrors(draft.answer));
    else if (!readOnly) form.showErrors(evaluate(item, cycle, working).errors);

    const finish = async () => {
      clearTimeout(saveTimer);
      Object.assign(working, form.read());
      const evaluation = evaluate(item, cycle, working);
      form.showErrors(evaluation.errors);
      if (evaluation.errors.length) {
        finishMessage.replaceChildren(flash(M.finish_errors, "error"));
        return;
      }
      working.status = Sync.WAITING;
      working.saved_at = new Date().toISOString();
      state.drafts[caseId] = working;
      await saveDrafts();
      renderList();
      syncNow();
    };
    const reopen = async () => {
      working.status = "editing";
      await saveDrafts();
      renderSurvey(caseId);
    };
    const finishMessage = el("div", {});
    const buttons = el("div", { className: "survey-actions" }, [
      button(M.back, () => renderList(), "btn", { "data-action": "back" }),
      !readOnly ? button(M.finish, finish, "btn btn-primary", { "data-action": "finish" }) : null,
      draft && draft.status === Sync.WAITING ? button(M.reopen, reopen, "btn", { "data-action": "reopen" }) : null,
    ]);
    show([
      flash(text, kind),
      el("h1", { text: `${item.household.code} · ${item.household.head}` }),
      el("p", { className: "offline-note" }, [badge(statusOf(caseId)), document.createTextNode(` ${M.hamlet}: ${item.household.hamlet}`)]),
      statusPanel(item, draft, () => renderSurvey(caseId)),
      resultCard,
      formHolder,
      savedNote,
      finishMessage,
      buttons,
    ], "survey");
    window.scrollTo(0, 0);
  }

  /* ------------------------------------------------------------------------------ start */

  async function start() {
    renderConnection();
    show([flash(M.loading)]);
    if ("serviceWorker" in navigator) {
      navigator.serviceWorker.register(URLS.worker).catch(() => { /* the app still works while online */ });
    }
    await state.vault.load();
    // Data past its keeping time goes even while the app stays open.
    setInterval(wipeIfExpired, 60 * 1000);
    if (await wipeIfExpired()) return;
    if (state.vault.hasData()) renderLock();
    else renderEmpty();
  }

  start();
})();
