"""The English catalogue (msgids are Vietnamese, see docs/adr/0001-vietnamese-msgids.md).

The committed ``giamngheo/locale/en/LC_MESSAGES/django.po`` must be complete (every entry translated, none
fuzzy), keep every placeholder of its msgid, and be compiled: Django reads only ``django.mo``. The pages then
follow the language: English for an English user or browser, Vietnamese otherwise.

Refresh the catalogue with ``make messages`` (then translate the new entries) whenever strings change.
"""

from __future__ import annotations

import gettext
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import translation

import giamngheo
from giamngheo.accounts.roles import Role

CATALOGUE = Path(giamngheo.__file__).resolve().parent / "locale" / "en" / "LC_MESSAGES"
PO = CATALOGUE / "django.po"
MO = CATALOGUE / "django.mo"

# --- a small .po reader (the suite needs no gettext tools) -----------------------------------------------------


@dataclass
class Entry:
    line: int
    flags: list[str] = field(default_factory=list)
    obsolete: bool = False
    msgctxt: str | None = None
    msgid: str | None = None
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)  # index 0 for a singular entry

    def where(self) -> str:
        return f"django.po:{self.line} {self.msgid!r}"


_ESCAPES = {"n": "\n", "t": "\t", '"': '"', "\\": "\\", "r": "\r"}


def _unquote(text: str) -> str:
    assert text.startswith('"') and text.endswith('"'), text
    return re.sub(r"\\(.)", lambda m: _ESCAPES[m.group(1)], text[1:-1])


def read_po(path: Path) -> list[Entry]:
    entries: list[Entry] = []
    current: Entry | None = None
    target: tuple[str, int] | None = None
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line:
            current, target = None, None
            continue
        if current is None:
            current = Entry(line=number)
            entries.append(current)
        if line.startswith("#~"):
            current.obsolete = True
        elif line.startswith("#,"):
            current.flags += [flag.strip() for flag in line[2:].split(",") if flag.strip()]
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            assert target is not None, f"django.po:{number}: continuation line outside a message"
            name, index = target
            if name == "msgstr":
                current.msgstr[index] += _unquote(line)
            else:
                setattr(current, name, getattr(current, name) + _unquote(line))
        else:
            match = re.fullmatch(r"(msgctxt|msgid_plural|msgid|msgstr)(?:\[(\d+)\])?\s+(\".*\")", line)
            assert match, f"django.po:{number}: cannot read {raw!r}"
            name, index, value = match.group(1), int(match.group(2) or 0), _unquote(match.group(3))
            if name == "msgstr":
                current.msgstr[index] = value
            else:
                setattr(current, name, value)
            target = (name, index)
    return entries


ENTRIES = read_po(PO)
HEADER = ENTRIES[0]
MESSAGES = [entry for entry in ENTRIES[1:] if not entry.obsolete]

# --- placeholders, compared the way `msgfmt --check-format` does ----------------------------------------------

_PYTHON_DIRECTIVE = re.compile(
    r"%(?:\((?P<name>[^)]*)\))?[-#0 +]*(?:\*|\d+)?(?:\.(?:\*|\d+))?(?P<conversion>[diouxXeEfFgGcrsa%])"
)
_TYPES = {**dict.fromkeys("sra", "any"), "c": "char", **dict.fromkeys("diouxX", "int"),
          **dict.fromkeys("eEfFgG", "float")}
_BRACE_FIELD = re.compile(r"(?<!\{)\{([A-Za-z_][A-Za-z0-9_]*)[^{}]*\}")


def python_directives(text: str) -> tuple[Counter[tuple[str, str]], list[str]]:
    """Named directives (name, type) and the sequence of unnamed directive types; ``%%`` is not a directive."""
    named: Counter[tuple[str, str]] = Counter()
    unnamed: list[str] = []
    for match in _PYTHON_DIRECTIVE.finditer(text):
        if match.group("conversion") == "%":
            continue
        kind = _TYPES[match.group("conversion")]
        if match.group("name") is not None:
            named[(match.group("name"), kind)] = 1  # a name may be used more than once
        else:
            unnamed.append(kind)
    return named, unnamed


def translations(entry: Entry) -> list[str]:
    return [entry.msgstr.get(index, "") for index in range(2 if entry.msgid_plural is not None else 1)]


# --- the catalogue ------------------------------------------------------------------------------------------


def test_header_declares_english_utf8_and_two_plural_forms():
    assert HEADER.msgid == "" and "fuzzy" not in HEADER.flags
    header = HEADER.msgstr[0]
    assert "Language: en\n" in header
    assert "Content-Type: text/plain; charset=UTF-8\n" in header
    assert "Plural-Forms: nplurals=2; plural=(n != 1);\n" in header


