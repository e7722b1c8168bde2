"""``giamngheo classify | mpi | standards``: called through ``main(argv)`` and, once, as an installed command."""

from __future__ import annotations

import datetime as dt
import io
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from giamngheo.standards.cli import main

from .builders import deprived_household, household, member
from .strategies import ISSUE_14_RECORD


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, list[Any], str]:
    status = main(argv)
    captured = capsys.readouterr()
    return status, [json.loads(line) for line in captured.out.splitlines()], captured.err


@pytest.fixture
def jsonl(tmp_path: Path) -> Path:
    path = tmp_path / "in.jsonl"
    rows = [household(id="A", income=1_000_000),
            deprived_household(["housing_quality", "housing_area", "latrine"], id="B"),
            household(id="C", reference_date="2019-05-01", income=650_000, province_code="79")]
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n\n", encoding="utf-8")
    return path


def test_classify_jsonl_in_input_order_with_the_standard_of_each_year(jsonl: Path, capsys) -> None:
    status, results, err = run(["classify", str(jsonl)], capsys)
    assert (status, err) == (0, "")
    assert [(r["id"], r["standard"], r["class"]) for r in results] == [
        ("A", "2022-2025", "near_poor"), ("B", "2022-2025", "poor"), ("C", "2016-2020", "poor")]
    assert set(results[0]) >= {"id", "standard", "area", "income_line", "basis", "deprivations", "unknown",
                               "deprivation_count", "class", "criterion", "standard_hash", "low_income_workers"}


def test_classify_array_from_stdin_with_explanation_in_english(monkeypatch, capsys) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(json.dumps([household(id="X"), household(id="Y")])))
    status, results, _ = run(["classify", "--standard", "2022-2025", "--explain", "--lang", "en", "-"], capsys)
    assert status == 0
    assert [r["id"] for r in results] == ["X", "Y"]
    assert results[0]["explanation"]["lang"] == "en"
    assert results[0]["explanation"]["text"].startswith("Household X — Multidimensional poverty standard 2022–2025")


@pytest.mark.parametrize("lang", ["vi", "en"])
def test_classify_explains_a_birth_date_read_by_a_rule(lang: str, monkeypatch, capsys) -> None:
    # Issue 14: `giamngheo classify --explain` stopped with a TypeError on this valid record (2016–2020).
    monkeypatch.setattr("sys.stdin", io.StringIO(json.dumps(ISSUE_14_RECORD)))
    status, results, err = run(["classify", "--explain", "--lang", lang, "-"], capsys)
    assert (status, err) == (0, "")
    assert results[0]["standard"] == "2016-2020"
    assert ("02/01/2000" if lang == "vi" else "2 January 2000") in results[0]["explanation"]["text"]


def test_classify_with_a_local_standard(jsonl: Path, capsys) -> None:
    status, results, _ = run(["classify", "--standard", "2022-2025", "--local", "79-2025", str(jsonl)], capsys)
    assert status == 0
    assert [(r["class"], r["local"]["standard"], r["local"]["class"]) for r in results] == [
        ("near_poor", "79-2025", "near_poor"), ("poor", "79-2025", "poor"), ("near_poor", "79-2025", "near_poor")]
    local_file = Path(__file__).parents[2] / "giamngheo/standards/definitions/local/79-2025.toml"
    _, from_file, _ = run(["classify", "--local", str(local_file), str(jsonl)], capsys)
    assert [r["local"]["standard_hash"] for r in from_file] == [r["local"]["standard_hash"] for r in results]


def test_bad_records_are_reported_and_the_others_still_classified(tmp_path: Path, capsys) -> None:
    path = tmp_path / "in.jsonl"
    bad = household(id="BAD", members=[member(birth_date="2030-01-01")])
    lines = [household(id="OK1"), bad, household(id="OK2", typo=1), household(id="OK1"), household(id="OK3")]
    path.write_text("\n".join(json.dumps(r) for r in lines), encoding="utf-8")
    status, results, err = run(["classify", str(path)], capsys)
    assert status == 2
    assert [r["id"] for r in results] == ["OK1", "OK3"]
    assert err.splitlines() == [
        "dòng 2 (hộ BAD): members[0].birth_date: Ngày sinh sau ngày khảo sát (reference_date).",
        "dòng 3 (hộ OK2): typo: Trường 'typo' không có trong định dạng hồ sơ hộ (có thể viết sai tên).",
        "dòng 4 (hộ OK1): id: Mã hộ 'OK1' đã có ở dòng 1; mỗi hộ chỉ được ghi một lần.",
    ]
    path.write_text(json.dumps([household(id="OK"), bad]), encoding="utf-8")
    status, results, err = run(["classify", "--lang", "en", str(path)], capsys)
    assert (status, [r["id"] for r in results]) == (2, ["OK"])
    assert err == "item [1] (household BAD): members[0].birth_date: The birth date is after the reference date.\n"


