"""``/stats``: the statistics rollups — one unit's figures, its children's, its series over the years —, the review's
result table built from them, and the fill state that says how fresh they are.

The endpoints read the same rollups through the same selectors (``stats.selectors``) as the statistics pages, and
find the unit asked for through the same scope check (``stats.views.common.unit_in_scope``, ``stats.view``): a
unit outside the token user's units answers 404 exactly like a code that does not exist. Counts are sent as
stored; every rate, change and Alkire–Foster figure is derived from them on the way out, never averaged.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.http import HttpRequest
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from giamngheo.api.paging import PageParams, page_body
from giamngheo.api.schemas import ERRORS
from giamngheo.core.errors import ApplicationError
from giamngheo.geo.models import AdminUnit
from giamngheo.standards.definition import Indicator, StandardError, get_standard
from giamngheo.stats import selectors
from giamngheo.stats.measures import CLASSES, AlkireFoster, alkire_foster
from giamngheo.stats.models import FillState, FillStatus
from giamngheo.stats.selectors import Figures
from giamngheo.stats.tables.result import columns, result_table
from giamngheo.stats.views.common import (
    YEAR_MAX,
    YEAR_MIN,
    BadParameter,
    series_param,
    unit_in_scope,
    year_param,
)

router = Router(tags=["stats"])

_ERRORS: dict[int, Any] = dict(ERRORS)
NOT_FILLED = "not_filled"
Area = Literal["all", "urban", "rural"]

_UNIT = Field(max_length=20, description="Mã đơn vị: tỉnh (86), xã/phường (29266) hoặc thôn/ấp như đã lưu. "
                                         "Unit code: province, commune or hamlet as stored.")
_YEAR = Field(None, ge=YEAR_MIN, le=YEAR_MAX,
              description="Năm; mặc định: năm gần nhất đã có số liệu. Year; default: the latest year filled.")
_SERIES = Field("national", max_length=40, pattern=r"^(national|local-[0-9]{2})$",
                description="Bộ số liệu: national (chuẩn quốc gia) hoặc local-<mã tỉnh> (chuẩn riêng của tỉnh "
                            "đơn vị). Series: the national standard or the unit's own province's standard.")
_AREA: Any = Field("all", description="Khu vực: all (toàn địa bàn), urban (thành thị), rural (nông thôn).")


# --- parameters ----------------------------------------------------------------------------------------------


class RollupParams(Schema):
    unit: str = _UNIT
    year: int | None = _YEAR
    series: str = _SERIES
    area: Area = _AREA


class SeriesParams(Schema):
    unit: str = _UNIT
    series: str = _SERIES
    area: Area = _AREA


class UnitParams(Schema):
    unit: str = _UNIT


# --- schemas -------------------------------------------------------------------------------------------------


class UnitRef(Schema):
    code: str
    name: str
    level: str


class IndicatorRef(Schema):
    code: str
    name: str


class AlkireFosterOut(Schema):
    n: int = Field(description="Số hộ được tính (có hồ sơ thiếu hụt đủ mọi chỉ số). Households counted.")
    q: int = Field(description="Số hộ nghèo đa chiều. Multidimensionally poor households.")
    H: float | None = Field(description="Tỷ lệ nghèo đa chiều q/n (0–1). Headcount ratio.")
    A: float | None = Field(description="Mức thiếu hụt bình quân của hộ nghèo (0–1). Intensity.")
    M0: float | None = Field(description="Chỉ số nghèo đa chiều điều chỉnh H×A (0–1). Adjusted headcount ratio.")
    censored: dict[str, float | None] = Field(description="Tỷ lệ thiếu hụt đã kiểm duyệt theo chỉ số (0–1).")
    contribution: dict[str, float | None] = Field(description="Đóng góp của từng chỉ số vào M0 (0–1, tổng = 1).")
    excluded: int = Field(description="Số hộ không tính vì có chỉ số chưa rõ. Left out for an unknown indicator.")


class FiguresOut(Schema):
    unit: UnitRef
    level: str = Field(description="province, commune, hamlet hoặc direct (hộ của xã chưa gắn thôn/ấp).")
    year: int
    series: str
    standard_id: str = Field(description="Chuẩn nghèo số liệu được tính theo (rỗng khi chưa có số liệu).")
    area: str
    filled: bool = Field(description="Đã có số liệu tổng hợp cho đơn vị, năm này. Figures exist for this unit/year.")
    counts: dict[str, int | float] = Field(
        description="Mọi số đếm theo mã (stats/measures.py; mã không có = 0): households, poor.end, "
                    "near_poor.escaped, dep.<chỉ số>, cause.<mã>, af.n… Additive counts by measure code.")
    households: int = Field(description="Số hộ của đơn vị trong năm (mẫu số). The year's household count.")
    poor: int = Field(description="Số hộ nghèo cuối năm (poor.end).")
    near_poor: int = Field(description="Số hộ cận nghèo cuối năm (near_poor.end).")
    poor_rate: float | None = Field(description="Tỷ lệ hộ nghèo (0–1; 0.0095 = 0,95%); null khi không có hộ.")
    near_poor_rate: float | None = Field(description="Tỷ lệ hộ cận nghèo (0–1); null khi không có hộ.")
    poor_rate_change_points: float | None = Field(
        description="Tỷ lệ hộ nghèo tăng (+) / giảm (−) so với năm trước, theo điểm phần trăm; null khi năm trước "
                    "chưa có số liệu. Change against the previous year in percentage points.")
    near_poor_rate_change_points: float | None = Field(description="Như trên, cho hộ cận nghèo.")
    indicators: list[IndicatorRef] = Field(description="Các chỉ số thiếu hụt của chuẩn, theo thứ tự của chuẩn.")
    alkire_foster: AlkireFosterOut
    alkire_foster_ethnic_minority: AlkireFosterOut = Field(description="Như trên, chỉ hộ dân tộc thiểu số.")


class FreshnessOut(Schema):
    as_of: dt.datetime | None = Field(description="Số liệu tính đến lúc (lần tổng hợp gần nhất). Figures as of.")
    status: str = Field(description="fresh, stale (đang chờ cập nhật), running, failed hoặc not_filled.")
    status_label: str


class RollupOut(FiguresOut, FreshnessOut):
    pass


class ChildrenOut(FreshnessOut):
    unit: UnitRef
    year: int
    series: str
    area: str
    items: list[FiguresOut]
    count: int
    count_exact: bool
    page: int
    page_size: int


class SeriesRowOut(FiguresOut, FreshnessOut):
    pass


class SeriesOut(Schema):
    unit: UnitRef
    series: str
    area: str
    items: list[SeriesRowOut] = Field(description="Một dòng mỗi năm đã có số liệu, năm cũ trước. One row a year.")


class FillStateOut(Schema):
    year: int
    series: str
    standard_id: str
    status: str
    status_label: str
    as_of: dt.datetime | None = Field(description="Lần tổng hợp thành công gần nhất. Last successful fill.")
    stale_since: dt.datetime | None = Field(description="Có thay đổi chưa được tổng hợp từ lúc này.")
    started_at: dt.datetime | None
    duration_ms: int


class FillStatesOut(Schema):
    province: UnitRef
    items: list[FillStateOut]


class TableParams(Schema):
    unit: str = _UNIT
    year: int | None = _YEAR
    series: str = _SERIES


class ColumnOut(Schema):
    code: str = Field(description="Khoá của ô trong mỗi dòng (start, start_rate, escaped…, end, end_rate…).")
    label: str
    group: str = Field(description="Tiêu đề gộp phía trên cột (Đầu năm, Giảm trong năm…). Merged header.")
    rate: bool = Field(description="Cột tỷ lệ (0–1); các cột khác là số hộ. A rate column (0–1).")


class ResultLineOut(Schema):
    kind: str = Field(description="unit (một thôn/xã), subtotal (cộng thành thị / nông thôn) hoặc total.")
    area: str = Field(description="urban, rural, hoặc all cho dòng tổng cộng.")
    code: str
    name: str
    households: int = Field(description="Số hộ của dòng trong năm.")
    households_before: int | None = Field(description="Số hộ năm trước (mẫu số của tỷ lệ đầu năm); null khi năm "
                                                      "trước chưa có số liệu.")
    poor: dict[str, int | float | None] = Field(description="Các ô của khối hộ nghèo, theo mã cột.")
    near_poor: dict[str, int | float | None] = Field(description="Các ô của khối hộ cận nghèo, theo mã cột.")


class ResultTableOut(FreshnessOut):
    unit: UnitRef
    year: int
    series: str
    standard_id: str
    standard_title: str
    child_label: str = Field(description="Tên cột đơn vị: thôn/ấp (bảng của xã) hoặc xã/phường (bảng của tỉnh).")
    columns: dict[str, list[ColumnOut]] = Field(description="Cột của mỗi khối (poor, near_poor), theo thứ tự in.")
    lines: list[ResultLineOut] = Field(description="Thành thị (các đơn vị, cộng), nông thôn (các đơn vị, cộng), "
                                                   "tổng cộng. Urban rows and subtotal, rural, then the total.")


# --- building the answers ------------------------------------------------------------------------------------


def _unit_ref(unit: AdminUnit) -> dict[str, Any]:
    return {"code": unit.code, "name": unit.name, "level": unit.level}


def _series(request: HttpRequest, unit: AdminUnit) -> str:
    """The series asked for, once more through the pages' rule: ``local-`` of the unit's own province only."""
    try:
        return series_param(request, unit, name="series")
    except BadParameter as exc:
        raise ApplicationError(str(exc), field="series", extra={"where": "query"}) from None


def _indicators(standard_id: str) -> list[Indicator]:
    if not standard_id:
        return []
    try:
        return list(get_standard(standard_id).indicators)
    except StandardError:
        return []  # a standard no longer shipped: the counts still stand, without AF figures


def _af_body(af: AlkireFoster) -> dict[str, Any]:
    return {"n": af.n, "q": af.q, "H": af.H, "A": af.A, "M0": af.M0, "censored": af.censored,
            "contribution": af.contribution, "excluded": af.excluded}


def _figures_body(figures: Figures, before: Figures | None, *, filled: bool, standard_id: str = "") -> dict[str, Any]:
    """One row: its counts and what is derived from them. ``standard_id`` stands in for a child with no row."""
    standard = figures.standard_id or standard_id
    indicators = _indicators(standard)
    codes = [i.code for i in indicators]
    english = (get_language() or "vi").startswith("en")
    return {
        "unit": {"code": figures.code, "name": figures.name, "level": figures.level},
        "level": figures.level, "year": figures.year, "series": figures.series, "standard_id": figures.standard_id,
        "area": figures.area, "filled": filled, "counts": dict(figures.counts),
        "households": figures.households, "poor": figures["poor.end"], "near_poor": figures["near_poor.end"],
        "poor_rate": figures.poor_rate, "near_poor_rate": figures.near_poor_rate,
        "poor_rate_change_points": selectors.change_points(figures, before),
        "near_poor_rate_change_points": selectors.change_points(figures, before, "near_poor.end"),
        "indicators": [{"code": i.code, "name": i.name_en if english else i.name_vi} for i in indicators],
        "alkire_foster": _af_body(figures.af(codes)),
        "alkire_foster_ethnic_minority": _af_body(alkire_foster(figures.counts, codes, prefix="af_em")),
    }


def _empty(unit: AdminUnit, *, year: int, series: str, area: str) -> Figures:
    return Figures(unit_id=unit.pk, unit_path=unit.path, level=unit.level, year=year, series=series,
                   standard_id="", area=area, name=unit.name, code=unit.code)


def _freshness(state: FillState | None) -> dict[str, Any]:
    if state is None:
        return {"as_of": None, "status": NOT_FILLED, "status_label": _("Chưa tổng hợp")}
    return {"as_of": state.filled_at, "status": state.status, "status_label": str(FillStatus(state.status).label)}


def _province(unit: AdminUnit) -> AdminUnit:
    if unit.level == "province":
        return unit
    return AdminUnit.objects.get(path="/" + unit.path.strip("/").split("/")[0] + "/", generation=unit.generation)


# --- endpoints -----------------------------------------------------------------------------------------------


@router.get("/rollups", response={200: RollupOut, **_ERRORS}, summary="Số liệu tổng hợp của một đơn vị")
def rollup_show(request: HttpRequest, params: Query[RollupParams]) -> dict[str, Any]:
    """Mọi số đếm của đơn vị trong năm, theo bộ số liệu và khu vực, cùng các số suy ra: tỷ lệ hộ nghèo, cận
    nghèo, thay đổi so với năm trước (điểm %), chỉ số nghèo đa chiều Alkire–Foster (H, A, M0, đóng góp từng chỉ
    số) theo các chỉ số của chuẩn; ``as_of`` là thời điểm số liệu. Đơn vị ngoài địa bàn của bạn: 404.

    A unit's counts for a year, series and area, with the poor and near-poor rates, their change against the
    previous year in points, and the Alkire–Foster figures; ``as_of`` says how fresh they are."""
    unit = unit_in_scope(request, params.unit)
    series = _series(request, unit)
    year = year_param(request, unit, series, name="year")
    figures = selectors.rollup(unit, year=year, series=series, area=params.area)
    before = selectors.rollup(unit, year=year - 1, series=series, area=params.area)
    body = _figures_body(figures or _empty(unit, year=year, series=series, area=params.area), before,
                         filled=figures is not None)
    return {**body, **_freshness(selectors.fill_state(unit, year=year, series=series))}


@router.get("/rollups/children", response={200: ChildrenOut, **_ERRORS}, summary="Số liệu của các đơn vị trực thuộc")
def rollup_children(request: HttpRequest, params: Query[RollupParams], paging: Query[PageParams]) -> dict[str, Any]:
    """Các xã của tỉnh, hoặc các thôn/ấp của xã (theo mã), mỗi đơn vị một dòng như ``GET /stats/rollups``; với
    một xã, dòng cuối (``level`` = ``direct``) là các hộ chưa gắn thôn/ấp: các dòng cộng lại bằng số của xã. Đơn vị
    chưa có số liệu được trả về với số đếm bằng 0 và ``filled`` = false. Một thôn/ấp không có đơn vị trực thuộc.

    The communes of a province or the hamlets of a commune (plus the households on no hamlet), one row each,
    paged; their stock counts add up to the unit's."""
    unit = unit_in_scope(request, params.unit)
    series = _series(request, unit)
    year = year_param(request, unit, series, name="year")
    rows = selectors.child_rollups(unit, year=year, series=series, area=params.area)
    start = (paging.page - 1) * paging.page_size
    page = rows[start:start + paging.page_size]
    earlier = {(f.unit_id, f.level): f for f in selectors.child_rollups(
        unit, year=year - 1, series=series, area=params.area, include_empty=False)} if page else {}
    # A child with no row yet is shown under its parent's standard, so its (zero) AF block has the same keys.
    parent = selectors.rollup(unit, year=year, series=series, area=params.area) if page else None
    items = [_figures_body(f, earlier.get((f.unit_id, f.level)), filled=bool(f.standard_id or f.counts),
                           standard_id=parent.standard_id if parent else "") for f in page]
    return {"unit": _unit_ref(unit), "year": year, "series": series, "area": params.area,
            **_freshness(selectors.fill_state(unit, year=year, series=series)),
            **page_body(items, len(rows), True, paging)}


