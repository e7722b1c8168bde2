"""Explanations of a classification: structured data for the web page, plain text for the village meeting.

Everything here is read from the executor's own columns — the household's income band (``_band``), indicator flags
(``_d_<code>``) and member flags (``_m_<code>``) — and only put into words. No rule is evaluated a second time.
"""

from __future__ import annotations

import string
from typing import Any

from giamngheo.standards.definition import ClassRule, Indicator, ScoreForm, Standard
from giamngheo.standards.rules import RULE_KINDS
from giamngheo.standards.vocabulary import (
    CLASSES,
    HOUSEHOLD_SPECS,
    MEMBER_SPECS,
    SERVICES,
    TAGS,
    answer,
    code_label,
    format_number,
    pick,
)


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def _money(value: int | None, lang: str) -> str:
    return f"{format_number(value, lang)} {pick(('đồng', 'VND'), lang)}" if value is not None else "—"


def _params_for_text(indicator: Indicator, lang: str) -> dict[str, Any]:
    values: dict[str, Any] = {}
    field = indicator.params.get("field", "")
    for name, value in indicator.params.items():
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            values[name] = ", ".join(code_label(field, v, lang) for v in value)
        elif isinstance(value, float) and value.is_integer() and name != "ratio_above":
            values[name] = int(value)
        else:
            values[name] = value
    return values


def rule_text(indicator: Indicator, lang: str) -> str:
    """The indicator's deprivation rule in words, with its parameters filled in."""
    template = indicator.deprived_when_en if lang == "en" else indicator.deprived_when_vi
    return string.Formatter().vformat(template, (), _params_for_text(indicator, lang))


def _income_phrase(row: dict[str, Any], standard: Standard, lang: str) -> str:
    """Only called for households with an income (the band is not ``missing``)."""
    income = row["income"]
    if standard.lines.period == "year":
        return pick((f"thu nhập bình quân {_money(income * 12, lang)}/người/năm "
                     f"({_money(income, lang)}/người/tháng)",
                     f"per-capita income {_money(income * 12, lang)} a year ({_money(income, lang)} a month)"), lang)
    return pick((f"thu nhập bình quân {_money(income, lang)}/người/tháng",
                 f"per-capita income {_money(income, lang)} a month"), lang)


def _line_phrase(value: int | None, standard: Standard, lang: str) -> str:
    unit = pick(("/người/năm", " a year") if standard.lines.period == "year" else ("/người/tháng", " a month"), lang)
    return f"{_money(value, lang)}{unit}"


def _deprivation_phrase(row: dict[str, Any], standard: Standard, lang: str) -> str:
    known, unknown = row["deprivation_count"], len(row["unknown"])
    total, cut = len(standard.indicators), standard.class_rule.deprivation_cut
    text = pick((f"thiếu hụt {known}/{total} chỉ số (ngưỡng: từ {cut} chỉ số trở lên)",
                 f"deprived in {known} of {total} indicators (threshold: {cut} or more)"), lang)
    if unknown:
        text += pick((f", còn {unknown} chỉ số chưa xác định do thiếu thông tin",
                      f", with {unknown} indicators unknown for lack of answers"), lang)
    return text


