"""Registry pages through the test client: scope, filters, search, paging, detail, create, edit, delete."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from giamngheo.accounts.roles import Role
from giamngheo.core.models import AuditEntry
from giamngheo.households.models import Household, Member
from giamngheo.households.services import household_create, household_update

pytestmark = pytest.mark.django_db


def record(code="HH-1", *, hamlet="Ấp Bình Minh", commune_code="86001", head="Nguyễn Văn Ánh", income=1_200_000,
           ids=("086123456789", "086123456790"), **overrides):
    """A rural 2025 household under the income line with several deprivations (poor under 2022–2025)."""
    data = {
        "id": code,
        "reference_date": "2025-10-01",
        "area": "rural",
        "commune_code": commune_code,
        "income": income,
        "dwelling": {"floor_area_m2": 12, "walls_durable": False, "frame_durable": False, "latrine": "none",
                     "water_source": "surface", "information_devices": []},
        "members": [
            {"id": "1", "relation": "head", "name": head, "citizen_id": ids[0], "sex": "male",
             "age": 44, "health_insured": False, "education_completed": "primary", "employment": "self_employed"},
            {"id": "2", "relation": "spouse", "name": "Trần Thị Bé", "citizen_id": ids[1], "sex": "female",
             "birth_date": "1985-03-02", "health_insured": False},
        ],
    }
    if hamlet:
        data["hamlet"] = hamlet
    data.update(overrides)
    return data


@pytest.fixture
def officer(unit_tree, make_user):
    return make_user(role=Role.COMMUNE_OFFICER, unit=unit_tree.commune, first_name="Lan", last_name="Trần")


@pytest.fixture
def province_officer(unit_tree, make_user):
    return make_user(role=Role.PROVINCE_OFFICER, unit=unit_tree.province)


@pytest.fixture
def viewer(unit_tree, make_user):
    return make_user(role=Role.PROVINCE_VIEWER, unit=unit_tree.province)


@pytest.fixture
def other_officer(unit_tree, make_user):
    return make_user(role=Role.COMMUNE_OFFICER, unit=unit_tree.other_commune)


@pytest.fixture
def household(officer):
    return household_create(actor=officer, record=record())


@pytest.fixture
def other_household(other_officer):
    return household_create(actor=other_officer, record=record("HH-9", hamlet="Tổ dân phố 1", commune_code="86002",
                                                              head="Lê Thị Hoa", ids=("086200000001", "086200000002")))


def text(response):
    return re.sub(r"\s+", " ", response.content.decode())


# --- list ---------------------------------------------------------------------------------------------------------


def test_list_shows_only_households_in_scope(client_for, officer, province_officer, household, other_household):
    page = text(client_for(officer).get(reverse("households:list")))
    assert "HH-1" in page and "Nguyễn Văn Ánh" in page
    assert "HH-9" not in page and "Lê Thị Hoa" not in page
    assert "1 hộ" in page

    page = text(client_for(province_officer).get(reverse("households:list")))
    assert "HH-1" in page and "HH-9" in page
    assert "2 hộ" in page


def make_rows(commune, count, *, hamlet=None, start=0):
    """Households straight through the ORM, for paging and query-count tests (no members, no classification)."""
    import datetime as dt

    from giamngheo.core.text import fold

    rows = [
        Household(code=f"P-{start + i:04d}", commune=commune, hamlet=hamlet,
                  unit_path=(hamlet or commune).path, reference_date=dt.date(2025, 10, 1), area="rural",
                  head_name=f"Phạm Văn {start + i}", search_text=fold(f"P-{start + i:04d} Phạm Văn {start + i}"),
                  member_count=3, current_class="poor" if i % 2 else "near_poor")
        for i in range(count)
    ]
    Household.objects.bulk_create(rows)


def test_search_ignores_diacritics_and_case(client_for, officer, household, unit_tree):
    make_rows(unit_tree.commune, 3)
    client = client_for(officer)
    page = text(client.get(reverse("households:list"), {"q": "nguyen van anh"}))
    assert "HH-1" in page and "1 hộ" in page
    assert "P-0001" not in page
    page = text(client.get(reverse("households:list"), {"q": "NGUYỄN"}))
    assert "HH-1" in page
    page = text(client.get(reverse("households:list"), {"q": "nguyen hoa"}))
    assert "HH-1" not in page and "Không có hộ nào khớp với điều kiện lọc." in page


def test_filters_by_commune_hamlet_and_class(client_for, province_officer, household, other_household, unit_tree):
    client = client_for(province_officer)
    page = text(client.get(reverse("households:list"), {"commune": unit_tree.other_commune.pk}))
    assert "HH-9" in page and "HH-1" not in page
    page = text(client.get(reverse("households:list"), {"commune": unit_tree.commune.pk,
                                                         "hamlet": unit_tree.hamlet2.pk}))
    assert "HH-1" not in page and "0 hộ" in page
    page = text(client.get(reverse("households:list"), {"commune": unit_tree.commune.pk,
                                                         "hamlet": unit_tree.hamlet.pk}))
    assert "HH-1" in page
    klass = Household.objects.get(code="HH-1").current_class
    assert klass == "poor"
    page = text(client.get(reverse("households:list"), {"klass": "poor"}))
    assert "HH-1" in page and "HH-9" in page
    page = text(client.get(reverse("households:list"), {"klass": "average"}))
    assert "HH-1" not in page and "HH-9" not in page


def test_commune_filter_offers_only_communes_in_scope(client_for, officer, unit_tree):
    page = text(client_for(officer).get(reverse("households:list")))
    assert unit_tree.commune.name in page
    assert unit_tree.other_commune.name not in page
    # Asking for another commune's households by id shows nothing of it.
    make_rows(unit_tree.other_commune, 2)
    page = text(client_for(officer).get(reverse("households:list"), {"commune": unit_tree.other_commune.pk}))
    assert "P-0000" not in page


def test_paging_walks_forward_and_back_keeping_filters(client_for, officer, unit_tree):
    make_rows(unit_tree.commune, 120)
    client = client_for(officer)
    first = client.get(reverse("households:list"), {"q": "pham"})
    page = text(first)
    assert "120 hộ" in page and "đang xem 1–50" in page
    assert "P-0000" in page and "P-0049" in page and "P-0050" not in page
    next_link = re.search(r'href="(\?[^"]*after=[^"]*)" rel="next"', first.content.decode()).group(1)
    assert "q=pham" in next_link
    second = client.get(reverse("households:list") + next_link.replace("&amp;", "&"))
    page = text(second)
    assert "P-0050" in page and "P-0099" in page and "P-0049" not in page and "đang xem 51–100" in page
    third_link = re.search(r'href="(\?[^"]*)" rel="next"', second.content.decode()).group(1)
    third = client.get(reverse("households:list") + third_link.replace("&amp;", "&"))
    page = text(third)
    assert "P-0100" in page and "P-0119" in page and "đang xem 101–120" in page
    assert 'rel="next"' not in third.content.decode()
    back_link = re.search(r'href="(\?[^"]*)" rel="prev"', third.content.decode()).group(1)
    back = text(client.get(reverse("households:list") + back_link.replace("&amp;", "&")))
    assert "P-0050" in back and "P-0099" in back and "P-0100" not in back and "đang xem 51–100" in back


def test_list_query_count_does_not_grow_with_rows(client_for, province_officer, unit_tree,
                                                  django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    make_rows(unit_tree.commune, 1, hamlet=unit_tree.hamlet)
    make_rows(unit_tree.other_commune, 60, hamlet=unit_tree.other_hamlet, start=100)
    client = client_for(province_officer)
    client.get(reverse("households:list"))  # warm the session
    with CaptureQueriesContext(connection) as one_row:
        response = client.get(reverse("households:list"), {"commune": unit_tree.commune.pk})
    assert text(response).count('href="/ho/P-') == 1
    # 13 = session, user, grants, 3 to resolve the filters, count, page, 2 for the filter choices, session save.
    with django_assert_max_num_queries(13) as fifty_rows:
        response = client.get(reverse("households:list"), {"commune": unit_tree.other_commune.pk})
    assert text(response).count('href="/ho/P-') == 50
    assert len(fifty_rows) == len(one_row)


def test_htmx_request_gets_only_the_results(client_for, officer, household):
    response = client_for(officer).get(reverse("households:list"), {"q": "anh"}, headers={"HX-Request": "true"})
    body = response.content.decode()
    assert "HH-1" in body
    assert "<html" not in body and 'name="q"' not in body


def test_hamlet_options_follow_the_commune_and_the_scope(client_for, officer, province_officer, viewer, unit_tree):
    url = reverse("households:hamlet_options")
    # The form's variant lists hamlets where the user may enter households: none for a viewer.
    assert client_for(viewer).get(url, {"commune": unit_tree.commune.pk, "purpose": "edit"}).status_code == 404
    assert unit_tree.hamlet.name in client_for(viewer).get(url, {"commune": unit_tree.commune.pk}).content.decode()
    body = client_for(officer).get(url, {"commune": unit_tree.commune.pk}).content.decode()
    assert unit_tree.hamlet.name in body and unit_tree.hamlet2.name in body
    assert client_for(officer).get(url, {"commune": unit_tree.other_commune.pk}).status_code == 404
    body = client_for(province_officer).get(url, {"commune": unit_tree.other_commune.pk}).content.decode()
    assert unit_tree.other_hamlet.name in body and unit_tree.hamlet.name not in body


def test_empty_registry_says_so(client_for, officer):
    page = text(client_for(officer).get(reverse("households:list")))
    assert "Chưa có hộ nào trong địa bàn của bạn." in page


# --- detail -------------------------------------------------------------------------------------------------------


def test_detail_shows_facts_members_and_classification_with_explanation(client_for, officer, household):
    page = text(client_for(officer).get(reverse("households:detail", args=["HH-1"])))
    assert "Hộ HH-1 · Nguyễn Văn Ánh" in page
    assert "Chuẩn nghèo đa chiều giai đoạn 2022–2025" in page
    assert '<span class="badge badge-poor">Hộ nghèo</span>' in page
    assert "1.500.000 đồng/người/tháng" in page  # the income line
    assert "1.200.000 đồng" in page  # the household's income, Vietnamese grouping
    # The explanation names the indicator, the member and the answer that made the household deprived.
    assert "Bảo hiểm y tế" in page
    assert "Nguyễn Văn Ánh, 44 tuổi" in page
    assert "In phiếu giải thích" in page
    # Facts: an unanswered question says so, never "Không".
    assert '<dt>Mái bền chắc</dt><dd class="muted">Chưa trả lời</dd>' in page


def test_years_and_ages_are_not_grouped_like_quantities(client_for, officer):
    household_create(actor=officer, record=record("HH-Y", year=2026, reference_date="2026-10-01"))
    page = text(client_for(officer).get(reverse("households:detail", args=["HH-Y"])))
    assert "<dd>2026</dd>" in page
    assert "2.026" not in page


def test_citizen_ids_are_masked_for_province_staff_and_shown_to_the_commune(client_for, officer, province_officer,
                                                                           household):
    page = text(client_for(officer).get(reverse("households:detail", args=["HH-1"])))
    assert "086123456789" in page
    page = text(client_for(province_officer).get(reverse("households:detail", args=["HH-1"])))
    assert "086123456789" not in page and "*********789" in page


def test_viewer_sees_no_edit_buttons_and_cannot_reach_edit_pages(client_for, viewer, household):
    client = client_for(viewer)
    page = text(client.get(reverse("households:detail", args=["HH-1"])))
    assert "HH-1" in page
    assert reverse("households:edit", args=["HH-1"]) not in page
    assert reverse("households:delete", args=["HH-1"]) not in page
    assert reverse("households:create") not in text(client.get(reverse("households:list")))
    assert client.get(reverse("households:edit", args=["HH-1"])).status_code == 404
    assert client.post(reverse("households:delete", args=["HH-1"]), {"version": 1}).status_code == 404
    assert client.get(reverse("households:create")).status_code == 404
    assert Household.objects.get(code="HH-1").deleted_at is None


@pytest.mark.parametrize("name,method", [
    ("households:detail", "get"), ("households:edit", "get"), ("households:edit", "post"),
    ("households:delete", "get"), ("households:delete", "post"),
])
def test_another_communes_household_answers_404(client_for, other_officer, household, name, method):
    client = client_for(other_officer)
    response = getattr(client, method)(reverse(name, args=["HH-1"]), {"version": 1})
    assert response.status_code == 404
    assert Household.objects.get(code="HH-1").deleted_at is None
    assert Household.objects.get(code="HH-1").version == 1


def test_missing_household_answers_404(client_for, officer):
    assert client_for(officer).get(reverse("households:detail", args=["NOPE"])).status_code == 404


def test_english_user_gets_the_explanation_in_english(client_for, make_user, unit_tree, household):
    english = make_user(role=Role.COMMUNE_OFFICER, unit=unit_tree.commune, language="en")
    response = client_for(english).get(reverse("households:detail", args=["HH-1"]))
    assert response.status_code == 200
    page = text(response)
    assert '<html lang="en">' in page
    assert "Health insurance" in page
    assert "1,500,000" in page  # English number grouping for the income line


# --- create -------------------------------------------------------------------------------------------------------


def form_data(household=None, members=(), **extra):
    """POST data of the household form: household fields, then the members formset."""
    data = {
        "code": "", "reference_date": "01/10/2025", "year": "", "area": "rural", "income": "1.200.000",
        "score_a": "", "income_basis": "", "floor_area_m2": "45,5", "walls_durable": "yes", "frame_durable": "yes",
        "roof_durable": "yes", "water_source": "piped", "latrine": "septic", "information_devices": ["tv"],
        "hears_loudspeaker": "", "waste": "",
        **(household or {}),
    }
    data["members-TOTAL_FORMS"] = str(len(members))
    data["members-INITIAL_FORMS"] = "0"
    data["members-MIN_NUM_FORMS"] = "0"
    data["members-MAX_NUM_FORMS"] = "60"
    for i, member in enumerate(members):
        for key, value in member.items():
            data[f"members-{i}-{key}"] = value
    data.update(extra)
    return data


HEAD = {"relation": "head", "name": "Đặng Thị Mới", "sex": "female", "birth_date": "15/04/1980",
        "citizen_id": "086111222333", "health_insured": "yes", "uses_internet": "yes"}


def test_create_saves_the_household_and_audits_it(client_for, officer, unit_tree):
    data = form_data({"commune": unit_tree.commune.pk, "hamlet": unit_tree.hamlet2.pk, "code": "MOI-1"},
                     members=[HEAD, {"relation": "child", "name": "Đặng Văn Con", "sex": "male", "age": "7"}])
    response = client_for(officer).post(reverse("households:create"), data)
    assert response.status_code == 302 and response["Location"] == reverse("households:detail", args=["MOI-1"])
    household = Household.objects.get(code="MOI-1")
    assert household.hamlet == unit_tree.hamlet2 and household.income == 1_200_000
    assert household.floor_area_m2 == 45.5
    assert household.information_devices == ["tv"]
    assert household.hears_loudspeaker is None  # not answered stays NULL, not False
    head, child = household.members.order_by("position")
    assert head.name == "Đặng Thị Mới" and str(head.birth_date) == "1980-04-15" and head.health_insured is True
    assert child.age == 7 and child.health_insured is None
    entry = AuditEntry.objects.get(action="giamngheo.household.created", object_id="MOI-1")
    assert entry.actor == officer
    assert entry.changes["income"] == [None, 1_200_000]
    assert entry.changes["dwelling.latrine"] == [None, "septic"]


def test_create_without_a_code_gets_one(client_for, officer, unit_tree):
    data = form_data({"commune": unit_tree.commune.pk}, members=[HEAD])
    response = client_for(officer).post(reverse("households:create"), data)
    assert response.status_code == 302
    assert Household.objects.get().code.startswith("86001-")


def test_devices_not_answered_is_stored_as_unknown_and_none_as_empty(client_for, officer, unit_tree):
    client = client_for(officer)
    data = form_data({"commune": unit_tree.commune.pk, "code": "A", "information_devices": [],
                      "information_devices_unanswered": "on"}, members=[HEAD])
    assert client.post(reverse("households:create"), data).status_code == 302
    assert Household.objects.get(code="A").information_devices is None
    data = form_data({"commune": unit_tree.commune.pk, "code": "B", "information_devices": []},
                     members=[{**HEAD, "citizen_id": "086111222444"}])
    assert client.post(reverse("households:create"), data).status_code == 302
    assert Household.objects.get(code="B").information_devices == []


def test_create_with_bad_input_shows_vietnamese_errors_on_the_fields_and_writes_nothing(client_for, officer,
                                                                                       unit_tree):
    data = form_data(
        {"commune": unit_tree.commune.pk, "code": "SAI-1", "reference_date": "31/02/2025", "income": "-5"},
        members=[{**HEAD, "citizen_id": "12345"}, {"relation": "child", "name": "Bé Không Giới", "age": "3"}],
    )
    response = client_for(officer).post(reverse("households:create"), data)
    assert response.status_code == 200
    assert not Household.objects.exists() and not Member.objects.exists()
    assert not AuditEntry.objects.filter(action="giamngheo.household.created").exists()
    form = response.context["form"]
    members = response.context["members"]
    assert "Ngày không hợp lệ" in form.errors["reference_date"][0]
    assert form.errors["income"] == ["Phải lớn hơn hoặc bằng 0."]
    assert "12 chữ số" in members.forms[0].errors["citizen_id"][0]
    assert members.forms[1].errors["sex"] == ["Chưa trả lời «Giới tính»."]
    page = text(response)
    assert "Chưa lưu được hồ sơ" in page
    # The officer's input comes back as typed.
    assert 'value="31/02/2025"' in page and 'value="Bé Không Giới"' in page and 'value="-5"' in page


def test_create_with_two_heads_explains_at_the_second_head(client_for, officer, unit_tree):
    data = form_data({"commune": unit_tree.commune.pk},
                     members=[HEAD, {**HEAD, "name": "Người Thứ Hai", "citizen_id": "086999888777"}])
    response = client_for(officer).post(reverse("households:create"), data)
    assert response.status_code == 200
    assert "chỉ được có một chủ hộ" in response.context["members"].forms[1].errors["relation"][0]
    assert not Household.objects.exists()


def test_create_refuses_a_commune_outside_the_scope(client_for, officer, unit_tree):
    data = form_data({"commune": unit_tree.other_commune.pk, "code": "X"}, members=[HEAD])
    response = client_for(officer).post(reverse("households:create"), data)
    assert response.status_code == 200
    assert "commune" in response.context["form"].errors
    assert not Household.objects.exists()


def test_create_form_offers_only_editable_communes(client_for, officer, unit_tree):
    page = text(client_for(officer).get(reverse("households:create")))
    assert unit_tree.commune.name in page and unit_tree.other_commune.name not in page
    assert "Thêm thành viên" in page and "Chưa trả lời" in page


# --- edit ---------------------------------------------------------------------------------------------------------


def edit_data(response, **changes):
    """The edit form's own initial values as POST data (what the browser would send unchanged), then changes."""
    from giamngheo.households.forms import NO, YES

    def value(v):
        if v is True:
            return YES
        if v is False:
            return NO
        if v is None:
            return ""
        if hasattr(v, "strftime"):
            return v.strftime("%d/%m/%Y")
        if hasattr(v, "pk"):
            return v.pk
        return v

    form, members, state = response.context["form"], response.context["members"], response.context["state"]
    data = {}
    for name in form.fields:
        if name == "code":
            continue
        v = form[name].value()
        if isinstance(v, list):
            data[name] = v
        elif name == "information_devices_unanswered":
            if v:
                data[name] = "on"
        else:
            data[name] = value(v)
    for key, v in members.management_form.initial.items():
        data[f"members-{key}"] = v
    for i, member in enumerate(members.forms):
        for name in member.fields:
            if name != "DELETE":
                data[f"members-{i}-{name}"] = value(member[name].value())
    data["version"] = state["version"].value()
    data["original"] = state["original"].value()
    data.update(changes)
    return data


