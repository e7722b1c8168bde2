/* The device engine: classifies and explains one household under a portable standard, with no connection.
 *
 * A second executor of the standards, for the phone only (docs/adr/0011-device-engine.md). It interprets the
 * data of giamngheo.standards.portable.portable_standard and reproduces the Python executor
 * (giamngheo/standards/classify.py, rules.py, explain.py) — not an idea of it: the same three-valued logic, the
 * same ages, the same bands and classes, the same explanation and printable text.
 * tests/browser/test_device_engine_agreement.py runs generated records through both and requires identical
 * results. The server classifies again on receipt; its result is the one that counts.
 *
 * A classic script (no modules, no build step, no eval: the site's CSP). It defines globalThis.GiamngheoEngine:
 *   classify(portable, record, {lang: "vi" | "en"}) -> the dict of Python's classify_record(record, standard,
 *     explain=True, lang=lang) for a valid household record v1;
 *   supports(portable) -> true or false; unsupportedReason(portable) -> why not (null when supported).
 */
(function (root) {
  "use strict";

  const FORMAT = "giamngheo-portable-standard/1";
  const CLASS_RULES = ["one_line_and", "two_lines_or", "two_lines_and"];

  // --- Three-valued (Kleene) logic: true, false, or null for unknown, as Polars computes it ---------------

  function and(a, b) {
    if (a === false || b === false) return false;
    return a === null || b === null ? null : true;
  }

  function or(a, b) {
    if (a === true || b === true) return true;
    return a === null || b === null ? null : false;
  }

  function not(a) {
    return a === null ? null : !a;
  }

  // A comparison with an unknown operand is unknown.
  function compare(a, b, test) {
    return a === null || b === null ? null : test(a, b);
  }
  const ge = (a, b) => compare(a, b, (x, y) => x >= y);
  const gt = (a, b) => compare(a, b, (x, y) => x > y);
  const le = (a, b) => compare(a, b, (x, y) => x <= y);
  const lt = (a, b) => compare(a, b, (x, y) => x < y);

  // Polars' is_in: membership, or null when the answer is missing.
  function inSet(value, values) {
    return value === null ? null : values.includes(value);
  }

  // Kleene any/all over members (ignore_nulls=False).
  function anyOf(flags) {
    if (flags.includes(true)) return true;
    return flags.includes(null) ? null : false;
  }

  function allOf(flags) {
    if (flags.includes(false)) return false;
    return flags.includes(null) ? null : true;
  }

  // A when/then chain treats an unknown condition as not met.
  const met = (condition) => condition === true;

  // An answer not given is unknown (null), whichever way the record leaves it out.
  const get = (object, key) => (object == null || object[key] === undefined ? null : object[key]);

  // --- Ages (classify._ages): completed years and months on the reference date ---------------------------

  function calendar(text) {
    const [year, month, day] = text.split("-").map(Number);
    return { ymd: year * 10000 + month * 100 + day, months: year * 12 + month };
  }

  function ages(member, reference) {
    const ref = calendar(reference);
    const ry = Math.floor(ref.ymd / 10000);
    if (member.birth_date !== null) {
      const birth = calendar(member.birth_date);
      // (yyyymmdd - yyyymmdd) // 10000 counts a 29 February birthday on 1 March in other years.
      const months = ref.months - birth.months - ((ref.ymd % 100) < (birth.ymd % 100) ? 1 : 0);
      const year = Math.floor(birth.ymd / 10000);
      return { _ry: ry, _age: Math.floor((ref.ymd - birth.ymd) / 10000), _age_m_min: months, _age_m_max: months,
        _by_min: year, _by_max: year };
    }
    const stated = member.age;
    if (stated === null) {
      return { _ry: ry, _age: null, _age_m_min: null, _age_m_max: null, _by_min: null, _by_max: null };
    }
    // With only an age, the age in months and the birth year are ranges.
    return { _ry: ry, _age: stated, _age_m_min: stated * 12, _age_m_max: stated * 12 + 11,
      _by_min: ry - stated - 1, _by_max: ry - stated };
  }

  // classify._working_age: a stated answer wins; else at least the minimum age and below the retirement age
  // (in months) of the reference year, unknown when an age-only member's months straddle it.
  function workingAge(table, member) {
    if (member.working_age !== null) return member.working_age;
    const year = Math.min(Math.max(member._ry, table.first_year), table.last_year);
    const index = year - table.first_year;
    const retirement = member.sex === "male" ? table.male_months[index]
      : member.sex === "female" ? table.female_months[index] : null;
    if (met(lt(member._age, table.min_age))) return false;
    if (met(ge(member._age_m_min, retirement))) return false;
    if (met(lt(member._age_m_max, retirement))) return true;
    return null;
  }

  // --- Rule kinds (rules.py): one entry per kind ----------------------------------------------------------

  function ageWithin(member, from, below) {
    let flag = true;
    if (from !== null) flag = and(flag, ge(member._age, from));
    if (below !== null) flag = and(flag, lt(member._age, below));
    return flag;
  }

  const KINDS = {
    member_answer: {
      level: "member",
      member: (p, m) => and(ageWithin(m, p.age_from, p.age_below), inSet(get(m, p.field), p.deprived_values)),
      aggregate: (p, flags) => anyOf(flags),
    },
    working_age_status: {
      level: "member",
      member: (p, m) => and(m._working_age, inSet(get(m, "employment"), p.statuses)),
      aggregate: (p, flags) => anyOf(flags),
    },
    education_level: {
      level: "member",
      member(p, m) {
        let lacks = false;
        for (const band of p.bands) {
          const inBand = and(ge(m._age, band.age_from), le(m._age, band.age_to));
          lacks = or(lacks, and(inBand, not(inSet(get(m, "education_completed"), band.accepted))));
        }
        if (p.in_education_exempts) lacks = and(lacks, not(get(m, "in_education")));
        if (p.born_from_year !== null) {
          // With only an age the birth year is one of two: unknown only when they straddle the cut.
          const bornOk = met(ge(m._by_min, p.born_from_year)) ? true
            : met(lt(m._by_max, p.born_from_year)) ? false : null;
          lacks = and(lacks, bornOk);
        }
        return lacks;
      },
      aggregate: (p, flags) => anyOf(flags),
    },
    no_member_uses: {
      level: "member",
      // Member flag: this member uses none of the services; the household is deprived when all members are.
      member(p, m) {
        let uses = false;
        for (const field of p.fields) uses = or(uses, get(m, field));
        return not(uses);
      },
      aggregate: (p, flags) => allOf(flags),
    },
    dependents_ratio: {
      level: "member",
      member(p, m) {
        const disability = get(m, "disability");
        const allowanceGroup = or(ge(m._age, p.elderly_age_from), inSet(disability, p.allowance_disability_levels));
        return or(or(lt(m._age, p.child_age_below), and(allowanceGroup, get(m, "monthly_social_allowance"))),
          inSet(disability, p.always_disability_levels));
      },
      // Deprived when the known dependents already exceed the share; not deprived when even all unknown
      // members being dependents would not; unknown otherwise.
      aggregate(p, flags) {
        const known = flags.filter((f) => f === true).length;
        const unknown = flags.filter((f) => f === null).length;
        const limit = p.ratio_above * flags.length;
        if (known > limit) return true;
        if (known + unknown <= limit) return false;
        return null;
      },
    },
    structures_non_durable: {
      level: "household",
      household(p, h) {
        const nonDurable = p.fields.filter((f) => get(h, f) === false).length;
        const unknown = p.fields.filter((f) => get(h, f) === null).length;
        if (nonDurable >= p.min_non_durable) return true;
        if (nonDurable + unknown < p.min_non_durable) return false;
        return null;
      },
    },
    area_per_person: {
      level: "household",
      // area < minimum × members, exactly as the executor compares it (no per-person rounding).
      household: (p, h) => (h._n_members > 0 ? lt(get(h, "floor_area_m2"), p.min_m2_per_person * h._n_members) : null),
    },
    value_not_in: {
      level: "household",
      household: (p, h) => not(inSet(get(h, p.field), p.accepted)),
    },
    devices_none: {
      level: "household",
      household(p, h) {
        const devices = get(h, "information_devices");
        let flag = devices === null ? null : !devices.some((d) => p.devices.includes(d));
        if (p.also_no_loudspeaker) flag = and(flag, not(get(h, "hears_loudspeaker")));
        return flag;
      },
    },
  };

  // --- What the engine can interpret ---------------------------------------------------------------------

  function unsupportedReason(portable) {
    if (!portable || typeof portable !== "object") return "not a portable standard";
    if (portable.format !== FORMAT) return `unknown format ${JSON.stringify(portable.format)} (this engine reads ${FORMAT})`;
    if (!portable.class_rule || !CLASS_RULES.includes(portable.class_rule.kind)) {
      return `unknown class rule ${JSON.stringify(portable.class_rule && portable.class_rule.kind)}`;
    }
    for (const indicator of portable.indicators || []) {
      const kind = KINDS[indicator.rule];
      if (!kind) return `unknown rule kind ${JSON.stringify(indicator.rule)} (indicator ${indicator.code})`;
      if (kind.level !== indicator.level) return `rule kind ${indicator.rule} is no longer ${kind.level}-level`;
    }
    if (!portable.text || !portable.text.vi || !portable.text.en) return "the explanation texts are missing";
    return null;
  }

  function supports(portable) {
    return unsupportedReason(portable) === null;
  }

  // --- Classification (classify.evaluate) ------------------------------------------------------------------

  // The household's answers the executor reads; dwelling answers sit beside them, as on the households frame.
  function householdRow(record) {
    const row = { ...(record.dwelling || {}) };
    for (const key of ["id", "reference_date", "area", "income", "score_a", "income_basis"]) row[key] = get(record, key);
    row._n_members = record.members.length;
    return row;
  }

  function memberRow(member, reference, portable) {
    const row = { ...member };
    for (const key of ["name", "sex", "birth_date", "age", "working_age", "employment"]) row[key] = get(member, key);
    Object.assign(row, ages(row, reference));
    row._working_age = portable.working_age ? workingAge(portable.working_age, row) : null;
    row._flags = {};
    return row;
  }

  function areaLines(portable, area) {
    return area === "rural" || area === "urban" ? portable.lines[area] : null;
  }

  function line(portable, area, name) {
    const lines = areaLines(portable, area);
    return lines && lines[name] !== undefined ? lines[name] : null;
  }

  // classify._basis: a standard without a score form decides from income, whatever the record says.
  function basisOf(portable, h) {
    if (!portable.score_form) return "income";
    if (h.income_basis !== null) return h.income_basis;
    if (h.income === null && h.score_a !== null) return "score_a";
    return "income";
  }

  // classify._band: where the income (or score A) falls among the lines.
  function bandOf(portable, h, basis) {
    const income = h.income === null ? null : h.income * portable.lines.months;
    const nearLine = portable.class_rule.kind !== "one_line_and" ? line(portable, h.area, "near_poverty") : null;
    let band;
    if (income === null || h.area === null) band = "missing";
    else if (met(le(income, line(portable, h.area, "poverty")))) band = "poverty";
    else if (met(le(income, nearLine))) band = "near_poverty";
    else if (met(le(income, line(portable, h.area, "average_upper")))) band = "average";
    else band = "above";
    const form = portable.score_form;
    if (!form || basis !== "score_a") return band;
    const cut = h.area === "rural" ? form.cut_rural : h.area === "urban" ? form.cut_urban : null;
    if (h.score_a === null || cut === null) return "score_missing";
    return h.score_a <= cut ? "score_within" : "score_above";
  }

  function byDeprivations(cutKnown, cutPossible) {
    if (cutKnown) return "poor";
    return cutPossible ? "undetermined" : "near_poor";
  }

  // classify._class: decided only where the unknown indicators cannot change it.
  function classOf(portable, band, known, unknown) {
    const rule = portable.class_rule;
    const byDeprivation = byDeprivations(known >= rule.deprivation_cut, known + unknown >= rule.deprivation_cut);
    if (band === "missing" || band === "score_missing") return "undetermined";
    if (band === "poverty") return rule.kind === "two_lines_or" ? "poor" : byDeprivation;
    if (band === "near_poverty") return rule.kind === "two_lines_or" ? byDeprivation : "near_poor";
    if (band === "average") return "average";
    const form = portable.score_form;
    if (form && band === "score_within") {
      return byDeprivations(known * form.points_per_deprivation >= form.score_b_cut,
        (known + unknown) * form.points_per_deprivation >= form.score_b_cut);
    }
    return "none";
  }

  // classify._low_income_workers (Decree 30/2025): working members of a household neither poor nor near-poor
  // whose income is at most the bound, on a reference date from the rule's start.
  function lowIncomeWorkers(portable, h, members, klass) {
    const rule = portable.low_income_worker;
    if (!rule) return [];
    const bound = h.area === "rural" ? rule.income_rural : h.area === "urban" ? rule.income_urban : null;
    const qualifies = (klass === "average" || klass === "none") && met(le(h.income, bound))
      && h.reference_date >= rule.effective_from;
    if (!qualifies) return [];
    return members.filter((m) => m.employment !== null && rule.working_statuses.includes(m.employment)).map((m) => m.id);
  }

  function evaluate(portable, record) {
    const h = householdRow(record);
    const members = record.members.map((m) => memberRow(m, record.reference_date, portable));
    const flags = {};
    for (const indicator of portable.indicators) {
      const kind = KINDS[indicator.rule];
      if (kind.level === "member") {
        for (const m of members) m._flags[indicator.code] = kind.member(indicator.params, m);
        flags[indicator.code] = kind.aggregate(indicator.params, members.map((m) => m._flags[indicator.code]));
      } else {
        flags[indicator.code] = kind.household(indicator.params, h);
      }
    }
    const codes = portable.indicators.map((i) => i.code);
    const deprivations = codes.filter((c) => flags[c] === true);
    const unknown = codes.filter((c) => flags[c] === null);
    const basis = basisOf(portable, h);
    const band = bandOf(portable, h, basis);
    const klass = classOf(portable, band, deprivations.length, unknown.length);
    let criterion = null;
    if (portable.class_rule.kind === "two_lines_or" && klass === "poor") {
      criterion = band === "poverty" ? "income" : "deprivation";
    }
    const result = {
      id: h.id,
      standard: portable.id,
      standard_hash: portable.hash,
      area: h.area,
      income_line: line(portable, h.area, "poverty"),
      near_poor_line: portable.class_rule.kind !== "one_line_and" ? line(portable, h.area, "near_poverty") : null,
      income_line_period: portable.lines.period,
      basis,
      deprivations,
      unknown,
      deprivation_count: deprivations.length,
      class: klass,
      criterion,
      low_income_workers: lowIncomeWorkers(portable, h, members, klass),
    };
    return { result, h, members, flags, band };
  }

  // --- Words (vocabulary.py, explain.py): templates cut from the Python functions' own output --------------

  // One pass, so a value that looks like a placeholder (a name typed with braces) is written as typed.
  function fill(template, values) {
    return template.replace(/\{([A-Za-z_0-9]+)\}/g, (whole, name) => {
      if (!(name in values)) throw new Error(`no value for ${whole} in ${JSON.stringify(template)}`);
      const v = values[name];
      return typeof v === "function" ? v() : String(v);
    });
  }

  function fillList(parts, items, values) {
    return fill(parts.line, { ...values, items: items.join(parts.separator) });
  }

  // The shortest decimal that reads back as the same number, never in exponent form (Python: repr, Decimal).
  function plainDecimal(x) {
    const text = String(x);
    const m = /^(-?)(\d+)(?:\.(\d+))?e([+-]\d+)$/.exec(text);
    if (!m) return text;
    const [, sign, whole, fraction = "", exponent] = m;
    const digits = whole + fraction;
    const point = whole.length + Number(exponent);
    if (point <= 0) return `${sign}0.${"0".repeat(-point)}${digits}`;
    if (point >= digits.length) return sign + digits + "0".repeat(point - digits.length);
    return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`;
  }

  // vocabulary.format_number: digit groups, every digit the value holds.
  function formatNumber(x, separators) {
    const text = Number.isInteger(x) ? BigInt(x).toString() : plainDecimal(x);
    const negative = text.startsWith("-");
    const [whole, fraction] = (negative ? text.slice(1) : text).split(".");
    const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, separators.group);
    return (negative ? "-" : "") + grouped + (fraction === undefined ? "" : separators.decimal + fraction);
  }

  function dateText(words, text) {
    const [year, month, day] = text.split("-").map(Number);
    return fill(words.template, { year, month: words.months[month - 1],
      day: String(day).padStart(words.day_digits, "0") });
  }

  // vocabulary.answer: the field's label, the value as the record writes it, the value in words.
  function answerOf(words, v, t) {
    return { label: words.label, value: v, text: answerText(words, v, t) };
  }

  function answerText(words, v, t) {
    if (v === null) return words.not_answered;
    switch (words.kind) {
      case "boolean": return v ? words.yes : words.no;
      case "enum": return words.values[v] !== undefined ? words.values[v] : String(v);
      case "enum_list":
        if (!v.length) return words.empty;
        return v.map((x) => (words.values[x] !== undefined ? words.values[x] : String(x))).join(words.separator);
      case "integer":
      case "number": return fill(words.template, { number: formatNumber(v, t.number) });
      case "date": return dateText(words, v);
      default: return String(v);
    }
  }

  // --- Explanation (explain.explain_row) -------------------------------------------------------------------

  function decisionText(portable, t, ev) {
    const { result, h, band } = ev;
    let key;
    if (band === "missing") key = h.income === null ? "missing|income" : "missing|area";
    else if (band === "score_missing") key = "score_missing";
    else key = `${band}|${h.area}|${result.class}|${result.unknown.length ? 1 : 0}`;
    const known = result.deprivation_count;
    if (!(key in t.decision.keys)) throw new Error(`no decision text for ${key} in standard ${portable.id}`);
    return fill(t.decision.templates[t.decision.keys[key]], {
      income: () => formatNumber(h.income, t.number),
      income_year: () => formatNumber(h.income * 12, t.number),
      score: () => formatNumber(h.score_a, t.number),
      known,
      unknown: result.unknown.length,
      score_b: () => known * portable.score_form.points_per_deprivation,
      class_label: t.classes[result.class],
    });
  }

  function memberEntry(m, fields, status, t) {
    const answers = {};
    for (const field of fields) {
      // The rule reads the working age the executor settled (stated, or computed from age and sex).
      answers[field] = answerOf(t.member_fields[field], field === "working_age" ? m._working_age : get(m, field), t);
    }
    return { id: m.id, name: m.name, age: m._age, status, answers };
  }

  function indicatorEntry(indicator, ev, lang, t) {
    const flag = ev.flags[indicator.code];
    const status = flag ? "deprived" : "unknown";
    const entry = {
      code: indicator.code,
      name: indicator.name[lang],
      service: indicator.service_label[lang],
      status,
      rule: indicator.rule_text[lang],
      clause: indicator.clause,
      tag: indicator.tag,
      members: [],
      answers: {},
    };
    if (indicator.level === "member") {
      // Deprived: the members whose flag is set. Unknown: those whose flag is unknown, and for counting rules
      // also those already counted, since together they leave the outcome open.
      entry.members = ev.members
        .filter((m) => m._flags[indicator.code] === true || (status === "unknown" && m._flags[indicator.code] === null))
        .map((m) => memberEntry(m, indicator.member_fields, m._flags[indicator.code] ? "counts" : "unknown", t));
    } else {
      for (const field of indicator.household_fields) {
        entry.answers[field] = answerOf(t.household_fields[field], get(ev.h, field), t);
      }
      if (indicator.rule === "area_per_person") {
        const n = ev.h._n_members;
        entry.answers.members = { label: t.members_label, value: n, text: formatNumber(n, t.number) };
      }
    }
    return entry;
  }

  function explanationOf(portable, ev, lang) {
    // Like vocabulary.pick: English for "en", Vietnamese for anything else.
    const language = lang === "en" ? "en" : "vi";
    const t = portable.text[language];
    const { result, band } = ev;
    // On the score basis the class follows the score form's rule, not the income rule.
    const rule = band.startsWith("score") && portable.score_form ? portable.score_form : portable.class_rule;
    const cited = new Set([rule.tag]);
    const indicators = [];
    for (const indicator of portable.indicators) {
      if (ev.flags[indicator.code] !== false) {
        indicators.push(indicatorEntry(indicator, ev, language, t));
        cited.add(indicator.tag);
      }
    }
    const byId = new Map(ev.members.map((m) => [m.id, m]));
    const tags = {};
    for (const tag of [...cited].sort()) tags[tag] = t.tags[tag];
    const explanation = {
      lang,
      household: result.id,
      standard: { id: portable.id, title: portable.title[language], instrument: portable.instrument[language],
        instrument_tag: portable.instrument_tag, hash: portable.hash },
      class: result.class,
      class_label: t.classes[result.class],
      criterion: result.criterion,
      decision: { text: decisionText(portable, t, ev), band, basis: result.basis, income_line: result.income_line,
        near_poor_line: result.near_poor_line, income_line_period: result.income_line_period,
        clause: rule.clause, tag: rule.tag },
      deprivation_count: result.deprivation_count,
      indicator_total: portable.indicators.length,
      indicators,
      low_income_workers: result.low_income_workers.map((id) => ({ id, name: byId.has(id) ? byId.get(id).name : null })),
      tags,
    };
    explanation.text = renderText(explanation, t);
    return explanation;
  }

  // --- Printable text (explain.render_text) ----------------------------------------------------------------

  function memberLine(m, t) {
    const parts = t.member_line;
    let text = parts.prefix + (m.name ? fill(parts.named, { name: m.name, id: m.id }) : m.id);
    if (m.age !== null) text += fill(parts.age, { age: m.age });
    const answers = Object.values(m.answers).map((a) => fill(parts.answers.item, { label: a.label, text: a.text }));
    if (answers.length) text += fillList(parts.answers, answers, {});
    return text + (m.status === "unknown" ? parts.unknown : "");
  }

  function renderText(e, t) {
    const r = t.report;
    const out = [
      fill(r.household, { household: e.household, title: e.standard.title }),
      fill(r.instrument, { instrument: e.standard.instrument, instrument_tag: e.standard.instrument_tag }),
      fill(r.result, { CLASS_LABEL: e.class_label.toUpperCase() }),
      fill(r.reason, { decision: e.decision.text }),
      fill(r.decision_clause, { clause: e.decision.clause, tag: e.decision.tag }),
    ];
    for (const status of ["deprived", "unknown"]) {
      const entries = e.indicators.filter((x) => x.status === status);
      if (!entries.length) continue;
      out.push(fill(r[`${status}_title`], { count: entries.length, total: e.indicator_total }));
      entries.forEach((entry, i) => {
        out.push(fill(r.indicator, { number: i + 1, name: entry.name, tag: entry.tag, rule: entry.rule }));
        out.push(fill(r.indicator_clause, { clause: entry.clause }));
        const answers = Object.values(entry.answers).map((a) => fill(r.answers.item, { label: a.label, text: a.text }));
        if (answers.length) out.push(fillList(r.answers, answers, {}));
        for (const m of entry.members) out.push(memberLine(m, t));
      });
    }
    if (e.deprivation_count === 0 && !e.indicators.some((x) => x.status === "unknown")) out.push(r.no_deprivation);
    if (e.low_income_workers.length) {
      out.push(fillList(r.workers, e.low_income_workers.map((w) => fill(r.workers.item, { worker: w.name || w.id })), {}));
    }
    const tags = Object.entries(e.tags).map(([code, text]) => fill(r.tags.item, { code, text }));
    out.push(fillList(r.tags, tags, {}));
    out.push(fill(r.hash, { hash: e.standard.hash }));
    return out.join("\n");
  }

  // --- Public interface ------------------------------------------------------------------------------------

  function classify(portable, record, options) {
    const reason = unsupportedReason(portable);
    if (reason !== null) throw new Error(`GiamngheoEngine cannot use standard ${portable && portable.id}: ${reason}`);
    const lang = (options && options.lang) || "vi";
    const ev = evaluate(portable, record);
    return { ...ev.result, explanation: explanationOf(portable, ev, lang) };
  }

  root.GiamngheoEngine = Object.freeze({ classify, supports, unsupportedReason, FORMAT });
})(globalThis);