def test_the_catalogue_holds_the_source_strings():
    msgids = {entry.msgid for entry in MESSAGES}
    assert len(msgids) > 500
    # Vietnamese msgids were read as UTF-8, blocktranslate placeholders became %(name)s, plurals were kept.
    assert "Danh sách hộ gia đình" in msgids
    assert "Không tìm thấy hộ mã %(code)s trong địa bàn bạn được giao." in msgids
    assert any(entry.msgid_plural is not None for entry in MESSAGES)


def test_every_entry_is_translated_and_none_is_fuzzy_or_obsolete():
    problems = [f"fuzzy: {entry.where()}" for entry in MESSAGES if "fuzzy" in entry.flags]
    problems += [f"untranslated: {entry.where()}" for entry in MESSAGES if not all(map(str.strip, translations(entry)))]
    problems += [f"obsolete: django.po:{entry.line}" for entry in ENTRIES if entry.obsolete]
    assert not problems, "run `make messages` and translate:\n" + "\n".join(problems)


def test_translations_keep_every_placeholder_of_their_msgid():
    problems = []
    for entry in MESSAGES:
        sources = [entry.msgid] if entry.msgid_plural is None else [entry.msgid, entry.msgid_plural]
        for source, text in zip(sources, translations(entry), strict=True):
            if "python-format" in entry.flags and python_directives(text) != python_directives(source):
                problems.append(f"{entry.where()}: {python_directives(source)} → {python_directives(text)}")
            if "python-brace-format" in entry.flags and set(_BRACE_FIELD.findall(text)) != set(
                _BRACE_FIELD.findall(source)
            ):
                problems.append(f"{entry.where()}: {{…}} fields differ in {text!r}")
    assert not problems, "\n".join(problems)


def test_compiled_catalogue_is_up_to_date_with_the_po_file():
    with MO.open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    stale = []
    for entry in MESSAGES:
        assert entry.msgid is not None
        if entry.msgid_plural is not None:
            got = [compiled.npgettext(entry.msgctxt, entry.msgid, entry.msgid_plural, n) if entry.msgctxt
                   else compiled.ngettext(entry.msgid, entry.msgid_plural, n) for n in (1, 2)]
        else:
            got = [compiled.pgettext(entry.msgctxt, entry.msgid) if entry.msgctxt else compiled.gettext(entry.msgid)]
        if got != translations(entry):
            stale.append(entry.where())
    assert not stale, "django.mo is stale: run `make messages` (compilemessages) and commit it:\n" + "\n".join(stale)


def test_english_plural_forms_at_run_time():
    with translation.override("en"):
        assert translation.ngettext("%(number)s hộ", "%(number)s hộ", 1) % {"number": 1} == "1 household"
        assert translation.ngettext("%(number)s hộ", "%(number)s hộ", 3) % {"number": 3} == "3 households"
    with translation.override("vi"):
        assert translation.gettext("Danh sách hộ gia đình") == "Danh sách hộ gia đình"


# --- pages ----------------------------------------------------------------------------------------------------


def page(response) -> str:
    assert response.status_code == 200
    return re.sub(r"\s+", " ", response.content.decode())


@pytest.mark.django_db
def test_login_page_follows_the_browser_language(client):
    english = page(client.get(reverse("accounts:login"), headers={"accept-language": "en"}))
    assert '<html lang="en">' in english
    assert "Sign in" in english and "Username" in english and "Password" in english
    assert "Đăng nhập" not in english and "Mật khẩu" not in english

    vietnamese = page(client.get(reverse("accounts:login"), headers={"accept-language": "vi"}))
    assert '<html lang="vi">' in vietnamese
    assert "Đăng nhập" in vietnamese and "Mật khẩu" in vietnamese
    assert "Sign in" not in vietnamese


def test_household_list_follows_the_users_language(make_user, unit_tree, client_for):
    english = page(client_for(make_user(Role.COMMUNE_OFFICER, unit_tree.commune, language="en"))
                   .get(reverse("households:list")))
    assert "Households" in english and "Household list" in english
    assert "Danh sách hộ gia đình" not in english

    vietnamese = page(client_for(make_user(Role.COMMUNE_OFFICER, unit_tree.commune, language="vi"))
                      .get(reverse("households:list"), headers={"accept-language": "en"}))
    assert "Danh sách hộ gia đình" in vietnamese
    assert "Household list" not in vietnamese