def test_edit_saves_and_the_audit_shows_before_and_after(client_for, officer, household):
    client = client_for(officer)
    url = reverse("households:edit", args=["HH-1"])
    page = client.get(url)
    assert page.status_code == 200
    assert 'value="Nguyễn Văn Ánh"' in page.content.decode()
    response = client.post(url, edit_data(page, **{"members-0-health_insured": "yes", "income": "1.600.000"}))
    assert response.status_code == 302, response.context and response.context["form"].errors
    household.refresh_from_db()
    assert household.version == 2 and household.income == 1_600_000
    assert household.members.get(member_id="1").health_insured is True
    assert household.members.get(member_id="2").citizen_id == "086123456790"  # untouched members keep their facts
    entry = AuditEntry.objects.get(action="giamngheo.household.updated", object_id="HH-1")
    assert entry.changes["income"] == [1_200_000, 1_600_000]
    assert entry.changes["members[0].health_insured"] == [False, True]
    # The detail page now shows the new classification: above the line, no longer poor.
    detail = text(client.get(reverse("households:detail", args=["HH-1"])))
    assert "badge-poor" not in detail


def test_edit_by_a_user_who_may_not_see_citizen_ids_keeps_them(client_for, province_officer, household):
    client = client_for(province_officer)
    url = reverse("households:edit", args=["HH-1"])
    page = client.get(url)
    body = page.content.decode()
    assert "086123456789" not in body and "*********789" in body
    response = client.post(url, edit_data(page, **{"members-1-name": "Trần Thị Bé Hai"}))
    assert response.status_code == 302
    member = Member.objects.get(household__code="HH-1", member_id="2")
    assert member.name == "Trần Thị Bé Hai" and member.citizen_id == "086123456790"
    assert Member.objects.get(household__code="HH-1", member_id="1").citizen_id == "086123456789"


