"""Writes to the unit tree made by people: hamlets, which each commune keeps for itself.

Hamlet ``code`` is ``{commune code}-h{n}`` and ``path`` is ``{commune path}h{n}/``, with ``n`` the
hamlet's number within its commune (1, 2, …; never reused). Renaming a hamlet changes neither, so
households, grants and audit entries filed under its path stay where they are.
Callers check access first (``geo.selectors.access_commune_for_unit_pages``); these functions validate.
"""

from __future__ import annotations

import re
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from giamngheo.core.audit import diff, log_action
from giamngheo.core.errors import ApplicationError
from giamngheo.core.text import fold, nfc
from giamngheo.geo.models import AdminUnit, Generation, UnitKind, UnitLevel

# The word each kind of hamlet carries in its name. Proper Vietnamese names, not interface text.
HAMLET_KINDS: dict[str, str] = {
    UnitKind.VILLAGE: "Thôn",
    UnitKind.HAMLET_AP: "Ấp",
    UnitKind.KHOM: "Khóm",
    UnitKind.BAN: "Bản",
    UnitKind.RESIDENTIAL_GROUP: "Tổ dân phố",
}
NAME_MAX = 150
_NUMBER = re.compile(r"-h(\d+)$")


def _full_name(kind: str, name: str) -> tuple[str, str]:
    """("ap", "Ba Se") or ("ap", "ấp Ba Se") → ("Ấp Ba Se", "Ba Se")."""
    word = HAMLET_KINDS[kind]
    text = " ".join(nfc(name).split())
    if fold(text) == fold(word) or fold(text).startswith(fold(word) + " "):
        text = text[len(word):].strip()
    return f"{word} {text}", text


def _clean(*, commune: AdminUnit, name: str, kind: str, exclude_pk: int | None = None) -> tuple[str, str]:
    if kind not in HAMLET_KINDS:
        raise ApplicationError(_("Loại thôn/ấp không hợp lệ: hãy chọn Thôn, Ấp, Khóm, Bản hoặc Tổ dân phố."),
                               field="kind")
    if not name or not name.strip():
        raise ApplicationError(_("Hãy nhập tên thôn/ấp."), field="name")
    full, short = _full_name(kind, name)
    if not short:
        raise ApplicationError(_("Hãy nhập tên thôn/ấp sau chữ “%(word)s”.") % {"word": HAMLET_KINDS[kind]},
                               field="name")
    if len(full) > NAME_MAX:
        raise ApplicationError(_("Tên thôn/ấp dài quá %(max)d ký tự.") % {"max": NAME_MAX}, field="name")
    same = AdminUnit.objects.filter(parent=commune, level=UnitLevel.HAMLET, name_folded=fold(full),
                                    valid_to__isnull=True)
    if exclude_pk is not None:
        same = same.exclude(pk=exclude_pk)
    if same.exists():
        raise ApplicationError(_("%(commune)s đã có “%(name)s”.") % {"commune": commune.name, "name": full},
                               field="name")
    return full, short


def hamlet_create(*, actor: Any, commune: AdminUnit, name: str, kind: str) -> AdminUnit:
    """Add a hamlet to a current commune; audited as ``giamngheo.unit.created``."""
    if commune.level != UnitLevel.COMMUNE or commune.generation != Generation.CURRENT or commune.valid_to:
        raise ApplicationError(_("Chỉ thêm được thôn/ấp vào xã, phường, đặc khu đang có hiệu lực."),
                               field="commune")
    user = actor if getattr(actor, "is_authenticated", False) else None
    with transaction.atomic():
        # Lock the commune so two officers adding hamlets at once cannot take the same number.
        locked = AdminUnit.objects.select_for_update().get(pk=commune.pk)
        full, short = _clean(commune=locked, name=name, kind=kind)
        numbers = [int(m.group(1)) for code in AdminUnit.objects.filter(parent=locked, level=UnitLevel.HAMLET)
                   .values_list("code", flat=True) if (m := _NUMBER.search(code))]
        number = max(numbers, default=0) + 1
        hamlet = AdminUnit.objects.create(
            code=f"{locked.code}-h{number}", level=UnitLevel.HAMLET, kind=kind, generation=Generation.CURRENT,
            name=full, short_name=short, name_folded=fold(full), parent=locked, path=f"{locked.path}h{number}/",
            area_type=locked.area_type, valid_from=timezone.localdate(), source="commune",
            created_by=user, updated_by=user,
        )
        log_action(
            actor=actor, action="giamngheo.unit.created", object_type="geo.AdminUnit", object_id=hamlet.pk,
            object_repr=f"{full}, {locked.name}", unit_path=hamlet.path,
            changes=diff({}, {"code": hamlet.code, "name": full, "kind": kind}),
        )
    return hamlet


def hamlet_rename(*, actor: Any, hamlet: AdminUnit, name: str, kind: str | None = None) -> AdminUnit:
    """Rename a hamlet (and optionally change its kind); code and path stay. Audited as ``unit.updated``."""
    if hamlet.level != UnitLevel.HAMLET:
        raise ApplicationError(_("Chỉ đổi tên được thôn/ấp ở trang này."), field="hamlet")
    user = actor if getattr(actor, "is_authenticated", False) else None
    with transaction.atomic():
        locked = AdminUnit.objects.select_for_update().get(pk=hamlet.pk)
        assert locked.parent is not None
        new_kind = kind or locked.kind
        full, short = _clean(commune=locked.parent, name=name, kind=new_kind, exclude_pk=locked.pk)
        before = {"name": locked.name, "kind": locked.kind}
        after = {"name": full, "kind": new_kind}
        changes = diff(before, after)
        if not changes:
            return locked
        locked.name, locked.short_name, locked.name_folded, locked.kind = full, short, fold(full), new_kind
        locked.updated_by = user
        locked.save(update_fields=["name", "short_name", "name_folded", "kind", "updated_by", "updated_at"])
        log_action(
            actor=actor, action="giamngheo.unit.updated", object_type="geo.AdminUnit", object_id=locked.pk,
            object_repr=f"{full}, {locked.parent.name}", unit_path=locked.path, changes=changes,
        )
    return locked
