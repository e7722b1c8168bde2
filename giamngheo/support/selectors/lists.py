"""The four support lists a commune and a province work from, read on behalf of a user.

Definitions (the rules the pages, exports, the home page and the tests share):

* **Households of a list** are the live households (``deleted_at`` is NULL) whose *current* unit
  (``Household.unit_path``) is inside the user's scope for both ``support.view`` and ``household.view``, and
  inside the chosen unit if one is chosen. A household that moved communes is listed by the commune it is
  registered in now, which is the commune that can open its page and act on it; its status still comes from
  its whole ledger history, wherever that was recorded.
* **Status at the end of year Y** is the household's national-series status (``StatusSpan`` with
  ``series = "national"`` and ``first_year ≤ Y ≤ last_year``, see ``reviews.status.at_end_of``): its latest
  live ledger entry of a year ≤ Y, corrections applied. **"Poor or near-poor at the end of Y"** means that
  status is ``poor`` or ``near_poor``. **This year** is the current calendar year: its end-of-year status read
  today is the status in force now (the latest recognised entry).
* **Support in year Y** is a live support record (``deleted_at`` NULL) given between 01/01/Y and 31/12/Y
  (``given_on``): support given on 31/12 of the year before does not count for Y.

1. ``no_support`` — **"Hộ nghèo, cận nghèo chưa được hỗ trợ"**: poor or near-poor at the end of Y (or only
   one of the two classes) with no support in year Y.
2. ``unmet_needs`` — **"Nhu cầu hỗ trợ chưa được đáp ứng"**: poor or near-poor at the end of Y with at least
   one *unmet* need. The needs are the household's ``current`` ``CaseNeed`` rows (the wishes of its latest
   surveyed case) stated on or before 31/12/Y. A need is **met** when a live support record of a kind that
   answers it (``SupportKindNeed``) was given on or after the day the need was stated (``stated_on``) and on or
   before 31/12/Y; support given before the need was stated does not meet it. A need no kind answers is never
   met. Rows show the unmet needs and the causes of poverty recorded in the same case.
3. ``overdue_assignments`` — **"Phân công giúp đỡ quá hạn"**: poor or near-poor at the end of Y with at least
   one **overdue** assignment: live (``deleted_at`` NULL), started on or before 31/12/Y, not ended by then
   (``ended_on`` NULL or after 31/12/Y), and whose target year to escape is before Y. Years overdue =
   Y − target year. Rows show each such assignment.
4. ``escaped`` — **"Hộ đã thoát nghèo"**: poor at the end of Y−1 and near-poor, average or neither at the end
   of Y ("thoát nghèo"); with ``klass="near_poor"``: near-poor at the end of Y−1 and average or neither at the
   end of Y ("thoát cận nghèo"). A household removed from the register ("removed") or without a status at the
   end of Y has not escaped. Rows show the support received in Y−2, Y−1 and Y: per year the number of records,
   the money (sum of ``amount``) and the kinds.

Every list is ordered by the household's ``unit_path`` then id and paged by keyset on both
(``households.views.paging``): every page costs the same, however deep. Each function returns one page, the
cursors and the total count; ``list_rows`` walks a whole list (the export). Rows never carry citizen IDs.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Exists, F, FilteredRelation, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import ExtractYear
from django.utils.translation import gettext as _

from giamngheo.accounts.roles import Perm
from giamngheo.accounts.scope import require, scope_q
from giamngheo.core.formatting import format_money
from giamngheo.households.models import Household
from giamngheo.households.views.paging import keyset_page
from giamngheo.reviews.forms import CAUSE_LABELS, WISH_LABELS
from giamngheo.reviews.models import CaseNeed, ReviewCase
from giamngheo.reviews.status import at_end_of
from giamngheo.support.models import Assignment, SupportRecord

NATIONAL = "national"
POOR, NEAR_POOR = "poor", "near_poor"
CLASSES = (POOR, NEAR_POOR)
ESCAPED_TO = {POOR: ("near_poor", "average", "none"), NEAR_POOR: ("average", "none")}
YEAR_MIN, YEAR_MAX = 2000, 2100
PAGE_SIZE_MAX = 200
EXPORT_BATCH = 2000

NO_SUPPORT = "chua-ho-tro"
UNMET_NEEDS = "nhu-cau-chua-dap-ung"
OVERDUE_ASSIGNMENTS = "phan-cong-qua-han"
ESCAPED = "da-thoat-ngheo"
SLUGS = (NO_SUPPORT, UNMET_NEEDS, OVERDUE_ASSIGNMENTS, ESCAPED)


class ListParameterError(ValueError):
    """A list parameter out of bounds; the message (Vietnamese) names the field."""

    def __init__(self, field_name: str, message: str) -> None:
        super().__init__(message)
        self.field = field_name
        self.message = message


@dataclass
class SupportYear:
    """Support one household received in one year (the ``escaped`` list)."""

    year: int
    count: int = 0
    money: int = 0
    kinds: list[str] = field(default_factory=list)

    @property
    def money_text(self) -> str:
        return format_money(self.money) if self.money else ""


@dataclass
class ListRow:
    household_id: int
    code: str
    head_name: str
    commune_name: str
    hamlet_name: str
    unit_path: str
    klass: str  # status at the end of the list's year
    previous_klass: str = ""  # ``escaped``: status at the end of the year before
    needs: list[str] = field(default_factory=list)  # ``unmet_needs``: labels of the unmet needs
    causes: list[str] = field(default_factory=list)  # ``unmet_needs``: causes of poverty from the same case
    assignments: list[dict[str, Any]] = field(default_factory=list)  # ``overdue_assignments``
    support: list[SupportYear] = field(default_factory=list)  # ``escaped``: Y−2, Y−1, Y

    @property
    def pk(self) -> int:  # the keyset cursor reads ``pk`` and ``unit_path``
        return self.household_id


@dataclass(frozen=True)
class ListPage:
    rows: list[ListRow]
    next_cursor: str | None
    previous_cursor: str | None
    start: int  # 1-based position of the first row
    total: int


def _check(*, year: int, klass: str | None, page_size: int = 50, escaped: bool = False) -> None:
    if not isinstance(year, int) or not YEAR_MIN <= year <= YEAR_MAX:
        raise ListParameterError("year", _("Năm phải từ %(min)d đến %(max)d.") % {"min": YEAR_MIN, "max": YEAR_MAX})
    if klass not in (None, "", *CLASSES):
        raise ListParameterError("klass", _("Phân loại hộ không hợp lệ: chỉ chọn hộ nghèo hoặc hộ cận nghèo."))
    if not 1 <= page_size <= PAGE_SIZE_MAX:
        raise ListParameterError("page_size", _("Số dòng mỗi trang phải từ 1 đến %(max)d.") % {"max": PAGE_SIZE_MAX})


def _end(year: int) -> dt.date:
    return dt.date(year, 12, 31)


def _households(*, user: Any, unit_path: str | None) -> QuerySet[Household]:
    """Live households the user may read support of (both permissions), inside ``unit_path`` when given
    (404 when that unit is outside the scope)."""
    qs = Household.objects.filter(deleted_at__isnull=True)
    qs = qs.filter(scope_q(user, Perm.SUPPORT_VIEW)).filter(scope_q(user, Perm.HOUSEHOLD_VIEW))
    if unit_path:
        require(user, Perm.SUPPORT_VIEW, unit_path)
        require(user, Perm.HOUSEHOLD_VIEW, unit_path)
        qs = qs.filter(unit_path__startswith=unit_path)
    return qs


def _status(year: int) -> FilteredRelation:
    """The household's national span in force at the end of ``year`` (at most one: spans do not overlap)."""
    return FilteredRelation(
        "status_spans", condition=Q(status_spans__series=NATIONAL) & at_end_of(year, prefix="status_spans__"))


