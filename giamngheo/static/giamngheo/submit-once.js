/* giamngheo — one submit per action, and survey answers kept on the device (issue 15, item 7).
 *
 * Loaded (deferred) by every page from base.html; a static file because the Content-Security-Policy
 * runs no inline script.
 *
 * 1. Every POST form carries a hidden "idempotency_key", random per rendering of the page. The server
 *    (reviews/views/once.py) acts once per key: a double tap or a resend is answered like the first
 *    submit. While a form is being sent its submit buttons are disabled and a second submit is ignored.
 * 2. The survey form (form[data-draft-key]) keeps what is typed in localStorage, under
 *    "giamngheo:survey:<case id>:<version>". When a session expired and the save was lost on the way to
 *    the log-in page, the answers are restored after logging in, with a visible notice; a successful save
 *    raises the case's version, and the copies of older versions are removed.
 */
(function () {
  "use strict";

  var KEY_FIELD = "idempotency_key";

  function randomKey() {
    if (window.crypto && window.crypto.randomUUID) { return window.crypto.randomUUID(); }
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return ("0" + b.toString(16)).slice(-2); }).join("");
  }

  function isPost(form) {
    return (form.getAttribute("method") || "get").toLowerCase() === "post";
  }

  // A form that htmx itself submits (hx-post without another trigger) is left to htmx.
  function sentByHtmx(form) {
    return (form.hasAttribute("hx-post") || form.hasAttribute("hx-get")) && !form.hasAttribute("hx-trigger");
  }

  function ensureKey(form) {
    if (!isPost(form) || form.querySelector("input[name=" + KEY_FIELD + "]")) { return; }
    var input = document.createElement("input");
    input.type = "hidden";
    input.name = KEY_FIELD;
    input.value = randomKey();
    form.appendChild(input);
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || !isPost(form) || sentByHtmx(form)) { return; }
    if (form.dataset.submitting === "1") {
      event.preventDefault();
      return;
    }
    ensureKey(form);
    form.dataset.submitting = "1";
    // A disabled button is not sent: carry the pressed button's name and value (Lưu nháp / Hoàn thành).
    var submitter = event.submitter;
    if (submitter && submitter.name) {
      var carried = document.createElement("input");
      carried.type = "hidden";
      carried.name = submitter.name;
      carried.value = submitter.value;
      form.appendChild(carried);
    }
    if (form.dataset.draftKey) { saveDraft(form); }
    window.setTimeout(function () {
      form.querySelectorAll("button[type=submit], button:not([type]), input[type=submit]").forEach(function (b) {
        b.disabled = true;
        b.setAttribute("aria-busy", "true");
      });
    }, 0);
    // No new page after a while (a lost connection, a download): let the user try again — the same key
    // still makes a resend harmless.
    window.setTimeout(function () { release(form); }, 20000);
  }, true);

  function release(form) {
    delete form.dataset.submitting;
    form.querySelectorAll("[aria-busy]").forEach(function (b) { b.disabled = false; b.removeAttribute("aria-busy"); });
  }

  // Back to a page kept by the browser: its forms may be sent again.
  window.addEventListener("pageshow", function (event) {
    if (!event.persisted) { return; }
    document.querySelectorAll("form[data-submitting]").forEach(release);
  });

  // ---------------------------------------------------------------- survey answers kept on the device

  var PREFIX = "giamngheo:survey:";
  var SKIPPED = ["csrfmiddlewaretoken", KEY_FIELD, "version", "action"];

  function storage() {
    try { return window.localStorage; } catch (e) { return null; }
  }

  function saveDraft(form) {
    var store = storage();
    if (!store) { return; }
    var fields = [];
    new FormData(form).forEach(function (value, name) {
      if (SKIPPED.indexOf(name) < 0 && typeof value === "string") { fields.push([name, value]); }
    });
    try {
      store.setItem(PREFIX + form.dataset.draftKey, JSON.stringify({ saved: Date.now(), fields: fields }));
    } catch (e) { /* storage full or refused: the server copy is all we have */ }
  }

  function forgetOlder(form) {
    var store = storage();
    if (!store) { return; }
    var parts = form.dataset.draftKey.split(":");
    var casePrefix = PREFIX + parts[0] + ":";
    var version = parseInt(parts[1], 10);
    for (var i = store.length - 1; i >= 0; i--) {
      var name = store.key(i);
      if (name && name.indexOf(casePrefix) === 0 && parseInt(name.slice(casePrefix.length), 10) < version) {
        store.removeItem(name);
      }
    }
  }

  function restoreDraft(form) {
    var store = storage();
    var raw = store && store.getItem(PREFIX + form.dataset.draftKey);
    if (!raw) { return false; }
    var draft;
    try { draft = JSON.parse(raw); } catch (e) { return false; }
    var values = {};
    (draft.fields || []).forEach(function (pair) { (values[pair[0]] = values[pair[0]] || []).push(pair[1]); });
    // Member cards the surveyor had added: add them again first.
    var total = form.querySelector("[name=members-TOTAL_FORMS]");
    var add = document.getElementById("add-member");
    var wanted = values["members-TOTAL_FORMS"] ? parseInt(values["members-TOTAL_FORMS"][0], 10) : 0;
    while (total && add && parseInt(total.value, 10) < wanted) { add.click(); }
    var changed = false;
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || SKIPPED.indexOf(el.name) >= 0 || el.type === "file") { return; }
      var list = values[el.name];
      if (el.type === "checkbox" || el.type === "radio") {
        var on = !!list && list.indexOf(el.value) >= 0;
        if (el.checked !== on) { el.checked = on; changed = true; }
      } else if (list && el.value !== list[0]) {
        el.value = list[0];
        changed = true;
      }
    });
    return changed;
  }

  function draftKeeping() {
    var form = document.querySelector("form[data-draft-key]");
    if (!form) { return; }
    forgetOlder(form);
    // A page that came back with errors already shows what was typed.
    if (!document.getElementById("error-summary") && restoreDraft(form)) {
      var notice = document.getElementById("draft-restored");
      if (notice) { notice.hidden = false; }
      form.dispatchEvent(new Event("change", { bubbles: true }));
    }
    var timer = null;
    form.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(function () { saveDraft(form); }, 300);
    });
    form.addEventListener("change", function () { saveDraft(form); });
  }

  function start() {
    document.querySelectorAll("form").forEach(ensureKey);
    draftKeeping();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
