"""Every write of the review, one module per step: cycles and the list (``cycles``), survey and
classification (``cases``), meetings, postings and complaints (``meetings``), recognition and
certificates (``recognition``), regular requests (``requests``), ledger corrections and removals
(``corrections``), past recognised lists brought in from a file (``imported``).

Each service takes keyword-only arguments, checks the actor's scope (out of scope → 404), runs in one
transaction and writes audit entries (``giamngheo.review.*``). Case moves go through ``_common._move``,
which asks the transition table (``states``) first. Dates are passed in (``today=None`` means the local
date), so deadlines can be tested with fixed dates. Import from this package, not from its modules.
"""

from giamngheo.reviews.services._common import CAUSES, CERTIFICATE_SUFFIX, CERTIFIED, RECOGNISABLE, WISHES
from giamngheo.reviews.services.cases import missing_answer_errors, review_case_classify, review_case_survey
from giamngheo.reviews.services.corrections import review_household_remove, review_ledger_correct
from giamngheo.reviews.services.cycles import review_case_add, review_cycle_consult, review_cycle_open
from giamngheo.reviews.services.imported import (
    IMPORTABLE_CLASSES,
    LedgerImport,
    decisions_known,
    import_scope,
    ledger_entries_import,
    may_import_for,
    standard_reference,
    standing,
)
from giamngheo.reviews.services.meetings import (
    MAX_ATTENDEES,
    review_case_post,
    review_complaint_file,
    review_complaint_resolve,
    review_meeting_record,
)
from giamngheo.reviews.services.recognition import (
    certificate_holder,
    review_certificates_issue,
    review_cycle_recognise,
)
from giamngheo.reviews.services.requests import review_request_decide, review_request_file

__all__ = [
    "CAUSES", "CERTIFICATE_SUFFIX", "IMPORTABLE_CLASSES", "LedgerImport", "MAX_ATTENDEES", "CERTIFIED",
    "RECOGNISABLE", "WISHES",
    "certificate_holder", "decisions_known", "import_scope", "ledger_entries_import", "may_import_for",
    "missing_answer_errors", "standard_reference", "standing",
    "review_case_add", "review_case_classify", "review_case_post", "review_case_survey",
    "review_certificates_issue", "review_complaint_file", "review_complaint_resolve", "review_cycle_consult",
    "review_cycle_open", "review_cycle_recognise", "review_household_remove", "review_ledger_correct",
    "review_meeting_record", "review_request_decide", "review_request_file",
]
