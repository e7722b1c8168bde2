"""Receiving a survey sent from the offline app: once per draft, never over someone else's change.

``offline_draft_submit`` is the only write. Its order: check scope → answer a key already seen from its row →
claim the key → lock the case → compare the versions the draft started from (case *and* household) →
write through ``review_case_survey`` (complete) → re-classify on the server (``review_case_classify``; the
server's class is the one that counts) → keep the answer under the key → audit. A conflict or a refusal
writes nothing and keeps no key, so the surveyor can send the same draft again once it is resolved.
"""

from __future__ import annotations

import datetime as dt
import time
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from giamngheo.accounts.roles import Perm
from giamngheo.accounts.scope import can_see_citizen_id, require
from giamngheo.core.audit import log_action
from giamngheo.core.errors import ApplicationError, ConcurrentEditError, ValidationFailed
from giamngheo.core.formatting import format_date, format_number
from giamngheo.households.models import Household
from giamngheo.households.records import answer_label, flat_facts, members_by_id
from giamngheo.offline import audit_codes
from giamngheo.offline.form_definition import choice_labels, survey_form_definition
from giamngheo.offline.models import OfflineSubmission
from giamngheo.offline.selectors import NOT_DOWNLOADED, case_record, record_for_phone
from giamngheo.reviews import engine, services
from giamngheo.reviews.models import LedgerClass, ReviewCase

ACCEPTED, CONFLICT, REFUSED, PENDING = "accepted", "conflict", "refused", "pending"
# How long a retry waits for the first request with the same key to finish before saying "still working".
_WAIT_SECONDS = 5.0


@dataclass(frozen=True)
class DraftAnswer:
    status: str
    body: dict[str, Any]


@dataclass(frozen=True)
class OfflineDraft:
    """One draft as the phone sends it (already bounded and typed by the view)."""

    key: uuid.UUID
    case_version: int
    household_version: int
    record: dict[str, Any]
    causes: list[str]
    wishes: list[str]
    note: str
    date_confirmed: bool


def offline_draft_submit(*, actor: Any, case: ReviewCase, draft: OfflineDraft,
                         today: dt.date | None = None) -> DraftAnswer:
    require(actor, Perm.REVIEW_SURVEY, case.unit_path)
    seen = _answer_for_key(actor=actor, case=case, key=draft.key)
    if seen is not None:
        return seen
    try:
        with transaction.atomic():
            # A phone keeps its drafts at most GIAMNGHEO_OFFLINE_KEEP_DAYS: no retry can come later than that.
            OfflineSubmission.objects.filter(
                user=actor, created_at__lt=timezone.now() - dt.timedelta(days=settings.GIAMNGHEO_OFFLINE_KEEP_DAYS + 1),
            ).delete()
            claim = OfflineSubmission.objects.create(user=actor, key=draft.key, case=case)
    except IntegrityError:
        # Another request with this key got there first (a double send): answer as it did.
        return _answer_for_key(actor=actor, case=case, key=draft.key) or _pending()
    try:
        answer = _receive(actor=actor, case=case, draft=draft, today=today)
    except BaseException:
        OfflineSubmission.objects.filter(pk=claim.pk).delete()
        raise
    if answer.status == ACCEPTED:
        OfflineSubmission.objects.filter(pk=claim.pk).update(answer=answer.body)
    else:
        OfflineSubmission.objects.filter(pk=claim.pk).delete()
    return answer


def _answer_for_key(*, actor: Any, case: ReviewCase, key: uuid.UUID) -> DraftAnswer | None:
    deadline = time.monotonic() + _WAIT_SECONDS
    while True:
        row = OfflineSubmission.objects.filter(user=actor, key=key).values_list("case_id", "answer").first()
        if row is None:
            return None
        case_id, answer = row
        if case_id != case.pk:
            # A key names one draft of one case; reused for another it is a fault of the device, never a write.
            return DraftAnswer(REFUSED, {"status": REFUSED, "errors": {}, "message": _(
                "Mã gửi của phiếu này đã dùng cho một hộ khác; phiếu chưa được gửi. Hãy tạo lại phiếu trên máy.")})
        if answer:
            return DraftAnswer(ACCEPTED, {**answer, "replayed": True})
        if time.monotonic() > deadline:
            return _pending()
        time.sleep(0.1)


def _pending() -> DraftAnswer:
    return DraftAnswer(PENDING, {"status": PENDING, "message": _(
        "Máy chủ đang nhận phiếu này từ lần gửi trước; phiếu sẽ được gửi lại sau.")})