def test_edit_removes_and_adds_members(client_for, officer, household):
    client = client_for(officer)
    url = reverse("households:edit", args=["HH-1"])
    page = client.get(url)
    data = edit_data(page, **{
        "members-1-DELETE": "on",
        "members-TOTAL_FORMS": "3",
        "members-2-relation": "child", "members-2-name": "Nguyễn Văn Út", "members-2-sex": "male",
        "members-2-age": "2",
    })
    assert client.post(url, data).status_code == 302
    names = list(Member.objects.filter(household__code="HH-1").order_by("position").values_list("name", flat=True))
    assert names == ["Nguyễn Văn Ánh", "Nguyễn Văn Út"]


def test_edit_with_bad_input_keeps_everything_stored(client_for, officer, household):
    client = client_for(officer)
    url = reverse("households:edit", args=["HH-1"])
    page = client.get(url)
    response = client.post(url, edit_data(page, **{"floor_area_m2": "-3", "members-0-sex": ""}))
    assert response.status_code == 200
    assert response.context["form"].errors["floor_area_m2"] == ["Phải lớn hơn hoặc bằng 0."]
    # In the officer's words, on the field (issue 15, item 4): never "Thiếu trường bắt buộc" or a record key.
    assert response.context["members"].forms[0].errors["sex"] == ["Chưa trả lời «Giới tính»."]
    household.refresh_from_db()
    assert household.version == 1 and household.floor_area_m2 == 12
    assert household.members.get(member_id="1").sex == "male"


