"""The cast the API fuzzing runs against (``tests/api/test_fuzz.py``): two provinces, communes in and out of a
token's scope, households with members, support records, money, targets and a review cycle in each commune, so
that path parameters fed from here meet real objects.

Province 86 holds commune A (86001, the commune officer's) and commune B (86002); province 87 is the other
province (no fuzzing token covers it). Every object outside a scope carries texts found nowhere else
(``World.secrets_for``): a response body holding one of them has leaked it. ``snapshot`` reads the rows a
token must not change, every column, to compare after the run.
"""

from __future__ import annotations

import copy
import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.apps import apps

from giamngheo.accounts.roles import Role
from giamngheo.accounts.tokens import api_token_create
from giamngheo.households.services import household_create
from giamngheo.reviews.services.cycles import review_cycle_open
from giamngheo.support.models import (
    Assignment,
    Campaign,
    EscapeRegistration,
    Pledge,
    Programme,
    ResourceEntry,
    SupportKind,
    SupportRecord,
    Target,
)

# One household per commune: (commune key, code, hamlet name, head, spouse, citizen IDs).
HOUSEHOLDS = {
    "A": ("A-001", "Ấp Bình Minh", "Nguyễn Văn Ánh", "Trần Thị Bé", ("086123456789", "086123456790")),
    "A2": ("A-002", "Ấp Đồng Tâm", "Lý Văn Hai", "Đỗ Thị Ba", ("086223456781", "086223456782")),
    "B": ("B-001", "Tổ dân phố 1", "Huỳnh Văn Kín", "Mai Thị Ẩn", ("086987654321", "086987654322")),
    "C": ("C-001", "Ấp Bình Minh", "Quách Văn Xa", "Tạ Thị Vắng", ("087555444333", "087555444334")),
}


def record_for(key: str, commune_code: str) -> dict[str, Any]:
    code, hamlet, head, spouse, (id1, id2) = HOUSEHOLDS[key]
    return copy.deepcopy({
        "id": code, "reference_date": "2025-10-01", "area": "rural", "commune_code": commune_code,
        "hamlet": hamlet, "income": 1_200_000,
        "dwelling": {"floor_area_m2": 12, "latrine": "none", "water_source": "surface", "information_devices": []},
        "members": [
            {"id": "1", "relation": "head", "name": head, "citizen_id": id1, "sex": "male", "age": 44,
             "health_insured": False},
            {"id": "2", "relation": "spouse", "name": spouse, "citizen_id": id2, "sex": "female",
             "birth_date": "1985-03-02", "health_insured": False},
        ],
    })


def support_for(*, commune: Any, household: Any, secret: str) -> dict[str, int]:
    """One object of every support model in ``commune``; the texts carry ``secret``. Returns the ids by kind."""
    day = dt.date(2026, 3, 2)
    kind = SupportKind.objects.get(code="loan")
    spending = ResourceEntry.objects.create(
        unit=commune, unit_path=commune.path, level="commune", direction="spent", source="local_budget",
        amount=50_000_000, on=day, year=2026, description=secret)
    record = SupportRecord.objects.create(
        household=household, unit_path=household.unit_path, kind=kind, given_on=day, year=2026,
        provider_type="social_policy_bank", provider_name=secret, amount=30_000_000, loan_term_months=36,
        funded_by=spending)
    assignment = Assignment.objects.create(
        household=household, unit_path=household.unit_path, helper_type="party_member", helper_name=secret,
        since=day, target_year=2027)
    registration = EscapeRegistration.objects.create(
        household=household, unit_path=household.unit_path, registered_on=day, target_year=2027,
        commitments=secret)
    campaign = Campaign.objects.create(unit=commune, unit_path=commune.path, name=secret,
                                       starts_on=dt.date(2026, 10, 17), ends_on=dt.date(2026, 11, 18))
    pledge = Pledge.objects.create(campaign=campaign, unit_path=commune.path, donor_name=secret,
                                   donor_type="business", amount=10_000_000, pledged_on=dt.date(2026, 10, 20))
    target = Target.objects.create(unit=commune, unit_path=commune.path, indicator="poverty_rate",
                                   standard_id="2026", baseline_year=2025, target_year=2026, value=Decimal("1.5"),
                                   source_document=secret)
    return {"resource": spending.pk, "support": record.pk, "assignment": assignment.pk,
            "registration": registration.pk, "campaign": campaign.pk, "pledge": pledge.pk, "target": target.pk}


