"""Pairing two lists of units of one level: which unit of one list is which unit of the other.

The same pairing drives the loader (source rows against stored units) and ``units check`` (one source
against another), so the two cannot disagree about what a "code change" is. Within a province, in order:

1. same code and same name (diacritics and case ignored): the same unit;
2. same name, different code, both sides otherwise unpaired and the name unique in the province on both
   sides: the same unit whose code differs (the 114-code disagreement between packaged lists is this case);
3. same code, different name: the same unit renamed;
4. whatever is left is on one side only.

Names are matched before codes because codes are what the sources disagree on: matching a code first
would turn "Cửa Nam is 00073 in one list and 00082 in the other" into two renamed wards.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Generic, Protocol, TypeVar

from giamngheo.core.text import fold


class Matchable(Protocol):
    @property
    def code(self) -> str: ...

    @property
    def name(self) -> str: ...


L = TypeVar("L", bound=Matchable)
R = TypeVar("R", bound=Matchable)


@dataclass
class Pairing(Generic[L, R]):
    same: list[tuple[L, R]] = field(default_factory=list)
    code_differs: list[tuple[L, R]] = field(default_factory=list)
    name_differs: list[tuple[L, R]] = field(default_factory=list)
    left_only: list[L] = field(default_factory=list)
    right_only: list[R] = field(default_factory=list)


def pair_units(left: Sequence[L], right: Sequence[R]) -> Pairing[L, R]:
    """Pair units of one level within one province (the caller groups by province)."""
    result: Pairing[L, R] = Pairing()
    right_by_code = {r.code: r for r in right}
    left_rest: list[L] = []
    paired_right: set[int] = set()
    for unit in left:
        other = right_by_code.get(unit.code)
        if other is not None and fold(other.name) == fold(unit.name):
            result.same.append((unit, other))
            paired_right.add(id(other))
        else:
            left_rest.append(unit)
    right_rest = [r for r in right if id(r) not in paired_right]

    left_names = Counter(fold(u.name) for u in left_rest)
    right_names = Counter(fold(r.name) for r in right_rest)
    right_by_name = {fold(r.name): r for r in right_rest}
    still_left: list[L] = []
    for unit in left_rest:
        key = fold(unit.name)
        if left_names[key] == 1 and right_names[key] == 1:
            other = right_by_name[key]
            result.code_differs.append((unit, other))
            paired_right.add(id(other))
        else:
            still_left.append(unit)
    right_rest = [r for r in right_rest if id(r) not in paired_right]

    right_by_code = {r.code: r for r in right_rest}
    for unit in still_left:
        other = right_by_code.pop(unit.code, None)
        if other is not None:
            result.name_differs.append((unit, other))
            paired_right.add(id(other))
        else:
            result.left_only.append(unit)
    result.right_only = [r for r in right_rest if id(r) not in paired_right]
    return result
