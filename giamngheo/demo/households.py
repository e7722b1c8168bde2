"""Demo steps: the synthetic households of the demo communes, then their classification in one batch.

Households are written with ``bulk_create`` (tens of thousands of rows in seconds), stored exactly as the
registry stores a household entered on a form: one column per record fact, ``head_name``, the folded
``search_text``, ``member_count`` and the hamlet's ``unit_path``. They are then classified in one batch
through the standards engine and stored as the registry's ``household_reclassify`` stores them (result
with its Vietnamese explanation, definition hash, input snapshot), so the pages treat them as fresh.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

from django.db.models import CharField
from django.utils.translation import gettext as _

from giamngheo.core.formatting import format_number, format_percent
from giamngheo.demo.bulk import insert_objects
from giamngheo.demo.context import DemoContext
from giamngheo.demo.population import PopulationGenerator
from giamngheo.geo.models import AdminUnit
from giamngheo.geo.selectors import household_unit_path
from giamngheo.households.classification import standards_for
from giamngheo.households.models import Classification, Household, Member
from giamngheo.households.records import DWELLING_FACTS, HOUSEHOLD_FACTS, MEMBER_FACTS, to_column_value
from giamngheo.households.search import search_text_for
from giamngheo.standards import classify_records
from giamngheo.standards.record import record_year

BATCH = 2000
# Columns that store "not answered" as an empty string rather than NULL (as the registry's services do).
_BLANK_STRING = frozenset(
    f.name for model in (Household, Member) for f in model._meta.get_fields()
    if isinstance(f, CharField) and not f.null
)


def _blank(name: str) -> Any:
    return "" if name in _BLANK_STRING else None


def split_counts(total: int, weights: Iterable[float]) -> list[int]:
    """``total`` split by ``weights`` into whole numbers that add up to ``total`` (largest remainder)."""
    weights = list(weights)
    exact = [total * w / sum(weights) for w in weights]
    counts = [int(x) for x in exact]
    for index in sorted(range(len(exact)), key=lambda i: exact[i] - counts[i], reverse=True)[:total - sum(counts)]:
        counts[index] += 1
    return counts


def _household_row(record: Mapping[str, Any], commune: AdminUnit, hamlet: AdminUnit) -> Household:
    household = Household(code=record["id"], commune=commune, hamlet=hamlet,
                          unit_path=household_unit_path(commune, hamlet))
    for name in HOUSEHOLD_FACTS:
        setattr(household, name, to_column_value(name, record.get(name), blank=_blank(name)))
    for name in DWELLING_FACTS:
        setattr(household, name, to_column_value(name, record["dwelling"].get(name), blank=_blank(name)))
    members = record["members"]
    household.head_name = next(m["name"] for m in members if m["relation"] == "head")
    household.member_count = len(members)
    household.search_text = search_text_for(code=record["id"], hamlet_name=hamlet.name,
                                            member_names=[m["name"] for m in members])
    return household


def _member_rows(household_id: int, members: list[Mapping[str, Any]]) -> list[Member]:
    rows = []
    for position, data in enumerate(members):
        member = Member(household_id=household_id, position=position, member_id=data["id"])
        for name in MEMBER_FACTS:
            setattr(member, name, to_column_value(name, data.get(name), blank=_blank(name)))
        rows.append(member)
    return rows


def household_counts(total: int, weights: list[float], detailed: int) -> list[int]:
    """``total`` households split between the communes: the ``detailed`` first ones (the five real communes
    the demo accounts work in) keep most of a small demo, the others share about 55% of a large one (a few
    each in a small one, so every commune of the map has households)."""
    others = len(weights) - detailed
    if others <= 0:
        return split_counts(total, weights)
    if total >= 10_000:
        share = round(total * 0.55)
        return split_counts(total - share, weights[:detailed]) + split_counts(share, weights[detailed:])
    share = min(total // 2, 3 * others)  # evenly: every commune gets some even when its weight is small
    return split_counts(total - share, weights[:detailed]) + split_counts(share, [1.0] * others)


def create_households(ctx: DemoContext) -> None:
    generator = PopulationGenerator(ctx.seed, ctx.reference_date)
    specs = [ctx.specs[c.code] for c in ctx.all_communes]
    counts = household_counts(ctx.households, [s.weight for s in specs], len(ctx.communes))
    assert ctx.province is not None
    total_members = 0
    for spec, commune, count in zip(specs, ctx.all_communes, counts, strict=True):
        hamlets = {h.name: h for h in ctx.hamlets[commune.code]}
        records = list(generator.households(spec, count=count, hamlets=list(hamlets), area=commune.area_type,
                                            province_code=ctx.province.code))
        members = 0
        for start in range(0, len(records), BATCH):
            batch = records[start:start + BATCH]
            ctx.household_ids.update(store_households(batch, commune, hamlets))
            members += sum(len(r["members"]) for r in batch)
        ctx.household_records.extend(records)
        total_members += members
        if commune in ctx.communes:
            ctx.progress(_("%(commune)s: %(households)s hộ, %(members)s nhân khẩu.") % {
                "commune": commune.name, "households": format_number(len(records)),
                "members": format_number(members)})
    ctx.progress(_("Cả tỉnh: %(households)s hộ, %(members)s nhân khẩu ở %(communes)s xã, phường.") % {
        "households": format_number(ctx.households), "members": format_number(total_members),
        "communes": format_number(sum(1 for n in counts if n))})
    ctx.summary.append((_("Hộ gia đình"), format_number(ctx.households)))
    ctx.summary.append((_("Nhân khẩu"), format_number(total_members)))


def store_households(records: list[dict[str, Any]], commune: AdminUnit, hamlets: dict[str, AdminUnit]) -> dict[str, int]:
    insert_objects([_household_row(record, commune, hamlets[record["hamlet"]]) for record in records])
    ids: dict[str, int] = dict(
        Household.objects.filter(code__in=[r["id"] for r in records]).values_list("code", "pk"))
    insert_objects([m for record in records for m in _member_rows(ids[record["id"]], record["members"])])
    return ids


def engine_view(record: Mapping[str, Any]) -> dict[str, Any]:
    """The record as ``households.classification.engine_record`` gives it for the stored household:
    citizen IDs left out (they never decide a class and must not be copied into snapshots)."""
    return {**record, "members": [{k: v for k, v in m.items() if k != "citizen_id"} for m in record["members"]]}


def classify_households(ctx: DemoContext) -> None:
    if not ctx.household_records:
        return
    ctx.progress(_("Phân loại %(count)s hộ theo chuẩn nghèo đang áp dụng, một lượt cho tất cả…")
                 % {"count": format_number(len(ctx.household_records))})
    records = [engine_view(r) for r in ctx.household_records]
    standards = standards_for(records[0])
    year = record_year(records[0])
    rows: list[Classification] = []
    national: dict[tuple[str, str], list[int]] = {}
    for standard in standards:
        results = classify_records(records, standard, explain=True, lang="vi")
        definition_hash = standard.hash  # computed from the whole definition on each access
        for record, result in zip(records, results, strict=True):
            household_id = ctx.household_ids[record["id"]]
            rows.append(Classification(
                household_id=household_id, standard_id=standard.id, standard_hash=definition_hash,
                is_local=standard.is_local, year=year, klass=result["class"],
                criterion=result.get("criterion") or "", deprivation_count=result["deprivation_count"],
                deprivations=result["deprivations"], unknown=result["unknown"],
                income_line=result.get("income_line"), basis=result.get("basis") or "",
                # Both are plain JSON already (strings, numbers, lists): no ``json_safe`` pass needed.
                result=result, input_snapshot=record,
            ))
            if not standard.is_local:
                national.setdefault((result["class"], standard.id), []).append(household_id)
        if len(rows) >= 5000:
            insert_objects(rows)
            rows = []
    insert_objects(rows)
    # One UPDATE per class (not one per household): the class of every household is known at once.
    for (klass, standard_id), ids in national.items():
        for start in range(0, len(ids), 5000):
            Household.objects.filter(pk__in=ids[start:start + 5000]).update(
                current_class=klass, current_standard=standard_id)
    for label, where in [(c.name, {"commune": c}) for c in ctx.communes] + [
            (ctx.province.name if ctx.province else "", {"commune__in": ctx.all_communes})]:
        counts = Counter(Household.objects.filter(**where).values_list("current_class", flat=True))
        n = sum(counts.values()) or 1
        ctx.summary.append((
            _("Phân loại năm %(year)d — %(commune)s") % {"year": year, "commune": label},
            _("nghèo %(poor)s (%(poor_pct)s), cận nghèo %(near)s (%(near_pct)s)") % {
                "poor": format_number(counts["poor"]), "poor_pct": format_percent(counts["poor"] / n),
                "near": format_number(counts["near_poor"]), "near_pct": format_percent(counts["near_poor"] / n)},
        ))
