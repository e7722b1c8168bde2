"""Reads of money mobilised and spent: the summary by source and by level, campaigns with their progress, a
spending's linked support, and the reconciliation list. Every figure is one aggregate query (SUM … GROUP BY);
Python only arranges the handful of grouped rows (seven sources, the communes of one province).

Scope: money is read with ``SUPPORT_VIEW`` on the entry's unit; support records linked to a spending name
households, so listing them also needs ``HOUSEHOLD_VIEW`` on the record's unit. Anything outside answers 404.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Count, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce, Greatest
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from giamngheo.accounts.roles import Perm
from giamngheo.accounts.scope import require, scope_q, scope_queryset
from giamngheo.core.errors import ValidationFailed
from giamngheo.core.formatting import format_date
from giamngheo.geo.models import AdminUnit, Generation, UnitLevel
from giamngheo.support.models import Campaign, FlowDirection, FundSource, Pledge, ResourceEntry, SupportRecord
from giamngheo.support.services.resources import FIRST_YEAR, LAST_YEAR, RESOURCE_LEVELS, money_text

# The reconciliation lists at most this many rows of one kind (a unit with more has a bigger problem than a list).
MAX_MISMATCHES = 200
MAX_PK = 2**63 - 1


def not_found() -> Http404:
    return Http404(_("Không tìm thấy hoặc bạn không có quyền truy cập."))


def _live(qs: QuerySet[Any]) -> QuerySet[Any]:
    return qs.filter(deleted_at__isnull=True)


# ------------------------------------------------------------------------------------------------- periods


@dataclass(frozen=True)
class Period:
    """A year, or one quarter or month of it: ``first``…``last`` inclusive."""

    year: int
    quarter: int | None = None
    month: int | None = None

    @property
    def first(self) -> dt.date:
        if self.month:
            return dt.date(self.year, self.month, 1)
        if self.quarter:
            return dt.date(self.year, 3 * self.quarter - 2, 1)
        return dt.date(self.year, 1, 1)

    @property
    def last(self) -> dt.date:
        month = self.month or (3 * self.quarter if self.quarter else 12)
        return dt.date(self.year, month, calendar.monthrange(self.year, month)[1])

    @property
    def label(self) -> str:
        if self.month:
            return _("tháng %(month)s/%(year)s") % {"month": self.month, "year": self.year}
        if self.quarter:
            return _("quý %(quarter)s năm %(year)s") % {"quarter": self.quarter, "year": self.year}
        return _("năm %(year)s") % {"year": self.year}

    def q(self, field: str = "on") -> Q:
        return Q(**{f"{field}__gte": self.first, f"{field}__lte": self.last})


def resource_period(*, year: Any, quarter: Any = None, month: Any = None) -> Period:
    """A bounded period (year 2000–2100, quarter 1–4, month 1–12, a month inside the quarter when both are
    given), or ``ValidationFailed`` naming the parameter."""
    errors: dict[str, list[str]] = {}

    def number(name: str, value: Any, low: int, high: int, label: str) -> int | None:
        if value in (None, ""):
            return None
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            errors[name] = [_("%(label)s: phải từ %(low)s đến %(high)s.") % {"label": label, "low": low, "high": high}]
            return None
        return value

    y = number("year", year, FIRST_YEAR, LAST_YEAR, _("Năm"))
    if y is None and "year" not in errors:
        errors["year"] = [_("Năm: chưa chọn năm.")]
    q = number("quarter", quarter, 1, 4, _("Quý"))
    m = number("month", month, 1, 12, _("Tháng"))
    if q and m and (m - 1) // 3 + 1 != q:
        errors["month"] = [_("Tháng: tháng %(month)s không thuộc quý %(quarter)s.") % {"month": m, "quarter": q}]
    if errors or y is None:
        raise ValidationFailed(_("Kỳ báo cáo không hợp lệ."), errors=errors)
    return Period(year=y, quarter=None if m else q, month=m)


# ------------------------------------------------------------------------------------------------- units


def resource_units(*, user: Any, perm: str = Perm.SUPPORT_VIEW) -> QuerySet[AdminUnit]:
    """Provinces and communes (current tree) inside the user's scope for ``perm``: where money is booked."""
    units = AdminUnit.objects.filter(level__in=RESOURCE_LEVELS, valid_to__isnull=True, generation=Generation.CURRENT)
    return scope_queryset(units, user, perm, field="path").order_by("path")


