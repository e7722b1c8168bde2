"""API v1: resources (issue 8)."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["resources"])
