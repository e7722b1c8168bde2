"""Which households of the file are already in the registry, and what would change.

A file household is the registry household with the same code; failing that, the one whose head has the same
citizen ID — only where the importer may see citizen IDs in that household's unit, so that matching cannot be used
to learn who lives where. A matched household outside the units the importer may edit, or a code of a deleted
household, is an error. The comparison is column by column over the whole file (Polars), never household by
household: the result is each household's action (``new``, ``changed``, ``unchanged``), each member's, and for
changed households the field-level differences (record paths, citizen IDs masked) for the preview and the audit.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import polars as pl
from django.db import connection
from django.utils.translation import gettext as _

from giamngheo.accounts.roles import Perm
from giamngheo.accounts.scope import can_see_citizen_id, mask_citizen_id, paths_for
from giamngheo.core.exports import starts_like_a_formula
from giamngheo.households.models import Household, Member
from giamngheo.households.records import DWELLING_FACTS, HOUSEHOLD_FACTS, MEMBER_FACTS
from giamngheo.households.services import RESERVED_CODES
from giamngheo.imports.convert import ERROR_SCHEMA, MASKED
from giamngheo.imports.layout import SHEET
from giamngheo.imports.read import ROW

HH, IDX = "_row", "_index"
CHUNK = 5000
FACTS = (*HOUSEHOLD_FACTS, *DWELLING_FACTS)
LOCATION = ("commune_id", "hamlet_id")


@dataclass
class Matched:
    households: pl.DataFrame
    members: pl.DataFrame
    household_errors: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=ERROR_SCHEMA))
    member_errors: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=ERROR_SCHEMA))
    diffs: dict[str, dict[str, list[Any]]] = field(default_factory=dict)


def chunks(values: list[Any], size: int = CHUNK) -> Iterator[list[Any]]:
    for start in range(0, len(values), size):
        yield values[start:start + size]


def _errors(rows: pl.DataFrame, name: str, message: pl.Expr) -> pl.DataFrame:
    return rows.select(pl.col(SHEET), pl.col(ROW), pl.lit(name).alias("field"),
                       pl.col(name).cast(pl.String).alias("value"), message.alias("message")).cast(
        ERROR_SCHEMA)  # type: ignore[arg-type]


def select_in(sql: str, values: list[Any], params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
    """Rows of ``sql`` whose ``{in}`` placeholder is "column is one of ``values``": one query with an array on
    PostgreSQL (350,000 citizen IDs in one statement), chunks of bound parameters on SQLite (its limit)."""
    if not values:
        return []
    rows: list[tuple[Any, ...]] = []
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(sql.format(**{"in": "= ANY(%s)"}), [*params, list(values)])
            return list(cursor.fetchall())
        for part in chunks(values, 900):
            cursor.execute(sql.format(**{"in": f"IN ({', '.join(['%s'] * len(part))})"}), [*params, *part])
            rows += cursor.fetchall()
    return rows


_H, _M = Household._meta.db_table, Member._meta.db_table


def _registry_by_code(codes: list[str]) -> pl.DataFrame:
    rows = select_in(f"SELECT code, id, unit_path, deleted_at IS NOT NULL FROM {_H} WHERE code {{in}}",  # noqa: S608
                     codes)
    return pl.DataFrame(rows, schema={"id": pl.String, "household_pk": pl.Int64, "registry_path": pl.String,
                                      "deleted": pl.Boolean}, orient="row")


def _registry_by_head(citizen_ids: list[str]) -> pl.DataFrame:
    rows = select_in(f"SELECT m.citizen_id, h.id, h.code, h.unit_path FROM {_M} m JOIN {_H} h ON h.id = m.household_id "  # noqa: S608
                     "WHERE m.relation = %s AND h.deleted_at IS NULL AND m.citizen_id {in}", citizen_ids, ["head"])
    return pl.DataFrame(rows, schema={"head_citizen_id": pl.String, "household_pk": pl.Int64,
                                      "registry_code": pl.String, "registry_path": pl.String}, orient="row")


def _editable(paths: Iterable[str], allowed: list[str]) -> list[bool]:
    return [any(p.startswith(a) for a in allowed) for p in paths]


def _schema(names: Iterable[str], like: pl.DataFrame) -> dict[str, pl.DataType]:
    from giamngheo.standards.frames import HOUSEHOLD_SCHEMA, MEMBER_SCHEMA

    types = {**HOUSEHOLD_SCHEMA, **MEMBER_SCHEMA, **like.schema}
    return {n: types.get(n, pl.Int64()) for n in names}


def _stored_households(pks: list[int], like: pl.DataFrame) -> pl.DataFrame:
    names = ["pk", "version", *FACTS, *LOCATION]
    rows: list[tuple[Any, ...]] = []
    for part in chunks(pks):
        rows += Household.objects.filter(pk__in=part).values_list(*names)
    schema = {"pk": pl.Int64(), "version": pl.Int64(), **_schema([*FACTS, *LOCATION], like)}
    return pl.DataFrame(rows, schema=schema, orient="row").rename({"pk": "household_pk"})


def _stored_members(pks: list[int], like: pl.DataFrame) -> pl.DataFrame:
    names = ["household_id", "member_id", "position", *MEMBER_FACTS]
    rows: list[tuple[Any, ...]] = []
    for part in chunks(pks):
        rows += Member.objects.filter(household_id__in=part).values_list(*names)
    schema = {"household_id": pl.Int64(), "member_id": pl.String(), "position": pl.Int64(),
              **_schema(MEMBER_FACTS, like)}
    return pl.DataFrame(rows, schema=schema, orient="row").rename({"household_id": "household_pk", "member_id": "id"})


def _norm(frame: pl.DataFrame, like: pl.DataFrame, names: Iterable[str]) -> pl.DataFrame:
    """Stored columns in the file's types: "" (a coded answer not given) → null, lists sorted."""
    exprs = []
    for name in names:
        if name not in frame.columns:
            continue
        col = pl.col(name)
        target = like.schema.get(name)
        if frame.schema[name] == pl.String:
            col = col.replace("", None)
        if target is not None and target != frame.schema[name] and frame.schema[name] != pl.Null:
            col = col.cast(target, strict=False)
        elif target is not None and frame.schema[name] == pl.Null:
            col = col.cast(target)
        exprs.append(col.alias(name))
    return frame.with_columns(exprs)


