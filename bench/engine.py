"""Benchmark of the bulk classification path against a hand-written DuckDB reference, up to national scale.

    .venv/bin/python bench/engine.py                               # 1,000,000 and 5,000,000 households, 3 runs
    .venv/bin/python bench/engine.py --households 1M --runs 5
    .venv/bin/python bench/engine.py --households 31M --runs 3 --json bench/data/31M.json
    .venv/bin/python bench/engine.py --sizes 100K,1M --aggregates   # also the per-unit counts on both sides

For each size: generate (once; cached under bench/data/) a synthetic national registry as Parquet — households in 34
provinces and 3,321 communes, ~3.5 members per household, realistic shares of answers with about 1% unanswered —
then run, alternating engine and reference in each round so that machine noise hits both, each as its own process
timed start to finish by /usr/bin/time -v,

  1. ``giamngheo classify --standard 2022-2025 --households … --members … --out …`` (the engine), and
  2. the same 12 deprivations, unknowns and classes written by hand in DuckDB SQL (the reference),

print one line per run (wall, user, system time, peak memory, page faults), then per side the median, minimum and
maximum, the ratios of the medians (engine / reference) for wall time and for CPU time (user + system, which matters
more than wall time on a shared machine), the spread (max / min), the load average and the machine, and check that
both agree row for row (exit status 1 when they do not).

With ``--aggregates`` the engine also writes its per-unit counts (``--counts FILE --by province_code,commune_code``)
and the reference runs a second query in the same DuckDB process producing the same table; both tables are compared.

Memory: the data is generated in blocks of 1,000,000 households and the outputs are compared slice by slice, so the
benchmark process itself stays small at 31,000,000 households (its own peak is printed at the end).

Requirements: the project with its ``dev`` extras (DuckDB, numpy), pyarrow, the ``vietnamadminunits`` package (the
current provinces and communes) and ``/usr/bin/time`` (GNU time, for ``-v``).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
SEED = 20251001
BLOCK = 1_000_000  # households generated (and seeded: SEED + block index) at a time
LAYOUT = "national1"  # part of the cache key: change it whenever the generator changes
HOUSEHOLD_ROW_GROUP = 250_000
MEMBER_ROW_GROUP = 1_000_000  # about; each block's members are split into even row groups of at most this
BY = ("province_code", "commune_code")
KEYS = (*BY, "area")
CLASSES = ("poor", "near_poor", "average", "none", "undetermined")
INDICATORS = ("employment", "dependents", "nutrition", "health_insurance", "adult_education", "school_attendance",
              "housing_quality", "housing_area", "water_source", "latrine", "telecom", "information_devices")
COMPARED = ["id", "class", "deprivation_count", "deprivations", "unknown"]
URBAN_SHARE = 0.38  # households in urban areas: every ward's, and enough of the communes' to reach this share

# Rough population in millions of the 34 provinces and cities after the 2025 mergers (sum of the merged provinces'
# 2024 estimates), used only to spread the synthetic households; the unit lists come from vietnamadminunits.
POPULATION = {
    "01": 8.7, "04": 0.57, "08": 1.87, "11": 0.64, "12": 0.49, "14": 1.33, "15": 1.78, "19": 1.8, "20": 0.8,
    "22": 1.36, "24": 3.6, "25": 4.0, "31": 4.7, "33": 3.6, "37": 4.4, "38": 4.3, "40": 3.8, "42": 1.6, "44": 1.9,
    "46": 1.4, "48": 3.1, "51": 2.2, "52": 3.6, "56": 2.2, "66": 3.3, "68": 3.9, "75": 4.5, "79": 14.0, "80": 3.3,
    "82": 4.4, "86": 4.3, "91": 4.95, "92": 4.2, "96": 2.6,
}

REFERENCE_SQL = """
SET preserve_insertion_order = true;
COPY (
WITH retirement(year, male_months, female_months) AS (
    VALUES (2024, 732, 676), (2025, 735, 680), (2026, 738, 684)
),
h AS (SELECT * FROM read_parquet('{households}', file_row_number = true)),
m AS (
    SELECT mm.*, h.reference_date AS ref,
        (year(h.reference_date) - year(mm.birth_date))
            - CASE WHEN month(h.reference_date) * 100 + day(h.reference_date)
                        < month(mm.birth_date) * 100 + day(mm.birth_date) THEN 1 ELSE 0 END AS age,
        (year(h.reference_date) - year(mm.birth_date)) * 12 + month(h.reference_date) - month(mm.birth_date)
            - CASE WHEN day(h.reference_date) < day(mm.birth_date) THEN 1 ELSE 0 END AS age_months,
        CASE WHEN mm.sex = 'male' THEN r.male_months ELSE r.female_months END AS retirement_months
    FROM read_parquet('{members}') mm
    JOIN h ON h.id = mm.household_id
    JOIN retirement r ON r.year = year(h.reference_date)
),
f AS (
    SELECT household_id,
        -- the synthetic data states no working_age, so it is computed for every member
        CASE WHEN age < 15 THEN FALSE WHEN age_months >= retirement_months THEN FALSE ELSE TRUE END
            AND employment IN ('unemployed', 'wage_without_contract') AS employment,
        age < 16 OR ((age >= 60 OR disability IN ('mild', 'severe', 'very_severe')) AND monthly_social_allowance)
            OR disability IN ('severe', 'very_severe') AS dependent,
        age < 16 AND nutrition IN ('stunted', 'underweight', 'stunted_underweight') AS nutrition,
        age >= 6 AND NOT health_insured AS health_insurance,
        ((age BETWEEN 16 AND 17 AND NOT education_completed IN
              ('lower_secondary', 'upper_secondary', 'vocational_intermediate', 'college', 'university'))
         OR (age BETWEEN 18 AND 30 AND NOT education_completed IN
              ('upper_secondary', 'vocational_elementary', 'vocational_intermediate', 'college', 'university')))
            AND NOT in_education AS adult_education,
        age >= 3 AND age < 16 AND school IN ('below_level', 'not_attending') AS school_attendance,
        NOT uses_internet AS no_internet
    FROM m
),
agg AS (
    SELECT household_id, count(*) AS n,
        CASE WHEN bool_or(employment) THEN TRUE WHEN bool_or(employment IS NULL) THEN NULL ELSE FALSE END
            AS employment,
        CASE WHEN count(*) FILTER (dependent) > 0.5 * count(*) THEN TRUE
             WHEN count(*) FILTER (dependent) + count(*) FILTER (dependent IS NULL) <= 0.5 * count(*) THEN FALSE
        END AS dependents,
        CASE WHEN bool_or(nutrition) THEN TRUE WHEN bool_or(nutrition IS NULL) THEN NULL ELSE FALSE END
            AS nutrition,
        CASE WHEN bool_or(health_insurance) THEN TRUE WHEN bool_or(health_insurance IS NULL) THEN NULL
             ELSE FALSE END AS health_insurance,
        CASE WHEN bool_or(adult_education) THEN TRUE WHEN bool_or(adult_education IS NULL) THEN NULL
             ELSE FALSE END AS adult_education,
        CASE WHEN bool_or(school_attendance) THEN TRUE WHEN bool_or(school_attendance IS NULL) THEN NULL
             ELSE FALSE END AS school_attendance,
        CASE WHEN bool_or(NOT no_internet) THEN FALSE WHEN bool_or(no_internet IS NULL) THEN NULL ELSE TRUE END
            AS telecom
    FROM f GROUP BY household_id
),
d AS (
    SELECT h.file_row_number, h.id, h.area, h.income, agg.employment, agg.dependents, agg.nutrition,
        agg.health_insurance, agg.adult_education, agg.school_attendance,
        CASE WHEN (CASE WHEN NOT walls_durable THEN 1 ELSE 0 END + CASE WHEN NOT frame_durable THEN 1 ELSE 0 END
                   + CASE WHEN NOT roof_durable THEN 1 ELSE 0 END) >= 2 THEN TRUE
             WHEN (CASE WHEN walls_durable THEN 0 ELSE 1 END + CASE WHEN frame_durable THEN 0 ELSE 1 END
                   + CASE WHEN roof_durable THEN 0 ELSE 1 END) < 2 THEN FALSE END AS housing_quality,
        floor_area_m2 < 8 * agg.n AS housing_area,
        NOT water_source IN ('piped', 'borehole', 'protected_well', 'protected_spring', 'rainwater', 'bottled')
            AS water_source,
        NOT latrine IN ('septic', 'semi_septic', 'pour_flush', 'double_vault', 'ventilated_pit') AS latrine,
        agg.telecom,
        NOT list_has_any(information_devices, ['tv', 'radio', 'desktop', 'laptop', 'mobile_phone', 'tablet'])
            AS information_devices
    FROM h LEFT JOIN agg ON agg.household_id = h.id
),
c AS (
    SELECT *,
        list_filter([CASE WHEN employment THEN 'employment' END, CASE WHEN dependents THEN 'dependents' END,
            CASE WHEN nutrition THEN 'nutrition' END, CASE WHEN health_insurance THEN 'health_insurance' END,
            CASE WHEN adult_education THEN 'adult_education' END,
            CASE WHEN school_attendance THEN 'school_attendance' END,
            CASE WHEN housing_quality THEN 'housing_quality' END, CASE WHEN housing_area THEN 'housing_area' END,
            CASE WHEN water_source THEN 'water_source' END, CASE WHEN latrine THEN 'latrine' END,
            CASE WHEN telecom THEN 'telecom' END, CASE WHEN information_devices THEN 'information_devices' END],
            lambda x: x IS NOT NULL) AS deprivations,
        list_filter([CASE WHEN employment IS NULL THEN 'employment' END,
            CASE WHEN dependents IS NULL THEN 'dependents' END, CASE WHEN nutrition IS NULL THEN 'nutrition' END,
            CASE WHEN health_insurance IS NULL THEN 'health_insurance' END,
            CASE WHEN adult_education IS NULL THEN 'adult_education' END,
            CASE WHEN school_attendance IS NULL THEN 'school_attendance' END,
            CASE WHEN housing_quality IS NULL THEN 'housing_quality' END,
            CASE WHEN housing_area IS NULL THEN 'housing_area' END,
            CASE WHEN water_source IS NULL THEN 'water_source' END, CASE WHEN latrine IS NULL THEN 'latrine' END,
            CASE WHEN telecom IS NULL THEN 'telecom' END,
            CASE WHEN information_devices IS NULL THEN 'information_devices' END],
            lambda x: x IS NOT NULL) AS unknown
    FROM d
)
SELECT id, deprivations, unknown, len(deprivations)::INTEGER AS deprivation_count,
    CASE WHEN income IS NULL THEN 'undetermined'
         WHEN income <= CASE area WHEN 'rural' THEN 1500000 ELSE 2000000 END THEN
             CASE WHEN len(deprivations) >= 3 THEN 'poor'
                  WHEN len(deprivations) + len(unknown) < 3 THEN 'near_poor' ELSE 'undetermined' END
         WHEN income <= CASE area WHEN 'rural' THEN 2250000 ELSE 3000000 END THEN 'average'
         ELSE 'none' END AS class
FROM c ORDER BY file_row_number
) TO '{out}' (FORMAT parquet);
"""

# The reference's per-unit counts, run after REFERENCE_SQL in the same DuckDB process. It does not classify a second
# time: it reads the results REFERENCE_SQL just wrote (in household file order, hence the positional join with the
# households file) and, for the persons, the members' household ids joined to the households' keys.
AGGREGATE_SQL = """
COPY (
WITH r AS (
    SELECT h.province_code, h.commune_code, h.area, r.class, r.deprivations
    FROM read_parquet('{households}') h POSITIONAL JOIN read_parquet('{out}') r
),
units AS (
    SELECT province_code, commune_code, area, count(*) AS households,
        {classes},
        {deprived}
    FROM r GROUP BY ALL
),
persons AS (
    SELECT h.province_code, h.commune_code, h.area, count(*) AS persons
    FROM read_parquet('{members}') m JOIN read_parquet('{households}') h ON h.id = m.household_id
    GROUP BY ALL
)
SELECT u.province_code, u.commune_code, u.area, u.households, coalesce(p.persons, 0) AS persons,
    {class_columns}, {deprived_columns}
FROM units u LEFT JOIN persons p ON p.province_code IS NOT DISTINCT FROM u.province_code
    AND p.commune_code IS NOT DISTINCT FROM u.commune_code AND p.area IS NOT DISTINCT FROM u.area
ORDER BY u.province_code, u.commune_code, u.area
) TO '{counts}' (FORMAT parquet);
"""


def aggregate_sql(households: str, members: str, out: str, counts: str) -> str:
    return AGGREGATE_SQL.format(
        households=households, members=members, out=out, counts=counts,
        classes=",\n        ".join(f"count(*) FILTER (class = '{c}') AS \"{c}\"" for c in CLASSES),
        deprived=",\n        ".join(f"count(*) FILTER (list_contains(deprivations, '{code}')) AS d_{code}"
                                    for code in INDICATORS),
        class_columns=", ".join(f'u."{c}"' for c in CLASSES),
        deprived_columns=", ".join(f"u.d_{code}" for code in INDICATORS),
    )


# ---------------------------------------------------------------------------------------------------------------
# Sizes and the machine


def count(text: str) -> int:
    """``100000``, ``100K``, ``1M``, ``1.5M``, ``31m`` → number of households."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([kKmM]?)\s*", text)
    if not match:
        raise argparse.ArgumentTypeError(f"not a number of households: {text!r} (e.g. 100000, 100K, 1M, 31M)")
    value = float(match.group(1)) * {"": 1, "k": 1_000, "m": 1_000_000}[match.group(2).lower()]
    if value < 1 or value != int(value):
        raise argparse.ArgumentTypeError(f"not a whole positive number of households: {text!r}")
    return int(value)


