"""The registry search: what the text everyone searches holds, and how a query matches a household.

``Household.search_text`` holds the folded code, hamlet name and member names — never a citizen ID. It is
readable by every role that sees the household, including roles that see citizen IDs masked; a substring
match over it would let them rebuild a masked ID one digit at a time (issue 13). Citizen IDs are matched
separately, through ``Member.citizen_id`` (its own indexed column), and only inside the unit paths where the
acting user holds ``citizen_id.view`` (``accounts.scope``). For anyone else, digits in a query match codes,
names and hamlets only. See ``docs/security.md`` (threat model) and ``docs/performance-registry.md``.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Q

from giamngheo.accounts.roles import Perm
from giamngheo.accounts.scope import paths_for
from giamngheo.core.text import fold

__all__ = ["household_search_q", "search_text_for", "search_words"]


def search_words(q: str | None) -> list[str]:
    """The folded words of a search: "Nguyễn  Văn A" → ["nguyen", "van", "a"]."""
    return fold(q).split() if q else []


def search_text_for(*, code: str, hamlet_name: str | None, member_names: Iterable[str | None]) -> str:
    """The text every role with the household in scope searches: code, hamlet, member names, folded.
    Citizen IDs must never be added here (see the module docstring)."""
    words = [code, hamlet_name or "", *(name or "" for name in member_names)]
    return fold(" ".join(w for w in words if w))


def _could_be_in_a_citizen_id(word: str) -> bool:
    return word.isascii() and word.isdigit()


def household_search_q(
    *, user: Any, q: str | None, prefix: str = "", text_field: str = "search_text", small_scope: bool = False
) -> Q:
    """A filter on households (``prefix`` reaches them from another model, e.g. ``household__``) that keeps
    those matching every word of ``q``: in the searchable text, or — for a word of digits, in units where
    ``user`` may see citizen IDs — as part of a member's citizen ID.

    ``text_field`` names the text column or an alias of it. ``small_scope`` (a commune or less, where the
    selector hides the trigram index from the planner) checks an ID word row by row; otherwise the word's
    matches come from the two trigram indexes at once (``id IN (text matches UNION ID holders)``), since an OR
    of the two would make PostgreSQL test every household of a province (measured in
    docs/performance-registry.md)."""
    from giamngheo.households.models import Household, Member

    id_paths = paths_for(user, Perm.CITIZEN_ID_VIEW)
    where = Q()
    for word in search_words(q):
        by_text = Q(**{f"{prefix}{text_field}__contains": word})
        if not (id_paths and _could_be_in_a_citizen_id(word)):
            where &= by_text
            continue
        holders = Member.objects.filter(citizen_id__contains=word)
        if id_paths != ["/"]:
            seen = Q()
            for path in id_paths:
                seen |= Q(household__unit_path__startswith=path)
            holders = holders.filter(seen)
        holder_ids = holders.order_by().values("household_id")
        if small_scope:
            where &= by_text | Q(**{f"{prefix}id__in": holder_ids})
        else:
            text_ids = Household.objects.filter(search_text__contains=word).order_by().values("id")
            where &= Q(**{f"{prefix}id__in": text_ids.union(holder_ids)})
    return where
