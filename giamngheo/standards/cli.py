"""``giamngheo classify``, ``giamngheo mpi``, ``giamngheo compare`` and ``giamngheo standards``.

Exit status: 0 when everything went through; 2 when any record was rejected (the others are still processed) or
the command could not run at all (missing file, invalid JSON, unknown standard — one line on stderr).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any, TextIO

from giamngheo.standards.definition import (
    Standard,
    StandardError,
    get_standard,
    list_standards,
    load_local_standard,
    national_standard_for_year,
)
from giamngheo.standards.record import RecordError, record_year, validate_record

EXIT_OK = 0
EXIT_ERROR = 2


class CommandError(Exception):
    """Stops the command with one line on stderr and exit status 2, in Vietnamese unless ``--lang en``."""

    def __init__(self, vi: str, en: str) -> None:
        super().__init__(en)
        self.vi = vi
        self.en = en

    def message(self, lang: str) -> str:
        return self.en if lang == "en" else self.vi


def _get_standard(value: str) -> Standard:
    try:
        return get_standard(value)
    except StandardError:
        known = ", ".join(s.id for s in list_standards())
        raise CommandError(f"không có chuẩn nghèo '{value}'; các chuẩn hiện có: {known}",
                           f"unknown standard '{value}'; known standards: {known}") from None


def _load_local(value: str) -> Standard:
    try:
        return load_local_standard(value)
    except StandardError as exc:
        raise CommandError(f"không đọc được chuẩn địa phương {value}: {exc}",
                           f"cannot read the local standard {value}: {exc}") from None


def _json_default(value: Any) -> Any:
    if isinstance(value, dt.date):
        return value.isoformat()
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def _dump(value: Any, **kwargs: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=_json_default, **kwargs)


def _read_text(source: str) -> str:
    if source == "-":
        return sys.stdin.read()
    try:
        return Path(source).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CommandError(f"{source}: không tìm thấy tệp", f"{source}: file not found") from None
    except UnicodeDecodeError:
        raise CommandError(f"{source}: tệp không phải văn bản UTF-8", f"{source}: not UTF-8 text") from None
    except OSError as exc:
        raise CommandError(f"{source}: không đọc được tệp ({exc.strerror})", f"{source}: cannot read ({exc.strerror})") from None


def read_records(source: str) -> list[tuple[str, Any]]:
    """(where, record) pairs from JSON Lines or one JSON array; ``where`` is ``line:N`` or ``item:i``.

    The whole input is parsed before any record is judged, so invalid JSON stops the command before it has
    reported or printed anything.
    """
    text = _read_text(source)
    name = "stdin" if source == "-" else source
    if text.lstrip().startswith("["):
        try:
            items = json.loads(text)
        except json.JSONDecodeError as exc:
            raise CommandError(f"{name}: JSON không hợp lệ ở dòng {exc.lineno}, cột {exc.colno}: {exc.msg}", f"{name}: invalid JSON at line {exc.lineno}, column {exc.colno}: {exc.msg}") from None
        return [(f"item:{index}", item) for index, item in enumerate(items)]
    records = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            records.append((f"line:{number}", json.loads(line)))
        except json.JSONDecodeError as exc:
            raise CommandError(f"{name}: JSON không hợp lệ ở dòng {number}, cột {exc.colno}: {exc.msg}", f"{name}: invalid JSON on line {number}, column {exc.colno}: {exc.msg}") from None
    return records


class _Progress:
    """One line on stderr now and then for a bulk run that lasts: households done, of how many, and the time.

    Quiet for the first seconds (a province's file is done before anyone waits), then at most one line every
    few seconds; on a terminal the line is rewritten in place."""

    QUIET_SECONDS = 3.0
    EVERY_SECONDS = 5.0

    def __init__(self, households_path: str, lang: str, out: TextIO | None = None) -> None:
        import time

        self._clock = time.monotonic
        self._started = self._last = self._clock()
        self._out = out or sys.stderr
        self._lang = lang
        self._printed = False
        try:
            import polars as pl

            self._total: int | None = int(pl.scan_parquet(households_path).select(pl.len()).collect().item())
        except Exception:  # the reader reports a bad file properly; progress is only a courtesy
            self._total = None

    def __call__(self, done: int) -> None:
        now = self._clock()
        if now - self._started < self.QUIET_SECONDS or now - self._last < self.EVERY_SECONDS:
            return
        self._last = now
        self._write(done, now)

    def _write(self, done: int, now: float) -> None:
        elapsed = now - self._started
        vi = self._lang != "en"
        count = f"{done:,}".replace(",", "." if vi else ",")
        if self._total:
            total = f"{self._total:,}".replace(",", "." if vi else ",")
            share = f"{100 * done / self._total:.0f}%"
            text = (f"giamngheo: đã xử lý {count}/{total} hộ ({share}), {elapsed:.0f} giây" if vi
                    else f"giamngheo: {count}/{total} households done ({share}), {elapsed:.0f} s")
        else:
            text = (f"giamngheo: đã xử lý {count} hộ, {elapsed:.0f} giây" if vi
                    else f"giamngheo: {count} households done, {elapsed:.0f} s")
        tty = self._out.isatty()
        self._out.write(("\r" + text) if tty else text + "\n")
        self._out.flush()
        self._printed = True

    def finish(self) -> None:
        if self._printed and self._out.isatty():
            self._out.write("\n")


def _where_text(where: str, lang: str) -> str:
    kind, number = where.split(":")
    if kind == "line":
        return f"line {number}" if lang == "en" else f"dòng {number}"
    return f"item [{number}]" if lang == "en" else f"phần tử [{number}]"


def _report(where: str, record: Any, errors: list[RecordError], lang: str, out: TextIO) -> None:
    household = record.get("id") if isinstance(record, dict) and isinstance(record.get("id"), str) else None
    label = _where_text(where, lang)
    if household:
        label += f" (household {household})" if lang == "en" else f" (hộ {household})"
    for error in errors:
        out.write(f"{label}: {error.path}: {error.message(lang)}\n")


def _accepted_records(source: str, lang: str, standard: Standard | None) -> tuple[list[dict[str, Any]], bool]:
    """Valid records in input order, and whether any was rejected (rejections are written to stderr)."""
    accepted: list[dict[str, Any]] = []
    rejected = False
    first_seen: dict[str, str] = {}
    for where, record in read_records(source):
        errors = validate_record(record)
        if not errors and record["id"] in first_seen:
            previous = _where_text(first_seen[record["id"]], lang)
            errors = [RecordError("id", "duplicate_household_id",
                                  f"Mã hộ '{record['id']}' đã có ở {previous}; mỗi hộ chỉ được ghi một lần.",
                                  f"Household id '{record['id']}' already appears at {previous}.")]
        if not errors and standard is None:
            try:
                national_standard_for_year(record_year(record))
            except StandardError:
                year = record_year(record)
                errors = [RecordError("year" if "year" in record else "reference_date", "no_standard",
                                      f"Không có chuẩn nghèo quốc gia cho năm {year}.",
                                      f"No national standard covers the year {year}.")]
        if errors:
            rejected = True
            _report(where, record, errors, lang, sys.stderr)
            continue
        first_seen[record["id"]] = where
        accepted.append(record)
    return accepted, rejected


def _standard_arg(value: str | None) -> Standard | None:
    return _get_standard(value) if value is not None else None


def _local_arg(value: str | None) -> Standard | None:
    if value is None:
        return None
    if Path(value).suffix == ".toml" or Path(value).exists():
        return _load_local(value)
    standard = _get_standard(value)
    if not standard.is_local:
        raise CommandError(f"{value}: không phải chuẩn nghèo địa phương", f"{value}: not a local standard")
    return standard


def _classify(args: argparse.Namespace) -> int:
    standard = _standard_arg(args.standard)
    local = _local_arg(args.local)
    bulk = (args.households, args.members, args.out)
    if any(bulk):
        return _classify_bulk(args, standard)
    if args.input is None:
        raise CommandError("classify cần tệp đầu vào INPUT (hoặc - để đọc từ stdin), hoặc --households, --members và --out", "classify needs an INPUT file (or - for stdin), or --households, --members and --out")
    from giamngheo.standards.api import classify_records

    records, rejected = _accepted_records(args.input, args.lang, standard)
    results = classify_records(records, standard, explain=args.explain, lang=args.lang)
    if local is not None:
        for result, local_result in zip(results, classify_records(records, local, explain=args.explain,
                                                                  lang=args.lang), strict=True):
            result["local"] = local_result
    out = sys.stdout
    for result in results:
        out.write(_dump(result) + "\n")
    return EXIT_ERROR if rejected else EXIT_OK


def _by_columns(value: str | None) -> tuple[str, ...]:
    """``--by province_code,commune_code``: household columns to count by (codes the files carry)."""
    if not value:
        return ()
    names = tuple(name.strip() for name in value.split(",") if name.strip())
    allowed = ("province_code", "commune_code", "hamlet")
    bad = [name for name in names if name not in allowed]
    if bad or len(set(names)) != len(names) or len(names) > len(allowed):
        raise CommandError(f"--by chỉ nhận {', '.join(allowed)}, cách nhau bằng dấu phẩy, mỗi cột một lần",
                           f"--by takes {', '.join(allowed)}, comma-separated, each at most once")
    return names


def _classify_bulk(args: argparse.Namespace, standard: Standard | None) -> int:
    if not (args.households and args.members and args.out):
        raise CommandError("dạng xử lý hàng loạt cần đủ cả --households, --members và --out", "the bulk form needs --households, --members and --out together")
    if standard is None:
        raise CommandError("dạng xử lý hàng loạt cần --standard", "the bulk form needs --standard")
    if args.input is not None or args.local is not None or args.explain:
        raise CommandError("dạng xử lý hàng loạt không nhận INPUT, --local hay --explain", "the bulk form takes no INPUT, --local or --explain")
    if args.by and not args.counts:
        raise CommandError("--by đi cùng --counts", "--by goes with --counts")
    from giamngheo.standards.aggregates import Counts
    from giamngheo.standards.alkire_foster import MeasureSums
    from giamngheo.standards.io_parquet import BulkInputError, classify_parquet

    counts = Counts(standard, _by_columns(args.by)) if args.counts else None
    measures = MeasureSums(standard) if args.mpi else None
    progress = _Progress(args.households, args.lang)
    try:
        report = classify_parquet(args.households, args.members, args.out, standard, counts=counts,
                                  measures=measures, progress=progress)
    except BulkInputError as exc:
        raise CommandError(f"dữ liệu Parquet không hợp lệ: {exc}", f"invalid Parquet input: {exc}") from None
    finally:
        progress.finish()
    if counts is not None:
        _write_table(counts.frame(), args.counts)
    if measures is not None:
        Path(args.mpi).write_text(_dump(measures.result()) + "\n", encoding="utf-8")
    for line in report.invalid_values:
        sys.stderr.write(line + "\n")
    return EXIT_ERROR if report.invalid_values else EXIT_OK


def _write_table(frame: Any, path: str) -> None:
    """A count table as CSV (``.csv``) or Parquet (anything else)."""
    if Path(path).suffix == ".csv":
        frame.write_csv(path)
    else:
        frame.write_parquet(path)


def _mpi(args: argparse.Namespace) -> int:
    from giamngheo.standards.alkire_foster import MeasureError, measures_of_evaluation
    from giamngheo.standards.api import evaluate_frames

    standard = _get_standard(args.standard)
    weights = None
    if args.weights is not None:
        try:
            weights = json.loads(_read_text(args.weights))
        except json.JSONDecodeError as exc:
            raise CommandError(f"{args.weights}: JSON không hợp lệ: {exc.msg}", f"{args.weights}: invalid JSON: {exc.msg}") from None
        if not isinstance(weights, dict):
            raise CommandError(f"{args.weights}: trọng số phải là một đối tượng JSON {{mã chỉ số: trọng số}}", f"{args.weights}: weights must be a JSON object {{indicator code: weight}}")
    if args.households or args.members:
        return _mpi_bulk(args, standard, weights)
    if args.input is None:
        raise CommandError("mpi cần tệp đầu vào INPUT (hoặc - để đọc từ stdin), hoặc --households và --members", "mpi needs an INPUT file (or - for stdin), or --households and --members")
    records, rejected = _accepted_records(args.input, args.lang, standard)
    households, members = evaluate_frames(records, standard)
    try:
        result = measures_of_evaluation(households, members, standard, weights=weights, k=args.k, unit=args.unit,
                                        by=args.by)
    except MeasureError as exc:
        raise CommandError(f"không tính được chỉ số MPI: {exc}", f"cannot compute the measures: {exc}") from None
    sys.stdout.write(_dump(result) + "\n")
    return EXIT_ERROR if rejected else EXIT_OK


def _mpi_bulk(args: argparse.Namespace, standard: Standard, weights: Any) -> int:
    """``giamngheo mpi --households … --members …``: the measures over the bulk files, one batch at a time."""
    from giamngheo.standards.alkire_foster import MeasureError, MeasureSums
    from giamngheo.standards.io_parquet import BulkInputError, classify_parquet

    if not (args.households and args.members) or args.input is not None:
        raise CommandError("dạng xử lý hàng loạt của mpi cần đủ --households và --members, không kèm INPUT", "the bulk form of mpi needs --households and --members together, and no INPUT")
    try:
        measures = MeasureSums(standard, weights=weights, k=args.k, unit=args.unit, by=args.by)
    except MeasureError as exc:
        raise CommandError(f"không tính được chỉ số MPI: {exc}", f"cannot compute the measures: {exc}") from None
    progress = _Progress(args.households, args.lang)
    try:
        report = classify_parquet(args.households, args.members, None, standard, measures=measures,
                                  progress=progress)
    except BulkInputError as exc:
        raise CommandError(f"dữ liệu Parquet không hợp lệ: {exc}", f"invalid Parquet input: {exc}") from None
    finally:
        progress.finish()
    for line in report.invalid_values:
        sys.stderr.write(line + "\n")
    sys.stdout.write(_dump(measures.result()) + "\n")
    return EXIT_ERROR if report.invalid_values else EXIT_OK


_COMPARE_HEADINGS = {
    "vi": ("khu vực", "số hộ", "nghèo", "cận nghèo", "không PL được", "chênh lệch nghèo (điểm %)",
           "chỉ {side} không phân loại được", "thiếu", "hộ", "tổng", "cả hai chuẩn không phân loại được"),
    "en": ("area", "households", "poor", "near-poor", "unclassified", "poor rate change (points)",
           "only {side} cannot classify", "missing", "households", "total", "neither standard can classify"),
}


def _percent(part: int, whole: int) -> str:
    return f"{100 * part / whole:.2f}%" if whole else "-"


def _compare(args: argparse.Namespace) -> int:
    from giamngheo.standards.io_parquet import BulkInputError
    from giamngheo.stats.compare import compare_parquet

    standard_a, standard_b = _get_standard(args.standard), _get_standard(args.against)
    progress = _Progress(args.households, args.lang)
    try:
        comparison, invalid = compare_parquet(args.households, args.members, standard_a, standard_b, by=args.by,
                                              progress=progress)
    except BulkInputError as exc:
        raise CommandError(f"dữ liệu Parquet không hợp lệ: {exc}", f"invalid Parquet input: {exc}") from None
    finally:
        progress.finish()
    for line in invalid:
        sys.stderr.write(line + "\n")
    summary = comparison.summary()
    if args.out is not None:
        if Path(args.out).suffix == ".csv":
            summary.write_csv(args.out)
        else:
            summary.write_parquet(args.out)
    if args.transitions is not None:
        comparison.transitions.write_parquet(args.transitions)
    _print_comparison(comparison, summary, args.lang, sys.stdout)
    return EXIT_ERROR if invalid else EXIT_OK


def _print_comparison(comparison: Any, summary: Any, lang: str, out: TextIO) -> None:
    """A plain text table: one line per group and area, then the total, the matrix and what was missing."""
    (area_h, households_h, poor_h, near_h, unclassified_h, points_h, only_h, missing_h, unit_h, total_h,
     both_h) = _COMPARE_HEADINGS[lang]
    a, b = comparison.standard_a, comparison.standard_b
    header = [*([comparison.by] if comparison.by else []), area_h, households_h,
              f"{poor_h} {a}", f"{near_h} {a}", f"{unclassified_h} {a}",
              f"{poor_h} {b}", f"{near_h} {b}", f"{unclassified_h} {b}", points_h]
    rows = []
    total = comparison.summary([]).to_dicts()[0]
    for row in [*summary.to_dicts(), {**({comparison.by: total_h} if comparison.by else {}), "area": total_h,
                                      **total}]:
        cells = [*([str(row[comparison.by] or "-")] if comparison.by else []), str(row["area"] or "-"),
                 str(row["households"])]
        rates: list[float] = []
        for side in ("a", "b"):
            classified = row["households"] - row[f"{side}_undetermined"]
            if classified:
                rates.append(row[f"{side}_poor"] / classified)
            cells += [f"{row[f'{side}_poor']} ({_percent(row[f'{side}_poor'], classified)})",
                      f"{row[f'{side}_near_poor']} ({_percent(row[f'{side}_near_poor'], classified)})",
                      str(row[f"{side}_undetermined"])]
        cells.append(f"{100 * (rates[1] - rates[0]):+.2f}" if len(rates) == 2 else "-")
        rows.append(cells)
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    for line in [header, *rows]:
        out.write("  ".join(cell.rjust(width) if i >= 1 else cell.ljust(width)
                            for i, (cell, width) in enumerate(zip(line, widths, strict=True))).rstrip() + "\n")
    out.write(f"\n{a} → {b}\n")
    for pair in comparison.matrix().to_dicts():
        out.write(f"  {pair['class_a']} → {pair['class_b']}: {pair['households']}\n")
    reasons = comparison.reason_counts().to_dicts()
    for side, name in (("a", a), ("b", b)):
        out.write(f"\n{only_h.format(side=name)}: {total[f'only_{side}_undetermined']} {unit_h}\n")
        for reason in (r for r in reasons if r["side"] == side):
            out.write(f"  {missing_h} {reason['reason']}: {reason['households']}\n")
    out.write(f"\n{both_h}: {total['both_undetermined']} {unit_h}\n")


def _standards(args: argparse.Namespace) -> int:
    if args.action is None:
        for standard in list_standards():
            en = args.lang == "en"
            if standard.is_local:
                scope = f"province {standard.province_code}" if en else f"tỉnh {standard.province_code}"
            else:
                scope = "national" if en else "quốc gia"
            years = "review years" if en else "năm rà soát"
            sys.stdout.write(f"{standard.id}\t{standard.effective_from}..{standard.effective_to}\t"
                             f"{years} {standard.first_review_year}-{standard.last_review_year}\t{scope}\t"
                             f"{standard.hash}\t{standard.title_en if en else standard.title_vi}\n")
        return EXIT_OK
    if args.action != "show" or args.id is None:
        raise CommandError("cách dùng: giamngheo standards [show ID]", "usage: giamngheo standards [show ID]")
    standard = _get_standard(args.id) if not args.id.endswith(".toml") else _load_local(args.id)
    sys.stdout.write(_dump({"hash": standard.hash, **standard.model_dump(mode="json")}, indent=2) + "\n")
    return EXIT_OK


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="giamngheo", description="Poverty standards engine.")
    commands = parser.add_subparsers(dest="command", required=True)
    classify = commands.add_parser("classify", help="classify household records")
    classify.add_argument("input", nargs="?", help="JSON Lines or JSON array file, - for stdin")
    classify.add_argument("--standard", help="standard id (default: by each record's year)")
    classify.add_argument("--local", help="local standard file (or id) to apply as well; result under 'local'")
    classify.add_argument("--explain", action="store_true", help="add an explanation to each result")
    classify.add_argument("--lang", choices=("vi", "en"), default="vi")
    classify.add_argument("--households", help="bulk form: households Parquet file")
    classify.add_argument("--members", help="bulk form: members Parquet file")
    classify.add_argument("--out", help="bulk form: results Parquet file to write")
    classify.add_argument("--counts", help="bulk form: also write counts per unit and area (.csv, else Parquet)")
    classify.add_argument("--by", help="with --counts: province_code,commune_code,hamlet (comma-separated)")
    classify.add_argument("--mpi", help="bulk form: also write the Alkire-Foster measures (JSON, k=3, equal weights)")
    mpi = commands.add_parser("mpi", help="Alkire-Foster measures")
    mpi.add_argument("input", nargs="?", help="JSON Lines or JSON array file, - for stdin")
    mpi.add_argument("--households", help="bulk form: households Parquet file (as for classify)")
    mpi.add_argument("--members", help="bulk form: members Parquet file (as for classify)")
    mpi.add_argument("--standard", required=True)
    mpi.add_argument("--k", type=float, default=3, help="cut-off in indicators (default 3)")
    mpi.add_argument("--weights", help="JSON file {indicator code: weight}; default equal weights")
    mpi.add_argument("--unit", choices=("household", "person"), default="household")
    mpi.add_argument("--by", help="field to decompose by (household field, or member field with --unit person)")
    mpi.add_argument("--lang", choices=("vi", "en"), default="vi")
    compare = commands.add_parser("compare", help="the same households under two standards, side by side")
    compare.add_argument("--standard", required=True, help="standard id A (e.g. 2026)")
    compare.add_argument("--against", required=True, help="standard id B (e.g. 2027-2030)")
    compare.add_argument("--households", required=True, help="households Parquet file (as for classify)")
    compare.add_argument("--members", required=True, help="members Parquet file (as for classify)")
    compare.add_argument("--by", choices=("province_code", "commune_code", "hamlet"),
                         help="one line per province, commune or hamlet (default: one total per area)")
    compare.add_argument("--out", help="write the counts per group and area (.csv, else Parquet)")
    compare.add_argument("--transitions", help="write the A-class × B-class counts (Parquet)")
    compare.add_argument("--lang", choices=("vi", "en"), default="vi")
    standards = commands.add_parser("standards", help="list standard definitions, or show one")
    standards.add_argument("action", nargs="?", choices=("show",))
    standards.add_argument("id", nargs="?")
    standards.add_argument("--lang", choices=("vi", "en"), default="vi")
    return parser


def main(argv: list[str]) -> int:
    """Entry point: ``argv`` starts with the sub-command name (``classify``, ``mpi``, ``compare``, ``standards``)."""
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exc:  # argparse has already printed the usage message
        return exc.code if isinstance(exc.code, int) else EXIT_ERROR
    handlers = {"classify": _classify, "mpi": _mpi, "compare": _compare, "standards": _standards}
    try:
        return handlers[args.command](args)
    except CommandError as exc:
        sys.stderr.write(f"giamngheo: {exc.message(getattr(args, 'lang', 'vi'))}\n")
        return EXIT_ERROR
    except StandardError as exc:  # a definition file that fails validation: technical detail, as written
        sys.stderr.write(f"giamngheo: {exc}\n")
        return EXIT_ERROR
    except BrokenPipeError:  # the reader (e.g. `head`) went away: stop quietly, as Unix tools do
        sys.stderr.close()
        return EXIT_ERROR
