/*
 * Household record v1 checked on the phone: the same errors as the server's validate_record
 * (giamngheo/standards/record.py), from the rules it exports (giamngheo/standards/portable_record.py).
 *
 * GiamngheoRecord.validate(rules, record, {today, lang}) returns, in validate_record's order,
 *   {path, code, message_vi, message_en, message}
 * where the first four are exactly RecordError.to_dict() and `message` is the one in `lang` ("vi" unless "en").
 * The field tables, bounds and message templates come from `rules`; the walk and the cross-field rules are code
 * here, one function per rule name the export lists (RULES below). validate() refuses rules of another format or
 * naming a rule this file does not implement, so an old script never passes a record the server would refuse.
 *
 * parseNumber(text, kind) and parseDate(text) accept what the server form's fields accept
 * (giamngheo/households/forms.py): kind "integer" (year, age: Django's IntegerField), "grouped_integer"
 * (income: 1.500.000, 1,500,000, 1 500 000) and "decimal" (score_a, floor_area_m2: 45,5 or 45.5); dates
 * dd/mm/yyyy, yyyy-mm-dd or dd-mm-yyyy. Each returns {ok: true, value} (value null when the box is blank) or
 * {ok: false}. Python's int()/float()/strptime() rules are followed to the character: Unicode digits and
 * Python's set of white space, "_" between digits, at most 4300 digits in an integer.
 *
 * Developer notes: docs/offline-record-rules.md. Classic script, ES2020, no eval (the CSP forbids it).
 */
