"""The report's support figures, added when their records exist and the reader holds ``support.view`` on the
unit, read in the reader's scope through the support app's own selectors (no rule of theirs is repeated here):

* figure 8, targets against achievement: the unit's own targets in force in the year
  (``support.targets.achievement``);
* figure 10, money mobilised and spent, by source and by level (``support.selectors.resources.resource_summary``);
* figure 11, support outputs by kind and by who gave them (``support.selectors.records.support_record_list``)."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Sum
from django.utils.translation import gettext as _

from giamngheo.accounts.roles import Perm
from giamngheo.accounts.scope import allows
from giamngheo.stats.tables.excel import COUNT_FORMAT, simple_sheet, table_titles
from giamngheo.stats.tables.result import ResultTable

MONEY_FORMAT = "#,##0"


def support_sheets(book: Any, table: ResultTable, *, user: Any) -> None:
    if not allows(user, Perm.SUPPORT_VIEW, table.unit.path):
        return
    targets_sheet(book, table, user=user)
    resources_sheet(book, table, user=user)
    outputs_sheet(book, table, user=user)


def _titles(table: ResultTable, title: str) -> list[str]:
    return [title.upper(), *table_titles(table, title)[1:2]]


def targets_sheet(book: Any, table: ResultTable, *, user: Any) -> None:
    from giamngheo.support.models import Target
    from giamngheo.support.targets.achievement import achievement, format_percent_of_plan, format_value

    targets = list(Target.objects.filter(unit=table.unit, deleted_at__isnull=True, baseline_year__lt=table.year,
                                         target_year__gte=table.year).order_by("indicator", "target_year", "pk"))
    if not targets:
        return
    rows = []
    for target in targets:
        result = achievement(target, year=table.year)
        rows.append([str(result.indicator.label), target.source_document, target.baseline_year, target.target_year,
                     format_value(result.indicator, target.value), format_value(result.indicator, result.planned),
                     format_value(result.indicator, result.actual), format_percent_of_plan(result.percent_of_plan),
                     result.reason])
    title = _("Thực hiện chỉ tiêu giảm nghèo năm %(year)s") % {"year": table.year}
    simple_sheet(book, _("Chỉ tiêu"), _titles(table, title),
                 [_("Chỉ tiêu"), _("Văn bản giao"), _("Năm gốc"), _("Năm đích"), _("Giá trị giao"),
                  _("Kế hoạch đến năm nay"), _("Thực hiện"), _("% kế hoạch"), _("Đánh giá")],
                 rows, [None] * 9, [34, 24, 9, 9, 14, 14, 14, 12, 40])


def resources_sheet(book: Any, table: ResultTable, *, user: Any) -> None:
    from giamngheo.support.selectors.resources import resource_period, resource_summary

    summary = resource_summary(user=user, unit=table.unit, period=resource_period(year=table.year))
    if not summary.entries:
        return
    rows: list[list[Any]] = [[row.label, row.flow.mobilised, row.flow.spent, row.flow.balance]
                             for row in summary.by_source]
    rows.append([_("Tổng cộng"), summary.total.mobilised, summary.total.spent, summary.total.balance])
    rows.append([_("Theo cấp"), None, None, None])
    rows += [[_("%(unit)s (sổ của đơn vị)") % {"unit": row.unit.name} if row.own else row.unit.name,
              row.flow.mobilised, row.flow.spent, row.flow.balance] for row in summary.by_level]
    if not summary.levels_add_up:
        rows.append([_("Cộng theo cấp không khớp tổng cộng, cần kiểm tra sổ."), summary.levels_total.mobilised,
                     summary.levels_total.spent, summary.levels_total.balance])
    title = _("Nguồn lực huy động và chi năm %(year)s (đồng)") % {"year": table.year}
    simple_sheet(book, _("Nguồn lực"), _titles(table, title),
                 [_("Nguồn / cấp"), _("Huy động"), _("Chi"), _("Còn lại")], rows,
                 [None, MONEY_FORMAT, MONEY_FORMAT, MONEY_FORMAT], [44, 18, 18, 18])


def outputs_sheet(book: Any, table: ResultTable, *, user: Any) -> None:
    from giamngheo.support.models import ProviderType
    from giamngheo.support.selectors.records import support_record_list

    records = support_record_list(user=user, year=table.year, unit_path=table.unit.path).order_by()
    by_kind = list(records.values("kind__name", "kind__output_label").annotate(
        n=Count("pk"), households=Count("household", distinct=True), quantity=Sum("quantity"),
        amount=Sum("amount")).order_by("kind__name"))
    if not by_kind:
        return
    providers = dict(ProviderType.choices)
    by_provider = list(records.values("provider_type").annotate(n=Count("pk"), households=Count(
        "household", distinct=True), amount=Sum("amount")).order_by("provider_type"))
    rows: list[list[Any]] = [[row["kind__name"], row["n"], row["households"], row["quantity"] or 0,
                              row["kind__output_label"] or "", row["amount"] or 0] for row in by_kind]
    rows.append([_("Theo đơn vị hỗ trợ"), None, None, None, "", None])
    rows += [[str(providers.get(row["provider_type"], row["provider_type"])), row["n"], row["households"], None,
              "", row["amount"] or 0] for row in by_provider]
    title = _("Kết quả hỗ trợ hộ nghèo, hộ cận nghèo năm %(year)s") % {"year": table.year}
    simple_sheet(book, _("Kết quả hỗ trợ"), _titles(table, title),
                 [_("Loại hỗ trợ / đơn vị hỗ trợ"), _("Số lượt hỗ trợ"), _("Số hộ được hỗ trợ"), _("Số lượng"),
                  _("Đơn vị tính"), _("Số tiền (đồng)")], rows,
                 [None, COUNT_FORMAT, COUNT_FORMAT, COUNT_FORMAT, None, MONEY_FORMAT], [40, 14, 14, 12, 14, 18])


__all__ = ["support_sheets"]