def _sorted_list(expr: pl.Expr) -> pl.Expr:
    return expr.list.sort()


def _differs(a: pl.Expr, b: pl.Expr, name: str) -> pl.Expr:
    if name == "information_devices":
        a, b = _sorted_list(a), _sorted_list(b)
    return a.ne_missing(b)


def _show(value: Any, name: str) -> Any:
    if value is None:
        return None
    if name == "citizen_id":
        return mask_citizen_id(str(value))
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, pl.Series):
        return value.to_list()
    return value


def match_registry(households: pl.DataFrame, members: pl.DataFrame, *, actor: Any) -> Matched:
    editable = paths_for(actor, Perm.HOUSEHOLD_EDIT)
    h_errors: list[pl.DataFrame] = []
    m_errors: list[pl.DataFrame] = []
    codes = households["id"].drop_nulls().unique().to_list()
    by_code = _registry_by_code(codes)
    frame = households.join(by_code, on="id", how="left")
    frame = frame.with_columns(pl.col("deleted").fill_null(False))
    deleted = frame.filter(pl.col("deleted"))
    if deleted.height:
        h_errors.append(_errors(deleted, "id", pl.lit(_("Mã hộ này thuộc một hộ đã bị xoá khỏi hệ thống; hãy dùng mã "
                                                        "khác."))))
    frame = frame.with_columns(pl.when(~pl.col("deleted")).then(pl.col("household_pk")).alias("household_pk"))
    # Heads' citizen IDs, for households whose code the registry does not know.
    if "citizen_id" in members.columns:
        heads = members.filter((pl.col("relation") == "head") & pl.col("citizen_id").is_not_null()).group_by(HH).agg(
            pl.col("citizen_id").first().alias("head_citizen_id"))
        frame = frame.join(heads, on=HH, how="left")
        wanted = frame.filter(pl.col("household_pk").is_null() & ~pl.col("deleted")
                              & pl.col("head_citizen_id").is_not_null())["head_citizen_id"].to_list()
        by_head = _registry_by_head(wanted)
        if by_head.height:
            visible = [can_see_citizen_id(actor, p) for p in by_head["registry_path"].to_list()]
            by_head = by_head.filter(pl.Series(visible, dtype=pl.Boolean))
            frame = frame.join(by_head.rename({"household_pk": "head_pk", "registry_path": "head_path"}),
                               on="head_citizen_id", how="left").with_columns(
                pl.coalesce("household_pk", "head_pk").alias("household_pk"),
                pl.coalesce("registry_path", "head_path").alias("registry_path"),
            ).drop("head_pk", "head_path")
        else:
            frame = frame.with_columns(pl.lit(None, dtype=pl.String).alias("registry_code"))
    else:
        frame = frame.with_columns(pl.lit(None, dtype=pl.String).alias("registry_code"))
    # The code the household keeps: the registry's when matched by the head's citizen ID.
    frame = frame.with_columns(pl.coalesce("registry_code", "id").alias("code"))
    matched = frame.filter(pl.col("household_pk").is_not_null())
    if matched.height:
        allowed = pl.Series(_editable(matched["registry_path"].to_list(), editable), dtype=pl.Boolean)
        outside = matched.filter(~allowed)
        if outside.height:
            h_errors.append(_errors(outside, "id", pl.lit(_("Hộ này đã có trong hệ thống nhưng thuộc địa bàn bạn không "
                                                            "được giao; bạn không được sửa hộ này."))))
    new = frame.filter(pl.col("household_pk").is_null() & ~pl.col("deleted") & pl.col("id").is_not_null())
    if new.height:
        bad_codes = [c for c in new["id"].to_list()
                     if c in RESERVED_CODES or starts_like_a_formula(c)
                     or any(ch == "/" or ch.isspace() or not ch.isprintable() for ch in c)]
        if bad_codes:
            h_errors.append(_errors(new.filter(pl.col("id").is_in(bad_codes)), "id", pl.lit(_(
                "Mã hộ không được chứa dấu “/”, dấu cách hay ký tự điều khiển, không được bắt đầu bằng =, +, -, @ và "
                "không được trùng các từ dành riêng của hệ thống (%(reserved)s).") % {
                    "reserved": ", ".join(RESERVED_CODES)})))
    members = members.join(frame.select(HH, "household_pk", "code"), on=HH, how="left")
    members, masked_errors = _restore_masked(members)
    m_errors.append(masked_errors)
    m_errors.append(_citizen_ids_in_registry(members, actor))
    households_out, members_out, diffs = _compare(frame, members)
    return Matched(households_out, members_out,
                   pl.concat(h_errors) if h_errors else pl.DataFrame(schema=ERROR_SCHEMA),
                   pl.concat([e for e in m_errors if e.height]) if any(e.height for e in m_errors)
                   else pl.DataFrame(schema=ERROR_SCHEMA), diffs)


