"""The password hash: argon2id with OWASP's recommended parameters (Password Storage Cheat Sheet: 19 MiB of
memory, 2 passes, 1 lane) instead of Django's (100 MiB, 2 passes, 8 lanes).

Why: a review day starts with a hundred officers of a province signing in within a minute on one modest
server. Django's parameters take ~0.2 s of CPU, eight threads and 100 MiB of memory per log-in, so eight
log-ins at once hold 800 MB and the cores that every other page is waiting for (docs/performance.md, "Load").
OWASP's set costs ~20 ms and 19 MiB and is still memory-hard (argon2id: resistant to GPU and side-channel
attacks). Guessing online is stopped elsewhere (log-in throttle per username and address, lock-out,
two-factor where a province requires it); the hash only has to make a stolen database expensive to crack,
with passwords of 10+ characters that are not common ones (``AUTH_PASSWORD_VALIDATORS``).

The algorithm name stays ``argon2``: hashes made with Django's parameters still verify, and Django re-hashes
each with these parameters at that user's next successful log-in (``must_update``).
"""

from __future__ import annotations

from django.contrib.auth.hashers import Argon2PasswordHasher


class OwaspArgon2PasswordHasher(Argon2PasswordHasher):
    time_cost = 2
    memory_cost = 19 * 1024  # KiB
    parallelism = 1
