"""Reads of the household registry for pages, exports and the API — always on behalf of a user.

Every function here takes the acting user and goes through ``accounts.scope``: a household outside the
user's units does not exist for them (404, never 403).
"""

from __future__ import annotations

import json
from typing import Any

from django.db import connection
from django.db.models import QuerySet, TextField, Value
from django.db.models.functions import Concat
from django.http import Http404
from django.utils.translation import gettext as _

from giamngheo.accounts.roles import Perm
from giamngheo.accounts.scope import allows, paths_for, require, scope_queryset
from giamngheo.core.errors import ApplicationError
from giamngheo.geo.models import AdminUnit, Generation, UnitLevel
from giamngheo.households.classification import (
    classification_is_stale,
    engine_record,
    explain,
    household_reclassify,
    record_problems,
    standards_for,
)
from giamngheo.households.models import Household
from giamngheo.households.search import household_search_q, search_words
from giamngheo.standards import StandardError, get_standard
from giamngheo.standards.record import record_year

__all__ = [
    "household_classification_view", "household_get", "household_list", "household_list_count", "search_words",
]

# Lists up to this size are counted exactly; larger ones (a province's whole registry) get the planner's
# estimate. Measured at 1 M households (docs/performance-registry.md): an exact count of a province's 500 000
# households costs ~0.5 s, a count bounded at 10 000 rows ~15 ms, the planner's estimate ~10 ms and within a few
# percent for large lists (it is poor only for small ones, which are counted exactly).
EXACT_COUNT_LIMIT = 10_000


def _within_communes(user: Any) -> bool:
    """Every unit the user may see households of is a commune or lower (``/86/86001/`` or deeper)."""
    paths = paths_for(user, Perm.HOUSEHOLD_VIEW)
    return bool(paths) and all(path.strip("/").count("/") >= 1 for path in paths)


def household_list(
    *,
    user: Any,
    commune_code: str | None = None,
    hamlet_id: int | None = None,
    q: str | None = None,
    klass: str | None = None,
    include_deleted: bool = False,
) -> QuerySet[Household]:
    """Households the user may see, filtered; ordered by unit then id (stable, index-backed paging).

    ``q`` matches code, member names and hamlet name, ignoring diacritics and word order: every word must
    appear. A word of digits also matches part of a member's citizen ID, but only in units where the user
    may see citizen IDs (``households.search``). A ``commune_code`` or ``hamlet_id`` outside the user's
    scope simply yields nothing.
    """
    households = Household.objects.all()
    if not include_deleted:
        households = households.filter(deleted_at__isnull=True)
    households = scope_queryset(households, user, Perm.HOUSEHOLD_VIEW, field="unit_path")
    if commune_code:
        commune = AdminUnit.objects.filter(
            level=UnitLevel.COMMUNE, generation=Generation.CURRENT, code=commune_code
        ).first()
        if commune is None:
            return households.none()
        # A prefix on unit_path (indexed) rather than a join on commune_id: the same index serves scope.
        households = households.filter(unit_path__startswith=commune.path)
    if hamlet_id is not None:
        households = households.filter(hamlet_id=hamlet_id)
    words = search_words(q)
    if words and connection.vendor == "postgresql" and (
        commune_code or hamlet_id is not None or _within_communes(user)
    ):
        # A commune's few thousand rows are filtered faster one by one than through the trigram index,
        # whose bitmaps for common words ("nguyen", "van") span the whole country: hide the column from
        # the planner. Wider scopes keep the index, which rare words need (docs/performance-registry.md).
        households = households.alias(_search=Concat("search_text", Value(""), output_field=TextField()))
        households = households.filter(household_search_q(user=user, q=q, text_field="_search", small_scope=True))
    elif words:
        households = households.filter(household_search_q(user=user, q=q))
    if klass:
        households = households.filter(current_class=klass)
    return households.select_related("commune", "hamlet").order_by("unit_path", "id")