def _poor_or_near_poor(qs: QuerySet[Household], year: int, klass: str | None) -> QuerySet[Household]:
    return (qs.annotate(end_status=_status(year))
            .filter(end_status__klass__in=[klass] if klass else list(CLASSES))
            .annotate(klass=F("end_status__klass")))


def _support_in(year: int) -> QuerySet[SupportRecord]:
    return SupportRecord.objects.filter(household=OuterRef("pk"), deleted_at__isnull=True,
                                        given_on__gte=dt.date(year, 1, 1), given_on__lte=_end(year))


def _unmet_needs_of(year: int) -> QuerySet[CaseNeed]:
    """Current needs stated by the end of ``year`` that no answering support met (``OuterRef("pk")`` is the
    household)."""
    met = SupportRecord.objects.filter(
        household=OuterRef("household_id"), deleted_at__isnull=True, kind__needs__need=OuterRef("code"),
        given_on__gte=OuterRef("stated_on"), given_on__lte=_end(year))
    return CaseNeed.objects.filter(current=True, stated_on__lte=_end(year)).filter(~Exists(met))


def _overdue_of(year: int) -> QuerySet[Assignment]:
    end = _end(year)
    return Assignment.objects.filter(deleted_at__isnull=True, target_year__lt=year, since__lte=end).filter(
        Q(ended_on__isnull=True) | Q(ended_on__gt=end))


# The queryset of each list (households, scope applied, ``klass`` annotated). ``list_queryset`` picks one.

