"""Messages produced at run time, listed here so that message extraction keeps them.

The service layer raises errors with fixed English texts, the web layer passes error
page texts, role names and case states through ``gettext`` in views and templates, and
the process steps and lanes shown via ``_(task.title)`` / ``_(task.lane)`` come from the
BPMN model. None of these strings appear literally inside a ``_()`` call, so ``pybabel
extract`` cannot find them. Marking them here with the no-op ``N_`` (extract with
``-k N_``) keeps them in the catalog, and a later ``pybabel update`` does not mark them
obsolete. Each entry carries a ``# service message`` comment, which extraction with
``-c "service message"`` copies into the catalog as a note for translators. Nothing imports
this module at run time.
"""


def N_(message: str) -> str:  # noqa: N802 - conventional name of a gettext no-op marker
    """Mark ``message`` for extraction without translating it."""
    return message


MESSAGES = (
    # Service errors
    # service message
    N_("Unknown user name or wrong password."),
    # service message
    N_("“%(task)s” was already completed by %(name)s (%(when)s UTC). "
       "Your input is shown again below and was not saved."),
    # service message
    N_("Too many failed logins: this account is locked until %(time)s UTC."),
    # service message
    N_("This form does not belong to this step."),
    # service message
    N_("The recommendation was %(course)s: please give a reason for deviating."),
    # service message
    N_("Your role has read-only access: nothing was changed."),
    # service message
    N_("Your role may not do this."),
    # service message
    N_("No such case."),
    # service message
    N_("No such task in this case."),
    # service message
    N_("This task belongs to the team lead."),
    # service message
    N_("This task is assigned to a colleague."),
    # service message
    N_("This task is no longer open."),
    # service message
    N_("A colleague has already claimed this task."),
    # service message
    N_("This case changed since you opened the form. "
       "Your input is shown again below: check the case and submit again."),
    # service message
    N_("This case was changed by someone else at the same moment. "
       "Your input is kept: please check the case and submit again."),
    # Error pages
    # service message
    N_("Page not found."),
    # service message
    N_("This action is not possible here."),
    # service message
    N_("The form had expired or came from elsewhere. "
       "Please go back, reload the page and send it again."),
    # Role names (user.role with "_" replaced by " "), case states and process lanes
    # service message
    N_("counsellor"),
    # service message
    N_("team lead"),
    # service message
    N_("auditor"),
    # service message
    N_("admin"),
    # service message
    N_("open"),
    # service message
    N_("closed"),
    # service message
    N_("Counsellor"),
    # service message
    N_("Team lead"),
    # Process step titles and step groups (BPMN user tasks and sub-processes)
    # service message
    N_("Situation analysis"),
    # service message
    N_("Person and contact"),
    # service message
    N_("Residence and course entitlement"),
    # service message
    N_("Family and household"),
    # service message
    N_("Education and work"),
    # service message
    N_("Practical situation"),
    # service message
    N_("Goals and plan"),
    # service message
    N_("Language and literacy"),
    # service message
    N_("Referral"),
    # service message
    N_("Follow-up: did the course start?"),
    # service message
    N_("Review overdue follow-up"),
)