def counts_list(text: str) -> list[int]:
    return [count(part) for part in text.split(",") if part.strip()]


def machine() -> dict[str, Any]:
    info: dict[str, Any] = {"cores": os.cpu_count(), "ram_gb": None, "cpu": None}
    try:
        meminfo = Path("/proc/meminfo").read_text()
        if total := re.search(r"^MemTotal:\s+(\d+) kB", meminfo, re.M):
            info["ram_gb"] = round(int(total.group(1)) / 1024 / 1024, 1)
        cpuinfo = Path("/proc/cpuinfo").read_text()
        if model := re.search(r"^model name\s*:\s*(.+)$", cpuinfo, re.M):
            info["cpu"] = model.group(1).strip()
    except OSError:
        pass
    return info


# ---------------------------------------------------------------------------------------------------------------
# Synthetic data


def layout() -> tuple[Any, Any, Any, Any]:
    """The current communes (vietnamadminunits): codes, their provinces' codes and, per commune, the probability
    that a household lives there (its province's population spread evenly over the province's communes)."""
    import numpy as np

    database = Path(str(resources.files("vietnamadminunits") / "data" / "dataset.db"))
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as connection:
        rows = connection.execute(
            "SELECT provinceCode, wardCode, wardType FROM admin_units ORDER BY provinceCode, wardCode").fetchall()
    provinces = np.array([r[0] for r in rows])
    if set(provinces) != set(POPULATION):
        raise SystemExit(f"vietnamadminunits lists provinces {sorted(set(provinces))}; bench/engine.py expects the "
                         f"34 current ones {sorted(POPULATION)}: update POPULATION (and LAYOUT)")
    communes = np.array([r[1] for r in rows])
    ward = np.array([r[2] == "Phường" for r in rows])
    per_province = {p: int((provinces == p).sum()) for p in POPULATION}
    weights = np.array([POPULATION[p] / per_province[p] for p in provinces])
    return communes, provinces, ward, weights / weights.sum()