def no_support_households(*, user: Any, year: int, unit_path: str | None = None,
                          klass: str | None = None) -> QuerySet[Household]:
    _check(year=year, klass=klass)
    qs = _poor_or_near_poor(_households(user=user, unit_path=unit_path), year, klass)
    return qs.filter(~Exists(_support_in(year)))


def unmet_needs_households(*, user: Any, year: int, unit_path: str | None = None,
                           klass: str | None = None) -> QuerySet[Household]:
    _check(year=year, klass=klass)
    qs = _poor_or_near_poor(_households(user=user, unit_path=unit_path), year, klass)
    return qs.filter(Exists(_unmet_needs_of(year).filter(household=OuterRef("pk"))))


def overdue_assignment_households(*, user: Any, year: int, unit_path: str | None = None,
                                  klass: str | None = None) -> QuerySet[Household]:
    _check(year=year, klass=klass)
    qs = _poor_or_near_poor(_households(user=user, unit_path=unit_path), year, klass)
    return qs.filter(Exists(_overdue_of(year).filter(household=OuterRef("pk"))))


def escaped_households(*, user: Any, year: int, unit_path: str | None = None,
                       klass: str | None = None) -> QuerySet[Household]:
    """``klass``: the class escaped from, ``poor`` (the default) or ``near_poor``."""
    _check(year=year, klass=klass)
    if year - 1 < YEAR_MIN:
        raise ListParameterError("year", _("Năm phải từ %(min)d đến %(max)d.") % {"min": YEAR_MIN + 1,
                                                                                  "max": YEAR_MAX})
    origin = klass or POOR
    return (_households(user=user, unit_path=unit_path)
            .annotate(start_status=_status(year - 1), end_status=_status(year))
            .filter(start_status__klass=origin, end_status__klass__in=ESCAPED_TO[origin])
            .annotate(klass=F("end_status__klass"), previous_klass=F("start_status__klass")))


QUERYSETS: dict[str, Callable[..., QuerySet[Household]]] = {
    NO_SUPPORT: no_support_households,
    UNMET_NEEDS: unmet_needs_households,
    OVERDUE_ASSIGNMENTS: overdue_assignment_households,
    ESCAPED: escaped_households,
}


def list_queryset(slug: str, *, user: Any, year: int, unit_path: str | None = None,
                  klass: str | None = None) -> QuerySet[Household]:
    return QUERYSETS[slug](user=user, year=year, unit_path=unit_path, klass=klass)


def list_count(slug: str, *, user: Any, year: int, unit_path: str | None = None, klass: str | None = None) -> int:
    return list_queryset(slug, user=user, year=year, unit_path=unit_path, klass=klass).count()


def status_counts(*, user: Any, year: int, unit_path: str | None = None) -> dict[str, int]:
    """Households poor and near-poor at the end of ``year`` among the households of the lists."""
    _check(year=year, klass=None)
    households: Any = _poor_or_near_poor(_households(user=user, unit_path=unit_path), year, None)
    rows = households.order_by().values("klass").annotate(n=Count("pk"))
    counts = dict.fromkeys(CLASSES, 0)
    counts.update({row["klass"]: row["n"] for row in rows})
    return counts


# Rows: the page's households, then what each list shows about them (one query per kind of detail).

def _rows(households: list[Any]) -> list[ListRow]:
    return [
        ListRow(household_id=h.pk, code=h.code, head_name=h.head_name, commune_name=h.commune.name,
                hamlet_name=h.hamlet.name if h.hamlet else "", unit_path=h.unit_path, klass=h.klass,
                previous_klass=getattr(h, "previous_klass", "") or "")
        for h in households
    ]


def _add_needs(rows: list[ListRow], year: int) -> None:
    ids = [row.household_id for row in rows]
    needs = list(_unmet_needs_of(year).filter(household_id__in=ids).order_by("household_id", "code")
                 .values_list("household_id", "code", "case_id"))
    causes = dict(ReviewCase.objects.filter(pk__in={case for _h, _c, case in needs}).values_list("pk", "causes"))
    by_household = {row.household_id: row for row in rows}
    for household_id, code, case_id in needs:
        row = by_household[household_id]
        row.needs.append(str(WISH_LABELS.get(code, code)))
        for cause in causes.get(case_id) or []:
            label = str(CAUSE_LABELS.get(cause, cause))
            if label not in row.causes:
                row.causes.append(label)


def _add_assignments(rows: list[ListRow], year: int) -> None:
    ids = [row.household_id for row in rows]
    by_household = {row.household_id: row for row in rows}
    found = (_overdue_of(year).filter(household_id__in=ids).order_by("household_id", "target_year", "since", "pk")
             .values("household_id", "helper_type", "helper_name", "helper_unit", "since", "target_year"))
    for item in found:
        shown: dict[str, Any] = dict(item)
        shown["years_overdue"] = year - item["target_year"]
        by_household[shown.pop("household_id")].assignments.append(shown)


