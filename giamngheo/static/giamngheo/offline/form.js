/* Phiếu B on the phone, drawn from the form definition the server sends with the cases
 * (giamngheo/offline/form_definition.py: the server form's own fields, labels, help texts and choices), and
 * read back into a household record v1. No label or choice is written here.
 *
 * Values are parsed as on the server form: a grouped amount (1.200.000), a number with either decimal mark
 * (45,5), a date as dd/mm/yyyy: GiamngheoRecord's parsers (record.js) follow the server form's fields. A value
 * that does not parse is kept as typed, so that the record rules name it next to its field.
 */
(function () {
  "use strict";

  let serial = 0;

  function el(tag, attrs, children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (name === "text") node.textContent = value;
      else if (name === "className") node.className = value;
      else node.setAttribute(name, value === true ? "" : String(value));
    }
    for (const child of children || []) if (child) node.append(child);
    return node;
  }

  /* ------------------------------------------------------------------------------------- values */

  function groupDigits(digits) {
    return digits.replace(/\B(?=(\d{3})+(?!\d))/g, ".");
  }

  function showValue(spec, value) {
    if (value === undefined || value === null) return "";
    if (spec.kind === "money" || spec.kind === "integer") {
      if (typeof value === "number" && Number.isInteger(value)) {
        const text = String(Math.abs(value));
        return (value < 0 ? "-" : "") + (spec.kind === "money" ? groupDigits(text) : text);
      }
      return String(value);
    }
    if (spec.kind === "number") return typeof value === "number" ? String(value).replace(".", ",") : String(value);
    if (spec.kind === "date") {
      const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(String(value));
      return match ? `${match[3]}/${match[2]}/${match[1]}` : String(value);
    }
    return String(value);
  }

  /* GiamngheoRecord (record.js) parses as the server form's fields do and answers {ok, value}. */
  const NUMBER_KINDS = { money: "grouped_integer", integer: "integer", number: "decimal" };

  function parseNumber(text, kind) {
    const parsed = globalThis.GiamngheoRecord.parseNumber(text, NUMBER_KINDS[kind]);
    return parsed.ok ? parsed.value : text;
  }

  function parseDate(text) {
    const parsed = globalThis.GiamngheoRecord.parseDate(text);
    return parsed.ok ? parsed.value : text;
  }

  /* ------------------------------------------------------------------------------------- drawing */

  function fieldNode(spec, value, scope, messages) {
    serial += 1;
    const id = `f${serial}`;
    const wrap = el("div", { className: "field", "data-path": spec.path, "data-name": spec.name, "data-kind": spec.kind });
    if (spec.invalid) wrap.dataset.invalid = spec.invalid;
    const errors = el("ul", { className: "errorlist", "data-errors": spec.name });
    if (spec.kind === "tri" || spec.kind === "multi") {
      const fieldset = el("fieldset", { className: "field" }, [el("legend", { text: spec.label })]);
      const box = el("div", { className: spec.kind === "tri" ? "tri-choices" : "multi-choices" });
      const name = `${scope}-${spec.name}`;
      if (spec.kind === "tri") {
        const current = value === true ? "yes" : value === false ? "no" : "";
        for (const [choice, label] of spec.choices) {
          const input = el("input", { type: "radio", name, value: choice, checked: choice === current });
          box.append(el("label", {}, [input, document.createTextNode(label)]));
        }
      } else {
        const chosen = Array.isArray(value) ? value : [];
        for (const [choice, label] of spec.choices) {
          const input = el("input", { type: "checkbox", name, value: choice, checked: chosen.includes(choice) });
          box.append(el("label", {}, [input, document.createTextNode(label)]));
        }
        if (spec.unanswered_label) {
          const input = el("input", { type: "checkbox", name: `${name}-unanswered`, "data-unanswered": "1",
            checked: value === undefined || value === null });
          box.append(el("label", {}, [input, document.createTextNode(spec.unanswered_label)]));
        }
      }
      fieldset.append(box);
      wrap.append(fieldset);
    } else if (spec.kind === "check") {
      const input = el("input", { type: "checkbox", id, checked: value === true });
      wrap.append(el("label", {}, [input, document.createTextNode(" " + spec.label)]));
    } else {
      wrap.append(el("label", { for: id, text: spec.label }));
      let input;
      if (spec.kind === "choice") {
        input = el("select", { id });
        for (const [choice, label] of spec.choices) {
          input.append(el("option", { value: choice, text: label, selected: String(value ?? "") === choice }));
        }
      } else if (spec.multiline) {
        input = el("textarea", { id, rows: 2, maxlength: spec.max_length });
        input.value = value ?? "";
      } else {
        const inputmode = { money: "numeric", integer: "numeric", number: "decimal", date: "numeric" }[spec.kind];
        input = el("input", { type: "text", id, inputmode, maxlength: spec.max_length, autocomplete: "off",
          placeholder: spec.kind === "date" ? "dd/mm/yyyy" : null });
        input.value = showValue(spec, value);
      }
      wrap.append(input);
    }
    if (spec.help) wrap.append(el("p", { className: "field-help", text: spec.help }));
    wrap.append(errors);
    return wrap;
  }

  function readField(wrap) {
    const kind = wrap.dataset.kind;
    if (kind === "tri") {
      const picked = wrap.querySelector("input[type=radio]:checked");
      return !picked || picked.value === "" ? undefined : picked.value === "yes";
    }
    if (kind === "multi") {
      const unanswered = wrap.querySelector("input[data-unanswered]");
      if (unanswered && unanswered.checked) return undefined;
      return [...wrap.querySelectorAll("input[type=checkbox]:not([data-unanswered]):checked")].map((i) => i.value);
    }
    if (kind === "check") return wrap.querySelector("input").checked;
    const input = wrap.querySelector("input, select, textarea");
    const text = input.value.trim();
    if (text === "") return undefined;
    if (kind in NUMBER_KINDS) return parseNumber(text, kind);
    if (kind === "date") return parseDate(text);
    return text;
  }

  function groupNodes(groups, values, scope, messages) {
    const nodes = [];
    for (const group of groups) {
      const section = el("section", { className: "survey-group" }, [el("h2", { text: group.title })]);
      const rare = group.fields.filter((f) => f.rare);
      for (const spec of group.fields.filter((f) => !f.rare)) section.append(fieldNode(spec, values(spec), scope, messages));
      if (rare.length) {
        const answered = rare.some((spec) => values(spec) !== undefined);
        const details = el("details", { className: "rare", open: answered }, [el("summary", { text: messages.rare_more })]);
        for (const spec of rare) details.append(fieldNode(spec, values(spec), scope, messages));
        section.append(details);
      }
      nodes.push(section);
    }
    return nodes;
  }

  function valueAt(record, path) {
    if (path.startsWith("dwelling.")) return (record.dwelling || {})[path.slice(9)];
    return record[path];
  }

  /* The survey form of one case: household groups, member cards, causes/wishes/note. */
  class SurveyForm {
    constructor(definition, draft, messages, onChange) {
      this.definition = definition;
      this.messages = messages;
      this.onChange = onChange;
      this.root = el("form", { className: "survey-form", novalidate: true });
      this.top = el("ul", { className: "errorlist nonfield", "data-errors": "$" });
      this.root.append(this.top);
      const record = draft.record || {};
      const extraValues = { causes: draft.causes, wishes: draft.wishes, note: draft.note, date_confirmed: draft.date_confirmed };
      const household = el("div", { className: "card", "data-part": "household" },
        groupNodes(definition.household, (spec) => spec.name === "date_confirmed" ? extraValues.date_confirmed : valueAt(record, spec.path), "h", messages));
      this.members = el("div", { "data-part": "members" });
      for (const member of record.members || []) this.addMember(member);
      const add = el("button", { type: "button", className: "btn", "data-action": "add-member", text: messages.member_add });
      add.addEventListener("click", () => { this.addMember({}); this.changed(); });
      const membersCard = el("div", { className: "card" }, [el("h2", { text: definition.member_title }), this.members, add]);
      const extra = el("div", { className: "card", "data-part": "extra" },
        definition.extra.map((spec) => fieldNode(spec, extraValues[spec.name], "x", messages)));
      this.root.append(household, membersCard, extra);
      this.root.addEventListener("input", () => this.changed());
      this.root.addEventListener("change", () => this.changed());
      this.root.addEventListener("submit", (event) => event.preventDefault());
    }

    addMember(member) {
      serial += 1;
      const scope = `m${serial}`;
      const card = el("section", { className: "member-card", "data-member-id": member.id || "" });
      const title = el("h3", {});
      const remove = el("button", { type: "button", className: "btn btn-danger btn-small", text: this.messages.member_remove });
      remove.addEventListener("click", () => { card.remove(); this.renumber(); this.changed(); });
      card.append(el("header", {}, [title, remove]), el("ul", { className: "errorlist", "data-errors": "$member" }));
      for (const node of groupNodes(this.definition.members, (spec) => member[spec.name], scope, this.messages)) card.append(node);
      // Answers the phone does not show (none today) ride along unchanged.
      card._kept = member;
      this.members.append(card);
      this.renumber();
    }

    renumber() {
      [...this.members.children].forEach((card, index) => {
        card.querySelector("h3").textContent = this.messages.member_number.replace("%(number)s", String(index + 1));
      });
    }

    changed() {
      if (this.onChange) this.onChange();
    }

    /* The draft as typed: {record, causes, wishes, note, date_confirmed}. */
    read() {
      const record = {};
      const dwelling = {};
      let confirmed = false;
      for (const wrap of this.root.querySelectorAll("[data-part=household] .field[data-path]")) {
        const value = readField(wrap);
        const path = wrap.dataset.path;
        if (path === "date_confirmed") { confirmed = value === true; continue; }
        if (value === undefined) continue;
        if (path.startsWith("dwelling.")) dwelling[path.slice(9)] = value;
        else record[path] = value;
      }
      if (Object.keys(dwelling).length) record.dwelling = dwelling;
      const used = new Set([...this.members.children].map((c) => c.dataset.memberId).filter(Boolean));
      let next = 1;
      record.members = [...this.members.children].map((card) => {
        const member = {};
        for (const [key, value] of Object.entries(card._kept || {})) member[key] = value;
        for (const wrap of card.querySelectorAll(".field[data-path]")) {
          const value = readField(wrap);
          if (value === undefined) delete member[wrap.dataset.name];
          else member[wrap.dataset.name] = value;
        }
        if (!card.dataset.memberId) {
          // A new member gets the next free number, as the server form numbers them.
          while (used.has(String(next))) next += 1;
          card.dataset.memberId = String(next);
          used.add(String(next));
        }
        return { id: card.dataset.memberId, ...Object.fromEntries(Object.entries(member).filter(([k]) => k !== "id")) };
      });
      const extra = {};
      for (const wrap of this.root.querySelectorAll("[data-part=extra] .field[data-path]")) extra[wrap.dataset.name] = readField(wrap);
      return { record, causes: extra.causes || [], wishes: extra.wishes || [], note: extra.note || "", date_confirmed: confirmed };
    }

    /* Errors [{path, message}] next to their fields; those of no single field at the top. */
    showErrors(errors) {
      for (const list of this.root.querySelectorAll("[data-errors]")) list.replaceChildren();
      for (const node of this.root.querySelectorAll("[aria-invalid]")) node.removeAttribute("aria-invalid");
      const cards = [...this.members.children];
      for (const error of errors) {
        const path = String(error.path || "$");
        let list = null;
        let wrap = null;
        const member = /^members\[(\d+)\](?:\.([a-z_]+))?/.exec(path);
        if (member) {
          const card = cards[Number(member[1])];
          if (card) {
            wrap = member[2] ? card.querySelector(`.field[data-name="${member[2]}"]`) : null;
            list = wrap ? wrap.querySelector("[data-errors]") : card.querySelector("[data-errors='$member']");
          }
        } else {
          const name = path.replace(/\[\d+\]$/, "");
          wrap = this.root.querySelector(`[data-part=household] .field[data-path="${name}"], [data-part=extra] .field[data-path="${name}"]`);
          list = wrap ? wrap.querySelector("[data-errors]") : null;
        }
        if (!list) list = this.top;
        // A number or date that did not parse is kept as typed, so the record rules flag it; the surveyor reads
        // the server form's own message for that field ("Hãy nhập một số nguyên, ví dụ 1.500.000."), once.
        const unparsed = wrap && wrap.dataset.invalid && typeof readField(wrap) === "string"
          && (wrap.dataset.kind in NUMBER_KINDS || wrap.dataset.kind === "date");
        if (unparsed && list.childElementCount) continue;
        list.append(el("li", { text: unparsed ? wrap.dataset.invalid : error.message }));
        const input = list.parentElement && list.parentElement.querySelector("input, select, textarea");
        if (input && list !== this.top && list.dataset.errors !== "$member") input.setAttribute("aria-invalid", "true");
      }
    }
  }

  globalThis.GiamngheoOfflineForm = { SurveyForm, el, showValue };
})();
