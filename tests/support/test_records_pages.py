"""The support pages through the test client: the support page, the household's support section and forms,
the programme catalogue."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from giamngheo.accounts.roles import Role
from giamngheo.support.models import Assignment, EscapeRegistration, Programme, SupportKind, SupportRecord

YEAR = timezone.localdate().year
DAY = dt.date(YEAR, 1, 1)  # never after today, whatever day the suite runs


@pytest.fixture
def households(unit_tree: Any, make_household: Any) -> tuple[Any, Any]:
    return (make_household(unit_tree.hamlet, code="H1", head="Lò Văn Páo", current_class="poor"),
            make_household(unit_tree.other_hamlet, code="B1", head="Hộ Xã Bên", current_class="poor"))


def record(household: Any, code: str = "loan", *, amount: int | None = 30_000_000, day: dt.date = DAY,
           **extra: Any) -> SupportRecord:
    return SupportRecord.objects.create(household=household, unit_path=household.unit_path,
                                        kind=SupportKind.objects.get(code=code), given_on=day, year=day.year,
                                        provider_type="social_policy_bank", amount=amount, **extra)


def test_support_page_shows_outputs_and_records_of_the_scope_only(
        cast: Any, households: tuple[Any, Any], client_for: Any, django_assert_max_num_queries: Any) -> None:
    mine, theirs = households
    record(mine, loan_term_months=36)
    record(mine, "health_insurance", amount=None, quantity=3)
    record(theirs, provider_name="Bí mật xã B")
    Assignment.objects.create(household=mine, unit_path=mine.unit_path, helper_type="party_member",
                              helper_name="Đảng viên A", since=DAY, target_year=YEAR + 1)
    client = client_for(cast.officer)
    client.get("/ho-tro/")  # warm the session and grants
    with django_assert_max_num_queries(16):
        response = client.get("/ho-tro/", {"year": YEAR})
    text = response.content.decode()
    assert response.status_code == 200
    assert "Vay vốn tín dụng ưu đãi" in text and "Cấp thẻ bảo hiểm y tế" in text
    assert "30 triệu đồng" in text
    assert "Đảng viên" in text
    assert "Lò Văn Páo" in text
    assert "Bí mật xã B" not in text and "B1" not in text
    assert f'href="/ho-tro/danh-sach/chua-ho-tro/?year={YEAR}"' in text
    assert f'href="/nhap-du-lieu/xuat-ho-tro/?year={YEAR}"' in text


def test_support_page_query_count_does_not_grow_with_rows(cast: Any, households: tuple[Any, Any], client_for: Any,
                                                          django_assert_max_num_queries: Any) -> None:
    mine, _theirs = households
    for _ in range(30):
        record(mine, loan_term_months=12, programme=Programme.objects.get(code="tin-dung-chinh-sach-ho-ngheo"))
    client = client_for(cast.officer)
    client.get("/ho-tro/")
    with django_assert_max_num_queries(16):
        response = client.get("/ho-tro/", {"year": YEAR})
    assert response.content.decode().count("Cho vay hộ nghèo") >= 30


def test_absurd_filters_give_the_page_not_an_error(cast: Any, households: Any, client_for: Any) -> None:
    response = client_for(cast.officer).get("/ho-tro/", {"year": "99999999999999999999", "unit": "x" * 5000,
                                                         "kind": "abc", "after": "1:/"})
    assert response.status_code == 200


def test_household_page_shows_status_and_support_year_by_year(
        cast: Any, households: tuple[Any, Any], client_for: Any, set_status: Any) -> None:
    mine, _theirs = households
    set_status(mine, 2025, "poor")
    record(mine, day=dt.date(2025, 5, 1), loan_term_months=36)
    EscapeRegistration.objects.create(household=mine, unit_path=mine.unit_path, registered_on=dt.date(2025, 2, 1),
                                      target_year=2025, commitments="Nuôi 2 con bò")
    text = client_for(cast.officer).get("/ho/H1/").content.decode()
    assert 'id="ho-tro"' in text
    section = text[text.index('id="ho-tro"'):]
    assert "2025" in section and "Hộ nghèo" in section and "Vay vốn tín dụng ưu đãi" in section
    assert "Nuôi 2 con bò" in section and "Chưa đạt" in section
    assert "/ho/H1/ho-tro/them/" in section
    # A reader without support.edit sees the section without the buttons.
    text = client_for(cast.approver).get("/ho/H1/").content.decode()
    assert 'id="ho-tro"' in text and "/ho/H1/ho-tro/them/" not in text


def test_add_a_record_from_the_household_page(cast: Any, households: Any, client_for: Any) -> None:
    client = client_for(cast.officer)
    assert client.get("/ho/H1/ho-tro/them/").status_code == 200
    kind = SupportKind.objects.get(code="loan")
    form = {"kind": kind.pk, "given_on": DAY.strftime("%d/%m/%Y"), "provider_type": "social_policy_bank",
            "amount": "30.000.000", "loan_term_months": "36", "idempotency_key": "k-123456789"}
    response = client.post("/ho/H1/ho-tro/them/", form)
    assert response.status_code == 302 and response["Location"].endswith("/ho/H1/#ho-tro")
    assert SupportRecord.objects.get().amount == 30_000_000
    # The same submit again (double tap) stores nothing more.
    client.post("/ho/H1/ho-tro/them/", form)
    assert SupportRecord.objects.count() == 1


def test_bad_input_is_shown_on_its_field_and_nothing_stored(cast: Any, households: Any, client_for: Any) -> None:
    kind = SupportKind.objects.get(code="loan")
    response = client_for(cast.officer).post("/ho/H1/ho-tro/them/", {
        "kind": kind.pk, "given_on": DAY.strftime("%d/%m/%Y"), "provider_type": "social_policy_bank",
        "amount": "30.000.000", "quantity": "4"})  # a loan has no quantity: the field is not even offered
    assert response.status_code == 422
    text = response.content.decode()
    assert "chưa ghi thời hạn vay" in text
    assert 'value="30000000"' in text or "30.000.000" in text  # what was typed is still there
    assert not SupportRecord.objects.exists()


def test_edit_with_a_stale_version_is_refused(cast: Any, households: Any, client_for: Any) -> None:
    mine, _theirs = households
    stored = record(mine, loan_term_months=36)
    client = client_for(cast.officer)
    form = {"kind": stored.kind_id, "given_on": DAY.strftime("%d/%m/%Y"), "provider_type": "social_policy_bank",
            "amount": "40000000", "loan_term_months": "36", "version": "1"}
    SupportRecord.objects.filter(pk=stored.pk).update(version=2)
    response = client.post(f"/ho/H1/ho-tro/{stored.pk}/sua/", form)
    assert "vừa được người khác sửa" in response.content.decode()
    assert SupportRecord.objects.get().amount == 30_000_000
    form["version"] = "2"
    assert client.post(f"/ho/H1/ho-tro/{stored.pk}/sua/", form).status_code == 302
    assert SupportRecord.objects.get().amount == 40_000_000
    response = client.post(f"/ho/H1/ho-tro/{stored.pk}/xoa/", {"reason": "Ghi nhầm", "version": "3"})
    assert response.status_code == 302 and SupportRecord.objects.get().deleted_at is not None


def test_assignment_and_registration_forms(cast: Any, households: Any, client_for: Any) -> None:
    client = client_for(cast.officer)
    response = client.post("/ho/H1/phan-cong/them/", {
        "helper_type": "party_member", "helper_name": "Đảng viên Lê Văn C", "since": DAY.strftime("%d/%m/%Y"),
        "target_year": YEAR + 1})
    assert response.status_code == 302
    assignment = Assignment.objects.get()
    response = client.post(f"/ho/H1/phan-cong/{assignment.pk}/ket-thuc/", {
        "ended_on": DAY.strftime("%d/%m/%Y"), "end_reason": "escaped", "version": "1"})
    assert response.status_code == 302 and Assignment.objects.get().end_reason == "escaped"
    response = client.post("/ho/H1/dang-ky-thoat-ngheo/them/", {
        "registered_on": DAY.strftime("%d/%m/%Y"), "goal": "escape_poor", "target_year": YEAR - 1,
        "commitments": "Nuôi bò"})
    assert response.status_code == 422 and "trước năm đăng ký" in response.content.decode()
    assert not EscapeRegistration.objects.exists()


def test_outsider_gets_404_on_every_form(cast: Any, households: Any, client_for: Any) -> None:
    mine, _theirs = households
    stored = record(mine, loan_term_months=36)
    assignment = Assignment.objects.create(household=mine, unit_path=mine.unit_path, helper_type="agency",
                                           helper_name="Sở X", since=DAY, target_year=YEAR)
    client = client_for(cast.outsider)
    for path in ("/ho/H1/ho-tro/them/", f"/ho/H1/ho-tro/{stored.pk}/sua/", f"/ho/H1/ho-tro/{stored.pk}/xoa/",
                 "/ho/H1/phan-cong/them/", f"/ho/H1/phan-cong/{assignment.pk}/ket-thuc/",
                 "/ho/H1/dang-ky-thoat-ngheo/them/"):
        assert client.get(path).status_code == 404, path
        assert client.post(path, {"reason": "x", "version": "1"}).status_code == 404, path
    # A record reached through another household's code is not found either.
    assert client_for(cast.officer).get(f"/ho/B1/ho-tro/{stored.pk}/sua/").status_code == 404


def test_programme_catalogue(unit_tree: Any, cast: Any, client_for: Any, make_user: Any) -> None:
    text = client_for(cast.officer).get("/ho-tro/chuong-trinh/").content.decode()
    assert "Dự án 1 (2021–2025)" in text or "Chương trình mục tiêu quốc gia" in text
    assert "/ho-tro/chuong-trinh/them/" not in text
    assert client_for(cast.officer).get(f"/ho-tro/chuong-trinh/them/{unit_tree.province.code}/").status_code == 404
    province_officer = make_user(role=Role.PROVINCE_OFFICER, unit=unit_tree.province)
    client = client_for(province_officer)
    response = client.post(f"/ho-tro/chuong-trinh/them/{unit_tree.province.code}/", {
        "code": "tinh-ho-tro-nha-o", "name": "Hỗ trợ nhà ở của tỉnh", "first_year": "2026", "last_year": "2030"})
    assert response.status_code == 302
    programme = Programme.objects.get(code="tinh-ho-tro-nha-o")
    assert programme.unit_path == unit_tree.province.path
    text = client.get("/ho-tro/chuong-trinh/").content.decode()
    assert "Hỗ trợ nhà ở của tỉnh" in text and f"/ho-tro/chuong-trinh/{programme.pk}/sua/" in text
    national = Programme.objects.get(code="ntp-2026-2035")
    assert client.get(f"/ho-tro/chuong-trinh/{national.pk}/sua/").status_code == 404


def test_the_form_shows_only_the_facts_of_the_chosen_kind(cast: Any, households: Any, client_for: Any) -> None:
    client = client_for(cast.officer)
    card = SupportKind.objects.get(code="health_insurance")
    text = client.get("/ho/H1/ho-tro/them/", {"kind": card.pk, "provider_name": "Trạm y tế xã"},
                      HTTP_HX_REQUEST="true").content.decode()
    assert 'name="quantity"' in text and 'name="member_ref"' in text
    assert 'name="loan_term_months"' not in text and 'name="amount"' not in text
    assert "Trạm y tế xã" in text  # what was typed survives the redraw
    full = client.get("/ho/H1/ho-tro/them/").content.decode()
    assert 'name="loan_term_months"' in full and 'hx-get=""' in full
    # Changing a loan into a card clears the loan's facts instead of refusing them.
    mine, _theirs = households
    stored = record(mine, loan_term_months=36)
    response = client.post(f"/ho/H1/ho-tro/{stored.pk}/sua/", {
        "kind": card.pk, "given_on": DAY.strftime("%d/%m/%Y"), "provider_type": "state_agency", "quantity": "2",
        "version": "1"})
    assert response.status_code == 302
    stored.refresh_from_db()
    assert (stored.kind_id, stored.amount, stored.loan_term_months, stored.quantity) == (card.pk, None, None, 2)
