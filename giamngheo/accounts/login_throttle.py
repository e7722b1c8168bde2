"""Throttling failed log-ins without letting a stranger lock an officer out (docs/security.md, "Log-in").

Every failure is one ``LoginFailure`` row (username typed, client address, time). Three limits are read
from those rows over a sliding window of ``LOGIN_LOCKOUT_SECONDS``; reaching one refuses further attempts
it covers, without looking at the password, until its oldest counted failure leaves the window:

- **pair** — ``LOGIN_MAX_FAILURES`` failures for one username from one address lock that username *from
  that address only*: a guesser is stopped, and the owner still signs in from their own office;
- **address** — ``LOGIN_ADDRESS_MAX_FAILURES`` failures from one address, whatever the usernames, lock the
  address: one machine cannot try one password on every account ("spraying");
- **username** — ``LOGIN_USERNAME_MAX_FAILURES`` failures for one username from anywhere lock the username
  everywhere. While a pair is locked its attempts are not counted, so one address adds at most
  ``LOGIN_MAX_FAILURES`` per window; the settings require this limit to be higher, so only guessing from
  several addresses at once — an attack that is not one person's mistake — reaches it.

The client address is ``REMOTE_ADDR``; ``X-Forwarded-For`` is read only when ``GIAMNGHEO_PROXY_COUNT``
says how many proxies of ours stand in front (the client can write anything in that header). An IPv6
address counts as its /64 network, which one customer line usually receives whole.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest

from giamngheo.accounts.models import LoginFailure

PAIR, ADDRESS, USERNAME = "pair", "address", "username"


@dataclass(frozen=True)
class Lock:
    kind: str  # PAIR, ADDRESS or USERNAME
    until: dt.datetime
    failures: int


def _address_key(raw: str) -> str | None:
    try:
        ip = ipaddress.ip_address(raw.strip())
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def client_address(request: HttpRequest) -> str:
    """The address failures are counted under (see the module docstring)."""
    hops = settings.GIAMNGHEO_PROXY_COUNT
    if hops > 0:
        forwarded = [part for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        # Each of our proxies appends the address it was reached from; entries further left came from the
        # client and prove nothing.
        if len(forwarded) >= hops:
            key = _address_key(forwarded[-hops])
            if key is not None:
                return key
    return _address_key(request.META.get("REMOTE_ADDR", "")) or "unknown"


def _limits() -> list[tuple[str, int]]:
    return [
        (PAIR, settings.LOGIN_MAX_FAILURES),
        (ADDRESS, settings.LOGIN_ADDRESS_MAX_FAILURES),
        (USERNAME, settings.LOGIN_USERNAME_MAX_FAILURES),
    ]


def current_locks(username: str, address: str, now: dt.datetime) -> list[Lock]:
    """The limits this attempt is over, if any; each lock ends when its oldest counted failure leaves the
    window."""
    window = dt.timedelta(seconds=settings.LOGIN_LOCKOUT_SECONDS)
    recent = LoginFailure.objects.filter(at__gt=now - window, at__lte=now)
    filters = {
        PAIR: {"username": username, "address": address},
        ADDRESS: {"address": address},
        USERNAME: {"username": username},
    }
    locks = []
    for kind, limit in _limits():
        # The limit-th most recent failure: if there is one, the limit is reached.
        oldest_counted = (
            recent.filter(**filters[kind]).order_by("-at").values_list("at", flat=True)[limit - 1 : limit].first()
        )
        if oldest_counted is not None:
            locks.append(Lock(kind=kind, until=oldest_counted + window, failures=limit))
    return locks


def record_failure(username: str, address: str, now: dt.datetime) -> list[Lock]:
    """Count one failure; return the locks it brings about (each is new: locked attempts are not counted)."""
    LoginFailure.objects.create(username=username, address=address, at=now)
    # Rows that can no longer count towards any limit.
    LoginFailure.objects.filter(at__lt=now - dt.timedelta(seconds=settings.LOGIN_LOCKOUT_SECONDS, days=1)).delete()
    return current_locks(username, address, now)


def record_success(username: str, address: str) -> None:
    """The right password from this address: its earlier mistakes for this username are forgiven."""
    LoginFailure.objects.filter(username=username, address=address).delete()


def locked_until_by_username(usernames: list[str], now: dt.datetime) -> dict[str, dt.datetime]:
    """For the users page: until when each username is locked by its own failures — from one address at
    least (a pair lock) or from everywhere (a username lock); usernames not locked are left out. Address
    locks belong to no user and are not shown."""
    window = dt.timedelta(seconds=settings.LOGIN_LOCKOUT_SECONDS)
    folded = {name.lower(): name for name in usernames}
    rows = (
        LoginFailure.objects.filter(at__gt=now - window, at__lte=now, username__in=usernames)
        .order_by("-at")
        .values_list("username", "address", "at")
    )
    by_pair: dict[tuple[str, str], list[dt.datetime]] = {}
    by_name: dict[str, list[dt.datetime]] = {}
    for username, address, at in rows:
        name = folded.get(username.lower(), username)
        by_pair.setdefault((name, address), []).append(at)
        by_name.setdefault(name, []).append(at)
    until: dict[str, dt.datetime] = {}

    def note(name: str, times: list[dt.datetime], limit: int) -> None:
        if len(times) >= limit:
            moment = times[limit - 1] + window
            until[name] = max(until.get(name, moment), moment)

    for (name, _address), times in by_pair.items():
        note(name, times, settings.LOGIN_MAX_FAILURES)
    for name, times in by_name.items():
        note(name, times, settings.LOGIN_USERNAME_MAX_FAILURES)
    return until