def generate(households: int, directory: Path) -> tuple[Path, Path, float | None]:
    """Synthetic households and members files, generated block by block (seed SEED + block index) and appended to
    one file each; reused when already generated. Returns the paths and the seconds generation took (None: cached).
    The first 1,000,000 households of every size are the same."""
    import numpy as np
    import polars as pl
    import pyarrow.parquet as pq

    h_path = directory / f"households-{households}-{LAYOUT}.parquet"
    m_path = directory / f"members-{households}-{LAYOUT}.parquet"
    if h_path.exists() and m_path.exists():
        return h_path, m_path, None
    directory.mkdir(parents=True, exist_ok=True)
    needed = households * 35 * 2  # about 30 bytes per household for both files, twice for the temporary copies
    if shutil.disk_usage(directory).free < needed:
        raise SystemExit(f"not enough free disk under {directory} for {households:,} households "
                         f"(about {needed / 1e9:.1f} GB needed)")
    communes, provinces, ward, probabilities = layout()
    # Urban: every ward's households and this share of the communes' ones, for URBAN_SHARE urban households overall.
    ward_share = float(probabilities[ward].sum())
    urban_in_communes = max(0.0, (URBAN_SHARE - ward_share) / (1 - ward_share))
    commune_series, province_series = pl.Series(communes, dtype=pl.String), pl.Series(provinces, dtype=pl.String)
    devices_all = ["tv", "radio", "desktop", "laptop", "mobile_phone", "tablet"]
    device_lists = pl.Series([[d for k, d in enumerate(devices_all) if mask >> k & 1] for mask in range(64)],
                             dtype=pl.List(pl.String))
    started = time.perf_counter()
    h_tmp, m_tmp = h_path.with_suffix(".parquet.tmp"), m_path.with_suffix(".parquet.tmp")
    h_writer = m_writer = None
    blocks = math.ceil(households / BLOCK)
    try:
        for block in range(blocks):
            start = block * BLOCK
            n = min(BLOCK, households - start)
            hh, members = _block(np, pl, np.random.default_rng(SEED + block), start, n, commune_series,
                                 province_series, ward, probabilities, urban_in_communes, device_lists)
            h_table = hh.to_arrow(compat_level=pl.CompatLevel.oldest())
            m_table = members.to_arrow(compat_level=pl.CompatLevel.oldest())
            del hh, members
            if h_writer is None:
                h_writer = pq.ParquetWriter(h_tmp, h_table.schema, compression="zstd")
                m_writer = pq.ParquetWriter(m_tmp, m_table.schema, compression="zstd")
            h_writer.write_table(h_table.cast(h_writer.schema), row_group_size=HOUSEHOLD_ROW_GROUP)
            groups = math.ceil(m_table.num_rows / MEMBER_ROW_GROUP)
            m_writer.write_table(m_table.cast(m_writer.schema), row_group_size=math.ceil(m_table.num_rows / groups))
            del h_table, m_table
            if blocks > 1:
                print(f"  generated block {block + 1}/{blocks} ({start + n:,} households, "
                      f"{time.perf_counter() - started:.0f} s)", file=sys.stderr, flush=True)
    except BaseException:
        for writer in (h_writer, m_writer):
            if writer is not None:
                writer.close()
        h_tmp.unlink(missing_ok=True)
        m_tmp.unlink(missing_ok=True)
        raise
    assert h_writer is not None and m_writer is not None
    h_writer.close()
    m_writer.close()
    m_tmp.replace(m_path)
    h_tmp.replace(h_path)
    return h_path, m_path, time.perf_counter() - started