def _add_support(rows: list[ListRow], year: int) -> None:
    ids = [row.household_id for row in rows]
    records = SupportRecord.objects.filter(household_id__in=ids, deleted_at__isnull=True,
                                           given_on__gte=dt.date(year - 2, 1, 1), given_on__lte=_end(year))
    years = {row.household_id: {y: SupportYear(y) for y in (year - 2, year - 1, year)} for row in rows}
    totals = (records.annotate(y=ExtractYear("given_on")).order_by().values("household_id", "y")
              .annotate(n=Count("pk"), money=Sum("amount")))
    for item in totals:
        entry = years[item["household_id"]][item["y"]]
        entry.count, entry.money = item["n"], item["money"] or 0
    kinds = (records.annotate(y=ExtractYear("given_on")).order_by("household_id", "y", "kind__position", "kind__name")
             .values_list("household_id", "y", "kind__name").distinct())
    for household_id, y, name in kinds:
        if name not in years[household_id][y].kinds:
            years[household_id][y].kinds.append(name)
    for row in rows:
        row.support = list(years[row.household_id].values())


DETAILS: dict[str, Callable[[list[ListRow], int], None]] = {
    UNMET_NEEDS: _add_needs,
    OVERDUE_ASSIGNMENTS: _add_assignments,
    ESCAPED: _add_support,
}


def list_page(slug: str, *, user: Any, year: int, unit_path: str | None = None, klass: str | None = None,
              after: str | None = None, before: str | None = None, start: int = 1, page_size: int = 50,
              with_total: bool = True) -> ListPage:
    """One page of a list (see the module's definitions): ``after``/``before`` are keyset cursors of the
    previous page's last or next page's first row; a tampered cursor only moves the page."""
    _check(year=year, klass=klass, page_size=page_size)
    return _page(slug, user=user, year=year, unit_path=unit_path, klass=klass, after=after, before=before,
                 start=start, page_size=page_size, with_total=with_total)


def _page(slug: str, *, user: Any, year: int, unit_path: str | None, klass: str | None, after: str | None,
          before: str | None, start: int, page_size: int, with_total: bool) -> ListPage:
    qs = list_queryset(slug, user=user, year=year, unit_path=unit_path, klass=klass)
    page = keyset_page(qs.select_related("commune", "hamlet"), after=after, before=before, start=start,
                       size=page_size)
    rows = _rows(page.rows)
    if rows and slug in DETAILS:
        DETAILS[slug](rows, year)
    return ListPage(rows=rows, next_cursor=page.next_cursor, previous_cursor=page.previous_cursor,
                    start=page.start, total=qs.count() if with_total else -1)


def no_support(*, user: Any, year: int, unit_path: str | None = None, klass: str | None = None,
               after: str | None = None, before: str | None = None, start: int = 1, page_size: int = 50) -> ListPage:
    return list_page(NO_SUPPORT, user=user, year=year, unit_path=unit_path, klass=klass, after=after,
                     before=before, start=start, page_size=page_size)


def unmet_needs(*, user: Any, year: int, unit_path: str | None = None, klass: str | None = None,
                after: str | None = None, before: str | None = None, start: int = 1, page_size: int = 50) -> ListPage:
    return list_page(UNMET_NEEDS, user=user, year=year, unit_path=unit_path, klass=klass, after=after,
                     before=before, start=start, page_size=page_size)


def overdue_assignments(*, user: Any, year: int, unit_path: str | None = None, klass: str | None = None,
                        after: str | None = None, before: str | None = None, start: int = 1,
                        page_size: int = 50) -> ListPage:
    return list_page(OVERDUE_ASSIGNMENTS, user=user, year=year, unit_path=unit_path, klass=klass, after=after,
                     before=before, start=start, page_size=page_size)


def escaped(*, user: Any, year: int, unit_path: str | None = None, klass: str | None = None,
            after: str | None = None, before: str | None = None, start: int = 1, page_size: int = 50) -> ListPage:
    return list_page(ESCAPED, user=user, year=year, unit_path=unit_path, klass=klass, after=after,
                     before=before, start=start, page_size=page_size)


def list_rows(slug: str, *, user: Any, year: int, unit_path: str | None = None,
              klass: str | None = None) -> Iterator[ListRow]:
    """Every row of a list, a keyset page at a time (the export): memory stays that of one page."""
    after: str | None = None
    while True:
        # Larger than a screen's page (the bound of ``list_page``): fewer round trips for a province's file.
        page = _page(slug, user=user, year=year, unit_path=unit_path, klass=klass, after=after, before=None,
                     start=1, page_size=EXPORT_BATCH, with_total=False)
        yield from page.rows
        if page.next_cursor is None:
            return
        after = page.next_cursor
