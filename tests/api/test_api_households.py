"""/api/v1/households: list, get, create, update, delete — owner, province officer, outsider."""

from __future__ import annotations

import pytest

from giamngheo.core.models import AuditEntry
from giamngheo.households.models import Household, Member

pytestmark = pytest.mark.django_db
LIST = "/api/v1/households"


def detail_url(code):
    return f"{LIST}/{code}"


# --- list -------------------------------------------------------------------------------------------------------


def test_owner_lists_own_households(api_client_for, owner, household):
    response = api_client_for(owner).get(LIST)
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    [item] = body["items"]
    assert (item["id"], item["head_name"], item["hamlet"], item["class"]) == (
        "A-001", "Nguyễn Văn Ánh", "Ấp Bình Minh", household.current_class,
    )
    assert "citizen_id" not in str(item)


def test_outsider_lists_nothing(api_client_for, outsider, household):
    assert api_client_for(outsider).get(LIST).json() == {
        "items": [], "count": 0, "count_exact": True, "page": 1, "page_size": 50, "next_cursor": None,
    }


def test_list_filters(api_client_for, province, household, unit_tree):
    client = api_client_for(province)
    assert client.get(LIST, {"q": "nguyen van anh"}).json()["count"] == 1
    assert client.get(LIST, {"q": "khong co ai"}).json()["count"] == 0
    assert client.get(LIST, {"commune": "86001"}).json()["count"] == 1
    assert client.get(LIST, {"commune": "86002"}).json()["count"] == 0
    assert client.get(LIST, {"hamlet": unit_tree.hamlet.code}).json()["count"] == 1
    assert client.get(LIST, {"hamlet": unit_tree.hamlet2.code}).json()["count"] == 0
    assert client.get(LIST, {"class": household.current_class}).json()["count"] == 1


def test_list_pages(api_client_for, owner, new_record):
    from giamngheo.households.services import household_create

    for n in range(5):
        record = new_record(id=f"A-{n:03d}")
        for member in record["members"]:
            member.pop("citizen_id")
        household_create(actor=owner, record=record)
    client = api_client_for(owner)
    first = client.get(LIST, {"page_size": 2}).json()
    third = client.get(LIST, {"page_size": 2, "page": 3}).json()
    beyond = client.get(LIST, {"page_size": 2, "page": 4}).json()
    assert first["count"] == third["count"] == beyond["count"] == 5
    assert [i["id"] for i in first["items"]] == ["A-000", "A-001"]
    assert [i["id"] for i in third["items"]] == ["A-004"]
    assert beyond["items"] == []


@pytest.mark.parametrize(
    ("params", "loc", "text"),
    [
        ({"page": 0}, ("query", "page"), "lớn hơn hoặc bằng 1"),
        ({"page": "x"}, ("query", "page"), "số nguyên"),
        ({"page_size": 201}, ("query", "page_size"), "nhỏ hơn hoặc bằng 200"),
        ({"commune": "8600"}, ("query", "commune"), "định dạng"),
        ({"class": "rich"}, ("query", "class"), "được phép"),
    ],
)
def test_bad_list_parameters_are_422_in_vietnamese(problems, api_client_for, owner, params, loc, text):
    found = problems(api_client_for(owner).get(LIST, params))
    assert text in found[loc]


# --- get --------------------------------------------------------------------------------------------------------


def test_owner_gets_the_record_with_citizen_ids(api_client_for, owner, household, new_record):
    response = api_client_for(owner).get(detail_url("A-001"))
    assert response.status_code == 200
    body = response.json()
    assert body["members"][0]["citizen_id"] == "086123456789"
    assert body["version"] == 1 and body["class"] == household.current_class and body["standard"] == "2022-2025"
    record_part = {k: v for k, v in body.items() if k not in {"version", "created_at", "updated_at", "class", "standard"}}
    assert record_part == {**new_record(), "province_code": "86"}


def test_province_officer_sees_masked_citizen_ids(api_client_for, province, household):
    body = api_client_for(province).get(detail_url("A-001")).json()
    assert [m["citizen_id"] for m in body["members"]] == ["*********789", "*********790"]
    assert "086123456789" not in str(body)