@dataclass
class World:
    trees: dict[str, Any]  # "86", "87"
    users: dict[str, Any]  # "commune" (officer of 86001), "province" (officer of 86), and the seeders
    households: dict[str, Any]  # by key of HOUSEHOLDS
    objects: dict[str, dict[str, int]]  # commune key → support object ids by kind
    cycles: dict[str, Any]  # commune key → review cycle
    secrets: dict[str, str] = field(default_factory=dict)  # commune key → the secret of its support texts
    tokens: dict[str, str] = field(default_factory=dict)  # "commune", "province" → bearer token

    def scope_path(self, role: str) -> str:
        return self.trees["86"].commune.path if role == "commune" else self.trees["86"].province.path

    def in_scope(self, role: str) -> list[str]:
        return ["A", "A2"] if role == "commune" else ["A", "A2", "B"]

    def out_of_scope(self, role: str) -> list[str]:
        return ["B", "C"] if role == "commune" else ["C"]

    def secrets_for(self, role: str, *, units: bool = True) -> list[str]:
        """Texts of the units and households outside the role's scope: household codes, member names, citizen
        IDs whole and masked, support texts, unit codes of communes and hamlets (unit *names* are public
        reference data and repeat across the two test provinces, so codes stand for the units)."""
        texts: list[str] = []
        for key in self.out_of_scope(role):
            code, _hamlet, head, spouse, ids = HOUSEHOLDS[key]
            texts += [code, head, spouse, *ids, *(f"*********{i[-3:]}" for i in ids), self.secrets[key]]
        if not units:
            return texts
        tree86, tree87 = self.trees["86"], self.trees["87"]
        units = [tree87.commune, tree87.other_commune, tree87.hamlet, tree87.other_hamlet]
        if role == "commune":
            units += [tree86.other_commune, tree86.other_hamlet]
        texts += [u.code for u in units]
        return texts

    def path_values(self) -> dict[str, list[Any]]:
        """Values for each path parameter: every object of every commune (in and out of scope), so the fuzzer
        meets real objects it may touch and real ones it must not."""
        keys = ["A", "A2", "B", "C"]
        households = [HOUSEHOLDS[k][0] for k in keys]
        by_kind: dict[str, list[int]] = {}
        for key in ("A", "B", "C"):
            for kind, pk in self.objects[key].items():
                by_kind.setdefault(kind, []).append(pk)
        cycles = [self.cycles[k].pk for k in ("A", "B", "C")]
        cases = [case.pk for k in ("A", "B", "C") for case in self.cycles[k].cases.all()]
        every_id = sorted({pk for ids in by_kind.values() for pk in ids})
        return {
            "households": households,
            "support": by_kind["support"], "assignments": by_kind["assignment"],
            "escape-registrations": by_kind["registration"], "campaign_id": by_kind["campaign"],
            "pledge_id": by_kind["pledge"], "entry_id": by_kind["resource"], "targets": by_kind["target"],
            "cycle_id": cycles, "case_id": cases, "any": every_id,
            "units": [t.commune.code for t in self.trees.values()] + [t.province.code for t in self.trees.values()],
            "programmes": list(Programme.objects.order_by("pk").values_list("pk", flat=True)),
            # No import job in the cast (a job needs its uploaded file): a well-formed UUID that names none.
            "imports": ["3f0c8a4e-0000-4000-8000-000000000000"],
        }


