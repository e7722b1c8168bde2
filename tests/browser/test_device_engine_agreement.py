"""The device engine (engine.js) agrees with the Python executor on every standard shipped.

Generated valid household records — missing answers, incomes exactly on every line, floor areas exactly on the
per-person limit, ages on every age boundary and on the retirement month, birth dates on the reference day and on
29 February, urban and rural, one to a hundred members — are classified in headless Chromium by engine.js from
the portable export, and by ``classify_records``. Every result must be identical: class, deprivations, unknown
indicators, counts, every other result key, and the explanation with its printable text, in both languages.
No live server: engine.js is loaded into a blank page.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import giamngheo
from giamngheo.standards import classify_records, list_standards, validate_record
from giamngheo.standards import record as rec
from giamngheo.standards.definition import Standard, get_standard
from giamngheo.standards.portable import portable_standard
from tests.browser.conftest import TIMEOUT_MS, blank_page_with
from tests.standards.strategies import household_records

ENGINE = Path(giamngheo.__file__).parent / "static" / "giamngheo" / "offline" / "engine.js"
STANDARDS = [s.id for s in list_standards()]
RECORDS_PER_STANDARD = 2000
BATCH = 500  # records per page.evaluate: a handful of calls per standard


@pytest.fixture(scope="module")
def engine() -> Iterator[Any]:
    """A blank Chromium page with engine.js loaded."""
    with blank_page_with(ENGINE, timeout_ms=TIMEOUT_MS * 4) as page:
        yield page


# To and from the page as ASCII JSON text: Playwright passes large structured or non-ASCII values many times
# slower (seconds per batch), which would be most of the test's time.
_CLASSIFY = r"""([portable, records, lang]) => {
  const p = JSON.parse(portable);
  const results = JSON.parse(records).map((r) => GiamngheoEngine.classify(p, r, {lang}));
  return JSON.stringify(results).replace(/[\u007f-\uffff]/g,
    (c) => "\\u" + c.charCodeAt(0).toString(16).padStart(4, "0"));
}"""


def on_device(page: Any, portable: dict[str, Any], records: list[dict[str, Any]], lang: str) -> list[Any]:
    result: list[Any] = json.loads(page.evaluate(_CLASSIFY, [json.dumps(portable), json.dumps(records), lang]))
    return result


# --- Comparing ---------------------------------------------------------------------------------------------


def differences(python: Any, device: Any, path: str = "") -> list[tuple[str, Any, Any]]:
    """Where two results differ. Numbers compare by value (JSON has one number type: 40.0 is 40); a boolean
    only equals a boolean."""
    if isinstance(python, dict) and isinstance(device, dict):
        found = [(f"{path}.{k}", python.get(k, "<absent>"), device.get(k, "<absent>"))
                 for k in sorted(set(python) ^ set(device))]
        for key in python.keys() & device.keys():
            found += differences(python[key], device[key], f"{path}.{key}")
        return found
    if isinstance(python, list) and isinstance(device, list):
        if len(python) != len(device):
            return [(path, python, device)]
        return [d for i, (a, b) in enumerate(zip(python, device, strict=True)) for d in differences(a, b, f"{path}[{i}]")]
    if isinstance(python, bool) or isinstance(device, bool):
        return [] if type(python) is type(device) and python == device else [(path, python, device)]
    if isinstance(python, int | float) and isinstance(device, int | float):
        return [] if python == device else [(path, python, device)]
    return [] if python == device and type(python) is type(device) else [(path, python, device)]


def disagreements(standard: Standard, portable: dict[str, Any], page: Any, records: list[dict[str, Any]],
                  lang: str) -> list[tuple[dict[str, Any], list[tuple[str, Any, Any]]]]:
    python = classify_records(records, standard, explain=True, lang=lang)
    device = on_device(page, portable, records, lang)
    found = [(record, differences(p, d)) for record, p, d in zip(records, python, device, strict=True)]
    return [(record, diff) for record, diff in found if diff]


def report(found: list[tuple[dict[str, Any], list[tuple[str, Any, Any]]]]) -> str:
    lines = [f"{len(found)} records disagree; the first ones:"]
    for record, diff in found[:3]:
        lines.append(f"record {record!r}")
        lines += [f"  {path}: python {a!r} / device {b!r}" for path, a, b in diff[:6]]
    return "\n".join(lines)


# --- Generating records on every boundary --------------------------------------------------------------------

_MEMBER_SPECS = {f.name: f for f in rec.MEMBER_FIELDS}
_DRAWN_TOGETHER = {"id", "relation", "sex", "birth_date", "age", "name", "citizen_id", "working_age"}
_NAMES = ["Nguyễn Văn An", "Trần Thị Bình", "Lê {name}", "H'Hen Niê", "Đỗ Thị Ánh", "A; B, C"]
_ODD_IDS = ["{household}", "hộ số 7", "x" * rec.MAX_CODE_LENGTH, "{id}"]
_LEAP_BIRTHS = [dt.date(1960, 2, 29), dt.date(1988, 2, 29), dt.date(2000, 2, 29), dt.date(2012, 2, 29)]


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February in a year without one
        return day.replace(year=day.year - years, day=28)


def _months_before(day: dt.date, months: int) -> dt.date:
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    for last in (31, 30, 29, 28):
        try:
            return dt.date(year, month + 1, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")


class Households:
    """Valid records for one standard, seeded; values are drawn near the standard's own thresholds."""

    def __init__(self, standard: Standard, seed: int) -> None:
        self.standard = standard
        self.rng = random.Random(seed)
        self.incomes = self._income_edges()
        self.ages = self._age_edges()
        self.minimum_areas = [float(i.params["min_m2_per_person"]) for i in standard.indicators
                              if i.rule == "area_per_person"] or [8.0]
        form = standard.score_form
        cuts = [form.cut_rural, form.cut_urban] if form else [140.0]
        self.scores = sorted({max(0.0, c + d) for c in cuts for d in (-1, -0.5, -0.001, 0, 0.001, 0.5, 1)}
                             | {0.0, float(rec.MAX_SCORE_A), 140.004})

    def _income_edges(self) -> list[int]:
        lines = self.standard.lines
        months = lines.months
        bounds = [v for area in (lines.rural, lines.urban)
                  for v in (area.poverty, area.near_poverty, area.average_upper) if v is not None]
        worker = self.standard.low_income_worker
        edges = {0, rec.MAX_INCOME}
        for bound in bounds:
            # Monthly incomes whose months-times value falls just below, on and just above the line.
            edges |= {bound // months + d for d in (-1, 0, 1, 2)}
        if worker is not None:
            edges |= {b + d for b in (worker.income_rural, worker.income_urban) for d in (-1, 0, 1)}
        return sorted(e for e in edges if 0 <= e <= rec.MAX_INCOME)

    def _age_edges(self) -> list[int]:
        ages = {0, 1, 100, 130}
        for indicator in self.standard.indicators:
            params = indicator.params
            bands = params.get("bands", [])
            values = [v for k, v in params.items() if "age" in k and isinstance(v, int)]
            values += [b[k] for b in bands for k in ("age_from", "age_to")]
            ages |= {v + d for v in values for d in (-1, 0, 1)}
        if self.standard.working_age is not None:
            ages |= {self.standard.working_age.min_age + d for d in (-1, 0, 1)}
        return sorted(a for a in ages if 0 <= a <= 130)

    def _reference(self) -> dt.date:
        rng, standard = self.rng, self.standard
        first = max(2016, standard.first_review_year - 1)
        last = min(2030, standard.last_review_year)
        pick = rng.random()
        if pick < 0.1:
            return dt.date(rng.choice([y for y in range(2016, 2033, 4)]), 2, 29)
        if pick < 0.18 and standard.low_income_worker is not None:
            return standard.low_income_worker.effective_from + dt.timedelta(days=rng.choice([-1, 0, 1]))
        if pick < 0.25:
            return dt.date(rng.randint(first, last), *rng.choice([(1, 1), (12, 31)]))
        if pick < 0.3:  # years outside the retirement table take its nearest row
            return dt.date(rng.choice([2016, 2019, 2036, 2045]), rng.randint(1, 12), rng.randint(1, 28))
        start = dt.date(first, 1, 1)
        return start + dt.timedelta(days=rng.randint(0, (dt.date(last, 12, 31) - start).days))

    def _born(self, reference: dt.date, sex: str) -> dict[str, Any]:
        rng, table = self.rng, self.standard.working_age
        born_from = [i.params["born_from_year"] for i in self.standard.indicators if i.params.get("born_from_year")]
        pick = rng.random()
        if table is not None and pick < 0.25:
            # Around the retirement age of the reference year, in months.
            year = min(max(reference.year, table.retirement[0].year), table.retirement[-1].year)
            row = [r for r in table.retirement if r.year <= year][-1]
            months = (row.male_months if sex == "male" else row.female_months) + rng.choice([-13, -12, -1, 0, 1, 11, 12])
            if rng.random() < 0.5:
                return {"age": months // 12}
            born = _months_before(reference, months) + dt.timedelta(days=rng.choice([-1, 0, 0, 1]))
        elif born_from and pick < 0.4:  # members whose birth year straddles a "born from" cut
            years = reference.year - born_from[0] + rng.choice([-1, 0, 1])
            if rng.random() < 0.5:
                return {"age": years}
            born = _years_before(reference, years) + dt.timedelta(days=rng.choice([-1, 0, 1]))
        else:
            years = rng.choice(self.ages) if pick < 0.75 else rng.randint(0, 100)
            if rng.random() < 0.4:
                return {"age": years}
            born = _years_before(reference, years) + dt.timedelta(days=rng.choice([0, 0, -1, 1, -rng.randint(0, 364)]))
            if rng.random() < 0.05:
                born = rng.choice(_LEAP_BIRTHS)
        return {"birth_date": min(max(born, rec.EARLIEST_BIRTH), reference).isoformat()}

    def _answer(self, spec: rec.FieldSpec) -> Any:
        rng = self.rng
        if spec.kind == "enum":
            return rng.choice(spec.values)
        if spec.kind == "boolean":
            return rng.random() < 0.5
        if spec.kind == "enum_list":
            return rng.sample(spec.values, rng.choice([0, 0, 1, 1, 2, len(spec.values)]))
        if spec.kind == "string":
            return rng.choice(["Kinh", "Tày", "Ê Đê", "Mường"])
        raise AssertionError(f"no answer drawn for {spec.name} ({spec.kind})")

    def _member(self, reference: dt.date, number: int, head: bool) -> dict[str, Any]:
        rng = self.rng
        relations = [r for r in _MEMBER_SPECS["relation"].values if r != "head"]
        member: dict[str, Any] = {"id": f"M{number}" if rng.random() < 0.9 else f"{rng.choice(_ODD_IDS)[:60]}{number}",
                                  "relation": "head" if head else rng.choice(relations),
                                  "sex": rng.choice(_MEMBER_SPECS["sex"].values)}
        member.update(self._born(reference, member["sex"]))
        missing = rng.choice([0.0, 0.1, 0.25, 0.6])
        for spec in rec.MEMBER_FIELDS:
            if spec.name not in _DRAWN_TOGETHER and rng.random() >= missing:
                member[spec.name] = self._answer(spec)
        if rng.random() < 0.15:
            member["working_age"] = rng.random() < 0.5
        if rng.random() < 0.6:
            member["name"] = rng.choice(_NAMES)
        if rng.random() < 0.1:
            member["citizen_id"] = "".join(rng.choice("0123456789") for _ in range(12))
        return member

    def _area(self, members: int) -> float | int:
        rng = self.rng
        pick = rng.random()
        if pick < 0.4:
            exact = rng.choice(self.minimum_areas) * members
            return rng.choice([exact, exact, exact - 0.1, exact + 0.1, math.nextafter(exact, 0.0), int(exact)])
        if pick < 0.5:
            return rng.choice([0, 0.0, rec.MAX_FLOOR_AREA_M2, 0.1 * 3, 1e-7, 12.345678901234])
        return round(rng.uniform(0, 30 * members), rng.choice([0, 1, 2]))

    def _dwelling(self, members: int) -> dict[str, Any]:
        missing = self.rng.choice([0.0, 0.15, 0.5])
        dwelling: dict[str, Any] = {}
        for spec in rec.DWELLING_FIELDS:
            if self.rng.random() < missing:
                continue
            area = self._area(members) if spec.name == "floor_area_m2" else None
            dwelling[spec.name] = max(area, 0) if area is not None else self._answer(spec)
        return dwelling

    def record(self, number: int) -> dict[str, Any]:
        rng = self.rng
        reference = self._reference()
        record: dict[str, Any] = {"id": f"HH-{number}" if rng.random() < 0.95 else rng.choice(_ODD_IDS),
                                  "reference_date": reference.isoformat(), "area": rng.choice(rec.AREAS)}
        if rng.random() < 0.2:
            record["year"] = min(max(reference.year + rng.choice([0, 1]), 2016), 2100)
        if rng.random() < 0.2:
            record["province_code"] = rng.choice(["79", "01", "12"])
        pick = rng.random()
        if pick < 0.85:
            record["income"] = rng.choice(self.incomes) if pick < 0.5 else rng.randint(0, 5_000_000)
        if rng.random() < 0.35:
            record["score_a"] = rng.choice(self.scores) if rng.random() < 0.7 else round(rng.uniform(0, 300), 3)
        bases = [b for b in ("income", "score_a") if b in record]
        if len(bases) == 2 or (bases and rng.random() < 0.3):
            record["income_basis"] = rng.choice(bases)
        size = rng.randint(1, 6) if rng.random() < 0.8 else rng.randint(7, 12) if rng.random() < 0.9 else rng.randint(13, 100)
        if rng.random() < 0.9:
            record["dwelling"] = self._dwelling(size)
        head = rng.randrange(size)
        record["members"] = [self._member(reference, k, k == head) for k in range(size)]
        return record


def generated_records(standard: Standard, count: int, seed: int = 12) -> list[dict[str, Any]]:
    maker = Households(standard, seed)
    records = [maker.record(n) for n in range(count)]
    valid = [r for r in records if not validate_record(r)]
    # The generator means to write valid records only; losing many would quietly thin the test.
    assert len(valid) >= 0.98 * count, validate_record(next(r for r in records if validate_record(r)))
    return valid


# --- The tests ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("standard_id", STANDARDS)
def test_device_engine_agrees_with_the_executor(engine: Any, standard_id: str) -> None:
    standard = get_standard(standard_id)
    portable = portable_standard(standard)
    assert engine.evaluate("(p) => GiamngheoEngine.supports(p)", portable) is True
    records = generated_records(standard, RECORDS_PER_STANDARD)
    found = []
    results: list[dict[str, Any]] = []
    for start in range(0, len(records), BATCH):
        chunk = records[start:start + BATCH]
        lang = "en" if (start // BATCH) % 2 else "vi"
        found += disagreements(standard, portable, engine, chunk, lang)
        results += classify_records(chunk, standard)
    assert not found, report(found)

    # The records reach every outcome, so agreement is not agreement on the easy cases only.
    classes = {r["class"] for r in results}
    expected = {"poor", "near_poor", "none", "undetermined"}
    if any(getattr(standard.lines, area).average_upper for area in rec.AREAS):
        expected.add("average")
    assert expected <= classes
    for code in standard.indicator_codes:
        assert any(code in r["deprivations"] for r in results), f"{code} is never deprived"
        assert any(code in r["unknown"] for r in results), f"{code} is never unknown"
        assert any(code not in r["deprivations"] + r["unknown"] for r in results), f"{code} is always deprived"
    if standard.low_income_worker is not None:
        assert any(r["low_income_workers"] for r in results)


@pytest.mark.parametrize("standard_id", STANDARDS)
@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(data=st.data())
def test_records_of_the_shared_strategy_agree(engine: Any, standard_id: str, data: st.DataObject) -> None:
    """Records drawn by the engine tests' own strategy (any text, any value the record allows)."""
    standard = get_standard(standard_id)
    records = data.draw(st.lists(household_records(standard, max_members=8), min_size=1, max_size=8))
    lang = data.draw(st.sampled_from(["vi", "en"]))
    found = disagreements(standard, portable_standard(standard), engine, records, lang)
    assert not found, report(found)


def test_a_changed_threshold_is_caught(engine: Any) -> None:
    """The agreement test can fail: a standard altered on the device alone — the rural line one đồng lower, the
    floor area per person a hair higher — classifies some generated households differently."""
    standard = get_standard("2022-2025")
    records = generated_records(standard, 600, seed=5)
    python = classify_records(records, standard)

    def changed(alter: Any) -> set[int]:
        portable = portable_standard(standard)
        alter(portable)
        device = on_device(engine, portable, records, "vi")
        return {n for n, (p, d) in enumerate(zip(python, device, strict=True))
                if (p["class"], p["deprivations"], p["unknown"]) != (d["class"], d["deprivations"], d["unknown"])}

    def lower_line(portable: dict[str, Any]) -> None:
        portable["lines"]["rural"]["poverty"] -= 1

    def larger_area(portable: dict[str, Any]) -> None:
        (indicator,) = [i for i in portable["indicators"] if i["rule"] == "area_per_person"]
        indicator["params"]["min_m2_per_person"] += 1e-9

    assert changed(lambda portable: None) == set()
    assert changed(lower_line), "no generated household sits exactly on the rural poverty line"
    assert changed(larger_area), "no generated household has exactly the minimum floor area per person"


def test_an_engine_that_cannot_read_a_standard_says_so(engine: Any) -> None:
    portable = portable_standard(get_standard("2022-2025"))
    check = ("(p) => { let error = null; try { GiamngheoEngine.classify(p, {}, {}); } catch (e) { error = e.message; }"
             " return [GiamngheoEngine.supports(p), GiamngheoEngine.unsupportedReason(p), error]; }")
    newer = {**portable, "format": "giamngheo-portable-standard/2"}
    supported, reason, error = engine.evaluate(check, newer)
    assert (supported, "giamngheo-portable-standard/2" in reason) == (False, True)
    assert reason in error
    unknown_rule = {**portable, "indicators": [{**portable["indicators"][0], "rule": "income_source"}]}
    supported, reason, error = engine.evaluate(check, unknown_rule)
    assert supported is False and "income_source" in reason and reason in error
    assert engine.evaluate("(p) => [GiamngheoEngine.supports(p), GiamngheoEngine.unsupportedReason(p)]",
                           portable) == [True, None]
