"""POST /api/v1/auth/token and bearer authentication."""

from __future__ import annotations

import pytest
from django.test import Client

from giamngheo.accounts.models import ApiToken
from giamngheo.accounts.roles import Role

pytestmark = pytest.mark.django_db
URL = "/api/v1/auth/token"
PASSWORD = "mật-khẩu-đủ-dài-2025"


@pytest.fixture
def officer(unit_tree, make_user):
    return make_user(role=Role.COMMUNE_OFFICER, unit=unit_tree.commune, username="canbo", password=PASSWORD)


def test_token_for_right_credentials_opens_the_api(officer):
    response = Client().post(URL, {"username": "canbo", "password": PASSWORD}, content_type="application/json")
    assert response.status_code == 200
    token = response.json()["token"]
    assert ApiToken.objects.filter(user=officer).count() == 1
    assert "sessionid" not in response.cookies
    listed = Client().get("/api/v1/households", headers={"Authorization": f"Bearer {token}"})
    assert listed.status_code == 200


def test_wrong_password_is_401_in_vietnamese(officer):
    response = Client().post(URL, {"username": "canbo", "password": "sai"}, content_type="application/json")
    assert response.status_code == 401
    assert response.json()["detail"] == "Tên đăng nhập hoặc mật khẩu không đúng."
    assert not ApiToken.objects.exists()


def test_repeated_failures_lock_the_username_like_the_login_page(officer, settings):
    settings.LOGIN_MAX_FAILURES = 2
    for _ in range(2):
        Client().post(URL, {"username": "canbo", "password": "sai"}, content_type="application/json")
    response = Client().post(URL, {"username": "canbo", "password": PASSWORD}, content_type="application/json")
    assert response.status_code == 401
    assert "khoá" in response.json()["detail"]


def test_missing_fields_are_422_naming_the_field(officer):
    response = Client().post(URL, {"username": "canbo"}, content_type="application/json")
    assert response.status_code == 422
    [item] = response.json()["detail"]
    assert item["loc"] == ["body", "password"]
    assert item["msg"] == "Thiếu trường bắt buộc."


def test_wrong_method_is_405():
    assert Client().get(URL).status_code == 405


@pytest.mark.parametrize(
    "header", [None, "Bearer", "Bearer gn_not-a-real-token", "Token abc", "Basic Y2FuYm86eA=="]
)
def test_requests_without_a_valid_token_are_401(header):
    headers = {"Authorization": header} if header else {}
    response = Client().get("/api/v1/households", headers=headers)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Bearer"
    assert "Bearer" in response.json()["detail"]


def test_a_signed_in_session_is_not_a_token(officer, client_for):
    assert client_for(officer).get("/api/v1/households").status_code == 401


def test_a_revoked_token_stops_working(officer, bearer_for):
    headers = bearer_for(officer)
    ApiToken.objects.update(revoked=True)
    assert Client().get("/api/v1/households", headers=headers).status_code == 401


def test_openapi_document_is_public():
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert "/api/v1/households/{id}/classification" in response.json()["paths"]


def test_openapi_documents_the_record_body_and_the_docs_page_opens():
    schema = Client().get("/api/v1/openapi.json").json()
    create = schema["paths"]["/api/v1/households"]["post"]
    body = create["requestBody"]["content"]["application/json"]["schema"]
    assert body["additionalProperties"] is False and "members" in body["required"]
    shown = create["responses"]["201"]["content"]["application/json"]["schema"]
    assert {"version", "class", "standard"} <= set(shown["properties"])
    assert Client().get("/api/v1/docs").status_code == 200