def _receive(*, actor: Any, case: ReviewCase, draft: OfflineDraft, today: dt.date | None) -> DraftAnswer:
    with transaction.atomic():
        case = ReviewCase.objects.select_for_update(of=("self",)).select_related(
            "cycle__commune", "household").get(pk=case.pk)
        household_version = Household.objects.filter(pk=case.household_id).values_list("version", flat=True).get()
        if case.version != draft.case_version or household_version != draft.household_version:
            return _conflict(actor=actor, case=case, draft=draft, household_version=household_version, today=today)
        record = _merged_record(actor=actor, case=case, record=draft.record, today=today)
        try:
            case = services.review_case_survey(
                actor=actor, case=case, record=record, expected_version=case.version, complete=True,
                causes=draft.causes, wishes=draft.wishes, note=draft.note, today=today,
                date_confirmed=draft.date_confirmed)
        except ValidationFailed as exc:
            return _refused(actor=actor, case=case, draft=draft, message=exc.message, errors=exc.errors)
        except ConcurrentEditError:
            # The household changed between the version check and the registry write (another officer's
            # save in that instant): the same conflict, with what is now on the server.
            case.refresh_from_db()
            household_version = Household.objects.filter(pk=case.household_id).values_list(
                "version", flat=True).get()
            return _conflict(actor=actor, case=case, draft=draft, household_version=household_version, today=today)
        except ApplicationError as exc:
            return _refused(actor=actor, case=case, draft=draft, message=exc.message,
                            errors={exc.field: [exc.message]} if exc.field else {})
        classify_problem = ""
        try:
            case = services.review_case_classify(actor=actor, case=case)
        except ApplicationError as exc:
            # The survey is written; the server could not classify it (an officer classifies it later).
            classify_problem = exc.message
            case.refresh_from_db()
        body = _accepted_body(case, classify_problem)
        log_action(actor=actor, action=audit_codes.RECEIVED, object_type="review_case", object_id=case.pk,
                   object_repr=case.household.code, unit_path=case.unit_path,
                   data={"key": str(draft.key), "class": body["class"],
                         "from_versions": [draft.case_version, draft.household_version]})
    return DraftAnswer(ACCEPTED, body)


def _merged_record(*, actor: Any, case: ReviewCase, record: Mapping[str, Any],
                   today: dt.date | None) -> dict[str, Any]:
    """The phone's answers, with what the phone never carried taken from the server (as the server's survey
    page does): answers the cycle does not ask, and citizen IDs for a role that may not read them."""
    show_ids = can_see_citizen_id(actor, case.unit_path)
    hidden = engine.survey_not_asked([ref["id"] for ref in case.cycle.standards])
    data = {k: v for k, v in record.items() if k not in NOT_DOWNLOADED}
    if not hidden and show_ids:
        return data
    base = case_record(case, show_citizen_ids=True, today=today or timezone.localdate())
    for key in hidden:
        if key in base:
            data.setdefault(key, base[key])
        base_dwelling = base.get("dwelling") or {}
        if key in base_dwelling and isinstance(data.get("dwelling", {}), dict):
            data.setdefault("dwelling", {}).setdefault(key, base_dwelling[key])
    carried = hidden if show_ids else hidden | {"citizen_id"}
    stored_members = {m.get("id"): m for m in base.get("members") or [] if isinstance(m, dict)}
    members = data.get("members")
    for member in members if isinstance(members, list) else []:
        if not isinstance(member, dict):
            continue
        stored = stored_members.get(member.get("id")) or {}
        for key in carried:
            if key in stored:
                member.setdefault(key, stored[key])
    return data


def _class_label(klass: str) -> str:
    return str(dict(LedgerClass.choices).get(klass, _("Chưa xác định được")))


def _accepted_body(case: ReviewCase, classify_problem: str) -> dict[str, Any]:
    return {
        "status": ACCEPTED, "case_id": case.pk, "state": case.state, "state_label": str(case.get_state_display()),
        "class": case.proposed_class, "class_label": _class_label(case.proposed_class) if case.proposed_class else "",
        "results": [{"standard": engine.standard_title(sid), "class": r.get("class"),
                     "class_label": _class_label(str(r.get("class"))),
                     "text": (r.get("explanation") or {}).get("text", "")} for sid, r in case.results.items()],
        "message": classify_problem or _("Máy chủ đã nhận phiếu và phân loại hộ %(code)s: %(class)s.") % {
            "code": case.household.code, "class": _class_label(case.proposed_class)},
    }


def _refused(*, actor: Any, case: ReviewCase, draft: OfflineDraft, message: str,
             errors: Mapping[str, list[str]]) -> DraftAnswer:
    log_action(actor=actor, action=audit_codes.REFUSED, object_type="review_case", object_id=case.pk,
               object_repr=case.household.code, unit_path=case.unit_path,
               data={"key": str(draft.key), "fields": sorted(errors)[:50]})
    return DraftAnswer(REFUSED, {"status": REFUSED, "message": message,
                                 "errors": {path: [str(m) for m in msgs] for path, msgs in errors.items()}})