@pytest.mark.parametrize(("argv", "content", "message"), [
    (["classify", "{dir}/missing.jsonl"], None, "giamngheo: {dir}/missing.jsonl: không tìm thấy tệp\n"),
    (["classify", "--lang", "en", "{dir}/missing.jsonl"], None, "giamngheo: {dir}/missing.jsonl: file not found\n"),
    (["classify", "--lang", "en", "{dir}/in.jsonl"], '{"id": "A"}\n{oops\n',
     "giamngheo: {dir}/in.jsonl: invalid JSON on line 2, column 2: Expecting property name enclosed in double "
     "quotes\n"),
    (["classify", "{dir}/in.jsonl"], '{"id": "A"}\n{oops\n',
     "giamngheo: {dir}/in.jsonl: JSON không hợp lệ ở dòng 2, cột 2: Expecting property name enclosed in double "
     "quotes\n"),
    (["classify", "--standard", "2099", "{dir}/in.jsonl"], "", "giamngheo: không có chuẩn nghèo '2099'; các "
     "chuẩn hiện có: 2016-2020, 2022-2025, 2026, 2027-2030, 79-2025\n"),
    (["mpi", "--lang", "en", "--standard", "nope", "{dir}/in.jsonl"], "", "giamngheo: unknown standard 'nope'; "
     "known standards: 2016-2020, 2022-2025, 2026, 2027-2030, 79-2025\n"),
])
def test_fatal_errors_are_one_line_and_exit_2(tmp_path: Path, capsys, argv: list[str], content: str | None,
                                              message: str) -> None:
    if content is not None:
        (tmp_path / "in.jsonl").write_text(content, encoding="utf-8")
    status, results, err = run([a.format(dir=tmp_path) for a in argv], capsys)
    assert (status, results, err) == (2, [], message.format(dir=tmp_path))


def test_standards_list_and_show(capsys) -> None:
    assert main(["standards"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split("\t")[0] for line in lines] == ["2016-2020", "2022-2025", "2026", "2027-2030", "79-2025"]
    assert lines[1].split("\t")[1] == "2022-01-01..2025-12-31"
    assert main(["standards", "show", "2022-2025"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["instrument_vi"].startswith("Nghị định 07/2021/NĐ-CP")
    assert shown["indicators"][1]["params"]["ratio_above"] == 0.5
    assert len(shown["hash"]) == 64


def test_mpi_output_shape(jsonl: Path, tmp_path: Path, capsys) -> None:
    status, (result,), _ = run(["mpi", "--standard", "2022-2025", "--by", "area", str(jsonl)], capsys)
    assert status == 0
    assert set(result) >= {"standard", "k", "weights", "excluded", "overall", "groups"}
    assert set(result["overall"]) == {"n", "q", "H", "A", "M0", "censored_headcount", "contribution"}
    assert list(result["groups"]) == ["rural"]
    weights = tmp_path / "w.json"
    weights.write_text(json.dumps({c: 2 for c in result["weights"]}), encoding="utf-8")
    status, (weighted,), _ = run(["mpi", "--standard", "2022-2025", "--k", "2", "--weights", str(weights),
                                  "--unit", "person", str(jsonl)], capsys)
    assert status == 0 and weighted["k"] == 2 and weighted["unit"] == "person"


def test_bulk_form(tmp_path: Path, capsys) -> None:
    households, members, out = tmp_path / "h.parquet", tmp_path / "m.parquet", tmp_path / "r.parquet"
    pl.DataFrame({"id": ["A"], "reference_date": [dt.date(2025, 1, 1)], "area": ["rural"], "income": [1],
                  "floor_area_m2": [2.0]}).write_parquet(households)
    pl.DataFrame({"household_id": ["A"], "id": ["1"], "relation": ["head"], "sex": ["male"], "age": [5]}
                 ).write_parquet(members)
    assert main(["classify", "--standard", "2022-2025", "--households", str(households), "--members", str(members),
                 "--out", str(out)]) == 0
    row = pl.read_parquet(out).row(0, named=True)
    assert (row["id"], row["deprivations"][:2]) == ("A", ["dependents", "housing_area"])
    assert main(["classify", "--households", str(households), "--members", str(members), "--out", str(out)]) == 2
    assert "cần --standard" in capsys.readouterr().err


@pytest.mark.skipif(shutil.which("giamngheo") is None and not Path(".venv/bin/giamngheo").exists(),
                    reason="the giamngheo command is not installed")
def test_installed_command(jsonl: Path) -> None:
    command = shutil.which("giamngheo") or ".venv/bin/giamngheo"
    completed = subprocess.run([command, "classify", str(jsonl)], capture_output=True, text=True, check=False)
    assert completed.returncode == 0, completed.stderr
    assert len(completed.stdout.splitlines()) == 3