def resource_unit_get(*, user: Any, code: str, perm: str = Perm.SUPPORT_VIEW) -> AdminUnit:
    if not isinstance(code, str) or not code or len(code) > 20:
        raise not_found()
    unit = resource_units(user=user, perm=perm).filter(code=code).first()
    if unit is None:
        raise not_found()
    return unit


# ------------------------------------------------------------------------------------------------ entries


def resource_entry_list(
    *,
    user: Any,
    unit: AdminUnit | None = None,
    period: Period | None = None,
    direction: str | None = None,
    source: str | None = None,
    campaign: Campaign | None = None,
) -> QuerySet[ResourceEntry]:
    """Live entries the user may read, newest first; ``unit`` takes the unit and everything below it."""
    entries = scope_queryset(_live(ResourceEntry.objects.all()), user, Perm.SUPPORT_VIEW)
    if unit is not None:
        entries = entries.filter(unit_path__startswith=unit.path)
    if period is not None:
        entries = entries.filter(period.q())
    if direction:
        entries = entries.filter(direction=direction)
    if source:
        entries = entries.filter(source=source)
    if campaign is not None:
        entries = entries.filter(campaign=campaign)
    return entries.select_related("unit", "programme", "campaign", "pledge").order_by("-on", "-id")


def _get(qs: QuerySet[Any], pk: Any, user: Any, perm: str) -> Any:
    if isinstance(pk, bool) or not isinstance(pk, int) or not 1 <= pk <= MAX_PK:
        raise not_found()
    obj = _live(qs).filter(pk=pk).first()
    if obj is None:
        raise not_found()
    require(user, Perm.SUPPORT_VIEW, obj.unit_path)
    require(user, perm, obj.unit_path)
    return obj


def resource_entry_get(*, user: Any, pk: int, perm: str = Perm.SUPPORT_VIEW) -> ResourceEntry:
    entry: ResourceEntry = _get(ResourceEntry.objects.select_related("unit", "programme", "campaign", "pledge"),
                                pk, user, perm)
    return entry


def campaign_get(*, user: Any, pk: int, perm: str = Perm.SUPPORT_VIEW) -> Campaign:
    campaign: Campaign = _get(Campaign.objects.select_related("unit"), pk, user, perm)
    return campaign


def pledge_get(*, user: Any, pk: int, perm: str = Perm.SUPPORT_VIEW) -> Pledge:
    pledge: Pledge = _get(Pledge.objects.select_related("campaign"), pk, user, perm)
    if pledge.campaign.deleted_at is not None:
        raise not_found()
    return pledge


def _received(prefix: str = "") -> Q:
    return Q(**{f"{prefix}deleted_at__isnull": True, f"{prefix}direction": FlowDirection.MOBILISED})


def campaign_list(*, user: Any, unit: AdminUnit | None = None, year: int | None = None) -> QuerySet[Campaign]:
    """Live campaigns the user may read, with ``pledged`` and ``received`` totals, newest first."""
    campaigns = scope_queryset(_live(Campaign.objects.all()), user, Perm.SUPPORT_VIEW)
    if unit is not None:
        campaigns = campaigns.filter(unit_path__startswith=unit.path)
    if year is not None:
        campaigns = campaigns.filter(starts_on__lte=dt.date(year, 12, 31), ends_on__gte=dt.date(year, 1, 1))
    pledged = Pledge.objects.filter(campaign=OuterRef("pk"), deleted_at__isnull=True).values("campaign") \
        .annotate(total=Sum("amount")).values("total")
    received = ResourceEntry.objects.filter(_received(), campaign=OuterRef("pk")).values("campaign") \
        .annotate(total=Sum("amount")).values("total")
    return campaigns.select_related("unit").annotate(
        pledged=Coalesce(Subquery(pledged, output_field=IntegerField()), 0),
        received=Coalesce(Subquery(received, output_field=IntegerField()), 0),
    ).order_by("-starts_on", "-id")


