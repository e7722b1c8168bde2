"""Statistics fixtures: the review fixtures (``cast``, ``make_household``) and the support ones
(``set_status``)."""

from tests.support.conftest import cast, make_household, set_status  # noqa: F401  (fixtures)
