"""API v1: targets (issue 8)."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["targets"])
