"""API v1: support (issue 8)."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["support"])
