"""Offline-app fixtures: one hamlet's household listed in the commune's open 2025 review, the review cast
(``tests.reviews.conftest``) and drafts shaped as the phone sends them."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest

from tests.reviews.conftest import cast, make_household, survey  # noqa: F401  (fixtures)


@pytest.fixture
def listed(unit_tree: Any, cast: Any, make_household: Any) -> Any:  # noqa: F811
    """The one case of commune A's open 2025 review: household H1 of hamlet h1, not yet surveyed."""
    from giamngheo.reviews import services

    make_household(unit_tree.hamlet, code="H1", head="Lò Văn Páo", current_class="poor")
    cycle = services.review_cycle_open(actor=cast.officer, commune=unit_tree.commune, year=2025)
    return cycle.cases.get()


@pytest.fixture
def make_draft() -> Callable[..., Any]:
    from giamngheo.offline.services import OfflineDraft

    def make(case: Any, *, klass: str = "poor", key: uuid.UUID | None = None, record: dict[str, Any] | None = None,
             **changes: Any) -> OfflineDraft:
        case.refresh_from_db()
        case.household.refresh_from_db()
        fields: dict[str, Any] = {
            "key": key or uuid.uuid4(), "case_version": case.version, "household_version": case.household.version,
            "record": record if record is not None else survey(klass), "causes": ["capital"], "wishes": ["credit"],
            "note": "Khảo sát trên điện thoại.", "date_confirmed": False,
        }
        fields.update(changes)
        return OfflineDraft(**fields)

    return make


def body(draft: Any) -> dict[str, Any]:
    """The JSON the phone posts for ``draft``."""
    return {"key": str(draft.key), "case_version": draft.case_version, "household_version": draft.household_version,
            "record": draft.record, "causes": draft.causes, "wishes": draft.wishes, "note": draft.note,
            "date_confirmed": draft.date_confirmed}