def test_outsider_gets_404(api_client_for, outsider, household):
    response = api_client_for(outsider).get(detail_url("A-001"))
    assert response.status_code == 404
    assert "Không tìm thấy" in response.json()["detail"]


def test_unknown_id_is_404_like_an_out_of_scope_one(api_client_for, owner, outsider, household):
    missing = api_client_for(owner).get(detail_url("NOPE"))
    foreign = api_client_for(outsider).get(detail_url("A-001"))
    assert missing.status_code == foreign.status_code == 404
    assert missing.json() == foreign.json()


def test_wrong_method_is_405(api_client_for, owner, household):
    assert api_client_for(owner).post(detail_url("A-001"), {}, content_type="application/json").status_code == 405
    assert api_client_for(owner).patch(LIST, {}, content_type="application/json").status_code == 405


# --- create -----------------------------------------------------------------------------------------------------


def test_owner_creates_a_household(api_client_for, owner, new_record, unit_tree):
    response = api_client_for(owner).post(LIST, new_record(), content_type="application/json")
    assert response.status_code == 201
    body = response.json()
    assert body["id"] == "A-001" and body["version"] == 1 and body["class"] == "poor"
    household = Household.objects.get(code="A-001")
    assert household.unit_path == unit_tree.hamlet.path
    entry = AuditEntry.objects.get(action="giamngheo.household.created")
    assert entry.actor == owner and entry.changes["income"] == [None, 1_200_000]


def test_create_without_id_gets_a_generated_code(api_client_for, owner, new_record):
    record = new_record()
    del record["id"]
    response = api_client_for(owner).post(LIST, record, content_type="application/json")
    assert response.status_code == 201
    assert response.json()["id"] == "86001-000001"


def test_invalid_body_is_422_with_paths_and_nothing_is_stored(problems, api_client_for, owner, new_record):
    record = new_record(area="núi")
    record["members"][1]["sex"] = "x"
    record["members"][0]["nickname"] = "Tư"
    found = problems(api_client_for(owner).post(LIST, record, content_type="application/json"))
    assert "không hợp lệ" in found[("body", "area")]
    assert "male" in found[("body", "members", 1, "sex")]
    assert "nickname" in found[("body", "members", 0, "nickname")]
    assert not Household.objects.exists() and not AuditEntry.objects.exists()


def test_invalid_body_in_english_on_request(problems, api_client_for, owner, new_record):
    record = new_record(area="mountain")
    response = api_client_for(owner).post(
        LIST, record, content_type="application/json", headers={"Accept-Language": "en"}
    )
    assert "not allowed" in problems(response)[("body", "area")]


@pytest.mark.parametrize("body", ["{not json", "[1, 2]", '"text"', ""])
def test_a_body_that_is_not_a_record_is_422(problems, api_client_for, owner, body):
    found = problems(api_client_for(owner).post(LIST, body, content_type="application/json"))
    assert ("body",) in found


def test_outsider_cannot_create_in_commune_a(problems, api_client_for, outsider, new_record):
    found = problems(api_client_for(outsider).post(LIST, new_record(), content_type="application/json"))
    assert ("body", "commune_code") in found
    assert not Household.objects.exists()


def test_duplicate_id_and_citizen_id_are_422(problems, api_client_for, owner, household, new_record):
    found = problems(api_client_for(owner).post(LIST, new_record(), content_type="application/json"))
    assert "A-001" in found[("body", "id")]
    assert "A-001" in found[("body", "members", 0, "citizen_id")]


# --- update -----------------------------------------------------------------------------------------------------


def _current(client, code="A-001"):
    return client.get(detail_url(code)).json()


def test_owner_updates_with_the_version_read(api_client_for, owner, household):
    client = api_client_for(owner)
    body = _current(client)
    body["members"][1]["health_insured"] = True
    response = client.put(detail_url("A-001"), body, content_type="application/json")
    assert response.status_code == 200
    assert response.json()["version"] == 2
    assert Member.objects.get(household=household, member_id="2").health_insured is True
    entry = AuditEntry.objects.get(action="giamngheo.household.updated")
    assert entry.changes == {"members[1].health_insured": [False, True]}


