"""Standard definitions: TOML files read with ``tomllib``, validated by pydantic, content-hashed.

A definition may name a ``base`` definition (the 2026 standard continues 2022–2025; a province's local standard
adjusts a national one). Resolution: every top-level key the file writes replaces the base's key as a whole (a
``[lines]`` table replaces all lines), ``indicator_params`` merges parameters into the base's indicators by code,
and ``remove`` drops optional sections of the base. The hash is taken of the resolved definition, so it changes
whenever anything that can change a result changes, including the base.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import tomllib
from functools import cache, cached_property
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from giamngheo.standards import record as rec
from giamngheo.standards.rules import RULE_KINDS

DEFINITIONS_DIR = Path(__file__).parent / "definitions"
LOCAL_DIR = DEFINITIONS_DIR / "local"
Tag = Literal["V", "S", "P"]
OPTIONAL_SECTIONS = ("score_form", "low_income_worker", "working_age")


class StandardError(Exception):
    """A definition cannot be found, read or validated. The message is one line, fit for the command line."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AreaLines(_Model):
    poverty: int = Field(gt=0)
    near_poverty: int | None = Field(default=None, gt=0)
    average_upper: int | None = Field(default=None, gt=0)

    @model_validator(mode="after")
    def _ordered(self) -> AreaLines:
        lines = [v for v in (self.poverty, self.near_poverty, self.average_upper) if v is not None]
        if lines != sorted(lines) or len(set(lines)) != len(lines):
            raise ValueError("lines must rise strictly: poverty < near_poverty < average_upper")
        return self


class Lines(_Model):
    period: Literal["month", "year"]
    rural: AreaLines
    urban: AreaLines
    poverty_tag: Tag
    near_poverty_tag: Tag | None = None
    average_upper_tag: Tag | None = None

    @property
    def months(self) -> int:
        """Per-capita monthly income is multiplied by this before comparing (exact integer arithmetic)."""
        return 12 if self.period == "year" else 1


class ClassRule(_Model):
    kind: Literal["one_line_and", "two_lines_or", "two_lines_and"]
    deprivation_cut: int = Field(ge=1)
    clause: str
    tag: Tag


class ScoreForm(_Model):
    cut_rural: float = Field(ge=0)
    cut_urban: float = Field(ge=0)
    points_per_deprivation: int = Field(gt=0)
    score_b_cut: int = Field(gt=0)
    clause: str
    tag: Tag


class LowIncomeWorker(_Model):
    effective_from: dt.date
    income_rural: int = Field(gt=0)
    income_urban: int = Field(gt=0)
    working_statuses: list[str] = Field(min_length=1)
    clause: str
    tag: Tag

    @model_validator(mode="after")
    def _statuses(self) -> LowIncomeWorker:
        bad = [s for s in self.working_statuses if s not in rec.EMPLOYMENT]
        if bad:
            raise ValueError(f"unknown employment statuses {bad!r}")
        return self


class RetirementAge(_Model):
    year: int
    male_months: int = Field(gt=0)
    female_months: int = Field(gt=0)


class WorkingAge(_Model):
    min_age: int = Field(ge=0)
    retirement: list[RetirementAge] = Field(min_length=1)
    clause: str
    tag: Tag

    @model_validator(mode="after")
    def _years_rise(self) -> WorkingAge:
        years = [r.year for r in self.retirement]
        if years != sorted(set(years)):
            raise ValueError("retirement rows must have distinct years in increasing order")
        return self


class Indicator(_Model):
    code: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name_vi: str
    name_en: str
    service: Literal["employment", "health", "education", "housing", "water_sanitation", "information"]
    clause: str
    tag: Tag
    rule: str
    deprived_when_vi: str
    deprived_when_en: str
    params: dict[str, Any] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _rule_params(self) -> Indicator:
        kind = RULE_KINDS.get(self.rule)
        if kind is None:
            raise ValueError(f"unknown rule {self.rule!r}; known rules: {', '.join(sorted(RULE_KINDS))}")
        kind.params_model.model_validate(self.params)
        return self

    @property
    def parsed_params(self) -> Any:
        return _parsed_params(self.rule, json.dumps(self.params, sort_keys=True))


@cache
def _parsed_params(rule: str, params_json: str) -> Any:
    return RULE_KINDS[rule].params_model.model_validate(json.loads(params_json))


class Standard(_Model):
    schema_version: Literal[1]
    id: str = Field(pattern=r"^[0-9A-Za-z][0-9A-Za-z_.-]*$")
    base: str | None = None
    province_code: str | None = Field(default=None, pattern=r"^[0-9]{2}$")
    title_vi: str
    title_en: str
    instrument_vi: str
    instrument_en: str
    instrument_tag: Tag
    effective_from: dt.date
    effective_to: dt.date
    first_review_year: int
    last_review_year: int
    class_rule: ClassRule
    lines: Lines
    score_form: ScoreForm | None = None
    low_income_worker: LowIncomeWorker | None = None
    working_age: WorkingAge | None = None
    # At most 16: result lists are read from a table of 2^n prepared lists (classify._code_lists).
    indicators: list[Indicator] = Field(min_length=1, max_length=16)

    @model_validator(mode="after")
    def _consistent(self) -> Standard:
        codes = [i.code for i in self.indicators]
        if len(set(codes)) != len(codes):
            raise ValueError("indicator codes must be unique")
        if self.effective_to < self.effective_from:
            raise ValueError("effective_to is before effective_from")
        if self.last_review_year < self.first_review_year:
            raise ValueError("last_review_year is before first_review_year")
        two_lines = self.class_rule.kind != "one_line_and"
        for area in (self.lines.rural, self.lines.urban):
            if two_lines and area.near_poverty is None:
                raise ValueError(f"class rule {self.class_rule.kind} needs a near_poverty line for each area")
            if not two_lines and area.near_poverty is not None:
                raise ValueError("class rule one_line_and takes no near_poverty line")
        if any(i.rule == "working_age_status" for i in self.indicators) and self.working_age is None:
            raise ValueError("an indicator uses working age but the standard has no [working_age] table")
        return self

    @cached_property
    def hash(self) -> str:
        # Definitions are frozen, so the hash is taken once; explanations read it for every household.
        return standard_hash(self)

    @property
    def indicator_codes(self) -> list[str]:
        return [i.code for i in self.indicators]

    @property
    def is_local(self) -> bool:
        return self.province_code is not None


