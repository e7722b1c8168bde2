"""``giamngheo backup`` and ``giamngheo restore`` on the database the run is configured with (SQLite or
PostgreSQL): a restore brings back exactly what was backed up; a changed file or a manifest that does not describe
the file is caught; a restore is never done unasked; ``--keep`` prunes only the command's own files."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from giamngheo.core.backup import BACKUP_NAME, manifest_path
from giamngheo.core.models import AuditEntry
from giamngheo.households.models import Household

from .conftest import CODE, Database

pytestmark = pytest.mark.django_db(transaction=True)


def run(*args: str) -> tuple[int, str, str]:
    """The command's exit status, stdout and stderr."""
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command(*args, stdout=out, stderr=err)
    except SystemExit as exc:
        return int(exc.code or 0), out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


def backup(folder: Path, *extra: str) -> Path:
    status, out, err = run("backup", "--output", str(folder), *extra)
    assert status == 0, err
    assert "khớp bản kê" in out or "--no-verify" in extra
    (made,) = [p for p in sorted(folder.iterdir()) if BACKUP_NAME.match(p.name)][-1:]
    return made


def test_restore_brings_back_the_backup_and_the_counts_match_the_manifest(household: Any, tmp_path: Path) -> None:
    path = backup(tmp_path)
    manifest = json.loads(manifest_path(path).read_text())
    assert manifest["tables"]["households_household"] == 1
    assert manifest["audit_last"]["action"] == "giamngheo.household.created"
    before = Database().household_state()

    Household.objects.filter(code=CODE).update(head_name="Đã đổi sau sao lưu", version=7)
    AuditEntry.objects.create(actor_name="x", action="giamngheo.household.updated", object_type="household",
                              object_id=CODE)
    status, out, err = run("restore", str(path), "--yes")

    assert status == 0, err
    assert "khớp bản kê" in out
    assert Database().household_state() == before
    assert AuditEntry.objects.order_by("-id").values_list("id", "action")[0] == (
        manifest["audit_last"]["id"], "giamngheo.household.created")
    counts = Database().rows("SELECT count(*) FROM households_member")
    assert counts == [(manifest["tables"]["households_member"],)]


