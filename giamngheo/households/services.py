"""Writes to the household registry: create, update, soft-delete, reclassify.

Every write validates the whole record first and writes nothing when anything is wrong (one
transaction); then stores the facts, denormalises what list pages show, writes one audit entry, and
reclassifies the household under every standard in force for it. Updates are compare-and-swap on
``version`` so that two officers editing the same household cannot silently overwrite each other.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from giamngheo.accounts.roles import Perm
from giamngheo.accounts.scope import can_see_citizen_id, mask_citizen_id, paths_for, require
from giamngheo.accounts.unit_home import user_home_path
from giamngheo.core.audit import diff, log_action, register_action
from giamngheo.core.errors import ApplicationError, ConcurrentEditError, ValidationFailed
from giamngheo.core.exports import starts_like_a_formula
from giamngheo.core.formatting import format_date
from giamngheo.core.text import fold
from giamngheo.geo.models import AdminUnit, Generation, UnitLevel
from giamngheo.households.classification import household_reclassify
from giamngheo.households.models import Household, Member
from giamngheo.households.records import (
    DWELLING_FACTS,
    HOUSEHOLD_FACTS,
    MEMBER_FACTS,
    flatten_record,
    household_to_record,
    member_to_record,
    record_errors,
    to_column_value,
)
from giamngheo.households.search import search_text_for

__all__ = [
    "household_citizen_id_conflicts", "household_create", "household_delete", "household_reclassify", "household_update",
]

OBJECT_TYPE = "household"
DUPLICATE_REFUSED = "giamngheo.household.duplicate_citizen_id_refused"
register_action(DUPLICATE_REFUSED, gettext_lazy("Từ chối số định danh đã có trong hộ khác"))
_MASKED = re.compile(r"\*+[0-9]{3}")
# Columns that store "not answered" as an empty string rather than NULL.
_BLANK_STRING = frozenset(
    f.name for model in (Household, Member) for f in model._meta.get_fields()
    if getattr(f, "get_internal_type", lambda: "")() == "CharField" and not f.null
)


Errors = dict[str, list[str]]


def _add(errors: Errors, path: str, message: str) -> None:
    errors.setdefault(path, []).append(message)


def _fail(errors: Errors) -> ValidationFailed:
    count = sum(len(v) for v in errors.values())
    return ValidationFailed(
        _("Hồ sơ hộ có %(count)d lỗi, chưa lưu gì. Hãy sửa các ô được đánh dấu rồi lưu lại.") % {"count": count},
        errors=errors,
    )


def _current_communes() -> Any:
    return AdminUnit.objects.filter(
        level=UnitLevel.COMMUNE, generation=Generation.CURRENT, valid_to__isnull=True
    ).select_related("parent")


def _works_in(actor: Any, unit: AdminUnit) -> bool:
    """The actor may edit households somewhere in ``unit`` (a hamlet surveyor works in part of a commune)."""
    return any(
        unit.path.startswith(path) or path.startswith(unit.path) for path in paths_for(actor, Perm.HOUSEHOLD_EDIT)
    )


def _find_hamlet(commune: AdminUnit, name: str) -> AdminUnit | None:
    hamlets = list(AdminUnit.objects.filter(parent=commune, level=UnitLevel.HAMLET, valid_to__isnull=True))
    for hamlet in hamlets:
        if name in (hamlet.name, hamlet.short_name):
            return hamlet
    folded = [h for h in hamlets if fold(name) in (h.name_folded, fold(h.short_name))]
    return folded[0] if len(folded) == 1 else None


def _locate(
    *,
    actor: Any,
    record: Mapping[str, Any],
    commune: AdminUnit | None,
    hamlet: AdminUnit | None,
    current: Household | None,
    errors: Errors,
) -> tuple[AdminUnit, AdminUnit | None] | None:
    """The commune and hamlet the record places the household in, or None with errors added."""
    code = record.get("commune_code")
    if commune is not None:
        if not _current_communes().filter(pk=commune.pk).exists() or not _works_in(actor, commune):
            _add(errors, "commune_code", _("Không tìm thấy xã/phường này trong địa bàn bạn được giao."))
            return None
        if isinstance(code, str) and code != commune.code:
            _add(errors, "commune_code", _("Mã xã/phường %(code)s không khớp với xã/phường đã chọn (%(name)s).")
                 % {"code": code, "name": commune.name})
            return None
    elif isinstance(code, str) and re.fullmatch(r"[0-9]{5}", code):
        commune = _current_communes().filter(code=code).first()
        if commune is None or not _works_in(actor, commune):
            _add(errors, "commune_code", _("Không tìm thấy xã/phường mã %(code)s trong địa bàn bạn được giao.")
                 % {"code": code})
            return None
    elif code is None and current is not None:
        commune = current.commune
    elif code is None:
        _add(errors, "commune_code", _("Phải ghi mã xã/phường (5 chữ số) nơi hộ cư trú."))
        return None
    else:
        return None  # a malformed code: the record validation already reports it
    assert commune is not None
    province_code = record.get("province_code")
    province = commune.parent
    if isinstance(province_code, str) and province is not None and province_code != province.code:
        _add(errors, "province_code",
             _("Mã tỉnh %(given)s không khớp với %(commune)s, thuộc tỉnh mã %(expected)s.")
             % {"given": province_code, "commune": commune.name, "expected": province.code})
    name = record.get("hamlet")
    if hamlet is not None:
        if hamlet.parent_id != commune.pk or hamlet.level != UnitLevel.HAMLET:
            _add(errors, "hamlet", _("Thôn/ấp đã chọn không thuộc %(commune)s.") % {"commune": commune.name})
            return None
        if isinstance(name, str) and name not in (hamlet.name, hamlet.short_name):
            _add(errors, "hamlet", _("Tên thôn/ấp “%(name)s” không khớp với thôn/ấp đã chọn (%(chosen)s).")
                 % {"name": name, "chosen": hamlet.name})
            return None
    elif isinstance(name, str) and name.strip():
        hamlet = _find_hamlet(commune, name)
        if hamlet is None:
            _add(errors, "hamlet", _("Không tìm thấy thôn/ấp “%(name)s” trong %(commune)s.")
                 % {"name": name, "commune": commune.name})
            return None
    if not any(
        (hamlet.path if hamlet else commune.path).startswith(p) for p in paths_for(actor, Perm.HOUSEHOLD_EDIT)
    ):
        _add(errors, "hamlet", _("Bạn chỉ được nhập hộ thuộc thôn/ấp được giao; hãy ghi đúng tên thôn/ấp."))
        return None
    return commune, hamlet


def _next_code(commune: AdminUnit) -> str:
    prefix = f"{commune.code}-"
    taken = set(Household.objects.filter(code__startswith=prefix).values_list("code", flat=True))
    seq = len(taken) + 1
    while f"{prefix}{seq:06d}" in taken:
        seq += 1
    return f"{prefix}{seq:06d}"


# The household code is the id in page and API paths (/ho/<code>/, /api/v1/households/<code>): it must be one path
# segment and must not shadow the registry's own sub-pages.
RESERVED_CODES = ("them", "thon-ap")


def _code_fits_a_url(code: str) -> bool:
    return code not in RESERVED_CODES and not any(ch == "/" or ch.isspace() or not ch.isprintable() for ch in code)


def _check_duplicates(record: Mapping[str, Any], *, actor: Any, exclude: Household | None, errors: Errors) -> None:
    """A household code is unique system-wide; a person is a member of at most one live household.

    A duplicate citizen ID is always refused, but the answer must not turn the form into a look-up of who
    lives where (issue 13): the household holding the ID is named only to an actor who may see citizen IDs
    in that household's unit; anyone else learns only that the ID is already registered — no code, unit or
    name. Every such refusal is audited (masked ID, actor), filed under the actor's home unit so that their
    managers see repeated probing (docs/security.md, threat model)."""
    code = record.get("id")
    is_new_code = isinstance(code, str) and code and (exclude is None or code != exclude.code)
    if is_new_code and not _code_fits_a_url(str(code)):
        _add(errors, "id", _("Mã hộ không được chứa dấu “/”, dấu cách hay ký tự điều khiển, và không được trùng các "
                             "từ dành riêng của hệ thống (%(reserved)s).") % {"reserved": ", ".join(RESERVED_CODES)})
    if is_new_code and starts_like_a_formula(code):
        # The code is in every export; a spreadsheet would run "=HYPERLINK(…)" (exports also neutralise it).
        _add(errors, "id", _("Mã hộ không được bắt đầu bằng dấu =, +, -, @ hay ký tự điều khiển: bảng tính (Excel) "
                             "sẽ hiểu đó là công thức."))
    if "id" not in errors and is_new_code and Household.objects.filter(code=code).exists():
        _add(errors, "id", _("Mã hộ %(code)s đã tồn tại; hãy dùng mã khác.") % {"code": code})
    members = record.get("members")
    if not isinstance(members, list):
        return
    wanted = {
        m["citizen_id"]: i for i, m in enumerate(members)
        if isinstance(m, Mapping) and isinstance(m.get("citizen_id"), str) and m["citizen_id"]
    }
    if not wanted:
        return
    taken = Member.objects.filter(citizen_id__in=list(wanted), household__deleted_at__isnull=True)
    if exclude is not None:
        taken = taken.exclude(household=exclude)
    for citizen_id, other_code, other_path in taken.values_list("citizen_id", "household__code", "household__unit_path"):
        path = f"members[{wanted[citizen_id]}].citizen_id"
        named = can_see_citizen_id(actor, other_path)
        if named:
            message = _("Người có số định danh này đã là thành viên của hộ %(code)s.") % {"code": other_code}
        else:
            message = _("Số định danh này đã được đăng ký cho một thành viên của hộ khác trong hệ thống; mỗi người "
                        "chỉ thuộc một hộ. Hãy kiểm tra lại số định danh, hoặc đề nghị cán bộ cấp xã nơi người "
                        "này đang ở chuyển khẩu.")
        _add(errors, path, message)
        _audit_duplicate_refused(actor=actor, record=record, exclude=exclude, citizen_id=citizen_id, path=path,
                                 named=named)


def household_citizen_id_conflicts(*, actor: Any, household: Household, record: Mapping[str, Any]) -> Errors:
    """The duplicate citizen IDs a save of ``record`` on ``household`` would be refused for, each refusal
    audited now. For callers that write the household inside a larger transaction (a completed survey): a
    refusal raised in there would roll its own audit entry back with everything else, and repeated probing
    would leave no trace."""
    errors: Errors = {}
    _check_duplicates({**record, "id": household.code}, actor=actor, exclude=household, errors=errors)
    return errors


def _audit_duplicate_refused(
    *, actor: Any, record: Mapping[str, Any], exclude: Household | None, citizen_id: str, path: str, named: bool
) -> None:
    # Written outside any transaction of the refused save (nothing is saved), so the entry stays.
    code = exclude.code if exclude is not None else record.get("id")
    log_action(
        actor=actor, action=DUPLICATE_REFUSED, object_type=OBJECT_TYPE,
        object_id=code if isinstance(code, str) else "", object_repr=mask_citizen_id(citizen_id),
        unit_path=user_home_path(actor),
        data={"citizen_id": mask_citizen_id(citizen_id), "path": path,
              "operation": "update" if exclude is not None else "create", "holder_named": named},
    )


def _restore_masked_ids(record: dict[str, Any], household: Household) -> dict[str, Any]:
    """A user who may not see citizen IDs gets them masked and sends them back masked: keep the stored ID
    of that same member instead of rejecting (or storing) the mask."""
    stored = {m.member_id: m.citizen_id for m in household.members.all() if m.citizen_id}
    members = record.get("members")
    if not isinstance(members, list):
        return record
    restored = []
    for member in members:
        if isinstance(member, Mapping) and isinstance(member.get("citizen_id"), str):
            given, original = member["citizen_id"], stored.get(member.get("id"))  # type: ignore[arg-type]
            if _MASKED.fullmatch(given) and original and mask_citizen_id(original) == given:
                member = {**member, "citizen_id": original}
        restored.append(member)
    return {**record, "members": restored}


def _apply_facts(household: Household, record: Mapping[str, Any]) -> None:
    for name in HOUSEHOLD_FACTS:
        blank = "" if name in _BLANK_STRING else None
        setattr(household, name, to_column_value(name, record.get(name), blank=blank))
    dwelling = record.get("dwelling") or {}
    for name in DWELLING_FACTS:
        blank = "" if name in _BLANK_STRING else None
        setattr(household, name, to_column_value(name, dwelling.get(name), blank=blank))


def _apply_member(member: Member, data: Mapping[str, Any]) -> None:
    for name in MEMBER_FACTS:
        blank = "" if name in _BLANK_STRING else None
        setattr(member, name, to_column_value(name, data.get(name), blank=blank))


def _store_members(household: Household, members: Sequence[Mapping[str, Any]]) -> list[Member]:
    """Replace the members as a set keyed on member ``id``: rows of members still present are kept
    (updated only when a fact changed), others deleted, new ones created."""
    existing = {m.member_id: m for m in household.members.all()}
    wanted_ids = {str(data["id"]) for data in members}
    Member.objects.filter(household=household).exclude(member_id__in=wanted_ids).delete()
    stored: list[Member] = []
    for position, data in enumerate(members):
        member = existing.get(data["id"]) or Member(household=household, member_id=data["id"])
        before = member_to_record(member, show_citizen_ids=True) if member.pk else None
        _apply_member(member, data)
        if member.pk is None or member.position != position or before != member_to_record(
            member, show_citizen_ids=True
        ):
            member.position = position
            member.save()
        stored.append(member)
    return stored


def _denormalise(household: Household, members: Sequence[Member], record: Mapping[str, Any]) -> None:
    head = next((m for m in members if m.relation == "head"), None)
    household.head_name = head.name if head else ""
    household.member_count = len(members)
    household.unit_path = household.hamlet.path if household.hamlet else household.commune.path
    household.search_text = search_text_for(
        code=household.code, hamlet_name=household.hamlet.name if household.hamlet else None,
        member_names=[m.name for m in members],
    )


def _audit_view(record: Mapping[str, Any]) -> dict[str, Any]:
    """A record as the audit trail shows it: citizen IDs masked (the trail is readable by roles that may
    not see them), members keyed by their ``id``."""
    view = flatten_record(record)
    members = {}
    for index, member in enumerate(record.get("members", [])):
        shown = dict(member)
        if shown.get("citizen_id"):
            shown["citizen_id"] = mask_citizen_id(shown["citizen_id"])
        members[member["id"]] = (index, shown)
    view["members"] = members
    return view


def _changes(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, list[Any]]:
    """Record-path diff: ``dwelling.latrine``, ``members[2].health_insured`` for a changed answer of the
    member now at position 2, ``members[3]`` → ``[null, {...}]`` for an added member (and the reverse,
    at its old position, for a removed one)."""
    old, new = _audit_view(before), _audit_view(after)
    old_members, new_members = old.pop("members"), new.pop("members")
    changes = diff(old, new)
    for member_id, (index, data) in new_members.items():
        if member_id not in old_members:
            changes[f"members[{index}]"] = [None, data]
            continue
        for key, pair in diff(old_members[member_id][1], data).items():
            changes[f"members[{index}].{key}"] = pair
    for member_id, (index, data) in old_members.items():
        if member_id not in new_members:
            key = f"members[{index}]"
            changes[key] = [data, changes[key][1] if key in changes else None]
    return changes


def _load(household_pk: int) -> Household:
    return (
        Household.objects.select_related("commune__parent", "hamlet", "updated_by")
        .prefetch_related("members")
        .get(pk=household_pk)
    )


@transaction.atomic
def _write(
    *,
    actor: Any,
    household: Household,
    record: Mapping[str, Any],
    commune: AdminUnit,
    hamlet: AdminUnit | None,
) -> tuple[Household, dict[str, Any]]:
    household.commune, household.hamlet = commune, hamlet
    household.updated_by = actor
    _apply_facts(household, record)
    household.unit_path = hamlet.path if hamlet else commune.path
    household.save()
    members = _store_members(household, record["members"])
    _denormalise(household, members, record)
    household.save(update_fields=["head_name", "member_count", "unit_path", "search_text"])
    fresh = _load(household.pk)
    household_reclassify(household=fresh)
    return fresh, household_to_record(fresh, show_citizen_ids=True)


def household_create(
    *,
    actor: Any,
    record: Mapping[str, Any],
    commune: AdminUnit | None = None,
    hamlet: AdminUnit | None = None,
) -> Household:
    """Register a household from a record v1. ``commune``/``hamlet`` (chosen on a page) take the place of
    the record's ``commune_code``/``hamlet``; without ``id`` a code ``<commune_code>-<seq>`` is given.
    Raises ``ValidationFailed`` with every problem at once, writing nothing."""
    data = dict(record) if isinstance(record, Mapping) else record
    errors: Errors = {}
    location = (
        _locate(actor=actor, record=data, commune=commune, hamlet=hamlet, current=None, errors=errors)
        if isinstance(data, dict) else None
    )
    generated = isinstance(data, dict) and "id" not in data
    if generated and location is not None:
        data["id"] = _next_code(location[0])
    for path, messages in record_errors(data).items():
        if not (path == "id" and generated):
            errors.setdefault(path, []).extend(messages)
    if location is not None:
        _check_duplicates(data, actor=actor, exclude=None, errors=errors)
    if errors or location is None:
        raise _fail(errors)
    try:
        with transaction.atomic():
            household = Household(code=data["id"], created_by=actor)
            household, after = _write(
                actor=actor, household=household, record=data, commune=location[0], hamlet=location[1]
            )
            log_action(
                actor=actor, action="giamngheo.household.created", object_type=OBJECT_TYPE,
                object_id=household.code, object_repr=str(household), unit_path=household.unit_path,
                changes=_changes({"members": []}, after),
            )
    except IntegrityError:
        # Another officer took the same code between our check and our insert.
        if Household.objects.filter(code=data["id"]).exists():
            raise _fail({"id": [_("Mã hộ %(code)s đã tồn tại; hãy dùng mã khác.") % {"code": data["id"]}]}) from None
        raise
    return household


def _conflict(actor: Any, household_pk: int) -> ConcurrentEditError:
    fresh = _load(household_pk)
    who = (fresh.updated_by.get_full_name() or fresh.updated_by.get_username()) if fresh.updated_by else ""
    when = timezone.localtime(fresh.updated_at)
    if fresh.deleted_at is not None:
        message = _("Hộ %(code)s đã bị %(name)s xoá lúc %(time)s; thay đổi của bạn chưa được lưu.")
    else:
        message = _(
            "Hộ %(code)s vừa được %(name)s sửa lúc %(time)s, sau khi bạn mở hồ sơ. Thay đổi của bạn chưa được "
            "lưu: hãy xem lại bản mới nhất rồi nhập lại phần của bạn."
        )
    return ConcurrentEditError(
        message % {"code": fresh.code, "name": who or _("người khác"),
                   "time": f"{when:%H:%M} {format_date(when.date())}"},
        extra={
            "current": household_to_record(fresh, show_citizen_ids=can_see_citizen_id(actor, fresh.unit_path)),
            "version": fresh.version,
            "changed_by": who,
            "changed_at": fresh.updated_at.isoformat(),
        },
    )


def household_update(
    *,
    actor: Any,
    household: Household,
    record: Mapping[str, Any],
    expected_version: int,
) -> Household:
    """Replace the household's facts with ``record``. ``expected_version`` is the version the user
    edited: if someone saved since, raises ``ConcurrentEditError`` (with their version in ``extra``).
    Without ``commune_code`` the household stays in its commune; ``id`` may not change."""
    require(actor, Perm.HOUSEHOLD_EDIT, household.unit_path)
    current = _load(household.pk)
    if current.deleted_at is not None or current.version != expected_version:
        raise _conflict(actor, household.pk)
    errors: Errors = {}
    data: Any = record
    if isinstance(record, Mapping):
        data = _restore_masked_ids({"id": current.code, **record}, current)
        if data["id"] != current.code:
            _add(errors, "id", _("Không được đổi mã hộ (%(code)s) khi sửa hồ sơ.") % {"code": current.code})
    location = (
        _locate(actor=actor, record=data, commune=None, hamlet=None, current=current, errors=errors)
        if isinstance(data, dict) else None
    )
    for path, messages in record_errors(data).items():
        errors.setdefault(path, []).extend(messages)
    if location is not None:
        _check_duplicates(data, actor=actor, exclude=current, errors=errors)
    if errors or location is None:
        raise _fail(errors)
    before = household_to_record(current, show_citizen_ids=True)
    with transaction.atomic():
        # Compare-and-swap: the row moves to the next version only if nobody moved it first.
        claimed = Household.objects.filter(
            pk=current.pk, version=expected_version, deleted_at__isnull=True
        ).update(version=F("version") + 1)
        if not claimed:
            raise _conflict(actor, current.pk)
        current.version = expected_version + 1
        updated, after = _write(actor=actor, household=current, record=data, commune=location[0], hamlet=location[1])
        log_action(
            actor=actor, action="giamngheo.household.updated", object_type=OBJECT_TYPE,
            object_id=updated.code, object_repr=str(updated), unit_path=updated.unit_path,
            changes=_changes(before, after),
        )
    return updated


def household_delete(*, actor: Any, household: Household, expected_version: int | None = None) -> None:
    """Soft-delete: the household leaves lists and searches, but its rows (and yearly ledger) remain.
    With ``expected_version``, refuses like an update when someone saved in between."""
    require(actor, Perm.HOUSEHOLD_EDIT, household.unit_path)
    now = timezone.now()
    with transaction.atomic():
        rows = Household.objects.filter(pk=household.pk, deleted_at__isnull=True)
        if expected_version is not None:
            rows = rows.filter(version=expected_version)
        if not rows.update(deleted_at=now, version=F("version") + 1, updated_by=actor, updated_at=now):
            if Household.objects.filter(pk=household.pk, deleted_at__isnull=True).exists():
                raise _conflict(actor, household.pk)
            raise ApplicationError(_("Hộ %(code)s đã bị xoá trước đó.") % {"code": household.code})
        log_action(
            actor=actor, action="giamngheo.household.deleted", object_type=OBJECT_TYPE,
            object_id=household.code, object_repr=str(household), unit_path=household.unit_path,
            changes={"deleted_at": [None, now]},
        )
    household.deleted_at = now
    household.version = (expected_version or household.version) + 1
