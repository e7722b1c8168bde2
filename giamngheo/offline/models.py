"""What the server keeps of the offline sync: one row per draft received, so a retried upload is answered
from the row instead of being written twice."""

from __future__ import annotations

from django.conf import settings
from django.db import models


class OfflineSubmission(models.Model):
    """A draft sent by the offline app, by its idempotency key (a random UUID the device gave the draft when
    it was created). ``answer`` is empty while the first request is still working on it and holds the
    answer once the survey is written; drafts that were refused or met a conflict leave no row, so the
    corrected draft can be sent again under the same key."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.UUIDField()
    case = models.ForeignKey("reviews.ReviewCase", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    answer = models.JSONField(default=dict, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="offline_submission_once")]

    def __str__(self) -> str:
        return f"{self.user_id} · {self.key}"