def test_stale_save_is_refused_shows_the_other_change_and_loses_nothing(client_for, officer, make_user, unit_tree,
                                                                        household):
    client = client_for(officer)
    url = reverse("households:edit", args=["HH-1"])
    page = client.get(url)  # the officer opens the form at version 1 …
    colleague = make_user(role=Role.COMMUNE_OFFICER, unit=unit_tree.commune, first_name="Hùng", last_name="Lê")
    theirs = record()
    theirs["dwelling"] = {**theirs["dwelling"], "latrine": "septic"}
    theirs["income"] = 1_300_000
    household_update(actor=colleague, household=household, record=theirs, expected_version=1)  # … a colleague saves

    mine = edit_data(page, **{"income": "1.450.000", "members-0-health_insured": "yes"})
    response = client.post(url, mine)
    assert response.status_code == 409
    household.refresh_from_db()
    assert household.version == 2 and household.income == 1_300_000  # their save stands, mine is not applied
    page = text(response)
    assert "vừa được Hùng Lê sửa lúc" in page or "vừa được Lê Hùng sửa lúc" in page
    # Side by side: their saved value and my unsaved one.
    assert "1.300.000 đồng" in page and "1.450.000 đồng" in page
    assert "Tự hoại" in page
    # The form comes back merged: my answers where I changed them, theirs where I did not.
    form, members = response.context["form"], response.context["members"]
    assert form["income"].value() == "1.450.000"
    assert form["latrine"].value() == "septic"
    assert members.forms[0]["health_insured"].value() == "yes"
    assert response.context["state"]["version"].value() == 2

    # Saving the merged form re-applies my changes on top of theirs.
    again = client.post(url, edit_data(response))
    assert again.status_code == 302
    household.refresh_from_db()
    assert household.version == 3 and household.income == 1_450_000 and household.latrine == "septic"
    assert household.members.get(member_id="1").health_insured is True