# -------------------------------------------------------------------------------------------- campaigns


@dataclass(frozen=True)
class PledgeRow:
    pledge: Pledge
    received: int
    outstanding: int  # what is still to come; negative when the donor gave more than pledged

    @property
    def over(self) -> bool:
        return self.outstanding < 0


@dataclass(frozen=True)
class DayRow:
    on: dt.date
    received: int
    cumulative: int
    share_of_goal: Decimal | None


@dataclass(frozen=True)
class CampaignProgress:
    campaign: Campaign
    goal: int | None
    pledged: int
    received: int
    received_on_pledges: int
    received_without_pledge: int
    outstanding: int  # sum over pledges of what is still to come (a pledge over-paid counts 0)
    pledges: list[PledgeRow]
    days: list[DayRow]
    received_in_period: int  # between starts_on and ends_on

    @property
    def share_of_goal(self) -> Decimal | None:
        return Decimal(self.received) / Decimal(self.goal) if self.goal else None

    @property
    def share_pledged(self) -> Decimal | None:
        return Decimal(self.received_on_pledges) / Decimal(self.pledged) if self.pledged else None


def campaign_progress(*, campaign: Campaign) -> CampaignProgress:
    """Pledged, received and outstanding for a campaign the caller may already read (``campaign_get``)."""
    receipts = ResourceEntry.objects.filter(_received(), campaign=campaign)
    received_per_pledge = receipts.filter(pledge=OuterRef("pk")).values("pledge").annotate(t=Sum("amount")) \
        .values("t")
    received = Coalesce(Subquery(received_per_pledge, output_field=IntegerField()), 0)
    live_pledges = _live(campaign.pledges.all())
    pledges = live_pledges.annotate(received=received, outstanding=F("amount") - received).order_by("pledged_on", "id")
    # The expression is repeated rather than naming the annotation: an aggregate over an annotation alias inside
    # GREATEST is written by Django as a bare column name the outer query does not have.
    totals = live_pledges.aggregate(pledged=Coalesce(Sum("amount"), 0),
                                    outstanding=Coalesce(Sum(Greatest(F("amount") - received, Value(0))), 0))
    money = receipts.aggregate(
        received=Coalesce(Sum("amount"), 0),
        on_pledges=Coalesce(Sum("amount", filter=Q(pledge__isnull=False, pledge__deleted_at__isnull=True)), 0),
        in_period=Coalesce(Sum("amount", filter=Q(on__gte=campaign.starts_on, on__lte=campaign.ends_on)), 0),
    )
    goal = campaign.goal_amount
    days: list[DayRow] = []
    running = 0
    for row in receipts.values("on").annotate(total=Sum("amount")).order_by("on"):
        running += row["total"]
        days.append(DayRow(on=row["on"], received=row["total"], cumulative=running,
                           share_of_goal=Decimal(running) / Decimal(goal) if goal else None))
    return CampaignProgress(
        campaign=campaign, goal=goal, pledged=totals["pledged"], received=money["received"],
        received_on_pledges=money["on_pledges"], received_without_pledge=money["received"] - money["on_pledges"],
        outstanding=totals["outstanding"],
        pledges=[PledgeRow(pledge=p, received=p.received, outstanding=p.outstanding)  # type: ignore[attr-defined]
                 for p in pledges],
        days=days, received_in_period=money["in_period"],
    )


# ------------------------------------------------------------------------------------------- spending links