def _conflict(*, actor: Any, case: ReviewCase, draft: OfflineDraft, household_version: int,
              today: dt.date | None) -> DraftAnswer:
    show_ids = can_see_citizen_id(actor, case.unit_path)
    hidden = engine.survey_not_asked([ref["id"] for ref in case.cycle.standards])
    server = record_for_phone(case_record(case, show_citizen_ids=show_ids, today=today or timezone.localdate()),
                              hidden, show_citizen_ids=show_ids)
    labels = choice_labels(survey_form_definition(hidden=hidden, show_citizen_id=show_ids))
    mine = record_for_phone(dict(draft.record), hidden, show_citizen_ids=show_ids)
    changes = _differences(mine, server, labels)
    changes += _extra_differences(draft, case, labels)
    log_action(actor=actor, action=audit_codes.CONFLICT, object_type="review_case", object_id=case.pk,
               object_repr=case.household.code, unit_path=case.unit_path,
               data={"key": str(draft.key), "from_versions": [draft.case_version, draft.household_version],
                     "now": [case.version, household_version]})
    return DraftAnswer(CONFLICT, {
        "status": CONFLICT,
        "message": _("Hồ sơ của hộ %(code)s đã được thay đổi trên máy chủ sau khi bạn tải về. Hãy so sánh hai bản "
                     "và chọn: gửi bản của bạn thay cho bản trên máy chủ, hoặc bỏ bản của bạn.")
        % {"code": case.household.code},
        "case_version": case.version, "household_version": household_version, "state": case.state,
        "server_record": server, "server_causes": list(case.causes or []), "server_wishes": list(case.wishes or []),
        "server_note": case.note, "changes": changes,
    })


def display_value(path: str, value: Any, labels: Mapping[str, Mapping[str, str]]) -> str:
    """An answer as the surveyor wrote it: a choice's label, Có/Không, 1.200.000, 15/04/2024."""
    if value is None or value == "":
        return _("Chưa trả lời")
    if isinstance(value, bool):
        return _("Có") if value else _("Không")
    choices = labels.get(path, {})
    if isinstance(value, list):
        return ", ".join(choices.get(str(v), str(v)) for v in value) if value else _("Không có")
    if str(value) in choices:
        return choices[str(value)]
    if isinstance(value, int | float):
        return format_number(value)
    if isinstance(value, str) and len(value) == 10 and value[4] == "-":
        try:
            return format_date(dt.date.fromisoformat(value))
        except ValueError:
            return value
    return str(value)[:200]


def _differences(mine: Mapping[str, Any], server: Mapping[str, Any],
                 labels: Mapping[str, Mapping[str, str]]) -> list[dict[str, str]]:
    mine_facts, mine_members = flat_facts(mine), members_by_id(mine)
    server_facts, server_members = flat_facts(server), members_by_id(server)
    rows = []
    for path in dict.fromkeys([*server_facts, *mine_facts]):
        if mine_facts.get(path) != server_facts.get(path):
            rows.append({"path": path, "label": answer_label(path),
                         "mine": display_value(path, mine_facts.get(path), labels),
                         "server": display_value(path, server_facts.get(path), labels)})
    for member_id in dict.fromkeys([*server_members, *mine_members]):
        ours, theirs = mine_members.get(member_id), server_members.get(member_id)
        name = str((ours or theirs or {}).get("name") or _("Thành viên %(number)s") % {"number": member_id})
        if ours is None or theirs is None:
            rows.append({"path": f"members[{member_id}]", "label": name,
                         "mine": _("Có trong phiếu") if ours else _("Không có"),
                         "server": _("Có trong phiếu") if theirs else _("Không có")})
            continue
        for key in dict.fromkeys([*theirs, *ours]):
            if key != "id" and ours.get(key) != theirs.get(key):
                generic = f"members[].{key}"
                rows.append({"path": f"members[{member_id}].{key}",
                             "label": _("%(member)s: %(label)s") % {"member": name,
                                                                    "label": answer_label(f"members[0].{key}")},
                             "mine": display_value(generic, ours.get(key), labels),
                             "server": display_value(generic, theirs.get(key), labels)})
    return rows


def _extra_differences(draft: OfflineDraft, case: ReviewCase,
                       labels: Mapping[str, Mapping[str, str]]) -> list[dict[str, str]]:
    rows = []
    pairs: Iterable[tuple[str, str, Any, Any]] = (
        ("causes", _("Nguyên nhân nghèo"), draft.causes, list(case.causes or [])),
        ("wishes", _("Nhu cầu, mong muốn được hỗ trợ"), draft.wishes, list(case.wishes or [])),
        ("note", _("Ghi chú của rà soát viên"), draft.note, case.note),
    )
    for path, label, ours, theirs in pairs:
        if ours != theirs and (ours or theirs):
            rows.append({"path": path, "label": str(label), "mine": display_value(path, ours, labels),
                         "server": display_value(path, theirs, labels)})
    return rows