def test_edit_without_version_is_refused(client_for, officer, household):
    client = client_for(officer)
    url = reverse("households:edit", args=["HH-1"])
    data = edit_data(client.get(url), income="1.700.000")
    del data["version"]
    response = client.post(url, data)
    assert response.status_code == 200
    assert "phiên bản" in text(response)
    household.refresh_from_db()
    assert household.income == 1_200_000


# --- delete -------------------------------------------------------------------------------------------------------


def test_delete_asks_then_soft_deletes_on_post(client_for, officer, household):
    client = client_for(officer)
    url = reverse("households:delete", args=["HH-1"])
    page = text(client.get(url))
    assert "Xoá hộ HH-1?" in page
    assert Household.objects.get(code="HH-1").deleted_at is None
    response = client.post(url, {"version": 1})
    assert response.status_code == 302 and response["Location"] == reverse("households:list")
    assert Household.objects.get(code="HH-1").deleted_at is not None
    assert AuditEntry.objects.filter(action="giamngheo.household.deleted", object_id="HH-1").exists()
    assert client.get(reverse("households:detail", args=["HH-1"])).status_code == 404
    listing = text(client.get(reverse("households:list")))
    assert "Đã xoá hộ HH-1 khỏi danh sách." in listing and 'href="/ho/HH-1/"' not in listing


