/* giamngheo — the page behaviour that is not htmx, loaded (deferred) by every page from base.html.
 *
 * It lives in this file, not in inline <script> blocks or onclick attributes, because the
 * Content-Security-Policy allows scripts from this site's own files only (docs/security.md, "Headers"):
 * an injected inline script then cannot run even if some value ever escaped unescaped.
 * Each behaviour below starts only on pages holding its elements.
 */
(function () {
  "use strict";

  // Print buttons: <button data-print>.
  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-print]")) { window.print(); }
  });

  // Household page: print one explanation sheet at a time — mark its section, print, then unmark.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-print-explanation]");
    if (!button) { return; }
    var sheet = button.closest(".explanation");
    document.body.classList.add("printing-explanation");
    sheet.classList.add("print-this");
    window.print();
  });
  window.addEventListener("afterprint", function () {
    document.body.classList.remove("printing-explanation");
    document.querySelectorAll(".print-this").forEach(function (el) { el.classList.remove("print-this"); });
  });

  // Household form and survey form: add member cards from the empty template, dim a member marked for removal.
  function memberForms() {
    var total = document.getElementById("id_members-TOTAL_FORMS");
    var list = document.getElementById("member-forms");
    var template = document.getElementById("member-empty");
    var add = document.getElementById("add-member");
    if (!total || !list || !template || !add) { return; }
    add.addEventListener("click", function () {
      var index = parseInt(total.value, 10);
      var html = template.innerHTML.replace(/__prefix__/g, index).replace(/__number__/g, index + 1);
      list.insertAdjacentHTML("beforeend", html);
      total.value = index + 1;
      var card = list.lastElementChild;
      var first = card.querySelector("select, input:not([type=hidden])");
      if (first) { first.focus(); }
    });
    // A member marked for removal is dimmed, so the officer sees what the save will do.
    list.addEventListener("change", function (event) {
      if (event.target.name && /-DELETE$/.test(event.target.name)) {
        event.target.closest(".member-card").classList.toggle("is-deleted", event.target.checked);
      }
    });
  }

  // "Chưa trả lời" and a ticked information device exclude each other.
  function informationDevices() {
    document.querySelectorAll("form").forEach(function (form) {
      var unanswered = form.querySelector("[name=information_devices_unanswered]");
      if (!unanswered) { return; }
      var devices = form.querySelectorAll("[name=information_devices]");
      unanswered.addEventListener("change", function () {
        if (unanswered.checked) { devices.forEach(function (d) { d.checked = false; }); }
      });
      devices.forEach(function (d) {
        d.addEventListener("change", function () { if (d.checked) { unanswered.checked = false; } });
      });
    });
  }

  function start() {
    memberForms();
    informationDevices();
    // A form that came back with errors: move the focus to their summary, for screen readers and keyboards.
    var summary = document.getElementById("error-summary");
    if (summary) { summary.focus(); }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