def test_verification_catches_a_changed_file(household: Any, tmp_path: Path) -> None:
    path = backup(tmp_path)
    assert run("backup", "--verify-only", str(path))[0] == 0
    with path.open("r+b") as handle:  # one byte flipped in the middle of the copy
        handle.seek(path.stat().st_size // 2)
        byte = handle.read(1)
        handle.seek(-1, io.SEEK_CUR)
        handle.write(bytes([byte[0] ^ 0xFF]))

    status, _out, err = run("backup", "--verify-only", str(path))
    assert status == 1
    assert "SHA-256" in err
    status, _out, err = run("restore", str(path), "--yes")
    assert status == 1 and "SHA-256" in err
    assert Household.objects.filter(code=CODE).exists()  # nothing was touched


def test_verification_catches_a_restore_that_differs_from_the_manifest(household: Any, tmp_path: Path) -> None:
    path = backup(tmp_path)
    manifest_file = manifest_path(path)
    manifest = json.loads(manifest_file.read_text())
    manifest["tables"]["households_member"] += 1
    manifest["audit_last"]["id"] += 1
    manifest_file.write_text(json.dumps(manifest))

    status, _out, err = run("backup", "--verify-only", str(path))
    assert status == 1
    assert "households_member" in err
    assert "Mục cuối của nhật ký thay đổi khác bản kê" in err


def test_restore_refuses_without_yes_and_leaves_the_database_alone(household: Any, tmp_path: Path) -> None:
    path = backup(tmp_path)
    Household.objects.filter(code=CODE).update(head_name="Sửa sau sao lưu")
    status, _out, err = run("restore", str(path))  # stdin is not a terminal: nobody to ask
    assert status == 2
    assert "--yes" in err
    assert Household.objects.get(code=CODE).head_name == "Sửa sau sao lưu"


def test_restore_refuses_a_backup_of_a_newer_version(household: Any, tmp_path: Path) -> None:
    path = backup(tmp_path)
    manifest_file = manifest_path(path)
    manifest = json.loads(manifest_file.read_text())
    manifest["migrations"]["households"].append("9999_from_the_future")
    manifest_file.write_text(json.dumps(manifest))
    status, _out, err = run("restore", str(path), "--yes")
    assert status == 1
    assert "households.9999_from_the_future" in err


def test_keep_removes_only_older_backups_made_by_the_command(db: None, tmp_path: Path) -> None:
    stranger = tmp_path / "ghi-chu.txt"
    stranger.write_text("not a backup")
    made = [backup(tmp_path, "--no-verify", "--keep", "2") for _ in range(3)]
    left = sorted(p.name for p in tmp_path.iterdir())
    assert left == sorted([stranger.name, made[1].name, made[1].name + ".json", made[2].name, made[2].name + ".json"])
    assert run("backup", "--output", str(tmp_path), "--keep", "0")[0] == 1


def test_a_failed_backup_leaves_nothing_that_looks_like_one(household: Any, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    from giamngheo.core.backup import summary

    real = summary.differences
    monkeypatch.setattr("giamngheo.core.backup.differences", lambda m, s: [*real(m, s), "hỏng giả"])
    status, _out, err = run("backup", "--output", str(tmp_path))
    assert status == 1
    assert "hỏng giả" in err
    assert list(tmp_path.iterdir()) == []


def test_restore_refuses_a_backup_of_the_other_engine(household: Any, tmp_path: Path) -> None:
    path = backup(tmp_path, "--no-verify")
    manifest_file = manifest_path(path)
    manifest = json.loads(manifest_file.read_text())
    configured = manifest["engine"]
    manifest["engine"] = "postgresql" if configured == "sqlite" else "sqlite"
    manifest_file.write_text(json.dumps(manifest))
    status, _out, err = run("restore", str(path), "--yes")
    assert status == 1
    assert f"cơ sở dữ liệu đang cấu hình là {configured}" in err


def test_an_output_folder_that_cannot_be_written_is_reported(db: None, tmp_path: Path) -> None:
    blocker = tmp_path / "tep-thuong"
    blocker.write_text("a file, not a folder")
    status, _out, err = run("backup", "--output", str(blocker / "sao-luu"))
    assert status == 1
    assert "Không tạo được thư mục sao lưu" in err


def test_a_save_committed_while_the_backup_runs_is_in_neither_the_copy_nor_the_manifest(
        household: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The app keeps writing during a backup: the manifest must describe the copy, not the live database a moment
    later. A save is committed between the copy's snapshot and the end of the backup — SQLite: after the backup API
    copied the pages, before the copy is counted; PostgreSQL: after the snapshot is exported and counted, before
    pg_dump runs (without ``--snapshot`` the dump would hold the save and verification would fail)."""
    from django.db import connection

    from giamngheo.core.backup import postgresql, sqlite

    module, step = (sqlite, "_summary") if connection.vendor == "sqlite" else (postgresql, "_run")
    real = getattr(module, step)
    saved: list[int] = []

    def meanwhile(*args: Any, **kwargs: Any) -> Any:
        if not saved:  # once, in the backup itself (the same step runs again in verification)
            Household.objects.filter(code=CODE).update(head_name="Lưu trong lúc sao lưu")
            saved.append(AuditEntry.objects.create(actor_name="x", action="giamngheo.household.updated",
                                                   object_type="household", object_id=CODE).pk)
        return real(*args, **kwargs)

    monkeypatch.setattr(module, step, meanwhile)
    path = backup(tmp_path)  # verified: the scratch restore matches the manifest

    manifest = json.loads(manifest_path(path).read_text())
    assert saved and manifest["audit_last"]["id"] < saved[0]
    assert manifest["tables"]["core_auditentry"] == AuditEntry.objects.count() - 1
    monkeypatch.undo()
    assert run("restore", str(path), "--yes")[0] == 0
    assert Household.objects.get(code=CODE).head_name == "Nguyễn Văn Ánh"


def test_a_file_that_is_no_database_fails_verification_with_a_message(household: Any, tmp_path: Path) -> None:
    """Right SHA-256, wrong content (a manifest written for a broken file): the trial restore says why."""
    from giamngheo.core.backup import sha256_of

    path = backup(tmp_path, "--no-verify")
    path.write_bytes(b"not a database " * 100)
    manifest_file = manifest_path(path)
    manifest = json.loads(manifest_file.read_text())
    manifest["sha256"] = sha256_of(path)
    manifest_file.write_text(json.dumps(manifest))
    status, _out, err = run("backup", "--verify-only", str(path))
    assert status == 1
    assert "Lỗi cơ sở dữ liệu" in err or "pg_restore thất bại" in err