@router.get("/series", response={200: SeriesOut, **_ERRORS}, summary="Số liệu của một đơn vị qua các năm")
def rollup_series(request: HttpRequest, params: Query[SeriesParams]) -> dict[str, Any]:
    """Một dòng cho mỗi năm đã có số liệu (năm cũ trước), như ``GET /stats/rollups``, kèm thời điểm số liệu của
    năm đó; thay đổi so với năm trước được tính khi năm trước có số liệu.

    One row per year filled, oldest first, each as ``GET /stats/rollups`` answers it."""
    unit = unit_in_scope(request, params.unit)
    series = _series(request, unit)
    rows = selectors.rollup_series(unit, series=series, area=params.area)
    states = {s.year: s for s in FillState.objects.filter(province=_province(unit), series=series)}
    by_year = {f.year: f for f in rows}
    items = [{**_figures_body(f, by_year.get(f.year - 1), filled=True), **_freshness(states.get(f.year))}
             for f in rows]
    return {"unit": _unit_ref(unit), "series": series, "area": params.area, "items": items}


@router.get("/fill-states", response={200: FillStatesOut, **_ERRORS}, summary="Tình trạng tổng hợp số liệu")
def fill_state_index(request: HttpRequest, params: Query[UnitParams]) -> dict[str, Any]:
    """Tình trạng tổng hợp số liệu của tỉnh chứa đơn vị, theo năm và bộ số liệu (mới nhất trước): đã cập nhật,
    đang chờ, đang tổng hợp hay bị lỗi, và số liệu tính đến lúc nào. Số liệu của mọi đơn vị trong tỉnh được tổng
    hợp cùng lúc, nên tình trạng của tỉnh cũng là của xã, thôn.

    The fill state of the unit's province per year and series: how fresh every figure of the province is."""
    unit = unit_in_scope(request, params.unit)
    province = _province(unit)
    states = FillState.objects.filter(province=province).order_by("-year", "series")
    return {
        "province": _unit_ref(province),  # units are public reference data (GET /units); their figures are not
        "items": [{"year": s.year, "series": s.series, "standard_id": s.standard_id, "status": s.status,
                   "status_label": str(FillStatus(s.status).label), "as_of": s.filled_at,
                   "stale_since": s.stale_since, "started_at": s.started_at, "duration_ms": s.duration_ms}
                  for s in states],
    }