def _records_in_reach(user: Any) -> Q:
    return scope_q(user, Perm.SUPPORT_VIEW) & scope_q(user, Perm.HOUSEHOLD_VIEW)


@dataclass(frozen=True)
class SpendingLinks:
    spending: ResourceEntry
    linked_total: int
    linked_count: int

    @property
    def remaining(self) -> int:
        return self.spending.amount - self.linked_total

    @property
    def over(self) -> bool:
        return self.linked_total > self.spending.amount


def spending_links(*, spending: ResourceEntry) -> SpendingLinks:
    """A spending's linked support total against its amount (every linked record counts, in scope or not: the
    figure is the spending's)."""
    totals = _live(SupportRecord.objects.filter(funded_by=spending)).aggregate(
        total=Coalesce(Sum("amount"), 0), count=Count("pk"))
    return SpendingLinks(spending=spending, linked_total=totals["total"], linked_count=totals["count"])


def spending_linked_records(*, user: Any, spending: ResourceEntry) -> QuerySet[SupportRecord]:
    """The linked records the user may read (they name households)."""
    return _live(SupportRecord.objects.filter(_records_in_reach(user), funded_by=spending)) \
        .select_related("household", "kind", "programme").order_by("-given_on", "-id")


def spending_candidates(
    *, user: Any, spending: ResourceEntry, year: int | None = None, kind_id: int | None = None, q: str = ""
) -> QuerySet[SupportRecord]:
    """Records the spending could pay for: live, unlinked, of households inside its unit, of its year or
    before, readable by the user; optionally of one year or kind, or of a household code / head's name."""
    records = _live(SupportRecord.objects.filter(
        _records_in_reach(user), unit_path__startswith=spending.unit_path, year__lte=spending.year,
        funded_by__isnull=True))
    if year is not None:
        records = records.filter(year=year)
    if kind_id is not None:
        records = records.filter(kind_id=kind_id)
    if q:
        records = records.filter(Q(household__code__icontains=q) | Q(household__head_name__icontains=q))
    return records.select_related("household", "kind", "programme").order_by("-given_on", "-id")


# ------------------------------------------------------------------------------------------------- summary


@dataclass(frozen=True)
class Flow:
    mobilised: int
    spent: int

    @property
    def balance(self) -> int:
        return self.mobilised - self.spent


@dataclass(frozen=True)
class SourceRow:
    source: str
    label: str
    flow: Flow

    @property
    def overspent(self) -> bool:
        return self.flow.spent > self.flow.mobilised


@dataclass(frozen=True)
class LevelRow:
    unit: AdminUnit
    own: bool  # the unit's own books (vs. one of its communes)
    flow: Flow


@dataclass(frozen=True)
class ResourceSummary:
    unit: AdminUnit
    period: Period
    by_source: list[SourceRow]
    total: Flow
    by_level: list[LevelRow]
    levels_total: Flow  # the rows added up
    entries: int

    @property
    def levels_add_up(self) -> bool:
        return self.levels_total == self.total


def _flows() -> dict[str, Any]:
    return {
        "mobilised": Coalesce(Sum("amount", filter=Q(direction=FlowDirection.MOBILISED)), 0),
        "spent": Coalesce(Sum("amount", filter=Q(direction=FlowDirection.SPENT)), 0),
    }