def _block(np: Any, pl: Any, rng: Any, start: int, n: int, communes: Any, provinces: Any, ward: Any,
           probabilities: Any, urban_in_communes: float, device_lists: Any) -> tuple[Any, Any]:
    """One block of ``n`` households (global numbers start … start + n - 1) and their members, vectorised."""

    def pick(values: list[str], shares: list[float], size: int, missing: float = 0.0) -> pl.Series:
        p = np.array(shares, dtype=float)
        codes = rng.choice(len(values) + 1, size=size, p=np.append(p / p.sum() * (1 - missing), missing))
        return pl.Series([*values, None], dtype=pl.String).gather(codes)

    def boolean(true_share: float, size: int, missing: float = 0.0) -> pl.Series:
        u = rng.random(size)
        values = pl.Series(u < true_share * (1 - missing))
        return values.set(pl.Series(u > 1 - missing), None) if missing else values

    def only(mask: np.ndarray, values: pl.Series) -> pl.Series:
        """The answer for the members it applies to (children); unanswered for the others."""
        return pl.select(pl.when(pl.Series(mask)).then(values)).to_series()

    commune = rng.choice(len(probabilities), size=n, p=probabilities)
    urban = ward[commune] | (rng.random(n) < urban_in_communes)
    province = provinces.gather(commune)
    # Unique across blocks: the province code and the household's global number.
    ids = (province + pl.int_range(start, start + n, eager=True).cast(pl.String).str.zfill(10)).alias("id")
    reference = pl.Series(np.datetime64("2025-09-01") + rng.integers(0, 91, n)).cast(pl.Date)
    sizes = np.clip(rng.poisson(2.5, n) + 1, 1, 12)
    device_draw = rng.random((n, 6)) < np.array([0.85, 0.1, 0.1, 0.2, 0.93, 0.15])
    device_mask = (device_draw * (1 << np.arange(6))).sum(axis=1)
    income = np.round(rng.lognormal(np.log(4_000_000), 0.6, n), -3).astype(np.int64)
    hh = pl.DataFrame({
        "id": ids,
        "reference_date": reference,
        "area": pl.Series(["rural", "urban"], dtype=pl.String).gather(urban.astype(np.int64)),
        "province_code": province,
        "commune_code": communes.gather(commune),
        "hamlet": pl.Series(rng.integers(1, 12, n)).cast(pl.String),
        "income": pl.Series(income),
        "floor_area_m2": pl.Series(np.round(rng.lognormal(np.log(55), 0.5, n), 1)),
        "walls_durable": boolean(0.9, n, 0.01),
        "frame_durable": boolean(0.9, n, 0.01),
        "roof_durable": boolean(0.88, n, 0.01),
        "water_source": pick(["piped", "borehole", "protected_well", "protected_spring", "rainwater", "bottled",
                              "unprotected_well", "unprotected_spring", "surface", "other"],
                             [45, 25, 8, 3, 5, 6, 4, 1, 2, 1], n, 0.005),
        "latrine": pick(["septic", "semi_septic", "pour_flush", "double_vault", "ventilated_pit", "pit_no_slab",
                         "overhang", "none", "other"], [70, 10, 5, 3, 2, 4, 2, 3, 1], n, 0.005),
        "information_devices": device_lists.gather(device_mask),
        "waste": pick(["collected", "treated_on_site", "untreated"], [70, 20, 10], n),
    }).with_columns(
        pl.concat_str(pl.lit("Ấp "), pl.col("hamlet")).alias("hamlet"),
        pl.when(pl.Series(rng.random(n) < 0.01)).then(None).otherwise(pl.col("income")).alias("income"),
    )

    total = int(sizes.sum())
    owner = np.repeat(np.arange(n), sizes)
    position = np.arange(total) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    head = position == 0
    age = np.where(head, rng.integers(22, 85, total), rng.integers(0, 85, total))
    ref_days = reference.to_numpy().astype("datetime64[D]")[owner]
    birth = ref_days - (age * 365.25 + rng.integers(0, 365, total)).astype("timedelta64[D]")
    child = age < 16
    young = (age >= 16) & (age <= 30)
    members = pl.DataFrame({
        "household_id": ids.gather(owner),
        "id": pl.Series(position + 1).cast(pl.String),
        "relation": pl.Series(["head", "child", "other_relative"], dtype=pl.String).gather(
            np.where(head, 0, np.where(child, 1, 2))),
        "name": pl.repeat("Nguyễn Văn A", total, eager=True, dtype=pl.String),
        "sex": pick(["male", "female"], [0.49, 0.51], total),
        "birth_date": pl.Series(birth).cast(pl.Date),
        "disability": pick(["none", "mild", "severe", "very_severe"], [95, 3, 1.5, 0.5], total, 0.01),
        "monthly_social_allowance": boolean(0.05, total, 0.01),
        "employment": pick(["wage_with_contract", "wage_without_contract", "self_employed", "unemployed",
                            "not_working"], [30, 15, 30, 3, 22], total, 0.01),
        "health_insured": boolean(0.92, total, 0.01),
        "nutrition": only(child, pick(["normal", "stunted", "underweight", "stunted_underweight"], [85, 7, 5, 3],
                                      total, 0.01)),
        "education_completed": pick(["none", "primary", "lower_secondary", "upper_secondary",
                                     "vocational_elementary", "vocational_intermediate", "college", "university"],
                                    [5, 20, 25, 30, 5, 5, 4, 6], total, 0.01),
        "in_education": pl.Series(child | (young & (rng.random(total) < 0.3))),
        "school": only(child & (age >= 3), pick(["appropriate_level", "below_level", "not_attending"],
                                                [93, 3, 4], total, 0.01)),
        "uses_internet": boolean(0.7, total, 0.01),
    })
    return hh, members


