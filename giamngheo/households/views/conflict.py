"""What to show, and what to offer, when a save is refused because someone else saved first.

Three versions of the record meet: the one the officer opened (*original*, carried in the form), the
one they submitted (*mine*) and the one now stored (*theirs*). Nothing is lost: every fact where mine and
theirs differ is listed side by side, and the form comes back with both sets of changes merged — the
other person's change wherever the officer left the original answer alone, the officer's own answer
wherever they changed it. Saving that form again is the officer's explicit re-application.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from giamngheo.households.records import flat_facts, members_by_id
from giamngheo.households.views.present import record_answer, record_label

_MISSING = object()


@dataclass(frozen=True)
class ConflictRow:
    label: str
    theirs: str
    mine: str
    changed_by_them: bool
    changed_by_me: bool


def _merge_values(original: Mapping[str, Any] | None, mine: Mapping[str, Any], theirs: Mapping[str, Any],
                  label: Any, rows: list[ConflictRow], prefix: str = "") -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for key in dict.fromkeys([*mine, *theirs, *(original or {})]):
        m, t = mine.get(key, _MISSING), theirs.get(key, _MISSING)
        o = original.get(key, _MISSING) if original is not None else _MISSING
        me_changed = original is None or m != o
        they_changed = original is None or t != o
        value = m if me_changed else t
        if value is not _MISSING:
            merged[key] = value
        if m != t:
            path = f"{prefix}{key}"
            rows.append(ConflictRow(
                label=label(path),
                theirs=record_answer(path, None if t is _MISSING else t)[0],
                mine=record_answer(path, None if m is _MISSING else m)[0],
                changed_by_them=they_changed,
                changed_by_me=me_changed,
            ))
    return merged


def merge_after_conflict(original: Mapping[str, Any] | None, mine: Mapping[str, Any], theirs: Mapping[str, Any]
                         ) -> tuple[dict[str, Any], list[ConflictRow]]:
    """The merged record to put back in the form, and the rows where mine and theirs differ.

    Without ``original`` (a form from an older page), every difference counts as changed on both sides and the
    officer's answers are kept.
    """
    rows: list[ConflictRow] = []
    flat = _merge_values(flat_facts(original) if original is not None else None, flat_facts(mine), flat_facts(theirs),
                         record_label, rows)
    merged: dict[str, Any] = {}
    for key, value in flat.items():
        if key.startswith("dwelling."):
            merged.setdefault("dwelling", {})[key.removeprefix("dwelling.")] = value
        else:
            merged[key] = value

    o_members = members_by_id(original) if original is not None else None
    m_members, t_members = members_by_id(mine), members_by_id(theirs)
    member_rows: list[ConflictRow] = []
    out: list[dict[str, Any]] = []
    for member_id, m in m_members.items():
        t = t_members.get(member_id)
        o = o_members.get(member_id) if o_members is not None else None
        name = m.get("name") or (t or {}).get("name") or member_id

        def label(path: str, name: str = name) -> str:
            return _("Thành viên %(name)s · %(fact)s") % {"name": name, "fact": record_label(path)}

        if t is None:
            if o is not None and o == m:
                # They removed a member I did not touch: keep their removal, but say so.
                member_rows.append(_presence_row(name, theirs_has=False, mine_has=True, they=True, me=False))
                continue
            if o is not None:
                member_rows.append(_presence_row(name, theirs_has=False, mine_has=True, they=True, me=True))
            out.append(m)
            continue
        out.append(_merge_values(o, m, t, label, member_rows, prefix="members[]."))
    for member_id, t in t_members.items():
        if member_id in m_members:
            continue
        name = t.get("name") or member_id
        if o_members is not None and member_id not in o_members:
            # They added a member: it joins the merged form.
            out.append(t)
            member_rows.append(_presence_row(name, theirs_has=True, mine_has=False, they=True, me=False))
        else:
            # I removed it (or cannot tell): my removal stands, but the row shows what they kept.
            member_rows.append(_presence_row(name, theirs_has=True, mine_has=False, they=False, me=True))
    merged["members"] = out
    return merged, rows + member_rows


def _presence_row(name: str, *, theirs_has: bool, mine_has: bool, they: bool, me: bool) -> ConflictRow:
    present, absent = _("Có trong hộ"), _("Không có trong hộ")
    return ConflictRow(
        label=_("Thành viên %(name)s") % {"name": name},
        theirs=present if theirs_has else absent,
        mine=present if mine_has else absent,
        changed_by_them=they,
        changed_by_me=me,
    )