@router.get("/tables/result", response={200: ResultTableOut, **_ERRORS}, summary="Bảng kết quả rà soát")
def result_table_show(request: HttpRequest, params: Query[TableParams]) -> dict[str, Any]:
    """Bảng kết quả rà soát hộ nghèo, hộ cận nghèo như cán bộ nộp (bảng trên trang Thống kê, tệp Excel, PDF):
    mỗi thôn/ấp của xã, hoặc mỗi xã của tỉnh, một dòng; khối thành thị rồi nông thôn, mỗi khối có dòng cộng; cuối
    cùng là tổng cộng. Mỗi dòng có số hộ đầu năm và tỷ lệ, các cột giảm, tăng trong năm, số hộ cuối năm, tỷ lệ, trong
    đó dân tộc thiểu số. Năm chưa có số liệu: không có dòng nào.

    The review's result table as officers hand it in, the same rows as the page, Excel and PDF."""
    unit = unit_in_scope(request, params.unit)
    series = _series(request, unit)
    year = year_param(request, unit, series, name="year")
    table = result_table(unit, year=year, series=series)
    blocks = {klass: columns(klass) for klass in CLASSES}
    return {
        "unit": _unit_ref(unit), "year": year, "series": series, "standard_id": table.standard_id,
        "standard_title": table.standard_title, "child_label": table.child_label,
        **_freshness(selectors.fill_state(unit, year=year, series=series)),
        "columns": {klass: [{"code": c.code, "label": c.label, "group": c.group, "rate": c.rate} for c in cols]
                    for klass, cols in blocks.items()},
        "lines": [{"kind": line.kind, "area": line.area, "code": line.code, "name": line.name,
                   "households": line.households, "households_before": line.households_before,
                   **{klass: dict(zip([c.code for c in cols], line.cells(klass), strict=True))
                      for klass, cols in blocks.items()}}
                  for line in table.lines],
    }