def test_province_officer_round_trips_masked_ids(api_client_for, province, household):
    client = api_client_for(province)
    body = _current(client)
    body["income"] = 1_000_000
    assert client.put(detail_url("A-001"), body, content_type="application/json").status_code == 200
    assert Member.objects.get(household=household, member_id="1").citizen_id == "086123456789"


def test_update_without_version_is_422_on_version(problems, api_client_for, owner, household):
    client = api_client_for(owner)
    body = _current(client)
    del body["version"]
    found = problems(client.put(detail_url("A-001"), body, content_type="application/json"))
    assert "version" in found[("body", "version")]


def test_stale_version_is_409_with_the_current_record(api_client_for, owner, province, household):
    mine, theirs = api_client_for(owner), api_client_for(province)
    my_copy, their_copy = _current(mine), _current(theirs)
    their_copy["income"] = 1_400_000
    assert theirs.put(detail_url("A-001"), their_copy, content_type="application/json").status_code == 200
    my_copy["income"] = 900_000
    response = mine.put(detail_url("A-001"), my_copy, content_type="application/json")
    assert response.status_code == 409
    body = response.json()
    assert body["current"]["income"] == 1_400_000 and body["version"] == 2
    assert body["changed_by"] == province.username
    assert province.username in body["detail"]
    # The owner may see citizen IDs, so the conflict shows them in full; nothing of theirs was lost.
    assert body["current"]["members"][0]["citizen_id"] == "086123456789"
    assert Household.objects.get(pk=household.pk).income == 1_400_000


def test_invalid_update_is_422_and_keeps_the_stored_record(problems, api_client_for, owner, household):
    client = api_client_for(owner)
    body = _current(client)
    body["members"][0]["age"] = 200
    body["dwelling"]["latrine"] = "bucket"
    found = problems(client.put(detail_url("A-001"), body, content_type="application/json"))
    assert "130" in found[("body", "members", 0, "age")]
    assert ("body", "dwelling", "latrine") in found
    assert Household.objects.get(pk=household.pk).version == 1


def test_outsider_update_is_404_and_changes_nothing(api_client_for, owner, outsider, household):
    body = _current(api_client_for(owner))
    body["income"] = 0
    assert api_client_for(outsider).put(detail_url("A-001"), body, content_type="application/json").status_code == 404
    assert Household.objects.get(pk=household.pk).income == 1_200_000


def test_a_viewer_without_edit_rights_gets_404_on_update(api_client_for, make_user, unit_tree, owner, household):
    from giamngheo.accounts.roles import Role

    viewer = make_user(role=Role.PROVINCE_VIEWER, unit=unit_tree.province)
    body = _current(api_client_for(owner))
    assert api_client_for(viewer).get(detail_url("A-001")).status_code == 200
    assert api_client_for(viewer).put(detail_url("A-001"), body, content_type="application/json").status_code == 404


# --- delete -----------------------------------------------------------------------------------------------------


def test_owner_deletes_softly(api_client_for, owner, household):
    client = api_client_for(owner)
    response = client.delete(detail_url("A-001"))
    assert response.status_code == 204
    assert Household.objects.get(pk=household.pk).deleted_at is not None
    assert client.get(detail_url("A-001")).status_code == 404
    assert AuditEntry.objects.filter(action="giamngheo.household.deleted", object_id="A-001").exists()


def test_delete_with_a_stale_version_is_409(api_client_for, owner, household):
    client = api_client_for(owner)
    body = _current(client)
    assert client.put(detail_url("A-001"), body, content_type="application/json").status_code == 200
    response = client.delete(detail_url("A-001") + "?version=1")
    assert response.status_code == 409
    assert Household.objects.get(pk=household.pk).deleted_at is None


def test_outsider_delete_is_404(api_client_for, outsider, household):
    assert api_client_for(outsider).delete(detail_url("A-001")).status_code == 404
    assert Household.objects.get(pk=household.pk).deleted_at is None