def build_world(make_unit_tree: Any, make_user: Any) -> World:
    trees = {"86": make_unit_tree("86"), "87": make_unit_tree("87")}
    t86, t87 = trees["86"], trees["87"]
    users = {
        "commune": make_user(role=Role.COMMUNE_OFFICER, unit=t86.commune),
        "province": make_user(role=Role.PROVINCE_OFFICER, unit=t86.province),
        "B": make_user(role=Role.COMMUNE_OFFICER, unit=t86.other_commune),
        "C": make_user(role=Role.COMMUNE_OFFICER, unit=t87.commune),
    }
    communes = {"A": t86.commune, "A2": t86.commune, "B": t86.other_commune, "C": t87.commune}
    actors = {"A": users["commune"], "A2": users["commune"], "B": users["B"], "C": users["C"]}
    households = {
        key: household_create(actor=actors[key], record=record_for(key, communes[key].code)) for key in HOUSEHOLDS
    }
    secrets = {"A": "Quỹ Riêng Xã A", "B": "Quỹ Kín Phường B", "C": "Quỹ Xa Tỉnh C"}
    objects = {key: support_for(commune=communes[key], household=households[key], secret=secrets[key])
               for key in ("A", "B", "C")}
    # A province's own programme: catalogue data every unit of that province may read.
    Programme.objects.create(code="p-87", name="Chương trình riêng tỉnh 87", province=t87.province,
                             unit_path=t87.province.path)
    cycles = {key: review_cycle_open(actor=actors[key], commune=communes[key], year=2025)
              for key in ("A", "B", "C")}
    tokens = {role: api_token_create(user=users[role], days=1) for role in ("commune", "province")}
    return World(trees=trees, users=users, households=households, objects=objects, cycles=cycles, secrets=secrets,
                 tokens=tokens)


# The trails: who changed (core) and who read (privacy, issue 11) what. A read or a change in scope rightly adds
# to them, so they are no "change" inside the scope. Outside it the read trail must not grow (it is compared);
# the audit trail is checked entry by entry (test_fuzz: no new entry outside the scope).
TRAILS = frozenset({"core.AuditEntry", "privacy.ReadRecord"})


@dataclass
class Snapshot:
    inside: dict[str, list[tuple[Any, ...]]]
    outside: dict[str, list[tuple[Any, ...]]]


def snapshot(scope_path: str) -> Snapshot:
    """Every row of every unit-owned model (a ``unit_path`` column) and every household member, every column's
    value as the database returns it, split into the rows inside ``scope_path`` and those outside it. Equal
    snapshots mean equal rows. One query per model: the fuzzing takes one before and one after each operation."""
    from giamngheo.households.models import Member

    taken = Snapshot(inside={}, outside={})
    models = [m for m in apps.get_models() if any(f.name == "unit_path" for f in m._meta.get_fields())]
    for model in [*models, Member]:
        label = model._meta.label
        if label == "core.AuditEntry":
            continue
        where = "unit_path" if model is not Member else "household__unit_path"
        taken.inside[label], taken.outside[label] = [], []
        for path, *row in model._default_manager.order_by("pk").values_list(where, *(
                f.attname for f in model._meta.concrete_fields)):
            inside = path.startswith(scope_path)
            if not (inside and label in TRAILS):
                (taken.inside if inside else taken.outside)[label].append(tuple(row))
    return taken


def leaked(secrets: list[str], text: str, sent: str) -> list[str]:
    """The secrets found in a response ``text`` that the request itself (``sent``) did not carry: an error
    message may quote a code the client sent. Digits must stand alone (``86002`` is not in ``1860021``)."""
    found = []
    for secret in secrets:
        pattern = re.escape(secret)
        if secret[:1].isdigit():
            pattern = rf"(?<![0-9]){pattern}(?![0-9])"
        if re.search(pattern, text) and not re.search(pattern, sent):
            found.append(secret)
    return found