# ---------------------------------------------------------------------------------------------------------------
# Running and timing


def engine_command(households: Path, members: Path, out: Path, counts: Path | None = None) -> list[str]:
    """The engine's command line (the one place to adjust when its options change)."""
    giamngheo = str(Path(sys.executable).with_name("giamngheo"))
    command = [giamngheo, "classify", "--standard", "2022-2025", "--households", str(households),
               "--members", str(members), "--out", str(out)]
    if counts is not None:
        command += ["--counts", str(counts), "--by", ",".join(BY)]
    return command


def engine_supports_counts() -> bool:
    giamngheo = str(Path(sys.executable).with_name("giamngheo"))
    completed = subprocess.run([giamngheo, "classify", "--help"], capture_output=True, text=True, check=False)
    return "--counts" in completed.stdout


def reference_command(households: Path, members: Path, out: Path, temp: Path, counts: Path | None = None
                      ) -> list[str]:
    command = [sys.executable, __file__, "--reference-worker", str(households), str(members), str(out),
               "--reference-temp", str(temp)]
    return command + (["--reference-counts", str(counts)] if counts is not None else [])


def reference(households: str, members: str, out: str, temp: str, counts: str | None) -> None:
    """The reference, in this process: DuckDB with its default memory limit and threads; a spill directory for
    national sizes."""
    import duckdb

    Path(temp).mkdir(parents=True, exist_ok=True)
    connection = duckdb.connect()
    connection.execute(f"SET temp_directory = '{temp}'")
    connection.sql(REFERENCE_SQL.format(households=households, members=members, out=out))
    if counts:
        connection.sql(aggregate_sql(households, members, out, counts))
    connection.close()