def resource_summary(*, user: Any, unit: AdminUnit, period: Period) -> ResourceSummary:
    """Mobilised, spent and balance of ``unit`` and everything below it in ``period``: by source; and by level
    (the unit's own books, then each of its communes as a row). The level rows are grouped by the entry's unit
    while the total is taken by path, so an entry whose path no longer matches its unit shows as rows that do
    not add up — flagged, never silently fixed."""
    require(user, Perm.SUPPORT_VIEW, unit.path)
    entries = _live(ResourceEntry.objects.filter(period.q()))
    under = entries.filter(unit_path__startswith=unit.path)
    flows = _flows()
    grouped = {row["source"]: row for row in under.values("source").annotate(**flows).order_by()}
    total_row = under.aggregate(**flows, count=Count("pk"))
    by_source = [
        SourceRow(source=code, label=str(label),
                  flow=Flow(grouped.get(code, {}).get("mobilised", 0), grouped.get(code, {}).get("spent", 0)))
        for code, label in FundSource.choices
    ]
    own = entries.filter(unit=unit).aggregate(**flows)
    by_level = [LevelRow(unit=unit, own=True, flow=Flow(own["mobilised"], own["spent"]))]
    if unit.level == UnitLevel.PROVINCE:
        per_commune = {row["unit"]: row for row in entries.filter(unit__parent=unit).values("unit")
                       .annotate(**flows).order_by()}
        communes = AdminUnit.objects.filter(parent=unit, level=UnitLevel.COMMUNE) \
            .filter(Q(valid_to__isnull=True) | Q(pk__in=list(per_commune))).order_by("name", "code")
        by_level += [LevelRow(unit=c, own=False, flow=Flow(per_commune.get(c.pk, {}).get("mobilised", 0),
                                                             per_commune.get(c.pk, {}).get("spent", 0)))
                     for c in communes]
    levels_total = Flow(sum(r.flow.mobilised for r in by_level), sum(r.flow.spent for r in by_level))
    return ResourceSummary(unit=unit, period=period, by_source=by_source,
                           total=Flow(total_row["mobilised"], total_row["spent"]), by_level=by_level,
                           levels_total=levels_total, entries=total_row["count"])


# ----------------------------------------------------------------------------------------- reconciliation


@dataclass(frozen=True)
class Mismatch:
    """One inconsistency: ``kind`` (a code), a sentence with the figures, and what it is about."""

    kind: str
    message: str
    object_type: str = ""
    object_id: int | None = None
    figures: dict[str, int] = field(default_factory=dict)


KIND_LABELS = {
    "spending_over_linked": gettext_lazy("Khoản chi gắn hỗ trợ vượt số tiền"),
    "pledge_over_received": gettext_lazy("Tiền nhận vượt số đăng ký ủng hộ"),
    "source_overspent": gettext_lazy("Chi vượt số huy động của nguồn"),
    "levels_do_not_add_up": gettext_lazy("Các cấp cộng lại không bằng tổng"),
    "link_out_of_place": gettext_lazy("Lượt hỗ trợ gắn sai khoản chi"),
}


def kind_label(kind: str) -> str:
    return str(KIND_LABELS.get(kind, kind))