def decision_text(row: dict[str, Any], standard: Standard, lang: str) -> str:
    """Why the household got its class: the band its income (or score A) falls in, and the deprivation rule."""
    band, klass, area = row["_band"], row["class"], row.get("area")
    label = pick(CLASSES[klass], lang)
    area_text = code_label("area", area, lang) if area else ""
    lines = getattr(standard.lines, area) if area in ("rural", "urban") else None
    deprivations = _deprivation_phrase(row, standard, lang)
    if band == "missing":
        what = pick(("thu nhập bình quân đầu người", "per-capita income"), lang) if row.get("income") is None \
            else pick(("khu vực (nông thôn/thành thị)", "area (rural/urban)"), lang)
        return pick((f"Chưa có thông tin {what} nên chưa thể phân loại hộ.",
                     f"The {what} is missing, so the household cannot be classified."), lang)
    if band.startswith("score"):
        form = standard.score_form
        assert form is not None
        cut = format_number(form.cut_rural if area == "rural" else form.cut_urban, lang)
        score = format_number(row["score_a"], lang) if row.get("score_a") is not None else "—"
        if band == "score_missing":
            return pick(("Xã dùng điểm A nhưng chưa có điểm A nên chưa thể phân loại hộ.",
                         "The commune used score A but it is missing, so the household cannot be classified."), lang)
        if band == "score_above":
            return pick((f"Điểm A = {score}, trên ngưỡng {cut} ({area_text}): {label}. Phiếu điểm không có mức sống "
                         "trung bình; mức này chỉ xét theo thu nhập.",
                         f"Score A = {score}, above the cut {cut} ({area_text}): {label}. The score form has no "
                         "average-living band; that band is decided from income only."), lang)
        points = form.points_per_deprivation
        score_b = row["deprivation_count"] * points
        return pick((f"Điểm A = {score}, không vượt ngưỡng {cut} ({area_text}); điểm B = {score_b} "
                     f"({points} điểm cho mỗi chỉ số thiếu hụt, ngưỡng hộ nghèo: từ {form.score_b_cut} điểm), "
                     f"{deprivations}: {label}.",
                     f"Score A = {score}, at or below the cut {cut} ({area_text}); score B = {score_b} "
                     f"({points} points per deprived indicator, poor from {form.score_b_cut} points), "
                     f"{deprivations}: {label}."), lang)
    assert lines is not None
    income = _income_phrase(row, standard, lang)
    poverty = _line_phrase(lines.poverty, standard, lang)
    near = _line_phrase(lines.near_poverty, standard, lang)
    average = _line_phrase(lines.average_upper, standard, lang)
    kind = standard.class_rule.kind
    if band == "poverty" and kind == "two_lines_or":
        return pick((f"{_sentence(income)}, không vượt chuẩn nghèo {poverty} ({area_text}): {label} theo tiêu chí "
                     "thu nhập.",
                     f"{_sentence(income)}, at or below the poverty line {poverty} ({area_text}): {label} by the "
                     "income criterion."), lang)
    if band == "poverty":
        return pick((f"{_sentence(income)}, không vượt chuẩn nghèo {poverty} ({area_text}); hộ {deprivations}: "
                     f"{label}.",
                     f"{_sentence(income)}, at or below the poverty line {poverty} ({area_text}); the household is "
                     f"{deprivations}: {label}."), lang)
    if band == "near_poverty" and kind == "two_lines_or":
        criterion = pick((" theo tiêu chí thiếu hụt", " by the deprivation criterion"), lang) if klass == "poor" else ""
        return pick((f"{_sentence(income)}, trên chuẩn nghèo {poverty} đến chuẩn cận nghèo {near} ({area_text}); "
                     f"hộ {deprivations}: {label}{criterion}.",
                     f"{_sentence(income)}, above the poverty line {poverty} and at or below the near-poverty line "
                     f"{near} ({area_text}); the household is {deprivations}: {label}{criterion}."), lang)
    if band == "near_poverty":
        return pick((f"{_sentence(income)}, trên chuẩn nghèo {poverty} đến chuẩn cận nghèo {near} ({area_text}): "
                     f"{label}, không xét số chỉ số thiếu hụt.",
                     f"{_sentence(income)}, above the poverty line {poverty} and at or below the near-poverty line "
                     f"{near} ({area_text}): {label}, whatever the deprivations."), lang)
    top = near if kind != "one_line_and" else poverty
    top_name = pick(("chuẩn cận nghèo", "near-poverty line") if kind != "one_line_and"
                    else ("chuẩn nghèo", "poverty line"), lang)
    if band == "average":
        return pick((f"{_sentence(income)}, trên {top_name} {top} và không vượt {average} ({area_text}): {label}. "
                     "Hộ có thu nhập trên chuẩn thì không là hộ nghèo, hộ cận nghèo, dù thiếu hụt bao nhiêu chỉ số.",
                     f"{_sentence(income)}, above the {top_name} {top} and at or below {average} ({area_text}): "
                     f"{label}. A household above the line is never poor or near-poor, whatever its deprivations."),
                    lang)
    bound = average if lines.average_upper is not None else top
    return pick((f"{_sentence(income)}, trên {bound} ({area_text}): {label}.",
                 f"{_sentence(income)}, above {bound} ({area_text}): {label}."), lang)