def household_list_count(households: QuerySet[Household]) -> tuple[int, bool]:
    """How many households a ``household_list`` queryset holds, and whether that number is exact.

    Exact up to ``EXACT_COUNT_LIMIT`` (a bounded count, so its cost is bounded too); above it, on PostgreSQL,
    the planner's row estimate — never less than the bound it is known to exceed. SQLite counts exactly.
    """
    if connection.vendor != "postgresql":
        return households.count(), True
    bounded = households.order_by().values("pk")[: EXACT_COUNT_LIMIT + 1].count()
    if bounded <= EXACT_COUNT_LIMIT:
        return bounded, True
    sql, params = households.order_by().values("pk").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        plan = cursor.fetchone()[0]
    plan = json.loads(plan) if isinstance(plan, str) else plan
    return max(int(plan[0]["Plan"]["Plan Rows"]), EXACT_COUNT_LIMIT + 1), False


def household_get(*, user: Any, code: str, perm: str = Perm.HOUSEHOLD_VIEW) -> Household:
    """One live household by code, with its units and members loaded; 404 when missing or out of scope
    for ``perm`` (the two are indistinguishable on purpose)."""
    household = (
        Household.objects.filter(code=code, deleted_at__isnull=True)
        .select_related("commune__parent", "hamlet", "created_by", "updated_by")
        .prefetch_related("members")
        .first()
    )
    if household is None or not allows(user, perm, household.unit_path):
        # One message for both: the answer must not tell whether the code exists elsewhere.
        raise Http404(_("Không tìm thấy hộ gia đình này, hoặc hộ không thuộc địa bàn bạn được giao."))
    return household


def household_classification_view(
    *, household: Household, user: Any, lang: str, standard: str | None = None
) -> list[dict[str, Any]]:
    """The household's class under each standard in force for it (national first, then local), with the
    explanation in ``lang``. Stored results are reused unless the standard's definition or the household's
    facts changed since; then they are recomputed and stored. ``standard`` narrows to one standard id and
    raises ``ApplicationError(field="standard")`` when it is unknown or not in force for this household."""
    require(user, Perm.HOUSEHOLD_VIEW, household.unit_path)
    record = engine_record(household)
    standards = standards_for(record)
    if standard is not None:
        try:
            get_standard(standard)
        except StandardError:
            raise ApplicationError(
                _("Không có chuẩn nghèo mã “%(standard)s”.") % {"standard": standard}, field="standard"
            ) from None
        standards = [s for s in standards if s.id == standard]
        if not standards:
            raise ApplicationError(
                _("Chuẩn nghèo “%(standard)s” không áp dụng cho hộ này (năm rà soát %(year)d).")
                % {"standard": standard, "year": record_year(record)},
                field="standard",
            )
    rows = {row.standard_id: row for row in household.classifications.all()}
    if any(s.id not in rows or classification_is_stale(rows[s.id], s, record) for s in standards):
        rows = {row.standard_id: row for row in household_reclassify(household=household)}
    views = []
    problems = record_problems(record)
    for target in standards:
        row = rows.get(target.id)
        if row is None or problems:
            views.append({
                "standard": target.id,
                "title": target.title_en if lang == "en" else target.title_vi,
                "is_local": target.is_local,
                "class": None,
                "problems": [f"{p.path}: {p.message(lang)}" if p.path else p.message(lang) for p in problems],
            })
            continue
        # A bulk import stores results without their explanation (households.classification): explained here.
        result = row.result if lang == "vi" and "explanation" in row.result else explain(record, target, lang=lang)
        views.append({
            "standard": target.id,
            "title": target.title_en if lang == "en" else target.title_vi,
            "is_local": target.is_local,
            "year": row.year,
            "class": row.klass,
            "class_label": result.get("explanation", {}).get("class_label", row.klass),
            "criterion": row.criterion or None,
            "deprivation_count": row.deprivation_count,
            "deprivations": row.deprivations,
            "unknown": row.unknown,
            "income_line": row.income_line,
            "basis": row.basis or None,
            "standard_hash": row.standard_hash,
            "computed_at": row.computed_at,
            "explanation": result.get("explanation"),
        })
    return views
