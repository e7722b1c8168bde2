"""The offline app's routes through the test client: the shell, manifest and worker carry no personal data;
the JSON routes answer 401 when signed out, 404 outside the user's units, 400 naming the field for a wrong
part of an upload, and take the session's CSRF token in a header."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from giamngheo.accounts.roles import Role
from giamngheo.offline.models import OfflineSubmission
from giamngheo.reviews.states import CaseState
from tests.offline.conftest import body

pytestmark = pytest.mark.django_db


def _post(client: Client, case: Any, data: Any, **headers: Any) -> Any:
    raw = data if isinstance(data, str | bytes) else json.dumps(data)
    return client.post(reverse("offline:submit", args=[case.pk]), raw, content_type="application/json", **headers)


def test_the_shell_manifest_and_worker_are_the_same_for_everyone(client: Client, listed: Any) -> None:
    page = client.get(reverse("offline:app"))
    assert page.status_code == 200
    text = page.content.decode()
    assert "H1" not in text and "Lò Văn Páo" not in text
    assert 'id="offline-messages"' in text and "<script>" not in text  # data only; scripts come from files
    assert "script-src 'self'" in page["Content-Security-Policy"]
    manifest = client.get(reverse("offline:manifest"))
    assert manifest["Content-Type"] == "application/manifest+json"
    data = json.loads(manifest.content)
    assert data["start_url"] == data["scope"] == reverse("offline:app")
    worker = client.get(reverse("offline:worker"))
    assert worker["Content-Type"].startswith("text/javascript")
    script = worker.content.decode()
    assert '"/static/giamngheo/offline/app.js"' in script and '"/static/giamngheo/offline/engine.js"' in script
    assert reverse("offline:bundle") not in script  # households are never cached by the worker


def test_signed_out_the_json_routes_answer_401(client: Client, listed: Any) -> None:
    for url in (reverse("offline:session"), reverse("offline:bundle")):
        response = client.get(url)
        assert response.status_code == 401
        assert "đăng nhập" in response.json()["message"]
    assert _post(client, listed, {}).status_code == 401


def test_the_upload_takes_the_csrf_token_of_the_session(cast: Any, listed: Any, make_draft: Any) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(cast.surveyor)
    draft = make_draft(listed)
    assert _post(client, listed, body(draft)).status_code == 403
    token = client.get(reverse("offline:session")).json()["csrf"]
    response = _post(client, listed, body(draft), HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 200, response.content
    assert response.json()["class"] == "poor"
    again = _post(client, listed, body(draft), HTTP_X_CSRFTOKEN=token)
    assert again.status_code == 200 and again.json()["replayed"] is True


def test_conflict_and_refusal_answer_409_and_422(cast: Any, listed: Any, make_draft: Any, client_for: Any) -> None:
    from giamngheo.reviews import services
    from tests.reviews.conftest import survey

    client = client_for(cast.surveyor)
    wrong = survey("poor")
    wrong["members"][0]["sex"] = "robot"
    refused = _post(client, listed, body(make_draft(listed, record=wrong)))
    assert refused.status_code == 422
    assert "members[0].sex" in refused.json()["errors"]
    draft = make_draft(listed)
    services.review_case_survey(actor=cast.officer, case=listed, record=survey("none"), expected_version=listed.version)
    conflict = _post(client, listed, body(draft))
    assert conflict.status_code == 409
    assert conflict.json()["changes"]


def test_a_surveyor_of_another_hamlet_gets_404_and_nothing_changes(
        listed: Any, unit_tree: Any, make_user: Any, client_for: Any, make_draft: Any) -> None:
    elsewhere = make_user(role=Role.HAMLET_SURVEYOR, unit=unit_tree.hamlet2)
    response = _post(client_for(elsewhere), listed, body(make_draft(listed)))
    assert response.status_code == 404
    listed.refresh_from_db()
    assert listed.state == CaseState.LISTED and not OfflineSubmission.objects.exists()
    outsider = make_user(role=Role.COMMUNE_OFFICER, unit=unit_tree.other_commune)
    assert _post(client_for(outsider), listed, body(make_draft(listed))).status_code == 404


@pytest.mark.parametrize(("change", "field"), [
    ({"key": "not-a-uuid"}, "key"),
    ({"key": None}, "key"),
    ({"case_version": 0}, "case_version"),
    ({"case_version": 2**31}, "case_version"),
    ({"case_version": "3"}, "case_version"),
    ({"case_version": True}, "case_version"),
    ({"household_version": -1}, "household_version"),
    ({"record": []}, "record"),
    ({"record": None}, "record"),
    ({"causes": ["x"] * 21}, "causes"),
    ({"causes": "capital"}, "causes"),
    ({"wishes": ["y" * 41]}, "wishes"),
    ({"note": "n" * 2001}, "note"),
    ({"note": 5}, "note"),
    ({"date_confirmed": "yes"}, "date_confirmed"),
])
def test_every_part_of_an_upload_is_bounded(change: dict[str, Any], field: str, cast: Any, listed: Any,
                                            make_draft: Any, client_for: Any) -> None:
    data = {**body(make_draft(listed)), **change}
    response = _post(client_for(cast.surveyor), listed, data)
    assert response.status_code == 400
    assert list(response.json()["errors"]) == [field]
    assert response.json()["message"]
    listed.refresh_from_db()
    assert listed.state == CaseState.LISTED


@pytest.mark.parametrize("raw", ["", "{", "[1, 2]", "null", "[" * 100_000 + "]" * 100_000])
def test_a_body_that_is_not_a_draft_is_refused(raw: str, cast: Any, listed: Any, client_for: Any) -> None:
    response = _post(client_for(cast.surveyor), listed, raw)
    assert response.status_code == 400
    assert response.json()["errors"] == {"$": [response.json()["message"]]}


def test_a_body_over_the_upload_limit_is_refused(cast: Any, listed: Any, client_for: Any, settings: Any) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = _post(client_for(cast.surveyor), listed, {"note": "n" * 2000})
    assert response.status_code == 400
    assert "quá lớn" in response.json()["message"]


def test_logging_out_clears_what_the_site_kept_on_the_device(cast: Any, client_for: Any) -> None:
    response = client_for(cast.surveyor).post(reverse("accounts:logout"))
    assert response.status_code == 302
    assert response["Clear-Site-Data"] == '"cache", "storage"'


def test_unknown_case_ids_are_404(cast: Any, listed: Any, client_for: Any) -> None:
    client = client_for(cast.surveyor)
    for pk in (listed.pk + 1000, 2**31 + 5, 10**25):
        response = client.post(f"/khao-sat-ngoai-tuyen/ho-so/{pk}/gui/", json.dumps({"key": str(uuid.uuid4())}),
                               content_type="application/json")
        assert response.status_code == 404


def test_the_surveyors_home_page_links_to_the_app(cast: Any, listed: Any, client_for: Any) -> None:
    page = client_for(cast.surveyor).get(reverse("reviews:my_cases"))
    assert page.status_code == 200
    assert f'href="{reverse("offline:app")}"' in page.content.decode()


def test_the_cycle_page_links_to_the_app_for_those_who_survey(cast: Any, listed: Any, client_for: Any) -> None:
    page = client_for(cast.officer).get(reverse("reviews:cycle", args=[listed.cycle_id]))
    assert page.status_code == 200
    assert f'href="{reverse("offline:app")}"' in page.content.decode()