def canonical_form(standard: Standard) -> str:
    """The definition as canonical JSON (sorted keys, no spaces): what the hash is taken of."""
    return json.dumps(standard.model_dump(mode="json"), sort_keys=True, separators=(",", ":"), ensure_ascii=False)


@cache
def _hash_of(canonical: str) -> str:
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def standard_hash(standard: Standard) -> str:
    return _hash_of(canonical_form(standard))


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError as exc:
        raise StandardError(f"{path}: file not found") from exc
    except OSError as exc:
        raise StandardError(f"{path}: cannot read ({exc.strerror})") from exc
    except tomllib.TOMLDecodeError as exc:
        raise StandardError(f"{path}: not valid TOML ({exc})") from exc


def _resolve(raw: dict[str, Any], source: str, seen: tuple[str, ...] = ()) -> dict[str, Any]:
    base_id = raw.get("base")
    if base_id is None:
        if "indicator_params" in raw or "remove" in raw:
            raise StandardError(f"{source}: indicator_params and remove need a base standard")
        return raw
    if base_id in seen:
        raise StandardError(f"{source}: base standards form a cycle ({' -> '.join((*seen, base_id))})")
    base = _resolve(_raw_national(base_id, source), f"{base_id}.toml", (*seen, base_id))
    merged = {k: v for k, v in base.items() if k != "base"}
    for key, value in raw.items():
        if key not in ("indicator_params", "remove"):
            merged[key] = value
    for section in raw.get("remove", []):
        if section not in OPTIONAL_SECTIONS:
            raise StandardError(f"{source}: remove may name only {', '.join(OPTIONAL_SECTIONS)}, not {section!r}")
        merged.pop(section, None)
    overrides = raw.get("indicator_params", {})
    codes = {i.get("code") for i in merged.get("indicators", [])}
    unknown = sorted(set(overrides) - codes)
    if unknown:
        raise StandardError(f"{source}: indicator_params names indicators the base does not have: {', '.join(unknown)}")
    merged["indicators"] = [
        {**ind, "params": {**ind.get("params", {}), **overrides.get(ind.get("code"), {})}}
        for ind in merged.get("indicators", [])
    ]
    return merged


def _raw_national(standard_id: str, source: str) -> dict[str, Any]:
    path = DEFINITIONS_DIR / f"{standard_id}.toml"
    if not path.is_file():
        raise StandardError(f"{source}: base standard {standard_id!r} does not exist")
    return _read_toml(path)


def _validate(raw: dict[str, Any], source: str) -> Standard:
    try:
        return Standard.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "(top level)"
        more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
        raise StandardError(f"{source}: invalid definition at {where}: {first['msg']}{more}") from exc


def load_standard_file(path: str | Path) -> Standard:
    """Load, resolve and validate one definition file (national or local)."""
    path = Path(path)
    raw = _read_toml(path)
    return _validate(_resolve(raw, str(path)), str(path))


def load_local_standard(path: str | Path) -> Standard:
    """Load a province's local standard; it must name a province and a base standard."""
    standard = load_standard_file(path)
    raw = _read_toml(Path(path))
    if standard.province_code is None or "base" not in raw:
        raise StandardError(f"{path}: a local standard needs province_code and base")
    return standard


@cache
def _builtin() -> dict[str, Standard]:
    found: dict[str, Standard] = {}
    for path in sorted(DEFINITIONS_DIR.glob("*.toml")) + sorted(LOCAL_DIR.glob("*.toml")):
        standard = load_standard_file(path)
        if standard.id in found:
            raise StandardError(f"{path}: standard id {standard.id!r} is defined twice")
        if path.parent == DEFINITIONS_DIR and (standard.id != path.stem or standard.is_local):
            raise StandardError(f"{path}: a national definition must be named <id>.toml and have no province_code")
        found[standard.id] = standard
    return found


def list_standards() -> list[Standard]:
    """Every built-in definition: national ones by first review year, then local ones."""
    return sorted(_builtin().values(), key=lambda s: (s.is_local, s.first_review_year, s.id))


def get_standard(standard_id: str) -> Standard:
    """A built-in standard by id (national, e.g. ``"2022-2025"``, or local, e.g. ``"79-2025"``)."""
    try:
        return _builtin()[standard_id]
    except KeyError:
        known = ", ".join(s.id for s in list_standards())
        raise StandardError(f"unknown standard {standard_id!r}; known standards: {known}") from None


def national_standard_for_year(year: int) -> Standard:
    """The national standard that governs a review year."""
    for standard in list_standards():
        if not standard.is_local and standard.first_review_year <= year <= standard.last_review_year:
            return standard
    raise StandardError(f"no national standard covers review year {year}")


def standards_in_force(year: int, province_code: str | None = None) -> list[Standard]:
    """The national standard for the year, then every built-in local standard of the province for that year."""
    result = [national_standard_for_year(year)]
    if province_code is not None:
        result.extend(s for s in list_standards()
                      if s.province_code == province_code and s.first_review_year <= year <= s.last_review_year)
    return result