def resource_reconciliation(*, user: Any, unit: AdminUnit, period: Period,
                            summary: ResourceSummary | None = None) -> list[Mismatch]:
    """Every inconsistency of ``unit`` (and below) in ``period``: spending whose linked support is above its
    amount; pledges of campaigns running in the period that received more than pledged; sources spent above
    what was mobilised from them; level rows that do not add up to the total; support records linked to a
    spending of another unit, a later year or that is no spending."""
    summary = summary or resource_summary(user=user, unit=unit, period=period)
    found: list[Mismatch] = []
    spending = _live(ResourceEntry.objects.filter(period.q(), unit_path__startswith=unit.path,
                                                  direction=FlowDirection.SPENT))
    over_linked = spending.annotate(
        linked=Coalesce(Sum("support_records__amount", filter=Q(support_records__deleted_at__isnull=True)), 0),
    ).filter(linked__gt=F("amount")).order_by("-on", "-id").values("pk", "on", "amount", "linked", "description")
    for row in over_linked[:MAX_MISMATCHES]:
        found.append(Mismatch(
            kind="spending_over_linked", object_type="resource_entry", object_id=row["pk"],
            figures={"amount": row["amount"], "linked": row["linked"]},
            message=_("Khoản chi ngày %(on)s «%(what)s»: các lượt hỗ trợ gắn với nó cộng lại %(linked)s, vượt số tiền "
                      "khoản chi %(amount)s (chênh %(gap)s).") % {
                "on": format_date(row["on"]), "what": row["description"], "linked": money_text(row["linked"]),
                "amount": money_text(row["amount"]), "gap": money_text(row["linked"] - row["amount"])},
        ))
    pledges = _live(Pledge.objects.filter(unit_path__startswith=unit.path, campaign__deleted_at__isnull=True,
                                          campaign__starts_on__lte=period.last, campaign__ends_on__gte=period.first))
    over_received = pledges.annotate(
        received=Coalesce(Sum("receipts__amount", filter=_received("receipts__")), 0),
    ).filter(received__gt=F("amount")).order_by("campaign_id", "id") \
        .values("pk", "donor_name", "amount", "received", "campaign__name", "campaign_id")
    for row in over_received[:MAX_MISMATCHES]:
        found.append(Mismatch(
            kind="pledge_over_received", object_type="campaign", object_id=row["campaign_id"],
            figures={"amount": row["amount"], "received": row["received"]},
            message=_("Đợt «%(campaign)s»: «%(donor)s» đăng ký %(amount)s nhưng đã ghi nhận %(received)s (nhiều hơn "
                      "%(gap)s).") % {
                "campaign": row["campaign__name"], "donor": row["donor_name"], "amount": money_text(row["amount"]),
                "received": money_text(row["received"]), "gap": money_text(row["received"] - row["amount"])},
        ))
    for source in summary.by_source:
        if source.overspent:
            found.append(Mismatch(
                kind="source_overspent", figures={"mobilised": source.flow.mobilised, "spent": source.flow.spent},
                message=_("Nguồn «%(source)s» %(period)s: chi %(spent)s, nhiều hơn số huy động %(mobilised)s (chênh "
                          "%(gap)s).") % {
                    "source": source.label, "period": period.label, "spent": money_text(source.flow.spent),
                    "mobilised": money_text(source.flow.mobilised), "gap": money_text(-source.flow.balance)},
            ))
    if not summary.levels_add_up:
        found.append(Mismatch(
            kind="levels_do_not_add_up",
            figures={"mobilised": summary.total.mobilised, "spent": summary.total.spent,
                     "rows_mobilised": summary.levels_total.mobilised, "rows_spent": summary.levels_total.spent},
            message=_("Cấp tỉnh và các xã cộng lại: huy động %(rows_m)s, chi %(rows_s)s; tổng của đơn vị: huy động "
                      "%(m)s, chi %(s)s. Có khoản ghi cho đơn vị không còn khớp với địa bàn.") % {
                "rows_m": money_text(summary.levels_total.mobilised), "rows_s": money_text(summary.levels_total.spent),
                "m": money_text(summary.total.mobilised), "s": money_text(summary.total.spent)},
        ))
    booked = _live(ResourceEntry.objects.filter(period.q(), unit_path__startswith=unit.path))
    misplaced = _live(SupportRecord.objects.filter(funded_by__in=booked.values("pk"))).exclude(
        Q(unit_path__startswith=F("funded_by__unit_path")) & Q(year__lte=F("funded_by__year"))
        & Q(funded_by__direction=FlowDirection.SPENT)
    )
    bad_spending = misplaced.values("funded_by", "funded_by__on", "funded_by__description") \
        .annotate(records=Count("pk")).order_by("funded_by")
    for row in bad_spending[:MAX_MISMATCHES]:
        found.append(Mismatch(
            kind="link_out_of_place", object_type="resource_entry", object_id=row["funded_by"],
            figures={"records": row["records"]},
            message=_("Khoản chi ngày %(on)s «%(what)s»: %(count)s lượt hỗ trợ gắn với nó là của hộ ngoài đơn vị "
                      "của khoản chi hoặc của năm sau khoản chi.") % {
                "on": format_date(row["funded_by__on"]), "what": row["funded_by__description"],
                "count": row["records"]},
        ))
    return found
