"""A province's own programmes and projects. The national catalogue (``catalog.json``) is read-only: a
province adds its programmes beside it (or under a national one) and corrects only its own."""

from __future__ import annotations

import re
from typing import Any

from django.db import transaction
from django.http import Http404
from django.utils.translation import gettext as _

from giamngheo.accounts.roles import Perm
from giamngheo.accounts.scope import allows
from giamngheo.core.audit import diff, log_action
from giamngheo.core.errors import ApplicationError, ValidationFailed
from giamngheo.geo.models import AdminUnit
from giamngheo.support.models import Programme
from giamngheo.support.services.records import add_error, check_text, check_year, lock

PROGRAMME_FIELDS = ("code", "name", "short_name", "parent", "legal_basis", "first_year", "last_year", "active")
_CODE = re.compile(r"^[a-z0-9][a-z0-9-]{1,59}$")


def may_manage_programmes(user: Any, province: AdminUnit) -> bool:
    """Province staff who set targets or manage resources keep the province's programme list."""
    return province.level == "province" and (
        allows(user, Perm.TARGET_MANAGE, province.path) or allows(user, Perm.RESOURCE_MANAGE, province.path))


def _require(user: Any, province: AdminUnit) -> None:
    if not may_manage_programmes(user, province):
        raise Http404(_("Không tìm thấy hoặc bạn không có quyền truy cập."))


def _clean(values: dict[str, Any], *, province: AdminUnit, pk: int | None) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    cleaned = dict(values)
    code = values.get("code")
    if not isinstance(code, str) or not _CODE.match(code):
        add_error(errors, "code", _("Mã: 2–60 ký tự gồm chữ thường không dấu, chữ số và dấu gạch ngang, ví dụ "
                                    "tinh-ho-tro-nha-o."))
    elif Programme.objects.filter(code=code).exclude(pk=pk or 0).exists():
        add_error(errors, "code", _("Mã %(code)s đã có chương trình khác dùng.") % {"code": code})
    cleaned["name"] = check_text(errors, "name", values.get("name"), _("Tên"), max_length=300, required=True)
    cleaned["short_name"] = check_text(errors, "short_name", values.get("short_name"), _("Tên ngắn"), max_length=120)
    cleaned["legal_basis"] = check_text(errors, "legal_basis", values.get("legal_basis"), _("Căn cứ pháp lý"),
                                        max_length=200)
    first, last = values.get("first_year"), values.get("last_year")
    if first is not None:
        check_year(errors, "first_year", first, _("Từ năm"))
    if last is not None:
        check_year(errors, "last_year", last, _("Đến năm"))
    if first is not None and last is not None and not errors.get("first_year") and not errors.get("last_year") \
            and last < first:
        add_error(errors, "last_year", _("Đến năm %(last)s: trước năm bắt đầu %(first)s.")
                  % {"last": last, "first": first})
    parent = values.get("parent")
    if parent is not None:
        if not isinstance(parent, Programme) or (parent.province_id not in (None, province.pk)):
            add_error(errors, "parent", _("Thuộc chương trình: phải là chương trình quốc gia hoặc của tỉnh."))
        elif pk is not None and _descends_from(parent, pk):
            add_error(errors, "parent", _("Thuộc chương trình: không thể thuộc chính nó hoặc chương trình con của nó."))
    if not isinstance(values.get("active", True), bool):
        add_error(errors, "active", _("Đang dùng: phải là có hoặc không."))
    if errors:
        raise ValidationFailed(_("Chương trình có ô chưa đúng; chưa lưu gì. Hãy sửa các ô được đánh dấu."),
                               errors=errors)
    return cleaned


def _descends_from(programme: Programme, pk: int) -> bool:
    seen: set[int] = set()
    node: Programme | None = programme
    while node is not None and node.pk not in seen:
        if node.pk == pk:
            return True
        seen.add(node.pk)
        node = node.parent
    return False


def _snapshot(programme: Programme) -> dict[str, Any]:
    return {f: getattr(programme, "parent_id" if f == "parent" else f) for f in PROGRAMME_FIELDS}


def programme_create(
    *,
    actor: Any,
    province: AdminUnit,
    code: str,
    name: str,
    short_name: str = "",
    parent: Programme | None = None,
    legal_basis: str = "",
    first_year: int | None = None,
    last_year: int | None = None,
) -> Programme:
    _require(actor, province)
    values = {"code": code, "name": name, "short_name": short_name, "parent": parent, "legal_basis": legal_basis,
              "first_year": first_year, "last_year": last_year, "active": True}
    with transaction.atomic():
        cleaned = _clean(values, province=province, pk=None)
        programme = Programme.objects.create(province=province, unit_path=province.path, position=1000, **cleaned)
        log_action(actor=actor, action="giamngheo.support.programme_created", object_type="programme",
                   object_id=programme.pk, object_repr=f"{programme.code} · {programme.name}",
                   unit_path=province.path, changes=diff({}, _snapshot(programme)))
    return programme


def programme_update(*, actor: Any, programme: Programme, **fields: Any) -> Programme:
    """Correct one of the province's own programmes (or stop using it: ``active=False``)."""
    if programme.province_id is None:
        # The user may see national programmes (they are public data); they are just not theirs to change.
        raise ApplicationError(_("Chương trình quốc gia chỉ được xem, không sửa được."), field="programme")
    province = AdminUnit.objects.get(pk=programme.province_id)
    _require(actor, province)
    unknown = sorted(set(fields) - set(PROGRAMME_FIELDS))
    if unknown:
        raise ValidationFailed(_("Có trường không sửa được."),
                               errors={name: [_("Trường này không sửa được.")] for name in unknown})
    with transaction.atomic():
        programme = lock(Programme, programme.pk)
        before = _snapshot(programme)
        current = {f: getattr(programme, f) for f in PROGRAMME_FIELDS}
        cleaned = _clean({**current, **fields}, province=province, pk=programme.pk)
        for name, value in cleaned.items():
            setattr(programme, name, value)
        changes = diff(before, _snapshot(programme))
        if changes:
            programme.save()
            log_action(actor=actor, action="giamngheo.support.programme_updated", object_type="programme",
                       object_id=programme.pk, object_repr=f"{programme.code} · {programme.name}",
                       unit_path=province.path, changes=changes)
    return programme
