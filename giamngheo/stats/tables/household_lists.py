"""The household lists by class at the end of a year, as the posted lists show them: head's name, household
code, hamlet (and commune, for a province), the class at the end of the year; the head's citizen ID masked
unless the reader may see it. Never health, disability, income or scores (domain/context.md).

Which households: the same rules as the counts of the result table, so a list and its number agree.

* ``ngheo`` / ``can-ngheo``: in the class at the end of the year (``reviews.status.at_end_of`` over the status
  spans), recognised under the unit (the span's ``unit_path``, the ledger's "end" column);
* the movement lists (escaped, newly poor, re-poor…): ``reviews.ledger.movement_households`` for the unit's
  total row.

A household recognised here that has since moved outside the reader's household scope is not shown (scope is
checked on where the household is registered now); the list says how many were left out. A list longer than
``MAX_ROWS`` is refused with a message asking for a smaller unit: the background export jobs
(``support.models.ExportJob``) only carry the support kinds."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from giamngheo.accounts.roles import Perm
from giamngheo.accounts.scope import can_see_citizen_id, mask_citizen_id, require, scope_q
from giamngheo.core.formatting import format_number
from giamngheo.geo.models import AdminUnit
from giamngheo.households.models import Household
from giamngheo.reviews import ledger
from giamngheo.reviews.models import LedgerClass, StatusSpan
from giamngheo.reviews.status import at_end_of
from giamngheo.stats import selectors

MAX_ROWS = 5000


@dataclass(frozen=True)
class ListKind:
    slug: str
    label: Any
    klass: str
    move: str  # "end" for the class at the end of the year, else a column of the ledger's movements table


KINDS: dict[str, ListKind] = {k.slug: k for k in (
    ListKind("ngheo", gettext_lazy("Danh sách hộ nghèo"), "poor", "end"),
    ListKind("can-ngheo", gettext_lazy("Danh sách hộ cận nghèo"), "near_poor", "end"),
    ListKind("thoat-ngheo", gettext_lazy("Danh sách hộ thoát nghèo"), "poor", "escaped"),
    ListKind("thoat-can-ngheo", gettext_lazy("Danh sách hộ thoát cận nghèo"), "near_poor", "escaped"),
    ListKind("ngheo-phat-sinh", gettext_lazy("Danh sách hộ nghèo phát sinh"), "poor", "newly_poor"),
    ListKind("tai-ngheo", gettext_lazy("Danh sách hộ tái nghèo"), "poor", "re_poor"),
    ListKind("can-ngheo-phat-sinh", gettext_lazy("Danh sách hộ cận nghèo phát sinh"), "near_poor",
             "newly_near_poor"),
)}
NO_STATUS = gettext_lazy("Không thuộc danh sách nào")


class ListTooLong(ValueError):
    """The list is longer than a request may write; the message (Vietnamese) says what to do."""


@dataclass
class HouseholdList:
    unit: AdminUnit
    year: int
    series: str
    kind: ListKind
    rows: list[dict[str, str]] = field(default_factory=list)
    # Households counted in the figure but registered now outside the reader's household scope.
    hidden: int = 0

    @property
    def title(self) -> str:
        return _("%(list)s năm %(year)s") % {"list": self.kind.label, "year": self.year}

    @property
    def with_commune(self) -> bool:
        return self.unit.level == "province"


def expected_size(unit: AdminUnit, *, year: int, series: str, kind: ListKind) -> int:
    """The list's length from the rollups (cheap), to refuse a list too long before reading it."""
    figures = selectors.rollup(unit, year=year, series=series)
    return figures[f"{kind.klass}.{kind.move}"] if figures else 0


def household_list(*, user: Any, unit: AdminUnit, year: int, series: str, slug: str) -> HouseholdList:
    """The list ``slug`` of ``unit`` for ``year``. Needs ``household.view`` on the unit (404 otherwise); raises
    ``KeyError`` for an unknown list and ``ListTooLong`` above ``MAX_ROWS``."""
    require(user, Perm.HOUSEHOLD_VIEW, unit.path)
    kind = KINDS[slug]
    size = expected_size(unit, year=year, series=series, kind=kind)
    if size > MAX_ROWS:
        raise ListTooLong(_("Danh sách có %(count)s hộ, quá %(max)s hộ để xuất ngay. Hãy chọn từng xã/phường "
                            "để xem và tải danh sách.") % {"count": format_number(size),
                                                         "max": format_number(MAX_ROWS)})
    if kind.move == "end":
        ids = set(StatusSpan.objects.filter(at_end_of(year), series=series, klass=kind.klass,
                                            unit_path__startswith=unit.path).values_list("household_id", flat=True))
    else:
        ids = set(ledger.movement_households(unit_path=unit.path, series=series, year=year, klass=kind.klass,
                                             area="all", row=unit.path, move=kind.move))
    households = list(
        Household.objects.filter(scope_q(user, Perm.HOUSEHOLD_VIEW), pk__in=ids)
        .select_related("hamlet", "commune").prefetch_related("members")
        .order_by("unit_path", "head_name", "code"))
    at_end = dict(StatusSpan.objects.filter(at_end_of(year), series=series, household_id__in=[h.pk for h in households])
                  .values_list("household_id", "klass"))
    labels = dict(LedgerClass.choices)
    result = HouseholdList(unit=unit, year=year, series=series, kind=kind, hidden=len(ids) - len(households))
    for number, household in enumerate(households, start=1):
        klass = at_end.get(household.pk)
        result.rows.append({
            "number": str(number), "code": household.code, "head_name": household.head_name,
            "citizen_id": _head_id(household, user),
            "hamlet": household.hamlet.name if household.hamlet else "",
            "commune": household.commune.name if household.commune else "",
            "class": str(labels.get(klass, klass)) if klass else str(NO_STATUS),
        })
    return result


def _head_id(household: Household, user: Any) -> str:
    head = next((m for m in household.members.all() if m.relation == "head"), None)
    if head is None or not head.citizen_id:
        return ""
    return head.citizen_id if can_see_citizen_id(user, household.unit_path) else mask_citizen_id(head.citizen_id)


def list_columns(table: HouseholdList) -> list[tuple[str, str]]:
    """(row key, header) in the order of the posted lists."""
    columns = [("number", _("STT")), ("head_name", _("Họ và tên chủ hộ")), ("code", _("Mã hộ")),
               ("citizen_id", _("Số định danh cá nhân của chủ hộ")), ("hamlet", _("Thôn/ấp, tổ dân phố"))]
    if table.with_commune:
        columns.append(("commune", _("Xã/phường/đặc khu")))
    columns.append(("class", _("Phân loại cuối năm %(year)s") % {"year": table.year}))
    return columns