(function () {
  "use strict";

  const FORMAT = "giamngheo-portable-record/1";
  // The cross-field rule names of the portable format this file implements (tests compare it with the export).
  const RULES = Object.freeze([
    "income_basis_required",
    "income_basis_absent",
    "members_list",
    "birth_date_or_age",
    "birth_after_reference",
    "one_head",
    "unique_member_ids",
  ]);

  const hasOwn = (object, key) => Object.prototype.hasOwnProperty.call(object, key);
  const isObject = (value) => value !== null && typeof value === "object" && !Array.isArray(value);

  // ---- Python's ways of writing values ---------------------------------------------------------------------

  // Python's float repr: shortest round-trip digits, scientific below 1e-4 and from 1e16, exponent of 2+ digits.
  function pythonFloatText(value) {
    if (Number.isNaN(value)) return "nan";
    if (!Number.isFinite(value)) return value > 0 ? "inf" : "-inf";
    const [mantissa, exponentText] = value.toExponential().split("e");
    const exponent = Number(exponentText);
    if (exponent >= -4 && exponent < 16) {
      const text = String(value);
      return Number.isInteger(value) ? text + ".0" : text;
    }
    const digits = String(Math.abs(exponent)).padStart(2, "0");
    return mantissa + "e" + (exponent < 0 ? "-" : "+") + digits;
  }

  // A number as the server writes it once the phone has sent it: JSON.stringify writes an integer below 1e21
  // without a point (Python reads an int), anything else with a point or an exponent (Python reads a float).
  function pythonNumberText(value) {
    if (Number.isInteger(value) && Math.abs(value) < 1e21) return String(value);
    return pythonFloatText(value);
  }

  function codePoints(text) {
    return Array.from(text);
  }

  function makeClip(limit) {
    return (text) => {
      const points = codePoints(text);
      return points.length <= limit ? text : points.slice(0, limit).join("") + "…";
    };
  }

  // record.py's _show: how a message repeats a wrong value.
  function show(value, clip) {
    if (typeof value === "string") return "'" + clip(value) + "'";
    if (typeof value === "boolean") return value ? "true" : "false";
    if (value === null || value === undefined) return "null";
    if (Array.isArray(value)) return "[…]";
    if (typeof value === "object") return "{…}";
    return clip(pythonNumberText(value));
  }

  function viDate(iso) {
    const [year, month, day] = iso.split("-");
    return day + "/" + month + "/" + year;
  }

  // ---- Dates written YYYY-MM-DD (record.py's parse_date) ---------------------------------------------------

  const ISO_DATE = /^([0-9]{4})-([0-9]{2})-([0-9]{2})$/;

  function daysInMonth(year, month) {
    if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
    return [4, 6, 9, 11].includes(month) ? 30 : 31;
  }

  function realDate(year, month, day) {
    return year >= 1 && month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month);
  }

  function isoDate(year, month, day) {
    return String(year).padStart(4, "0") + "-" + String(month).padStart(2, "0") + "-" +
      String(day).padStart(2, "0");
  }

  // The date if `value` is a real calendar date written exactly YYYY-MM-DD, else null. Such strings compare
  // as dates.
  function recordDate(value) {
    const match = ISO_DATE.exec(value);
    if (!match) return null;
    return realDate(Number(match[1]), Number(match[2]), Number(match[3])) ? value : null;
  }

  // ---- The validator ---------------------------------------------------------------------------------------

  function join(prefix, key) {
    if (typeof key === "number") return prefix + "[" + key + "]";
    return prefix ? prefix + "." + key : key;
  }

  function fill(template, values) {
    return template.replace(/\{\{|\}\}|\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (whole, name) => {
      if (whole === "{{") return "{";
      if (whole === "}}") return "}";
      if (!hasOwn(values, name)) throw new Error("GiamngheoRecord: no value for {" + name + "}");
      return values[name];
    });
  }

  function checkRules(rules) {
    if (!isObject(rules) || rules.format !== FORMAT) {
      throw new Error("GiamngheoRecord: rules of an unknown format (" + (rules && rules.format) + ")");
    }
    for (const rule of rules.rules) {
      if (!RULES.includes(rule.name)) {
        throw new Error("GiamngheoRecord: rule " + rule.name + " is not implemented by this script");
      }
    }
  }

  function makeValidator(rules) {
    const clip = makeClip(rules.echo_limit);
    const parameters = {};
    for (const rule of rules.rules) parameters[rule.name] = rule.parameters;
    const active = new Set(rules.rules.map((rule) => rule.name));
    const specs = {};
    for (const name of Object.keys(rules.objects)) {
      specs[name] = new Map(rules.objects[name].map((field) => [field.name, field]));
    }
    const patterns = new Map();
    const pattern = (source) => {
      if (!patterns.has(source)) patterns.set(source, new RegExp("^(?:" + source + ")$"));
      return patterns.get(source);
    };

    function error(path, key, values) {
      const texts = rules.messages[key];
      return {
        path: path,
        code: key.split(":")[0],
        message_vi: fill(texts.vi, values || {}),
        message_en: fill(texts.en, values || {}),
      };
    }

    const enumError = (spec, value, path) =>
      error(path, "enum", { shown: show(value, clip), allowed: spec.values.join(", ") });

    const dateBoundError = (path, key, day, bound) =>
      error(path, key, { day_vi: viDate(day), bound_vi: viDate(bound), day: day, bound: bound });

    // record.py's _check_value: type, enumeration, range and pattern of one present value.
    function checkValue(spec, value, path) {
      const kind = spec.kind;
      if ((kind === "string" || kind === "date" || kind === "enum") && typeof value !== "string") {
        return [kind === "enum" ? enumError(spec, value, path) : error(path, "type:string")];
      }
      if (kind === "string") {
        if (spec.non_empty && value === "") return [error(path, "empty")];
        const length = codePoints(value).length;
        if (spec.max_length !== null && length > spec.max_length) {
          return [error(path, "max_length", { limit: String(spec.max_length), length: String(length) })];
        }
        if (spec.pattern && !pattern(spec.pattern).test(value)) {
          return [error(path, "pattern", { shown: show(value, clip), rule_vi: spec.pattern_vi,
                                           rule_en: spec.pattern_en })];
        }
        return [];
      }
      if (kind === "date") {
        const day = recordDate(value);
        if (day === null) return [error(path, "date", { shown: show(value, clip) })];
        if (spec.earliest !== null && day < spec.earliest) return [dateBoundError(path, "earliest", day, spec.earliest)];
        if (spec.latest !== null && day > spec.latest) return [dateBoundError(path, "latest", day, spec.latest)];
        return [];
      }
      if (kind === "enum") return spec.values.includes(value) ? [] : [enumError(spec, value, path)];
      if (kind === "boolean") return typeof value === "boolean" ? [] : [error(path, "type:boolean")];
      if (kind === "integer" || kind === "number") {
        if (typeof value !== "number") return [error(path, "type:" + kind)];
        if (!Number.isFinite(value)) return [error(path, "finite")];
        if (kind === "integer" && !Number.isInteger(value)) return [error(path, "type:integer")];
        if (spec.minimum !== null && value < spec.minimum) return [error(path, "minimum", { bound: spec.minimum_text })];
        if (spec.maximum !== null && value > spec.maximum) return [error(path, "maximum", { bound: spec.maximum_text })];
        return [];
      }
      if (kind !== "enum_list") throw new Error("GiamngheoRecord: unknown field kind " + kind);
      if (!Array.isArray(value)) return [error(path, "type:list")];
      const errors = [];
      const seen = new Set();
      value.forEach((item, i) => {
        const itemPath = join(path, i);
        if (typeof item !== "string" || !spec.values.includes(item)) {
          errors.push(enumError(spec, item, itemPath));
        } else if (seen.has(item)) {
          errors.push(error(itemPath, "duplicate", { shown: show(item, clip) }));
        } else {
          seen.add(item);
        }
      });
      return errors;
    }

    // record.py's _check_object: unknown keys (in the object's own order), then every field in table order.
    function checkObject(data, fields, path, skip) {
      if (!isObject(data)) return [error(path || "$", "type:object")];
      const errors = [];
      for (const key of Object.keys(data)) {
        if (!fields.has(key) && !(skip && skip.includes(key))) {
          errors.push(error(join(path, key), "unknown_field", { shown: show(key, clip) }));
        }
      }
      for (const [name, spec] of fields) {
        if (!hasOwn(data, name)) {
          if (spec.required) errors.push(error(join(path, name), "required"));
          continue;
        }
        errors.push(...checkValue(spec, data[name], join(path, name)));
      }
      return errors;
    }

    // record.py's validate_record, rule by rule.
    return function validate(data) {
      const errors = checkObject(data, specs.household, "", ["dwelling", "members"]);
      if (!isObject(data)) return errors;
      if (hasOwn(data, "dwelling")) errors.push(...checkObject(data.dwelling, specs.dwelling, "dwelling"));
      if (active.has("income_basis_required") && hasOwn(data, "income") && hasOwn(data, "score_a") &&
          !hasOwn(data, "income_basis")) {
        errors.push(error("income_basis", "income_basis_required"));
      }
      const basis = hasOwn(data, "income_basis") ? data.income_basis : undefined;
      if (active.has("income_basis_absent") && parameters.income_basis_absent.bases.includes(basis) &&
          !hasOwn(data, basis)) {
        errors.push(error("income_basis", "income_basis_absent", { shown: show(basis, clip), basis: basis }));
      }
      let reference = typeof data.reference_date === "string" && hasOwn(data, "reference_date")
        ? recordDate(data.reference_date) : null;
      const referenceBounds = parameters.birth_after_reference;
      if (reference !== null && referenceBounds &&
          !(referenceBounds.reference_earliest <= reference && reference <= referenceBounds.reference_latest)) {
        reference = null; // already reported; comparing birth dates with it would only add noise
      }
      if (!hasOwn(data, "members")) {
        errors.push(error("members", "required"));
        return errors;
      }
      const members = data.members;
      if (!Array.isArray(members)) {
        errors.push(error("members", "type:members"));
        return errors;
      }
      if (members.length === 0) {
        errors.push(error("members", "min_items"));
        return errors;
      }
      const maxMembers = parameters.members_list.max_members;
      if (members.length > maxMembers) {
        errors.push(error("members", "max_items", { count: String(members.length), limit: String(maxMembers) }));
        return errors;
      }
      let heads = 0;
      const seenIds = new Set();
      members.forEach((member, i) => {
        const path = join("members", i);
        errors.push(...checkObject(member, specs.member, path));
        if (!isObject(member)) return;
        if (active.has("birth_date_or_age") && hasOwn(member, "birth_date") === hasOwn(member, "age")) {
          errors.push(error(path, hasOwn(member, "age") ? "birth_date_and_age" : "birth_date_or_age"));
        }
        const birth = hasOwn(member, "birth_date") && typeof member.birth_date === "string"
          ? recordDate(member.birth_date) : null;
        if (active.has("birth_after_reference") && birth !== null && reference !== null && birth > reference) {
          errors.push(error(join(path, "birth_date"), "birth_after_reference"));
        }
        if (active.has("one_head") && hasOwn(member, "relation") && member.relation === "head") {
          heads += 1;
          if (heads >= 2) errors.push(error(join(path, "relation"), "extra_head"));
        }
        if (active.has("unique_member_ids") && hasOwn(member, "id") && typeof member.id === "string") {
          if (seenIds.has(member.id)) {
            errors.push(error(join(path, "id"), "duplicate_member_id", { shown: show(member.id, clip) }));
          }
          seenIds.add(member.id);
        }
      });
      if (active.has("one_head") && heads === 0) errors.push(error("members", "no_head"));
      return errors;
    };
  }

  const validators = new WeakMap();

  // `today` is accepted for the offline app's convenience but changes nothing: the record's date bounds are
  // fixed dates and its only relative check compares a birth date with the record's own reference date.
  function validate(rules, record, options) {
    const lang = options && options.lang === "en" ? "en" : "vi";
    let validator = validators.get(rules);
    if (!validator) {
      checkRules(rules);
      validator = makeValidator(rules);
      validators.set(rules, validator);
    }
    return validator(record).map((e) => Object.assign(e, { message: lang === "en" ? e.message_en : e.message_vi }));
  }

  // ---- What the server form's fields accept ----------------------------------------------------------------

  // Python's str.isspace(): what strip(), int(), float() and re's \s treat as white space.
  const SPACE = "\\t\\n\\v\\f\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000";
  const SPACES_AT_ENDS = new RegExp("^[" + SPACE + "]+|[" + SPACE + "]+$", "g");
  const ONE_SPACE = new RegExp("^[" + SPACE + "]$");
  const GROUPING = new RegExp("[.," + SPACE + "]", "g");
  const TRAILING_DECIMAL = new RegExp("\\.0*[" + SPACE + "]*$"); // Django IntegerField.re_decimal
  const DIGIT = /\p{Nd}/u;
  // After that step int() and float() take only ASCII white space around the number.
  const INTEGER_TEXT = /^[ \t\n\v\f\r]*[+-]?[0-9](?:_?[0-9])*[ \t\n\v\f\r]*$/;
  const FLOAT_TEXT = new RegExp("^[ \\t\\n\\v\\f\\r]*[+-]?(?:[0-9](?:_?[0-9])*(?:\\.(?:[0-9](?:_?[0-9])*)?)?" +
    "|\\.[0-9](?:_?[0-9])*)(?:[eE][+-]?[0-9](?:_?[0-9])*)?[ \\t\\n\\v\\f\\r]*$");
  const MAX_INT_DIGITS = 4300; // Python's int() refuses longer decimal strings (sys.int_info.default_max_str_digits)

  const pythonStrip = (text) => text.replace(SPACES_AT_ENDS, "");

  // The value of a Unicode decimal digit: Unicode encodes every Nd digit in a run of ten, 0 to 9, and runs
  // of ten that touch (the mathematical digits) still start on a 0.
  function digitValue(char) {
    let code = char.codePointAt(0);
    let start = code;
    while (start > 0 && DIGIT.test(String.fromCodePoint(start - 1))) start -= 1;
    return (code - start) % 10;
  }

  // What Python does first in int() and float(): beyond ASCII, a space becomes " ", a digit its ASCII digit,
  // anything else makes the text invalid. ASCII stays as it is (so \x1c–\x1f, spaces to strip(), are not
  // spaces to int()).
  function asciiNumberText(text) {
    let out = "";
    for (const char of text) {
      if (char.charCodeAt(0) < 128) out += char;
      else if (ONE_SPACE.test(char)) out += " ";
      else if (DIGIT.test(char)) out += String(digitValue(char));
      else return null;
    }
    return out;
  }

  function pythonInt(text) {
    const ascii = asciiNumberText(text);
    if (ascii === null || !INTEGER_TEXT.test(ascii)) return null;
    const digits = ascii.replace(/[^0-9]/g, "");
    if (digits.length > MAX_INT_DIGITS) return null;
    const value = Number(ascii.trim().replace(/_/g, ""));
    return value === 0 ? 0 : value; // int("-0") is 0
  }

  function pythonFiniteFloat(text) {
    const ascii = asciiNumberText(text);
    if (ascii === null || !FLOAT_TEXT.test(ascii)) return null;
    const value = Number(ascii.trim().replace(/_/g, ""));
    return Number.isFinite(value) ? value : null; // FloatField refuses what overflows to infinity
  }

  const blank = { ok: true, value: null };
  const result = (value) => (value === null ? { ok: false } : { ok: true, value: value });

  function parseNumber(text, kind) {
    if (typeof text !== "string") throw new TypeError("GiamngheoRecord.parseNumber: text must be a string");
    if (kind === "integer") {
      // forms.IntegerField: "" is blank; then a trailing ".000" goes, then int().
      if (text === "") return blank;
      return result(pythonInt(text.replace(TRAILING_DECIMAL, "")));
    }
    if (kind === "grouped_integer") {
      // GroupedIntegerField: every ".", "," and space goes first.
      const bare = text.replace(GROUPING, "");
      if (bare === "") return blank;
      return result(pythonInt(bare.replace(TRAILING_DECIMAL, "")));
    }
    if (kind === "decimal") {
      // DecimalCommaField: with both marks the last one is the decimal mark; a lone comma is one too.
      let value = pythonStrip(text).replace(/ /g, "");
      if (value.includes(",") && value.includes(".")) {
        const thousands = value.lastIndexOf(",") > value.lastIndexOf(".") ? "." : ",";
        value = value.split(thousands).join("");
      }
      value = value.replace(/,/g, ".");
      if (value === "") return blank;
      return result(pythonFiniteFloat(value));
    }
    throw new Error("GiamngheoRecord.parseNumber: unknown kind " + kind);
  }

  // Python's strptime directives %d, %m and %Y (\d there is any Unicode digit), and the form's three formats.
  const D = "\\p{Nd}";
  const DAY = "(3[01]|[12]" + D + "|0[1-9]|[1-9]| [1-9])";
  const MONTH = "(1[0-2]|0[1-9]|[1-9])";
  const YEAR = "(" + D + D + D + D + ")";
  const DATE_FORMATS = [
    { regex: new RegExp("^" + DAY + "/" + MONTH + "/" + YEAR, "u"), day: 1, month: 2, year: 3 },
    { regex: new RegExp("^" + YEAR + "-" + MONTH + "-" + DAY, "u"), day: 3, month: 2, year: 1 },
    { regex: new RegExp("^" + DAY + "-" + MONTH + "-" + YEAR, "u"), day: 1, month: 2, year: 3 },
  ];

  function digitsValue(text) {
    let value = 0;
    for (const char of text.trim()) value = value * 10 + (char.charCodeAt(0) < 128 ? Number(char) : digitValue(char));
    return value;
  }

  function parseDate(text) {
    if (typeof text !== "string") throw new TypeError("GiamngheoRecord.parseDate: text must be a string");
    if (text === "") return blank;
    const value = pythonStrip(text);
    for (const format of DATE_FORMATS) {
      // Like strptime: the first match must use the whole text ("unconverted data remains" otherwise).
      const match = format.regex.exec(value);
      if (!match || match[0].length !== value.length) continue;
      const year = digitsValue(match[format.year]);
      const month = digitsValue(match[format.month]);
      const day = digitsValue(match[format.day]);
      if (realDate(year, month, day)) return { ok: true, value: isoDate(year, month, day) };
    }
    return { ok: false };
  }

  globalThis.GiamngheoRecord = Object.freeze({
    FORMAT: FORMAT,
    RULES: RULES,
    validate: validate,
    parseNumber: parseNumber,
    parseDate: parseDate,
  });
})();