TIME_FIELDS = {
    "user": r"User time \(seconds\): ([\d.]+)",
    "sys": r"System time \(seconds\): ([\d.]+)",
    "peak_mb": r"Maximum resident set size \(kbytes\): (\d+)",
    "major_faults": r"Major \(requiring I/O\) page faults: (\d+)",
    "minor_faults": r"Minor \(reclaiming a frame\) page faults: (\d+)",
}


def timed(command: list[str]) -> dict[str, float]:
    """Wall, user and system seconds, peak resident memory (MB) and page faults of a command run as its own
    process under GNU time (its report written to a file, so the command's own output stays apart)."""
    with tempfile.TemporaryDirectory() as directory, tempfile.TemporaryFile("w+") as output:
        report = Path(directory) / "time.txt"
        completed = subprocess.run(["/usr/bin/time", "-v", "-o", str(report), *command], stdout=output,
                                   stderr=subprocess.STDOUT, text=True, check=False)
        text = report.read_text()
        if completed.returncode != 0:
            output.seek(0)
            sys.stderr.write(output.read()[-5000:] + text)
            raise SystemExit(f"command failed ({completed.returncode}): {' '.join(command)}")
    wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (?:(\d+):)?(\d+):([\d.]+)", text)
    found = {name: re.search(pattern, text) for name, pattern in TIME_FIELDS.items()}
    if not wall or not all(found.values()):
        raise SystemExit(f"could not read /usr/bin/time -v's report:\n{text}")
    figures = {name: float(match.group(1)) for name, match in found.items() if match}
    figures["wall"] = int(wall.group(1) or 0) * 3600 + int(wall.group(2)) * 60 + float(wall.group(3))
    figures["cpu"] = figures["user"] + figures["sys"]
    figures["peak_mb"] /= 1024
    return figures


# ---------------------------------------------------------------------------------------------------------------
# Agreement


def _slices(a_path: Path, b_path: Path, columns: list[str], rows: int = 500_000) -> Iterator[tuple[Any, Any]]:
    """Equal-length slices of two Parquet files read side by side, a few row groups at a time."""
    import pyarrow.parquet as pq

    a_batches = pq.ParquetFile(a_path).iter_batches(batch_size=rows, columns=columns)
    b_batches = pq.ParquetFile(b_path).iter_batches(batch_size=rows, columns=columns)
    a = b = None
    while True:
        while a is None or a.num_rows == 0:
            if (a := next(a_batches, None)) is None:
                return
        while b is None or b.num_rows == 0:
            if (b := next(b_batches, None)) is None:
                return
        size = min(a.num_rows, b.num_rows)
        yield a.slice(0, size), b.slice(0, size)
        a, b = a.slice(size), b.slice(size)


def compare(engine_out: Path, reference_out: Path, samples: int = 5) -> dict[str, Any]:
    """Rows where the engine and the reference differ on id, class, deprivation count, deprivations and unknowns,
    compared slice by slice (bounded memory at any size), with the first few differences."""
    import polars as pl
    import pyarrow.parquet as pq

    engine_rows = pq.ParquetFile(engine_out).metadata.num_rows
    reference_rows = pq.ParquetFile(reference_out).metadata.num_rows
    differing, offset, shown = abs(engine_rows - reference_rows), 0, []
    for ours_batch, theirs_batch in _slices(engine_out, reference_out, COMPARED):
        ours = pl.from_arrow(ours_batch).with_columns(pl.col("deprivation_count").cast(pl.Int32))
        theirs = pl.from_arrow(theirs_batch).with_columns(pl.col("deprivation_count").cast(pl.Int32))
        same = pl.select(pl.all_horizontal(
            [ours[c].eq_missing(theirs[c]) if c not in ("deprivations", "unknown")
             else ours[c].list.join(",").eq_missing(theirs[c].list.join(",")) for c in COMPARED])).to_series()
        bad = same.not_()
        if bad.any():
            differing += int(bad.sum())
            if len(shown) < samples:
                rows = pl.int_range(offset, offset + len(same), eager=True).filter(bad).head(samples - len(shown))
                for row in rows.to_list():
                    shown.append({"row": row, "engine": ours.row(row - offset, named=True),
                                  "reference": theirs.row(row - offset, named=True)})
        offset += len(same)
    return {"engine_rows": engine_rows, "reference_rows": reference_rows, "differing_rows": differing,
            "examples": shown}


