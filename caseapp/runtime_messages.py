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
    N_("Process of case %(number)s"),
    # service message
    N_("Newcomer arrives"),
    # service message
    N_("Follow-up due"),
    # service message
    N_("Followed up"),
    # service message
    N_("Follow-up overdue"),
    # service message
    N_("Escalation handled"),
    # service message
    N_("Prepare referral inputs"),
    # service message
    N_("Recommend courses"),
    # service message
    N_("Pick main course"),
    # service message
    N_("Migrationszentrum"),
    # service message
    N_("Counsellor"),
    # service message
    N_("%(name)s still has %(count)s open case(s): ask the team lead to reassign them "
       "first."),
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
    # Referral and catalogue errors
    # service message
    N_("This case is assigned to a colleague."),
    # service message
    N_("This case is closed."),
    # service message
    N_("No such course."),
    # service message
    N_("This person already has a seat or a waiting place in this course."),
    # service message
    N_("The last seat of this course was just taken. "
       "You can put the person on the waiting list instead."),
    # service message
    N_("Choose a course, or a provider and a course type."),
    # service message
    N_("Please give a reason."),
    # service message
    N_("This referral is no longer active."),
    # service message
    N_("No seat is offered here."),
    # service message
    N_("Unknown offer."),
    # service message
    N_("Unknown status."),
    # service message
    N_("Only other offers have this status."),
    # service message
    N_("No such referral."),
    # service message
    N_("No booked seat with this number."),
    # service message
    N_("A provider with this name exists already."),
    # service message
    N_("A course needs at least one seat."),
    # service message
    N_("No such provider."),
    # service message
    N_("%(taken)s seats are taken: the course cannot be smaller."),
    # service message
    N_("This case is open."),
    # Team board: reassignment and transfer (services/team.py)
    # service message
    N_("Choose an active member of your team."),
    # service message
    N_("Please give a reason for the reassignment."),
    # service message
    N_("Select at least one case."),
    # service message
    N_("Closed cases cannot be reassigned."),
    # service message
    N_("This person has no open cases."),
    # service message
    N_("Please give a reason for the transfer."),
    # service message
    N_("Choose another team."),
    # service message
    N_("A transfer of this case is already waiting for a decision."),
    # service message
    N_("Please give a reason for declining."),
    # service message
    N_("No transfer of this case is waiting for your team."),
    # service message
    N_("This step was reassigned to %(name)s. Your input was not saved; "
       "it is shown below."),
    # service message
    N_("Please correct the marked fields."),
    # User and team administration (services/users.py)
    # service message
    N_("Only admins manage users."),
    # service message
    N_("Counsellors and team leads belong to a team."),
    # service message
    N_("User name '%(username)s' is taken."),
    # service message
    N_("Unknown role '%(role)s'. Roles: %(roles)s."),
    # service message
    N_("Passwords need at least 10 characters."),
    # service message
    N_("No such user."),
    # service message
    N_("A team needs a name of at most 120 characters."),
    # service message
    N_("A team named '%(name)s' exists already."),
    # service message
    N_("This is the last active admin account: make another user an "
       "admin first."),
    # service message
    N_("A user needs a name of at most 200 characters."),
    # service message
    N_("No such team."),
    # service message
    N_("You cannot deactivate your own account."),
    # Audit review (services/audit_review.py)
    # service message
    N_("Unknown export format."),
    # Reasons given for a course's ranking (rank_courses)
    # service message
    N_("recommended course type"),
    # service message
    N_("fits a recommendation"),
    # service message
    N_("in the person's municipality"),
    # service message
    N_("within the travel distance"),
    # service message
    N_("farther than the person can travel"),
    # service message
    N_("starts within the target time"),
    # service message
    N_("schedule fits"),
    # service message
    N_("time of day fits"),
    # service message
    N_("childcare offered"),
    # service message
    N_("no childcare"),
    # service message
    N_("free seats"),
    # service message
    N_("full: waiting list only"),
    # Recommendation rules (bpmn/referral.dmn, Task_pick_course in first_orientation.bpmn)
    # service message
    N_("not literate in any script"),
    # service message
    N_("literate only in a non-Latin script"),
    # service message
    N_("literate in Latin script but little schooling"),
    # service message
    N_("placement test predicts fast progress"),
    # service message
    N_("admitted to an integration course, literate in Latin script, below B1"),
    # service message
    N_("seeking protection, not (yet) admitted to an integration course"),
    # service message
    N_("German at B1 or above, working or seeking work"),
    # service message
    N_("child of school age"),
    # service message
    N_("child aged 1-5 (legal right to a Kita place)"),
    # service message
    N_("qualification obtained abroad"),
    # service message
    N_("aged 12-27"),
    # service message
    N_("over 27"),
    # service message
    N_("no course rule applied"),
    # Referral states and course schedules ("open" and "closed" are listed above)
    # service message
    N_("booked"),
    # service message
    N_("waiting"),
    # service message
    N_("offered"),
    # service message
    N_("cancelled"),
    # service message
    N_("accepted"),
    # service message
    N_("done"),
    # service message
    N_("declined"),
    # service message
    N_("full time"),
    # service message
    N_("part time"),
    # service message
    N_("mornings"),
    # service message
    N_("afternoons"),
    # service message
    N_("evenings"),
    # Drafts refused by their limits (forms/draft_limits.py)
    # service message
    N_("“%(field)s” is too long to be kept as a draft (at most %(max)s characters). "
       "Nothing was saved."),
    # service message
    N_("“%(field)s” contains invisible control characters: please remove them. "
       "Nothing was saved."),
)