def _member_entry(member: dict[str, Any], fields: list[str], status: str, lang: str) -> dict[str, Any]:
    answers = {}
    for field in fields:
        # The rule reads the working age the executor settled (stated, or computed from age and sex).
        value = member.get("_working_age") if field == "working_age" else member.get(field)
        answers[field] = answer(MEMBER_SPECS[field], value, lang)
    return {"id": member["id"], "name": member.get("name"), "age": member.get("_age"), "status": status,
            "answers": answers}


def _indicator_entry(indicator: Indicator, row: dict[str, Any], members: list[dict[str, Any]], lang: str
                     ) -> dict[str, Any]:
    kind = RULE_KINDS[indicator.rule]
    params = indicator.parsed_params
    status = "deprived" if row[f"_d_{indicator.code}"] else "unknown"
    entry: dict[str, Any] = {
        "code": indicator.code,
        "name": indicator.name_en if lang == "en" else indicator.name_vi,
        "service": pick(SERVICES[indicator.service], lang),
        "status": status,
        "rule": rule_text(indicator, lang),
        "clause": indicator.clause,
        "tag": indicator.tag,
        "members": [],
        "answers": {},
    }
    if kind.level == "member":
        fields = kind.member_fields(params)
        flag = f"_m_{indicator.code}"
        # Deprived: the members whose flag is set. Unknown: those whose flag is unknown, and for counting rules
        # (dependents, nobody uses…) also those already counted, since together they leave the outcome open.
        entry["members"] = [
            _member_entry(m, fields, "counts" if m[flag] else "unknown", lang)
            for m in members if m[flag] is True or (status == "unknown" and m[flag] is None)
        ]
    else:
        for field in kind.household_fields(params):
            entry["answers"][field] = answer(HOUSEHOLD_SPECS[field], row.get(field), lang)
        if kind.name == "area_per_person":
            entry["answers"]["members"] = {"label": pick(("số thành viên", "members"), lang),
                                           "value": row["_n_members"],
                                           "text": format_number(row["_n_members"], lang)}
    return entry


def explain_row(row: dict[str, Any], members: list[dict[str, Any]], standard: Standard, lang: str = "vi"
                ) -> dict[str, Any]:
    """Structured explanation of one evaluated household (row of the executor) with its flagged members."""
    # On the score basis the class follows the score form's rule (Circular 07/2021), not the income rule.
    rule: ClassRule | ScoreForm = standard.class_rule
    if row["_band"].startswith("score") and standard.score_form is not None:
        rule = standard.score_form
    cited = {rule.tag}
    indicators = []
    for indicator in standard.indicators:
        if row[f"_d_{indicator.code}"] is not False:
            indicators.append(_indicator_entry(indicator, row, members, lang))
            cited.add(indicator.tag)
    by_id = {m["id"]: m for m in members}
    workers = [{"id": w, "name": by_id[w].get("name") if w in by_id else None} for w in row["low_income_workers"]]
    return {
        "lang": lang,
        "household": row["id"],
        "standard": {"id": standard.id, "title": standard.title_en if lang == "en" else standard.title_vi,
                     "instrument": standard.instrument_en if lang == "en" else standard.instrument_vi,
                     "instrument_tag": standard.instrument_tag, "hash": standard.hash},
        "class": row["class"],
        "class_label": pick(CLASSES[row["class"]], lang),
        "criterion": row["criterion"],
        "decision": {"text": decision_text(row, standard, lang), "band": row["_band"], "basis": row["basis"],
                     "income_line": row["income_line"], "near_poor_line": row["near_poor_line"],
                     "income_line_period": row["income_line_period"], "clause": rule.clause, "tag": rule.tag},
        "deprivation_count": row["deprivation_count"],
        "indicator_total": len(standard.indicators),
        "indicators": indicators,
        "low_income_workers": workers,
        "tags": {tag: pick(TAGS[tag], lang) for tag in sorted(cited)},
    }