def compare_counts(engine_counts: Path, reference_counts: Path) -> dict[str, Any]:
    """The two per-unit count tables, on the reference's columns (the engine may add more), sorted on the keys."""
    import polars as pl

    theirs = pl.read_parquet(reference_counts)
    ours = pl.read_parquet(engine_counts)
    keys = list(KEYS)
    counted = [c for c in theirs.columns if c not in keys]
    missing = [c for c in [*keys, *counted] if c not in ours.columns]
    result: dict[str, Any] = {"engine_rows": ours.height, "reference_rows": theirs.height,
                              "missing_columns": missing, "extra_columns": [c for c in ours.columns
                                                                           if c not in theirs.columns]}
    if missing:
        result["differing_cells"] = None
        return result

    def tidy(frame: pl.DataFrame) -> pl.DataFrame:
        return (frame.select(*keys, *counted)
                .with_columns(pl.col(keys).cast(pl.String), pl.col(counted).cast(pl.Int64)).sort(keys))

    joined = tidy(ours).join(tidy(theirs), on=keys, how="full", coalesce=True, suffix="_reference",
                             nulls_equal=True)
    differences = joined.select(*keys, *[
        pl.col(c).eq_missing(pl.col(f"{c}_reference")).not_().alias(c) for c in counted])
    per_column = {c: int(differences[c].sum()) for c in counted if differences[c].any()}
    result["differing_cells"] = sum(per_column.values())
    result["differing_by_column"] = per_column
    bad = differences.select(pl.any_horizontal(counted)).to_series()
    result["examples"] = [
        {**{k: row[k] for k in keys},
         **{c: {"engine": row[c], "reference": row[f"{c}_reference"]} for c in counted
            if row[c] != row[f"{c}_reference"]}}
        for row in joined.filter(bad).head(5).iter_rows(named=True)]
    return result


# ---------------------------------------------------------------------------------------------------------------
# Reporting