def test_delete_of_a_changed_household_is_refused(client_for, officer, household):
    client = client_for(officer)
    household_update(actor=officer, household=household, record=record(income=1_000_000), expected_version=1)
    response = client.post(reverse("households:delete", args=["HH-1"]), {"version": 1}, follow=True)
    assert Household.objects.get(code="HH-1").deleted_at is None
    assert "vừa được" in text(response)


def test_hamlet_surveyor_works_only_in_their_hamlet(client_for, make_user, officer, unit_tree):
    household_create(actor=officer, record=record())  # in hamlet h1
    household_create(actor=officer, record=record("HH-2", hamlet="Ấp Đồng Tâm", head="Võ Văn Hai",
                                                  ids=("086300000001", "086300000002")))
    surveyor = make_user(role=Role.HAMLET_SURVEYOR, unit=unit_tree.hamlet2)
    client = client_for(surveyor)
    page = text(client.get(reverse("households:list")))
    assert "HH-2" in page and 'href="/ho/HH-1/"' not in page
    assert client.get(reverse("households:detail", args=["HH-1"])).status_code == 404
    # The form offers their commune (which contains their hamlet) and only their hamlet in it.
    form = client.get(reverse("households:create")).context["form"]
    assert list(form.fields["commune"].queryset) == [unit_tree.commune]
    assert list(form.fields["hamlet"].queryset) == [unit_tree.hamlet2]
    # A household placed in the commune but outside their hamlet is refused, on the hamlet field.
    response = client.post(reverse("households:create"),
                           form_data({"commune": unit_tree.commune.pk, "code": "HH-3"}, members=[HEAD]))
    assert response.status_code == 200 and "hamlet" in response.context["form"].errors
    assert not Household.objects.filter(code="HH-3").exists()
    response = client.post(reverse("households:create"), form_data(
        {"commune": unit_tree.commune.pk, "hamlet": unit_tree.hamlet2.pk, "code": "HH-3"}, members=[HEAD]))
    assert response.status_code == 302


