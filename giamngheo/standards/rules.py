"""Rule kinds: each indicator of a standard names one of these and gives its parameters (data).

A rule kind is written once, as a Polars expression built from its parameters, and runs column-wise over every
household of a batch — a single household is a batch of one (architecture decision 1).

Three-valued logic: every flag is a nullable boolean where ``null`` means *unknown* (an answer that could change
the outcome is missing). Polars' ``&``, ``|``, ``~`` and ``any/all(ignore_nulls=False)`` follow Kleene logic, so an
unknown only survives where it could matter: ``False & null`` is ``False``, ``True | null`` is ``True``.

Member-level kinds produce a member flag column ``_m_<code>`` (True: this member makes the household deprived or
counts towards it; null: unknown) and an aggregation that turns the household's counts of those flags (``Counts``:
members for whom it is true, members for whom it is unknown, all members) into the household flag ``_d_<code>``.
Household-level kinds produce ``_d_<code>`` directly from the household's answers. Explanations read these very
columns, so a reason shown to a village meeting is the rule's own output.
"""

from __future__ import annotations

from typing import Any, ClassVar, Literal, NamedTuple

import polars as pl
from pydantic import BaseModel, ConfigDict, Field, model_validator

from giamngheo.standards import record as rec

MEMBER_ENUMS = {f.name: f.values for f in rec.MEMBER_FIELDS if f.kind == "enum"}
DWELLING_ENUMS = {f.name: f.values for f in rec.DWELLING_FIELDS if f.kind == "enum"}
MEMBER_BOOLEANS = tuple(f.name for f in rec.MEMBER_FIELDS if f.kind == "boolean")


class Counts(NamedTuple):
    """Of one member flag, per household: members for whom it is true, members for whom it is unknown (null), and
    all members. Counts, not a grouped expression, so that the executor may count however is fastest (a running
    sum over members grouped by household, or a group-by) and every rule still reads the same three numbers."""

    true: pl.Expr
    unknown: pl.Expr
    members: pl.Expr


