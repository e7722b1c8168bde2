"""Locust user for ``bench/load.py``: an officer in review season, through the real pages and forms.

Not meant to be run on its own: ``bench/load.py`` seeds the database, writes the work plan (accounts, each
officer's households and review cases) to the JSON file named by ``GIAMNGHEO_LOAD_PLAN`` and starts
``locust -f bench/load_locustfile.py --headless …`` against gunicorn on 127.0.0.1.

Every simulated officer signs in through the log-in form (CSRF token from the form, the password checked by
argon2 as in production), then loops over what an officer does in review season, reading each page before
acting (think time, ``GIAMNGHEO_LOAD_THINK`` = "min,max" seconds, between every two requests):

* search households by a head's name, typed with or without diacritics;
* open a household;
* open the survey form (Phiếu B) of a review case and save it — a draft, or completed (which writes the
  registry through the household service) — with the form's own CSRF token, version and idempotency key;
* classify a surveyed case and read the classification on the case page;
* edit a household (the edit form's version and signed original), now and then the commune's shared "hot"
  household that every officer of the commune edits, so that saves collide: each must either win (302) or get
  the 409 merge page;
* open the movements page of the commune (province users: of the province).

Every answer is checked — status, and a marker in the HTML that only the right page has — so a wrong page
(the log-in page after a lost session, an error page with status 200) counts as a failure.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
import secrets
import threading
from html import unescape
from html.parser import HTMLParser
from typing import Any

from locust import HttpUser, between, task

PLAN: dict[str, Any] = json.loads(open(os.environ["GIAMNGHEO_LOAD_PLAN"], encoding="utf-8").read())  # noqa: SIM115
_low, _high = (float(x) for x in os.environ.get("GIAMNGHEO_LOAD_THINK", "5,15").split(","))
_accounts = itertools.cycle(PLAN["officers"])
_accounts_lock = threading.Lock()

# Markers: text only the expected page holds (Vietnamese UI; msgids are the Vietnamese text).
LOGIN_MARKER = 'name="password"'
LIST_MARKER = 'id="results"'
EDIT_MARKER = 'id="household-form"'
SURVEY_MARKER = 'id="survey-form"'
CONFLICT_MARKER = "Hồ sơ vừa được người khác sửa"
MOVEMENTS_MARKER = "Biến động"
CONFLICT_NAME = "edit save (409 merge page)"


class FormParser(HTMLParser):
    """The fields a browser would submit from one form (by id): inputs, checked boxes, selected options,
    textareas; nothing inside a <template> (the member card the page copies)."""

    def __init__(self, form_id: str | None) -> None:
        super().__init__(convert_charrefs=True)
        self.form_id = form_id
        self.inside = False
        self.template = 0
        self.fields: list[tuple[str, str]] = []
        self._select: str | None = None
        self._select_multiple = False
        self._options: list[tuple[str, bool]] = []
        self._textarea: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: (v or "") for k, v in attrs}
        if tag == "form":
            self.inside = self.form_id is None or a.get("id") == self.form_id
            return
        if tag == "template":
            self.template += 1
        if not self.inside or self.template:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = a.get("type", "text").lower()
            if kind in ("submit", "button", "image", "reset", "file"):
                return
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            self.fields.append((name, a.get("value", "on" if kind in ("checkbox", "radio") else "")))
        elif tag == "select" and name:
            self._select, self._select_multiple, self._options = name, "multiple" in a, []
        elif tag == "option" and self._select is not None:
            self._options.append((a.get("value", ""), "selected" in a))
        elif tag == "textarea" and name:
            self._textarea, self._text = name, []

    def handle_endtag(self, tag: str) -> None:
        if tag == "template":
            self.template = max(0, self.template - 1)
        elif tag == "form":
            self.inside = False
        elif tag == "select" and self._select is not None:
            chosen = [v for v, selected in self._options if selected]
            if not chosen and not self._select_multiple and self._options:
                chosen = [self._options[0][0]]
            self.fields.extend((self._select, v) for v in chosen)
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            self.fields.append((self._textarea, "".join(self._text)))
            self._textarea = None

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._text.append(data)


def form_fields(html: str, form_id: str | None = None) -> list[tuple[str, str]]:
    parser = FormParser(form_id)
    parser.feed(html)
    return parser.fields


def replace(fields: list[tuple[str, str]], **values: str) -> list[tuple[str, str]]:
    out = [(k, v) for k, v in fields if k not in values]
    out.extend(values.items())
    return out


def csrf_token(html: str) -> str | None:
    found = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    return unescape(found.group(1)) if found else None


def fold(text: str) -> str:
    """Vietnamese without diacritics, as an officer on a phone without a Vietnamese keyboard types it."""
    import unicodedata

    text = text.replace("đ", "d").replace("Đ", "D")
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))


def income_text(rng: random.Random) -> str:
    return f"{rng.randrange(800, 6000) * 1000:,}".replace(",", ".")


class Officer(HttpUser):
    wait_time = between(_low, _high)

    def on_start(self) -> None:
        with _accounts_lock:
            self.account = next(_accounts)
        self.rng = random.Random(self.account["username"])  # noqa: S311 (load test, not security)
        self.referer = self.host.rstrip("/")
        with self.client.get("/tai-khoan/dang-nhap/", name="log-in form", catch_response=True) as page:
            token = csrf_token(page.text) if page.status_code == 200 else None
            self._unsecure()
            if token is None or LOGIN_MARKER not in page.text:
                page.failure(f"log-in form: {page.status_code}")
                raise RuntimeError("no log-in form")
            page.success()
        self.wait()
        with self.client.post("/tai-khoan/dang-nhap/", name="log-in", allow_redirects=False, catch_response=True,
                              data={"csrfmiddlewaretoken": token, "username": self.account["username"],
                                    "password": PLAN["password"]},
                              headers={"Referer": self.referer + "/tai-khoan/dang-nhap/"}) as answer:
            self._unsecure()
            if answer.status_code != 302:
                answer.failure(f"log-in: {answer.status_code}")
                raise RuntimeError("log-in refused")
            answer.success()
        # Province staff work on figures: they search, open households and read the movements, and do not survey
        # or edit (a province viewer may not).
        self.province = self.account["role"] != "commune_officer"

    # --- helpers ---------------------------------------------------------------------------------------------

    def _unsecure(self) -> None:
        """A browser treats http://127.0.0.1 as a secure context and sends the app's Secure cookies there (the
        server runs with production settings: Secure session and CSRF cookies); python's cookie jar sends them
        over https only, so the flag is dropped from the jar after every answer."""
        for cookie in self.client.cookies:
            cookie.secure = False

    def _get(self, url: str, name: str, marker: str, *, status: int = 200) -> str | None:
        with self.client.get(url, name=name, catch_response=True) as page:
            self._unsecure()
            if page.status_code != status:
                page.failure(f"{name}: status {page.status_code}")
                return None
            if marker not in page.text:
                page.failure(f"{name}: marker {marker!r} missing" + (" (log-in page)" if LOGIN_MARKER in page.text
                                                                      else ""))
                return None
            page.success()
            return page.text

    def _post(self, url: str, name: str, data: list[tuple[str, str]], *, expect: dict[int, str | None],
              referer: str, renamed: dict[int, str] | None = None) -> Any:
        """POST without following the redirect; ``expect`` maps each accepted status to a marker (None: any).
        ``renamed`` files an accepted status under another name. Returns (status, text) or None on failure."""
        renamed = renamed or {}
        with self.client.post(url, name=name, data=data, allow_redirects=False, catch_response=True,
                              headers={"Referer": self.referer + referer}) as answer:
            self._unsecure()
            code = answer.status_code
            if code not in expect:
                problem = re.search(r'<div class="card error-summary".*?</ul>', answer.text, re.S)
                answer.failure(f"{name}: status {code}" + (f" {problem.group(0)[:300]}" if problem else ""))
                return None
            marker = expect[code]
            if marker is not None and marker not in answer.text:
                answer.failure(f"{name}: status {code} without {marker!r}")
                return None
            if code in renamed:
                # Counted apart: the merge page is the right answer to a collision, not an error.
                answer.request_meta["name"] = renamed[code]
            answer.success()
            return code, answer.text

    def _case(self) -> dict[str, Any] | None:
        cases = self.account.get("cases") or []
        return self.rng.choice(cases) if cases else None

    # --- tasks -------------------------------------------------------------------------------------------------

    @task(4)
    def search(self) -> None:
        name = self.rng.choice(self.account["names"])
        typed = name if self.rng.random() < 0.5 else fold(name).lower()
        self._get(f"/ho/?q={typed}", "search (diacritics)" if typed == name else "search (no diacritics)",
                  LIST_MARKER)

    @task(3)
    def open_household(self) -> None:
        code = self.rng.choice(self.account["households"])
        self._get(f"/ho/{code}/", "household", code)

    @task(4)
    def survey(self) -> None:
        case = self._case()
        if case is None or self.province:
            return self.open_household()
        url = f"/ra-soat/ho-so/{case['pk']}/"
        html = self._get(url, "survey form", SURVEY_MARKER)
        if html is None:
            return None
        self.wait()  # the surveyor asks the questions and types the answers
        complete = case["completable"] and self.rng.random() < 0.5
        fields = replace(form_fields(html, "survey-form"), action="complete" if complete else "draft",
                         idempotency_key=secrets.token_urlsafe(16))
        if not complete:
            fields = replace(fields, income=income_text(self.rng))
        done = self._post(url, "survey save (complete)" if complete else "survey save (draft)", fields,
                          expect={302: None}, referer=url)
        if done is not None:
            self._get(url, "case page", "Đã hoàn thành phiếu" if complete else "Đã lưu nháp")
        return None

    @task(2)
    def classify(self) -> None:
        case = self._case()
        if case is None or self.province:
            return self.movements()
        url = f"/ra-soat/ho-so/{case['pk']}/"
        html = self._get(url, "case page", SURVEY_MARKER)
        if html is None:
            return None
        action = f"/ra-soat/ho-so/{case['pk']}/phan-loai/"
        if f'action="{action}"' not in html:
            return None  # not surveyed yet (or already classified): nothing to classify
        self.wait()
        token = csrf_token(html) or ""
        done = self._post(action, "classify", [("csrfmiddlewaretoken", token),
                                               ("idempotency_key", secrets.token_urlsafe(16))],
                          expect={302: None}, referer=url)
        if done is not None:
            self._get(url, "case page (classification)", "Chuẩn nghèo")
        return None

    @task(2)
    def edit_household(self) -> None:
        if self.province:
            return self.search()
        hot = self.account.get("hot")
        code = hot if hot and self.rng.random() < 0.15 else self.rng.choice(self.account["households"])
        url = f"/ho/{code}/sua/"
        html = self._get(url, "edit form", EDIT_MARKER)
        if html is None:
            return
        self.wait()
        fields = replace(form_fields(html, "household-form"), income=income_text(self.rng))
        done = self._post(url, "edit save", fields, expect={302: None, 409: CONFLICT_MARKER}, referer=url,
                          renamed={409: CONFLICT_NAME})
        if done is None or done[0] == 409:
            return None
        self._get(f"/ho/{code}/", "household", "Đã lưu thay đổi")
        return None

    @task(1)
    def movements(self) -> None:
        unit = self.account["unit"]
        self._get(f"/ra-soat/bien-dong/?unit={unit}&year=2025", "movements", MOVEMENTS_MARKER)
