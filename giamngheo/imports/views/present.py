"""What the job page shows of a job's stored state: the progress bar, the counts table, the samples with their
field-level changes, the first errors. Pure functions of the job, its progress file and its preview."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from giamngheo.core.formatting import format_number
from giamngheo.households.records import answer_label
from giamngheo.imports.models import ImportJob, ImportStatus

# While the job is in one of these, the page polls the progress fragment; on any other it shows the result.
RUNNING = frozenset({ImportStatus.QUEUED, ImportStatus.VALIDATING, ImportStatus.COMMITTING})
ERRORS_SHOWN = 200  # the first errors listed on the page; every one is in the error workbook


@dataclass(frozen=True)
class ProgressBar:
    """``value`` None: an indeterminate bar (the work has started but its size is not known yet)."""

    title: str
    detail: str
    value: int | None
    maximum: int

    @property
    def percent(self) -> int | None:
        if self.value is None or self.maximum <= 0:
            return None
        return min(100, self.value * 100 // self.maximum)


def _int(state: dict[str, Any], key: str) -> int:
    value = state.get(key)
    return value if isinstance(value, int) and value >= 0 else 0


def progress_bar(job: ImportJob, state: dict[str, Any]) -> ProgressBar:
    """The bar for the job's current stage, from ``storage.read_progress`` (written by the worker)."""
    stage = str(state.get("stage") or "")
    parsed, validated = _int(state, "parsed"), _int(state, "validated")
    if job.status == ImportStatus.COMMITTING or stage in ("committing", "writing"):
        return _commit_bar(job, state)
    if stage == "annotating":
        return ProgressBar(_("Đang đánh dấu lỗi vào tệp Excel"),
                           _("Đã kiểm tra %(count)s dòng") % {"count": format_number(parsed)}, parsed or 1, parsed or 1)
    if job.status == ImportStatus.VALIDATING or stage == "validating":
        if not parsed:
            return ProgressBar(_("Đang đọc tệp"), _("Đang đọc các dòng trong tệp…"), None, 1)
        return ProgressBar(
            _("Đang kiểm tra từng dòng"),
            _("Đã đọc %(parsed)s dòng; đã kiểm tra %(validated)s / %(parsed)s dòng") % {
                "parsed": format_number(parsed), "validated": format_number(min(validated, parsed))},
            min(validated, parsed), parsed)
    return ProgressBar(_("Đang chờ đến lượt kiểm tra"), _("Tệp đã được tải lên; việc kiểm tra sẽ bắt đầu ngay."),
                       None, 1)


def _commit_bar(job: ImportJob, state: dict[str, Any]) -> ProgressBar:
    """One bar over the whole commit: the rows written, then the households classified (a long second phase that
    would otherwise leave a full bar standing still)."""
    rows = _int(state, "total_rows") or _int(state, "total")
    if not rows:
        return ProgressBar(_("Đang chuẩn bị ghi vào hệ thống…"), "", None, 1)
    households = (job.summary or {}).get("households") or {}
    to_classify = int(households.get("new") or 0)
    if job.on_change == "update":
        to_classify += int(households.get("changed") or 0)
    written = min(_int(state, "written"), rows)
    classified = min(_int(state, "classified"), to_classify)
    if written < rows or not to_classify:
        detail = _("Đã ghi %(written)s / %(total)s dòng") % {
            "written": format_number(written), "total": format_number(rows)}
    else:
        detail = _("Đã ghi %(written)s dòng; đã phân loại %(classified)s / %(households)s hộ") % {
            "written": format_number(written), "classified": format_number(classified),
            "households": format_number(to_classify)}
    return ProgressBar(_("Đang ghi vào hệ thống"), detail, written + classified, rows + to_classify)


@dataclass(frozen=True)
class CountRow:
    label: str
    new: int
    changed: int
    unchanged: int
    invalid: int


def count_rows(summary: dict[str, Any]) -> list[CountRow]:
    """Households and members (or a list's rows) × new / changed / unchanged / invalid, from ``job.summary``."""
    rows = []
    for key, label in (("households", _("Hộ")), ("members", _("Thành viên")), ("entries", _("Dòng trong tệp"))):
        counts = summary.get(key)
        if isinstance(counts, dict):
            rows.append(CountRow(label, *(int(counts.get(name) or 0)
                                          for name in ("new", "changed", "unchanged", "invalid"))))
    return rows


def _shown(value: Any) -> str:
    """One side of a change as the officer reads it: a member added or removed by name, nothing as "–"."""
    if value is None or value == "":
        return "–"
    if isinstance(value, dict):
        return str(value.get("name") or value.get("id") or "–")
    if isinstance(value, bool):
        return _("Có") if value else _("Không")
    if isinstance(value, list):
        return ", ".join(_shown(item) for item in value) or "–"
    if isinstance(value, int | float):
        # As many decimals as the value has (25.5 → "25,5"), at most 2.
        decimals = len(str(Decimal(str(value))).partition(".")[2]) if isinstance(value, float) else 0
        return format_number(value, 0 if float(value).is_integer() else min(decimals, 2))
    return str(value)


def _change_label(path: str) -> str:
    """``members[2].birth_date`` → "Thành viên 3 · Ngày sinh"; ``members[2]`` (added or removed) → "Thành viên 3"."""
    if path.startswith("members["):
        index_text, _sep, rest = path[len("members["):].partition("]")
        number = int(index_text) + 1 if index_text.isdigit() else index_text
        if not rest:
            return _("Thành viên %(number)s") % {"number": number}
        return _("Thành viên %(number)s · %(field)s") % {"number": number, "field": answer_label(path)}
    return answer_label(path)


def sample_rows(samples: dict[str, Any], action: str) -> list[dict[str, Any]]:
    """The preview's sample households of one kind, each changed one with its changes labelled."""
    rows = []
    for sample in samples.get(action) or []:
        changes = sample.get("changes") or {}
        rows.append({
            **sample,
            "changes": [{"label": _change_label(path), "before": _shown(pair[0]), "after": _shown(pair[1])}
                        for path, pair in changes.items() if isinstance(pair, list) and len(pair) == 2],
        })
    return rows


def error_rows(preview: dict[str, Any]) -> list[dict[str, Any]]:
    return list(preview.get("errors") or [])[:ERRORS_SHOWN]