def _member_line(member: dict[str, Any], lang: str) -> str:
    who = f"{member['name']} ({member['id']})" if member.get("name") else member["id"]
    age = pick((f"{member['age']} tuổi", f"aged {member['age']}"), lang) if member.get("age") is not None else ""
    answers = "; ".join(f"{a['label']}: {a['text']}" for a in member["answers"].values())
    mark = pick((" — chưa rõ", " — unknown"), lang) if member["status"] == "unknown" else ""
    head = ", ".join(part for part in (who, age) if part)
    return f"     • {head}{': ' + answers if answers else ''}{mark}"


def render_text(explanation: dict[str, Any]) -> str:
    """The explanation as plain text, to print for the village meeting or attach to an appeal."""
    lang = explanation["lang"]
    std = explanation["standard"]
    out = [
        pick((f"Hộ {explanation['household']} — {std['title']}", f"Household {explanation['household']} — "
              f"{std['title']}"), lang),
        pick((f"Văn bản: {std['instrument']} [{std['instrument_tag']}]",
              f"Instrument: {std['instrument']} [{std['instrument_tag']}]"), lang),
        pick((f"Kết quả: {explanation['class_label'].upper()}", f"Result: {explanation['class_label'].upper()}"), lang),
        pick((f"Căn cứ: {explanation['decision']['text']}", f"Reason: {explanation['decision']['text']}"), lang),
        f"   ({explanation['decision']['clause']} [{explanation['decision']['tag']}])",
    ]
    groups = (("deprived", ("Các chỉ số thiếu hụt", "Deprived indicators")),
              ("unknown", ("Các chỉ số chưa xác định (thiếu thông tin)", "Unknown indicators (missing answers)")))
    for status, title in groups:
        entries = [e for e in explanation["indicators"] if e["status"] == status]
        if not entries:
            continue
        out.append(f"{pick(title, lang)} ({len(entries)}/{explanation['indicator_total']}):")
        for number, entry in enumerate(entries, 1):
            out.append(f"  {number}. {entry['name']} [{entry['tag']}] — {entry['rule']}.")
            out.append(f"     ({entry['clause']})")
            if entry["answers"]:
                out.append("     • " + "; ".join(f"{a['label']}: {a['text']}" for a in entry["answers"].values()))
            out.extend(_member_line(m, lang) for m in entry["members"])
    if explanation["deprivation_count"] == 0 and not any(e["status"] == "unknown" for e in explanation["indicators"]):
        out.append(pick(("Hộ không thiếu hụt chỉ số nào.", "The household is not deprived in any indicator."), lang))
    if explanation["low_income_workers"]:
        names = ", ".join(w["name"] or w["id"] for w in explanation["low_income_workers"])
        out.append(pick((f"Người lao động có thu nhập thấp (Nghị định 30/2025/NĐ-CP): {names}.",
                         f"Low-income workers (Decree 30/2025/ND-CP): {names}."), lang))
    out.append(pick(("Ghi chú độ tin cậy:", "Confidence tags:"), lang) + " " + "; ".join(
        f"[{tag}] {text}" for tag, text in explanation["tags"].items()))
    out.append(pick((f"Mã băm của chuẩn: {std['hash']}", f"Standard hash: {std['hash']}"), lang))
    return "\n".join(out)
