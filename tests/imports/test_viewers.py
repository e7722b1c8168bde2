"""Who reads what of someone else's import: a province auditor sees a commune's job and its errors, but not the
citizen IDs typed in the file — neither in the error list nor through the file itself (the error workbook)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.urls import reverse

from giamngheo.imports import services
from giamngheo.imports.models import ImportKind, ImportStatus

from .conftest import household_rows

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_province_auditor_sees_the_errors_with_citizen_ids_masked_and_never_gets_the_file(
        unit_tree: Any, make_user: Any, write_workbook: Any, client_for: Any, api_client_for: Any) -> None:
    officer = make_user("commune_officer", unit_tree.commune)
    province = make_user("province_officer", unit_tree.province)
    households, members = household_rows(unit_tree.commune.code, 2)
    members[1][5] = "08617500000"  # 11 digits: an error whose value is (almost) a citizen ID
    path: Path = write_workbook(households, members)
    with path.open("rb") as handle:
        job = services.import_upload(actor=officer, kind=ImportKind.HOUSEHOLDS, file_name=path.name, content=handle)
    job = services.run_validation(job)
    assert job.status == ImportStatus.INVALID

    own = services.errors_for(job, officer)
    assert own[0]["value"] == "08617500000"
    seen = services.errors_for(job, province)
    assert seen[0]["value"] == "********000" and "08617500000" not in str(seen)
    assert "08617500000" not in str(services.preview_for(job, province))

    page = client_for(province).get(reverse("imports:job", args=[job.public_id]))
    assert page.status_code == 200
    body = page.content.decode()
    assert "08617500000" not in body and reverse("imports:errors", args=[job.public_id]) not in body
    assert client_for(province).get(reverse("imports:errors", args=[job.public_id])).status_code == 404
    download = client_for(officer).get(reverse("imports:errors", args=[job.public_id]))
    assert download.status_code == 200
    download.close()

    api = api_client_for(province)
    listed = api.get(f"/api/v1/imports/{job.public_id}/errors").json()
    assert "08617500000" not in str(listed)
    assert api.get(f"/api/v1/imports/{job.public_id}/errors.xlsx").status_code == 404
