"""Benchmark of the bulk classification path against a hand-written DuckDB reference.

    .venv/bin/python bench/engine.py                       # 1,000,000 and 5,000,000 households
    .venv/bin/python bench/engine.py --sizes 100000,1000000

For each size: generate a synthetic province-like dataset (fixed seed; ~3.5 members per household; realistic
shares of answers, including some unanswered ones) as Parquet under bench/data/, then run, each as its own process
timed start to finish by /usr/bin/time -v,

  1. ``giamngheo classify --standard 2022-2025 --households … --members … --out …`` (the engine), and
  2. the same 12 deprivations, unknowns and classes written by hand in DuckDB SQL (the reference),

print for both the wall time, the CPU time (user + system of the child process, which matters more than wall time
on a shared machine), households per second and peak memory, their wall and CPU ratios and the load average when
the size started, and check that both agree row for row.

Requirements: the project with its ``dev`` extras (DuckDB), ``/usr/bin/time`` (GNU time, for ``-v``) and **numpy**,
used to generate the synthetic data. numpy is not declared by the project: today it is only installed as a
dependency of a dependency (vietnamadminunits → shapely → numpy), so it must be declared (dev extras) before relying
on it.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
SEED = 20251001

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


def generate(households: int, directory: Path) -> tuple[Path, Path]:
    """Synthetic households and members files (fixed seed); reused when already generated."""
    import polars as pl

    try:
        import numpy as np
    except ImportError:
        raise SystemExit("bench/engine.py needs numpy to generate the synthetic data: pip install numpy") from None

    h_path, m_path = directory / f"households-{households}.parquet", directory / f"members-{households}.parquet"
    if h_path.exists() and m_path.exists():
        return h_path, m_path
    directory.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(SEED)
    n = households

    def pick(values: list[str], shares: list[float], size: int, missing: float = 0.0) -> pl.Series:
        p = np.array(shares, dtype=float)
        codes = rng.choice(len(values) + 1, size=size, p=np.append(p / p.sum() * (1 - missing), missing))
        return pl.Series(np.array([*values, None], dtype=object)[codes], dtype=pl.String)

    def boolean(true_share: float, size: int, missing: float = 0.0) -> pl.Series:
        u = rng.random(size)
        values = pl.Series(u < true_share * (1 - missing))
        return values.set(pl.Series(u > 1 - missing), None) if missing else values

    def only(mask: np.ndarray, values: pl.Series) -> pl.Series:
        """The answer for the members it applies to (children); unanswered for the others."""
        return pl.select(pl.when(pl.Series(mask)).then(values)).to_series()

    reference = pl.Series(np.datetime64("2025-09-01") + rng.integers(0, 91, n)).cast(pl.Date)
    sizes = np.clip(rng.poisson(2.5, n) + 1, 1, 12)
    devices_all = ["tv", "radio", "desktop", "laptop", "mobile_phone", "tablet"]
    device_draw = rng.random((n, 6)) < np.array([0.85, 0.1, 0.1, 0.2, 0.93, 0.15])
    device_lists = [[d for d, has in zip(devices_all, row, strict=True) if has] for row in device_draw]
    ids = pl.Series([f"79{i:09d}" for i in range(n)])
    hh = pl.DataFrame({
        "id": ids,
        "reference_date": reference,
        "area": pick(["rural", "urban"], [0.62, 0.38], n),
        "province_code": pl.Series(["79"] * n),
        "commune_code": pl.Series(rng.integers(26000, 27999, n).astype(str)),
        "hamlet": pl.Series([f"Ấp {i}" for i in rng.integers(1, 12, n)]),
        "income": pl.Series(np.round(rng.lognormal(np.log(4_000_000), 0.6, n), -3).astype(np.int64)),
        "floor_area_m2": pl.Series(np.round(rng.lognormal(np.log(55), 0.5, n), 1)),
        "walls_durable": boolean(0.9, n, 0.01),
        "frame_durable": boolean(0.9, n, 0.01),
        "roof_durable": boolean(0.88, n, 0.01),
        "water_source": pick(["piped", "borehole", "protected_well", "protected_spring", "rainwater", "bottled",
                              "unprotected_well", "unprotected_spring", "surface", "other"],
                             [45, 25, 8, 3, 5, 6, 4, 1, 2, 1], n, 0.005),
        "latrine": pick(["septic", "semi_septic", "pour_flush", "double_vault", "ventilated_pit", "pit_no_slab",
                         "overhang", "none", "other"], [70, 10, 5, 3, 2, 4, 2, 3, 1], n, 0.005),
        "information_devices": pl.Series(device_lists, dtype=pl.List(pl.String)),
        "waste": pick(["collected", "treated_on_site", "untreated"], [70, 20, 10], n),
    }).with_columns(pl.when(pl.Series(rng.random(n) < 0.01)).then(None).otherwise(pl.col("income")).alias("income"))
    hh.write_parquet(h_path, row_group_size=250_000)
    del hh, device_lists

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
        "id": pl.Series((position + 1).astype(str)),
        "relation": pl.Series(np.where(head, "head", np.where(child, "child", "other_relative"))),
        "name": pl.Series(["Nguyễn Văn A"] * total),
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
        "in_education": pl.Series(np.where(child | (young & (rng.random(total) < 0.3)), True, False)),
        "school": only(child & (age >= 3), pick(["appropriate_level", "below_level", "not_attending"],
                                                [93, 3, 4], total, 0.01)),
        "uses_internet": boolean(0.7, total, 0.01),
    })
    members.write_parquet(m_path, row_group_size=1_000_000)
    return h_path, m_path


def timed(command: list[str]) -> tuple[float, float, float]:
    """Wall seconds, CPU seconds (user + system) and peak resident memory (MB) of a command run as its own
    process. CPU time is reported too because wall time on a shared machine depends on its other load."""
    completed = subprocess.run(["/usr/bin/time", "-v", *command], capture_output=True, text=True, check=False)
    if completed.returncode != 0:
        sys.stderr.write(completed.stderr)
        raise SystemExit(f"command failed: {' '.join(command)}")
    wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (?:(\d+):)?(\d+):([\d.]+)", completed.stderr)
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", completed.stderr)
    user = re.search(r"User time \(seconds\): ([\d.]+)", completed.stderr)
    system = re.search(r"System time \(seconds\): ([\d.]+)", completed.stderr)
    assert wall and rss and user and system, completed.stderr
    seconds = int(wall.group(1) or 0) * 3600 + int(wall.group(2)) * 60 + float(wall.group(3))
    return seconds, float(user.group(1)) + float(system.group(1)), int(rss.group(1)) / 1024


def reference(households: str, members: str, out: str) -> None:
    import duckdb

    duckdb.sql(REFERENCE_SQL.format(households=households, members=members, out=out))


def compare(engine_out: Path, reference_out: Path) -> int:
    """Number of rows where the engine and the reference differ (0 means they agree row for row)."""
    import polars as pl

    columns = ["id", "class", "deprivation_count", "deprivations", "unknown"]
    ours = pl.read_parquet(engine_out, columns=columns)
    theirs = pl.read_parquet(reference_out, columns=columns).with_columns(pl.col("deprivation_count").cast(pl.Int32))
    if ours.height != theirs.height:
        return abs(ours.height - theirs.height) or 1
    same = pl.all_horizontal([ours[c].eq_missing(theirs[c]) if c not in ("deprivations", "unknown")
                              else ours[c].list.join(",").eq_missing(theirs[c].list.join(",")) for c in columns])
    return ours.height - int(pl.select(same).to_series().sum())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1000000,5000000", help="comma-separated numbers of households")
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--reference-worker", nargs=3, metavar=("H", "M", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.reference_worker:
        reference(*args.reference_worker)
        return
    giamngheo = str(Path(sys.executable).with_name("giamngheo"))
    print(f"load average before the run: {' '.join(f'{x:.2f}' for x in os.getloadavg())} on {os.cpu_count()} cores")
    print(f"{'households':>11} | {'engine s':>8} {'cpu s':>6} {'hh/s':>9} {'MB':>6} | {'duckdb s':>8} {'cpu s':>6} "
          f"{'hh/s':>9} {'MB':>6} | {'ratio':>5} {'cpu r':>5} {'differ':>6} | {'load':>5}")
    for size in (int(s) for s in args.sizes.split(",")):
        started = time.perf_counter()
        h_path, m_path = generate(size, args.data)
        generated = time.perf_counter() - started
        engine_out, reference_out = args.data / f"engine-{size}.parquet", args.data / f"duckdb-{size}.parquet"
        load = os.getloadavg()[0]
        engine_s, engine_cpu, engine_mb = timed([giamngheo, "classify", "--standard", "2022-2025", "--households", str(h_path),
                                     "--members", str(m_path), "--out", str(engine_out)])
        duck_s, duck_cpu, duck_mb = timed([sys.executable, __file__, "--reference-worker", str(h_path), str(m_path),
                                 str(reference_out)])
        differ = compare(engine_out, reference_out)
        print(f"{size:>11} | {engine_s:>8.2f} {engine_cpu:>6.2f} {size / engine_s:>9,.0f} {engine_mb:>6,.0f} | "
              f"{duck_s:>8.2f} {duck_cpu:>6.2f} {size / duck_s:>9,.0f} {duck_mb:>6,.0f} | "
              f"{engine_s / duck_s:>5.2f} {engine_cpu / duck_cpu:>5.2f} {differ:>6} | {load:>5.2f}"
              + (f"   (data generated in {generated:.0f} s)" if generated > 1 else ""), flush=True)
        if differ:
            raise SystemExit(f"engine and reference disagree on {differ} rows at {size} households")


if __name__ == "__main__":
    main()