def test_a_stored_household_that_breaks_the_record_rules_says_why_instead_of_failing(client_for, officer, household):
    household.members.all().delete()  # e.g. rows loaded before a rule existed
    page = text(client_for(officer).get(reverse("households:detail", args=["HH-1"])))
    assert "Chưa phân loại được hộ này" in page
    assert "members" in page
    household.refresh_from_db()
    assert household.current_class == ""


def test_record_rule_errors_read_in_field_labels_on_the_field_to_change(client_for, officer, unit_tree):
    """Issue 15, item 4: "income_basis là 'income' nhưng hồ sơ không có trường income" was shown on the basis;
    the officer reads which answer is missing, in words, on the income field — never a record key."""
    data = form_data({"commune": unit_tree.commune.pk, "code": "KEY-1", "income": "", "income_basis": "income"},
                     members=[{**HEAD, "birth_date": "", "age": ""}])
    response = client_for(officer).post(reverse("households:create"), data)
    assert response.status_code == 200
    form, members = response.context["form"], response.context["members"]
    assert any("Thu nhập" in message for message in form.errors["income"]), form.errors
    assert "income_basis" not in form.errors
    assert members.forms[0].errors["birth_date"] == ["Ghi «Ngày sinh» hoặc «Tuổi» của thành viên."]
    shown = " ".join([*(m for ms in form.errors.values() for m in ms),
                      *(m for f in members.forms for ms in f.errors.values() for m in ms),
                      *response.context["errors"]])
    for key in ("income_basis", "birth_date", "(age)", "income ", "trường"):
        assert key not in shown, (key, shown)
