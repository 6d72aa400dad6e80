"""What each form field holds, for data protection: declared once, here, next to the forms.

Every field of every form is ordinary personal data unless it is named below. Special
categories (Art. 9 DSGVO: health, pregnancy, religion) are encrypted at rest and shown only
to the roles that work the case; non-personal fields are the pseudonymous answers that
statistics and the monitoring need, and stay when a person's data is erased.
"""

from enum import StrEnum


class FieldClass(StrEnum):
    PERSONAL = "personal"
    SPECIAL_CATEGORY = "special_category"
    NON_PERSONAL = "non_personal"


# Art. 9 DSGVO (health, pregnancy, religion): recorded only where the interview needs it.
SPECIAL_CATEGORY_FIELDS = frozenset({"pregnancy"})

# Answers that identify nobody and that the monitoring counts (levels, course types,
# outcomes): kept, like the case's statistics columns, when the person is erased.
NON_PERSONAL_FIELDS = frozenset({
    "german_level", "german_certificate_level", "literacy", "schooling_years",
    "integration_course_finished", "integration_course_level", "placement_test_taken",
    "placement_test_result", "placement_recommended_course", "course_status",
    "course_type", "follow_up_result",
})


def field_class(name: str) -> FieldClass:
    """The class of a form field (or of any value named so in the process data)."""
    if name in SPECIAL_CATEGORY_FIELDS:
        return FieldClass.SPECIAL_CATEGORY
    if name in NON_PERSONAL_FIELDS:
        return FieldClass.NON_PERSONAL
    return FieldClass.PERSONAL