class _Params(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _in_set(column: str, values: list[Any]) -> pl.Expr:
    """True/False by membership; null when the answer is missing (Polars' ``is_in`` keeps nulls)."""
    return pl.col(column).is_in(values)


def _age_within(age_from: int | None, age_below: int | None) -> pl.Expr:
    expr = pl.lit(True)
    if age_from is not None:
        expr = expr & (pl.col("_age") >= age_from)
    if age_below is not None:
        expr = expr & (pl.col("_age") < age_below)
    return expr


class RuleKind:
    """Base of the rule kinds. ``level`` says where the flag is first computed."""

    name: ClassVar[str]
    level: ClassVar[Literal["member", "household"]]
    params_model: ClassVar[type[_Params]]

    def member_flag(self, params: Any) -> pl.Expr:
        raise TypeError(f"rule kind {self.name} has no member flag")

    def aggregate(self, params: Any, counts: Counts) -> pl.Expr:
        """Household flag from the counts of its member flags. Default: any member (Kleene): true when one member's
        flag is true, else unknown when one is unknown, else false."""
        return (pl.when(counts.true > 0).then(pl.lit(True))
                .when(counts.unknown > 0).then(pl.lit(None, dtype=pl.Boolean))
                .otherwise(pl.lit(False)))

    def household_flag(self, params: Any) -> pl.Expr:
        raise TypeError(f"rule kind {self.name} has no household flag")

    def member_fields(self, params: Any) -> list[str]:
        """Member answers the rule reads (shown in explanations)."""
        return []

    def household_fields(self, params: Any) -> list[str]:
        """Household answers the rule reads (shown in explanations)."""
        return []


class MemberAnswerParams(_Params):
    field: str
    deprived_values: list[str | bool] = Field(min_length=1)
    age_from: int | None = Field(default=None, ge=0, le=130)
    age_below: int | None = Field(default=None, ge=0, le=131)

    @model_validator(mode="after")
    def _field_and_values(self) -> MemberAnswerParams:
        if self.field in MEMBER_ENUMS:
            bad = [v for v in self.deprived_values if v not in MEMBER_ENUMS[self.field]]
        elif self.field in MEMBER_BOOLEANS:
            bad = [v for v in self.deprived_values if not isinstance(v, bool)]
        else:
            raise ValueError(f"field {self.field!r} is not a member answer usable by this rule")
        if bad:
            raise ValueError(f"values {bad!r} are not possible answers of {self.field!r}")
        return self


class MemberAnswer(RuleKind):
    """Deprived when a member in an age band gives one of the deprived answers (nutrition, insurance, school…)."""

    name = "member_answer"
    level = "member"
    params_model = MemberAnswerParams

    def member_flag(self, params: MemberAnswerParams) -> pl.Expr:
        return _age_within(params.age_from, params.age_below) & _in_set(params.field, list(params.deprived_values))

    def member_fields(self, params: MemberAnswerParams) -> list[str]:
        return [params.field]


class WorkingAgeStatusParams(_Params):
    statuses: list[str] = Field(min_length=1)

    @model_validator(mode="after")
    def _known(self) -> WorkingAgeStatusParams:
        bad = [s for s in self.statuses if s not in rec.EMPLOYMENT]
        if bad:
            raise ValueError(f"unknown employment statuses {bad!r}")
        return self


class WorkingAgeStatus(RuleKind):
    """Deprived when a member of working age has one of the listed employment statuses."""

    name = "working_age_status"
    level = "member"
    params_model = WorkingAgeStatusParams

    def member_flag(self, params: WorkingAgeStatusParams) -> pl.Expr:
        return pl.col("_working_age") & _in_set("employment", list(params.statuses))

    def member_fields(self, params: WorkingAgeStatusParams) -> list[str]:
        return ["working_age", "employment"]


class EducationBand(_Params):
    age_from: int = Field(ge=0, le=130)
    age_to: int = Field(ge=0, le=130)
    accepted: list[str] = Field(min_length=1)

    @model_validator(mode="after")
    def _levels(self) -> EducationBand:
        bad = [v for v in self.accepted if v not in rec.EDUCATION]
        if bad:
            raise ValueError(f"unknown education levels {bad!r}")
        if self.age_to < self.age_from:
            raise ValueError("age_to is below age_from")
        return self


class EducationLevelParams(_Params):
    bands: list[EducationBand] = Field(min_length=1)
    in_education_exempts: bool = True
    born_from_year: int | None = None


class EducationLevel(RuleKind):
    """Deprived when a member in an age band lacks the level the band requires (and is not studying)."""

    name = "education_level"
    level = "member"
    params_model = EducationLevelParams

    def member_flag(self, params: EducationLevelParams) -> pl.Expr:
        lacks = pl.lit(False)
        for band in params.bands:
            in_band = (pl.col("_age") >= band.age_from) & (pl.col("_age") <= band.age_to)
            lacks = lacks | (in_band & ~_in_set("education_completed", list(band.accepted)))
        if params.in_education_exempts:
            lacks = lacks & ~pl.col("in_education")
        if params.born_from_year is not None:
            # With only an age, the birth year is one of two years: unknown only when they straddle the cut.
            born_ok = (pl.when(pl.col("_by_min") >= params.born_from_year).then(pl.lit(True))
                       .when(pl.col("_by_max") < params.born_from_year).then(pl.lit(False))
                       .otherwise(pl.lit(None, dtype=pl.Boolean)))
            lacks = lacks & born_ok
        return lacks

    def member_fields(self, params: EducationLevelParams) -> list[str]:
        fields = ["education_completed", "in_education"] if params.in_education_exempts else ["education_completed"]
        return [*fields, "birth_date"] if params.born_from_year is not None else fields


class NoMemberUsesParams(_Params):
    fields: list[str] = Field(min_length=1)

    @model_validator(mode="after")
    def _booleans(self) -> NoMemberUsesParams:
        bad = [f for f in self.fields if f not in MEMBER_BOOLEANS]
        if bad:
            raise ValueError(f"fields {bad!r} are not yes/no member answers")
        return self


class NoMemberUses(RuleKind):
    """Deprived when no member uses any of the listed services. Member flag: this member uses none of them."""

    name = "no_member_uses"
    level = "member"
    params_model = NoMemberUsesParams

    def member_flag(self, params: NoMemberUsesParams) -> pl.Expr:
        uses = pl.lit(False)
        for field in params.fields:
            uses = uses | pl.col(field)
        return ~uses

    def aggregate(self, params: NoMemberUsesParams, counts: Counts) -> pl.Expr:
        # Every member (Kleene): false when one member's flag is false, else unknown when one is unknown.
        return (pl.when(counts.true + counts.unknown < counts.members).then(pl.lit(False))
                .when(counts.unknown > 0).then(pl.lit(None, dtype=pl.Boolean))
                .otherwise(pl.lit(True)))

    def member_fields(self, params: NoMemberUsesParams) -> list[str]:
        return list(params.fields)


class DependentsRatioParams(_Params):
    child_age_below: int = Field(ge=0, le=130)
    elderly_age_from: int = Field(ge=0, le=130)
    allowance_disability_levels: list[Literal["mild", "severe", "very_severe"]]
    always_disability_levels: list[Literal["mild", "severe", "very_severe"]]
    ratio_above: float = Field(ge=0, le=1)


class DependentsRatio(RuleKind):
    """Deprived when dependents are more than a share of the members. Member flag: this member is a dependent."""

    name = "dependents_ratio"
    level = "member"
    params_model = DependentsRatioParams

    def member_flag(self, params: DependentsRatioParams) -> pl.Expr:
        allowance_group = (pl.col("_age") >= params.elderly_age_from) | _in_set(
            "disability", list(params.allowance_disability_levels))
        return ((pl.col("_age") < params.child_age_below)
                | (allowance_group & pl.col("monthly_social_allowance"))
                | _in_set("disability", list(params.always_disability_levels)))

    def aggregate(self, params: DependentsRatioParams, counts: Counts) -> pl.Expr:
        # Unknown members could go either way: deprived only if the known dependents already exceed the share,
        # not deprived only if even all unknowns being dependents would not.
        known, unknown = counts.true, counts.unknown
        limit = params.ratio_above * counts.members
        return (pl.when(known > limit).then(pl.lit(True))
                .when(known + unknown <= limit).then(pl.lit(False))
                .otherwise(pl.lit(None, dtype=pl.Boolean)))

    def member_fields(self, params: DependentsRatioParams) -> list[str]:
        return ["disability", "monthly_social_allowance"]


class StructuresParams(_Params):
    fields: list[Literal["walls_durable", "frame_durable", "roof_durable"]] = Field(min_length=1)
    min_non_durable: int = Field(ge=1)


class StructuresNonDurable(RuleKind):
    """Deprived when at least ``min_non_durable`` of the main structures are not durable."""

    name = "structures_non_durable"
    level = "household"
    params_model = StructuresParams

    def household_flag(self, params: StructuresParams) -> pl.Expr:
        non_durable = pl.sum_horizontal([(~pl.col(f)).fill_null(False).cast(pl.Int32) for f in params.fields])
        unknown = pl.sum_horizontal([pl.col(f).is_null().cast(pl.Int32) for f in params.fields])
        return (pl.when(non_durable >= params.min_non_durable).then(pl.lit(True))
                .when(non_durable + unknown < params.min_non_durable).then(pl.lit(False))
                .otherwise(pl.lit(None, dtype=pl.Boolean)))

    def household_fields(self, params: StructuresParams) -> list[str]:
        return list(params.fields)


class AreaPerPersonParams(_Params):
    min_m2_per_person: float = Field(gt=0)


class AreaPerPerson(RuleKind):
    """Deprived when floor area per member is below the minimum (compared as area < minimum × members, exact)."""

    name = "area_per_person"
    level = "household"
    params_model = AreaPerPersonParams

    def household_flag(self, params: AreaPerPersonParams) -> pl.Expr:
        members = pl.col("_n_members")
        return (pl.when(members > 0)
                .then(pl.col("floor_area_m2") < params.min_m2_per_person * members)
                .otherwise(pl.lit(None, dtype=pl.Boolean)))

    def household_fields(self, params: AreaPerPersonParams) -> list[str]:
        return ["floor_area_m2"]


class ValueNotInParams(_Params):
    field: str
    accepted: list[str] = Field(min_length=1)

    @model_validator(mode="after")
    def _values(self) -> ValueNotInParams:
        if self.field not in DWELLING_ENUMS:
            raise ValueError(f"field {self.field!r} is not a dwelling answer with fixed values")
        bad = [v for v in self.accepted if v not in DWELLING_ENUMS[self.field]]
        if bad:
            raise ValueError(f"values {bad!r} are not possible answers of {self.field!r}")
        return self


class ValueNotIn(RuleKind):
    """Deprived when a dwelling answer is not one of the accepted values (water source, latrine, waste)."""

    name = "value_not_in"
    level = "household"
    params_model = ValueNotInParams

    def household_flag(self, params: ValueNotInParams) -> pl.Expr:
        return ~_in_set(params.field, list(params.accepted))

    def household_fields(self, params: ValueNotInParams) -> list[str]:
        return [params.field]


class DevicesNoneParams(_Params):
    devices: list[Literal["tv", "radio", "desktop", "laptop", "mobile_phone", "tablet"]] = Field(min_length=1)
    also_no_loudspeaker: bool = False


class DevicesNone(RuleKind):
    """Deprived when the household has none of the listed devices (and, if asked, cannot hear the loudspeaker)."""

    name = "devices_none"
    level = "household"
    params_model = DevicesNoneParams

    def household_flag(self, params: DevicesNoneParams) -> pl.Expr:
        has_one = pl.col("information_devices").list.eval(pl.element().is_in(list(params.devices))).list.any()
        flag = ~has_one
        if params.also_no_loudspeaker:
            flag = flag & ~pl.col("hears_loudspeaker")
        return flag

    def household_fields(self, params: DevicesNoneParams) -> list[str]:
        fields = ["information_devices"]
        return [*fields, "hears_loudspeaker"] if params.also_no_loudspeaker else fields


RULE_KINDS: dict[str, RuleKind] = {
    kind.name: kind
    for kind in (MemberAnswer(), WorkingAgeStatus(), EducationLevel(), NoMemberUses(), DependentsRatio(),
                 StructuresNonDurable(), AreaPerPerson(), ValueNotIn(), DevicesNone())
}
