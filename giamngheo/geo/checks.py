"""Start-up checks for the unit tree's settings."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, register


@register()
def special_zone_area(app_configs: Any, **kwargs: Any) -> list[Error]:
    value = getattr(settings, "GIAMNGHEO_SPECIAL_ZONE_AREA", "rural")
    if value not in ("rural", "urban"):
        return [Error(f"GIAMNGHEO_SPECIAL_ZONE_AREA must be 'rural' or 'urban', got {value!r}",
                      id="giamngheo.geo.E001")]
    return []
