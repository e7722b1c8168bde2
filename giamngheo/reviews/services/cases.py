"""The survey (Phiếu B) and the classification of one case."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from giamngheo.accounts.roles import Perm
from giamngheo.accounts.scope import require
from giamngheo.core.audit import log_action
from giamngheo.core.dates import parse_date
from giamngheo.core.errors import ApplicationError, ConcurrentEditError, ValidationFailed
from giamngheo.core.formatting import format_date
from giamngheo.households.models import Household
from giamngheo.households.records import answer_label, member_label, record_errors
from giamngheo.households.services import household_citizen_id_conflicts
from giamngheo.reviews import engine
from giamngheo.reviews.calendar import calendar_for
from giamngheo.reviews.models import ReviewCase
from giamngheo.reviews.needs import case_needs_refresh
from giamngheo.reviews.services._common import (
    CAUSES,
    RECOGNISABLE,
    WISHES,
    _case_repr,
    _lock_case,
    _move,
    _require_open,
    _today,
    _user,
)
from giamngheo.reviews.states import CaseState, check_transition

_MEMBER_INDEX = re.compile(r"^members\[(\d+)\]")


def _clean_codes(values: Iterable[str], allowed: Sequence[str], field: str) -> list[str]:
    values = list(dict.fromkeys(values))
    wrong = [v for v in values if v not in allowed]
    if wrong:
        raise ValidationFailed(
            _("Có lựa chọn không hợp lệ."),
            errors={field: [_("Lựa chọn không hợp lệ: %(values)s.") % {"values": ", ".join(wrong)}]},
        )
    return values


def review_case_survey(
    *,
    actor: Any,
    case: ReviewCase,
    record: Mapping[str, Any],
    expected_version: int,
    complete: bool = False,
    causes: Iterable[str] = (),
    wishes: Iterable[str] = (),
    note: str | None = None,
    today: dt.date | None = None,
    date_confirmed: bool = False,
) -> ReviewCase:
    """Save the Phiếu B answers. A draft may be incomplete but never of the wrong shape (a number where a
    citizen ID goes, an unknown key); ``complete=True`` validates the whole record and asks the engine
    for every answer the cycle's standards need (every problem at once, each on its field, in the
    officer's words), checks the survey date lies in the cycle's window (unless ``date_confirmed``),
    moves the case to *surveyed* and writes the facts to the household registry."""
    require(actor, Perm.REVIEW_SURVEY, case.unit_path)
    causes = _clean_codes(causes, CAUSES, "causes")
    wishes = _clean_codes(wishes, WISHES, "wishes")
    if complete:
        # Before the transaction: the refusal's audit entry must outlive the rollback of the refused save.
        conflicts = household_citizen_id_conflicts(actor=actor, household=case.household, record=record)
        if conflicts:
            raise ValidationFailed(_("Phiếu khảo sát có số định danh đã thuộc hộ khác; chưa hoàn thành phiếu."),
                                   errors=conflicts)
    with transaction.atomic():
        case = _lock_case(case)
        _require_open(case.cycle)
        if case.version != expected_version:
            raise ConcurrentEditError(
                _("Phiếu của hộ %(code)s vừa được người khác lưu sau khi bạn mở. Hãy tải lại trang để xem bản "
                  "mới nhất; thay đổi của bạn chưa được lưu.") % {"code": case.household.code},
                extra={"version": case.version},
            )
        if case.state not in (CaseState.LISTED, CaseState.SURVEYED, CaseState.CLASSIFIED):
            check_transition(case.state, CaseState.SURVEYED)
        data = dict(record)
        data["id"] = case.household.code
        data.setdefault("reference_date", _today(today).isoformat())
        data["year"] = case.cycle.year
        shape = record_errors(data, shape_only=True, plain=True)
        if shape:
            count = sum(len(v) for v in shape.values())
            raise ValidationFailed(
                ngettext("Phiếu khảo sát có %(count)d ô không hợp lệ; chưa lưu gì. Hãy sửa ô được đánh dấu.",
                         "Phiếu khảo sát có %(count)d ô không hợp lệ; chưa lưu gì. Hãy sửa các ô được đánh dấu.",
                         count) % {"count": count},
                errors=shape,
            )
        if complete:
            errors = _completion_errors(case, data, date_confirmed=date_confirmed)
            if errors:
                count = sum(len(v) for v in errors.values())
                raise ValidationFailed(
                    ngettext("Phiếu khảo sát còn %(count)d ô cần sửa hoặc trả lời; chưa hoàn thành phiếu. Hãy sửa "
                             "ô được đánh dấu rồi bấm lại «Hoàn thành phiếu».",
                             "Phiếu khảo sát còn %(count)d ô cần sửa hoặc trả lời; chưa hoàn thành phiếu. Hãy sửa "
                             "các ô được đánh dấu rồi bấm lại «Hoàn thành phiếu».", count) % {"count": count},
                    errors=errors,
                )
        before = {"survey_record": case.survey_record, "causes": case.causes, "wishes": case.wishes}
        case.survey_record, case.causes, case.wishes = data, causes, wishes
        if note is not None:
            case.note = note
        case.updated_by = _user(actor)
        case.version = F("version") + 1
        fields = ["survey_record", "causes", "wishes", "note", "updated_by", "updated_at", "version"]
        if complete:
            case.survey_complete, case.surveyed_on = True, dt.date.fromisoformat(data["reference_date"])
            case.results, case.proposed_class, case.proposed_criterion = {}, "", ""
            fields += ["survey_complete", "surveyed_on", "results", "proposed_class", "proposed_criterion"]
        case.save(update_fields=fields)
        case.refresh_from_db(fields=["version"])
        if complete:
            _write_registry(actor=actor, case=case, record=data)
            case_needs_refresh([case.household_id])
            _move(actor=actor, case=case, to_state=CaseState.SURVEYED, action="giamngheo.review.case_surveyed")
        else:
            log_action(
                actor=actor, action="giamngheo.review.case_draft_saved", object_type="review_case",
                object_id=case.pk, object_repr=_case_repr(case), unit_path=case.unit_path,
                changes={k: [v, getattr(case, k)] for k, v in before.items() if v != getattr(case, k)},
            )
    return case


def missing_answer_errors(case: ReviewCase, record: dict[str, Any],
                          results: dict[str, dict[str, Any]]) -> dict[str, list[str]]:
    """Each answer the cycle's standards read and found unanswered, on its field, named as the officer
    knows it: "Nguyễn Văn An: chưa trả lời «Đang đi học/đào tạo»"."""
    errors: dict[str, list[str]] = {}
    for path in engine.missing_answers(record, results):
        label = answer_label(path)
        member = _MEMBER_INDEX.match(path)
        if member:
            message = _("%(member)s: chưa trả lời «%(label)s».") % {
                "member": member_label(record, int(member.group(1))), "label": label}
        else:
            message = _("Chưa trả lời «%(label)s».") % {"label": label}
        errors.setdefault(path, []).append(message)
    undetermined = [sid for sid, r in results.items() if r["class"] not in RECOGNISABLE]
    if undetermined and not errors:
        # The engine could not classify for a reason no single answer explains: say which standard.
        errors["$"] = [_("Chưa xác định được phân loại theo %(standard)s; hãy kiểm tra lại phiếu.")
                       % {"standard": engine.standard_title(undetermined[0])}]
    return errors


def _completion_errors(case: ReviewCase, data: dict[str, Any], *, date_confirmed: bool) -> dict[str, list[str]]:
    errors = record_errors(data, plain=True)
    if not errors:
        results = engine.classify(data, [ref["id"] for ref in case.cycle.standards])
        errors = missing_answer_errors(case, data, results)
    surveyed = parse_date(str(data.get("reference_date") or ""))
    if surveyed is not None and not date_confirmed:
        cycle = case.cycle
        opens, closes = calendar_for(cycle.commune).survey_window(kind=cycle.kind, year=cycle.year, month=cycle.month)
        if not opens <= surveyed <= closes:
            errors.setdefault("reference_date", []).append(
                _("Ngày rà soát %(date)s nằm ngoài thời gian của đợt (%(opens)s–%(closes)s). Hãy sửa lại, hoặc đánh "
                  "dấu «Xác nhận ngày rà soát» nếu đúng là ngày này.")
                % {"date": format_date(surveyed), "opens": format_date(opens), "closes": format_date(closes)})
    return errors


def _write_registry(*, actor: Any, case: ReviewCase, record: dict[str, Any]) -> None:
    """The survey's facts become the household's facts (the registry keeps its own audit entry)."""
    from giamngheo.households.services import household_update

    household = Household.objects.select_related("hamlet").get(pk=case.household_id)
    # The survey does not move a household: it stays in its commune and hamlet.
    registry_record = {k: v for k, v in record.items() if k not in ("province_code", "commune_code", "hamlet")}
    if household.hamlet is not None:
        registry_record["hamlet"] = household.hamlet.name
    household_update(actor=actor, household=household, record=registry_record, expected_version=household.version)


def review_case_classify(*, actor: Any, case: ReviewCase) -> ReviewCase:
    """Classify the surveyed household under every standard of the cycle; the national result is the
    class proposed to the village meeting. An undetermined result is refused with the missing answers."""
    require(actor, Perm.REVIEW_SURVEY, case.unit_path)
    with transaction.atomic():
        case = _lock_case(case)
        _require_open(case.cycle)
        check_transition(case.state, CaseState.CLASSIFIED)
        ids = [ref["id"] for ref in case.cycle.standards]
        results = engine.classify(case.survey_record, ids)
        national = results[case.cycle.national_standard]
        undetermined = [r for r in results.values() if r["class"] not in RECOGNISABLE]
        if undetermined:
            missing = missing_answer_errors(case, case.survey_record, results)
            raise ApplicationError(
                _("Chưa xác định được phân loại của hộ %(code)s vì phiếu còn thiếu: %(missing)s Hãy bổ sung phiếu "
                  "khảo sát.") % {"code": case.household.code,
                                   "missing": " ".join(m for msgs in missing.values() for m in msgs)},
                field="survey_record",
            )
        case.results = results
        case.proposed_class = national["class"]
        case.proposed_criterion = national.get("criterion") or ""
        case.save(update_fields=["results", "proposed_class", "proposed_criterion", "updated_at"])
        _move(actor=actor, case=case, to_state=CaseState.CLASSIFIED, action="giamngheo.review.case_classified",
              data={"class": case.proposed_class, "standards": {k: v["class"] for k, v in results.items()}})
    return case