def _restore_masked(members: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """A masked ID sent back for the same member (same household, same member id) keeps the stored ID — a list
    exported by a role that sees IDs masked re-imports without losing them. Any other masked ID is an error."""
    if "citizen_id" not in members.columns:
        return members, pl.DataFrame(schema=ERROR_SCHEMA)
    masked = members.filter(pl.col("citizen_id").str.contains(MASKED))
    if masked.is_empty():
        return members, pl.DataFrame(schema=ERROR_SCHEMA)
    pks = masked["household_pk"].drop_nulls().unique().to_list()
    rows: list[tuple[Any, ...]] = []
    for part in chunks(pks):
        rows += Member.objects.filter(household_id__in=part).exclude(citizen_id="").values_list(
            "household_id", "member_id", "citizen_id")
    stored = pl.DataFrame(rows, schema={"household_pk": pl.Int64, "id": pl.String, "_stored_id": pl.String},
                          orient="row")
    members = members.join(stored, on=["household_pk", "id"], how="left")
    same = pl.col("citizen_id").str.contains(MASKED) & pl.col("_stored_id").is_not_null() & (
        pl.concat_str(pl.lit("*" * 9), pl.col("_stored_id").str.slice(9)) == pl.col("citizen_id"))
    members = members.with_columns(pl.when(same).then(pl.col("_stored_id")).otherwise(pl.col("citizen_id"))
                                   .alias("citizen_id")).drop("_stored_id")
    unresolved = members.filter(pl.col("citizen_id").str.contains(MASKED))
    errors = _errors(unresolved, "citizen_id", pl.lit(_(
        "Số định danh đã bị che (chỉ hiện 3 số cuối) và không khớp với thành viên này trong hệ thống: hãy ghi đủ 12 "
        "chữ số, hoặc để trống.")))
    return members.with_columns(pl.when(pl.col("citizen_id").str.contains(MASKED)).then(None)
                                .otherwise(pl.col("citizen_id")).alias("citizen_id")), errors


def _citizen_ids_in_registry(members: pl.DataFrame, actor: Any) -> pl.DataFrame:
    """A person belongs to one live household: an ID already held by a member of another household is an error.
    The holder is named only to an importer who may see citizen IDs in its unit (as in the household form)."""
    if "citizen_id" not in members.columns:
        return pl.DataFrame(schema=ERROR_SCHEMA)
    ids = members["citizen_id"].drop_nulls().unique().to_list()
    rows = select_in(f"SELECT m.citizen_id, h.id, h.code, h.unit_path FROM {_M} m JOIN {_H} h "  # noqa: S608
                     "ON h.id = m.household_id WHERE h.deleted_at IS NULL AND m.citizen_id {in}", ids)
    if not rows:
        return pl.DataFrame(schema=ERROR_SCHEMA)
    holders = pl.DataFrame(rows, schema={"citizen_id": pl.String, "holder_pk": pl.Int64, "holder_code": pl.String,
                                         "holder_path": pl.String}, orient="row")
    clash = members.join(holders, on="citizen_id", how="inner").filter(
        pl.col("household_pk").is_null() | (pl.col("holder_pk") != pl.col("household_pk")))
    if not clash.height:
        return pl.DataFrame(schema=ERROR_SCHEMA)
    named = pl.Series([can_see_citizen_id(actor, p) for p in clash["holder_path"].to_list()], dtype=pl.Boolean)
    clash = clash.with_columns(named.alias("_named"))
    message = pl.when(pl.col("_named")).then(pl.format(
        _("Người có số định danh này đã là thành viên của hộ {} trong hệ thống."), pl.col("holder_code"))).otherwise(
        pl.lit(_("Số định danh này đã được đăng ký cho một thành viên của hộ khác trong hệ thống; mỗi người chỉ thuộc "
                 "một hộ. Hãy kiểm tra lại số định danh, hoặc đề nghị cán bộ cấp xã nơi người này đang ở chuyển "
                 "khẩu.")))
    return _errors(clash, "citizen_id", message)


def _compare(households: pl.DataFrame, members: pl.DataFrame
             ) -> tuple[pl.DataFrame, pl.DataFrame, dict[str, dict[str, list[Any]]]]:
    """Action of every household and member; field differences of changed households."""
    pks = households["household_pk"].drop_nulls().unique().to_list()
    fact_names = [n for n in (*FACTS, *LOCATION) if n in households.columns]
    member_names = [n for n in MEMBER_FACTS if n in members.columns]
    stored_h = _norm(_stored_households(pks, households), households, FACTS)
    stored_m = _norm(_stored_members(pks, members), members, MEMBER_FACTS)
    # Facts the file has no column for are not touched by the import: they are compared as equal.
    # ``version`` is what the household was when compared: commit refuses if it moved since (services).
    h = households.join(stored_h.select("household_pk", pl.col("version").cast(pl.Int64),
                                        *[pl.col(n).alias(f"{n}__db") for n in fact_names]),
                        on="household_pk", how="left")
    h_changed = pl.lit(False)
    for name in fact_names:
        h_changed = h_changed | (pl.col("household_pk").is_not_null() & _differs(pl.col(name), pl.col(f"{name}__db"),
                                                                                 name))
    h = h.with_columns(h_changed.alias("_facts_changed"))
    m = members.join(stored_m.select("household_pk", "id", "position",
                                     *[pl.col(n).alias(f"{n}__db") for n in member_names]),
                     on=["household_pk", "id"], how="left")
    m_changed = pl.col("position").ne_missing(pl.col(IDX))
    for name in member_names:
        m_changed = m_changed | _differs(pl.col(name), pl.col(f"{name}__db"), name)
    m = m.with_columns(
        pl.when(pl.col("household_pk").is_null() | pl.col("position").is_null()).then(pl.lit("new"))
        .when(m_changed).then(pl.lit("changed")).otherwise(pl.lit("unchanged")).alias("_action"))
    # Stored members the file no longer lists are removed by an update.
    file_keys = m.filter(pl.col("household_pk").is_not_null()).select("household_pk", "id")
    removed = stored_m.join(file_keys, on=["household_pk", "id"], how="anti")
    member_touched = m.filter(pl.col("_action") != "unchanged").select("household_pk").unique()
    touched = pl.concat([member_touched, removed.select("household_pk").unique()]).unique()
    h = h.with_columns(
        pl.when(pl.col("household_pk").is_null()).then(pl.lit("new"))
        .when(pl.col("_facts_changed") | pl.col("household_pk").is_in(touched["household_pk"].implode()))
        .then(pl.lit("changed")).otherwise(pl.lit("unchanged")).alias("_action"))
    diffs = _diffs(h, m, removed, fact_names, member_names)
    keep_h = [c for c in h.columns if not c.endswith("__db")]
    keep_m = [c for c in m.columns if not c.endswith("__db")]
    return h.select(keep_h), m.select(keep_m), diffs


def _path(name: str) -> str:
    if name in DWELLING_FACTS:
        return f"dwelling.{name}"
    return {"commune_id": "commune_code", "hamlet_id": "hamlet"}.get(name, name)


def _diffs(h: pl.DataFrame, m: pl.DataFrame, removed: pl.DataFrame, fact_names: list[str],
           member_names: list[str]) -> dict[str, dict[str, list[Any]]]:
    """``{code: {path: [before, after]}}`` for changed households: the audit trail's shape (``households.services``
    ``_changes``), citizen IDs masked."""
    diffs: dict[str, dict[str, list[Any]]] = {}
    changed = h.filter(pl.col("_action") == "changed")
    if not changed.height:
        return diffs
    for name in fact_names:
        rows = changed.filter(_differs(pl.col(name), pl.col(f"{name}__db"), name)).select("code", f"{name}__db", name)
        for code, before, after in rows.iter_rows():
            diffs.setdefault(code, {})[_path(name)] = [_show(before, name), _show(after, name)]
    existing = m.filter(pl.col("household_pk").is_not_null())
    for name in member_names:
        rows = existing.filter(pl.col("position").is_not_null()
                               & _differs(pl.col(name), pl.col(f"{name}__db"), name)).select(
            "code", IDX, f"{name}__db", name)
        for code, index, before, after in rows.iter_rows():
            diffs.setdefault(code, {})[f"members[{index}].{name}"] = [_show(before, name), _show(after, name)]
    added = existing.filter(pl.col("_action") == "new").select("code", IDX, "id", "name" if "name" in m.columns
                                                              else pl.lit(None).alias("name"))
    for code, index, member_id, name in added.iter_rows():
        diffs.setdefault(code, {})[f"members[{index}]"] = [None, {"id": member_id, "name": name}]
    if removed.height:
        codes = dict(changed.select("household_pk", "code").iter_rows())
        for pk, member_id, position, name in removed.select("household_pk", "id", "position", "name").iter_rows():
            if pk in codes:
                diffs.setdefault(codes[pk], {})[f"members[{position}]"] = [{"id": member_id, "name": name}, None]
    return diffs