def summary(runs: list[dict[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for side in ("engine", "reference"):
        mine = [r for r in runs if r["side"] == side]
        if not mine:
            continue
        result[side] = {field: {"median": statistics.median(r[field] for r in mine),
                                "min": min(r[field] for r in mine), "max": max(r[field] for r in mine)}
                        for field in ("wall", "user", "sys", "cpu", "peak_mb")}
        for field in ("wall", "cpu"):
            low = result[side][field]["min"]
            result[side][field]["spread"] = result[side][field]["max"] / low if low else None
    if "engine" in result and "reference" in result:
        result["ratio"] = {field: result["engine"][field]["median"] / result["reference"][field]["median"]
                           for field in ("wall", "cpu")}
    return result


def print_run(run: dict[str, Any], households: int) -> None:
    print(f"{run['round']:>5} {run['side']:<9} | {run['wall']:>8.2f} {run['user']:>7.2f} {run['sys']:>7.2f} "
          f"{run['cpu']:>7.2f} | {households / run['wall']:>10,.0f} | {run['peak_mb']:>8,.0f} | "
          f"{run['major_faults']:>6,.0f} {run['minor_faults']:>11,.0f} | {run['load']:>5.2f}", flush=True)


def print_summary(result: dict[str, Any]) -> None:
    for side in ("engine", "reference"):
        if side not in result:
            continue
        figures = result[side]
        print(f"{side:<9} median/min/max  wall {figures['wall']['median']:.2f} / {figures['wall']['min']:.2f} / "
              f"{figures['wall']['max']:.2f} s   user {figures['user']['median']:.2f} / {figures['user']['min']:.2f} / "
              f"{figures['user']['max']:.2f} s   sys {figures['sys']['median']:.2f} / {figures['sys']['min']:.2f} / "
              f"{figures['sys']['max']:.2f} s   peak {figures['peak_mb']['median']:,.0f} / "
              f"{figures['peak_mb']['min']:,.0f} / {figures['peak_mb']['max']:,.0f} MB   spread (max/min) wall "
              f"{figures['wall']['spread']:.2f}, cpu {figures['cpu']['spread']:.2f}")
    if "ratio" in result:
        print(f"ratio of medians engine / reference: wall {result['ratio']['wall']:.2f}, "
              f"cpu (user + sys) {result['ratio']['cpu']:.2f}")


def benchmark(size: int, args: argparse.Namespace, aggregates: bool) -> dict[str, Any]:
    import pyarrow.parquet as pq

    print(f"\n== {size:,} households ==", flush=True)
    h_path, m_path, generated = generate(size, args.data)
    members = pq.ParquetFile(m_path).metadata.num_rows
    print(f"data: {h_path.name}, {m_path.name} ({members:,} members) "
          + (f"generated in {generated:.1f} s" if generated is not None else "cached"), flush=True)
    stem = f"{size}-{LAYOUT}"
    engine_out, reference_out = args.data / f"engine-{stem}.parquet", args.data / f"duckdb-{stem}.parquet"
    engine_counts = args.data / f"engine-counts-{stem}.parquet" if aggregates else None
    reference_counts = args.data / f"duckdb-counts-{stem}.parquet" if args.aggregates else None
    # --aggregates with an engine that cannot count yet: the reference alone.
    sides = ["reference"] if args.aggregates and not aggregates else ["engine", "reference"]
    commands = {
        "engine": engine_command(h_path, m_path, engine_out, engine_counts),
        "reference": reference_command(h_path, m_path, reference_out, args.data / "duckdb-tmp", reference_counts),
    }
    check = args.check if args.check != "auto" else ("every" if size <= 5_000_000 else "last")
    result: dict[str, Any] = {"households": size, "members": members, "generation_seconds": generated,
                              "files": {"households": str(h_path), "members": str(m_path)},
                              "commands": {side: commands[side] for side in sides}, "check": check,
                              "runs": [], "agreement": [], "aggregates": []}
    print(f"{'round':>5} {'side':<9} | {'wall s':>8} {'user s':>7} {'sys s':>7} {'cpu s':>7} | {'hh/s':>10} | "
          f"{'peak MB':>8} | {'major':>6} {'minor faults':>11} | {'load':>5}")
    for round_ in range(1, args.runs + 1):
        for side in sides:
            for stale in (engine_out, engine_counts) if side == "engine" else (reference_out, reference_counts):
                if stale is not None:
                    stale.unlink(missing_ok=True)
            load = os.getloadavg()[0]
            run = {"round": round_, "side": side, "load": load, **timed(commands[side])}
            result["runs"].append(run)
            print_run(run, size)
        if len(sides) == 2 and (check == "every" or round_ == args.runs):
            agreement = {"round": round_, **compare(engine_out, reference_out)}
            result["agreement"].append(agreement)
            status = ("agree" if not agreement["differing_rows"]
                      else f"DISAGREE on {agreement['differing_rows']:,} rows")
            print(f"      round {round_}: engine and reference {status} "
                  f"({agreement['engine_rows']:,} / {agreement['reference_rows']:,} rows)", flush=True)
            for example in agreement["examples"]:
                print(f"        row {example['row']}:\n          engine    {example['engine']}\n"
                      f"          reference {example['reference']}")
            if engine_counts is not None and reference_counts is not None:
                counted = {"round": round_, **compare_counts(engine_counts, reference_counts)}
                result["aggregates"].append(counted)
                if counted["missing_columns"]:
                    print(f"      round {round_}: the engine's counts lack {counted['missing_columns']}")
                else:
                    status = ("agree" if not counted["differing_cells"]
                              else f"DISAGREE in {counted['differing_cells']:,} cells {counted['differing_by_column']}")
                    extra = (f"; engine-only columns, not compared: {', '.join(counted['extra_columns'])}"
                             if counted["extra_columns"] else "")
                    print(f"      round {round_}: counts ({counted['engine_rows']:,} / {counted['reference_rows']:,} "
                          f"rows) {status}{extra}", flush=True)
                    for example in counted["examples"]:
                        print(f"        {example}")
    if reference_counts is not None and "engine" not in sides:
        import polars as pl

        table = pl.read_parquet(reference_counts)
        total = table.select(pl.exclude(list(KEYS)).sum())
        print(f"reference counts: {reference_counts} — {table.height:,} rows; totals {total.to_dicts()[0]}")
    result["summary"] = summary(result["runs"])
    print_summary(result["summary"])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--households", type=count, help="one size, e.g. 1M or 31M (instead of --sizes)")
    parser.add_argument("--sizes", type=counts_list, default=[1_000_000, 5_000_000],
                        help="comma-separated numbers of households, K/M suffixes allowed (default 1M,5M)")
    parser.add_argument("--runs", type=int, default=3, help="rounds of engine then reference (default 3)")
    parser.add_argument("--check", choices=["auto", "every", "last"], default="auto",
                        help="compare the outputs after every round or only the last (auto: every up to 5M)")
    parser.add_argument("--aggregates", action="store_true",
                        help="also the per-unit counts (engine: --counts --by province_code,commune_code)")
    parser.add_argument("--json", type=Path, help="write every figure to this file")
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--generate-only", action="store_true", help="only generate (or find) the data")
    parser.add_argument("--reference-worker", nargs=3, metavar=("H", "M", "OUT"), help=argparse.SUPPRESS)
    parser.add_argument("--reference-temp", help=argparse.SUPPRESS)
    parser.add_argument("--reference-counts", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.reference_worker:
        reference(*args.reference_worker, args.reference_temp or str(DATA / "duckdb-tmp"), args.reference_counts)
        return
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    sizes = [args.households] if args.households else args.sizes
    if args.generate_only:
        for size in sizes:
            h_path, m_path, generated = generate(size, args.data)
            print(f"{h_path}, {m_path}: " + (f"generated in {generated:.1f} s" if generated is not None
                                             else "cached"))
        return
    aggregates = args.aggregates and engine_supports_counts()
    if args.aggregates and not aggregates:
        print("NOTE: this engine's `giamngheo classify` has no --counts option yet: --aggregates runs and times the "
              "reference (classification and per-unit counts) only; nothing is compared.", flush=True)
    info = machine()
    load = os.getloadavg()
    print(f"machine: {info['cores']} cores, {info['ram_gb']} GB RAM, {info['cpu']}; "
          f"load average at the start {' '.join(f'{x:.2f}' for x in load)}", flush=True)
    report: dict[str, Any] = {"machine": info, "load_average_start": load, "runs_per_side": args.runs,
                              "aggregates": args.aggregates, "engine_counts_supported": aggregates,
                              "layout": LAYOUT, "seed": SEED, "sizes": []}
    failures = []
    for size in sizes:
        result = benchmark(size, args, aggregates)
        report["sizes"].append(result)
        if any(a["differing_rows"] for a in result["agreement"]):
            failures.append(f"engine and reference disagree at {size:,} households")
        if any(a["missing_columns"] or a["differing_cells"] for a in result["aggregates"]):
            failures.append(f"the per-unit counts disagree at {size:,} households")
    own_peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    report["benchmark_peak_mb"] = own_peak
    print(f"\nthis benchmark process's own peak: {own_peak:,.0f} MB")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(report, indent=2, default=str) + "\n")
        print(f"figures written to {args.json}")
    if failures:
        raise SystemExit("; ".join(failures))


if __name__ == "__main__":
    main()
