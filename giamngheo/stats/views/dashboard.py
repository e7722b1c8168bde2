"""(filled by its owner)"""

from typing import Any

urlpatterns: list[Any] = []
