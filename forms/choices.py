"""Choice lists shared by several forms. Stored values are stable codes; labels translate."""

from wtforms.fields.choices import SelectChoice

from domain.vocabulary import (
    AdmissionApplication,
    AdmissionRoute,
    CourseResult,
    Lane,
    ProviderSharing,
    ServiceSharing,
)

from .i18n import lazy_gettext as _l


def options(*pairs) -> list[SelectChoice]:
    """(code, label) pairs as WTForms choices."""
    return [SelectChoice(value, label) for value, label in pairs]


# First entry of a select that starts empty: "" is "not answered yet".
BLANK = SelectChoice("", _l("– please choose –"))

YES_NO = options(("yes", _l("Yes")), ("no", _l("No")))
YES_NO_UNKNOWN = [*YES_NO, *options(("unknown", _l("Unknown")))]
YES_NO_NOT_STATED = [*YES_NO, *options(("not_stated", _l("Prefers not to say")))]

CEFR_A1_TO_C2 = options(*((level, level) for level in ("A1", "A2", "B1", "B2", "C1", "C2")))
CEFR_LEVELS = [*options(("none", _l("No German"))), *CEFR_A1_TO_C2]

# The codes latin / other_script / none are read by bpmn/referral.dmn: keep them.
LITERACY = options(("latin", _l("Literate in Latin script")),
                   ("other_script", _l("Literate only in another script")),
                   ("none", _l("Not literate in any script")))

COURSE_TYPES = options(
    ("integrationskurs", _l("General integration course")),
    ("intensivkurs", _l("Intensive course")),
    ("alphabetisierung", _l("Literacy course (Alphabetisierungskurs)")),
    ("zweitschriftlerner", _l("Second-script learners' course")),
    ("gering_literalisiert", _l("Course for people with little literacy")),
    ("berufssprachkurs", _l("Job-related language course (Berufssprachkurs)")),
    ("berufssprachkurs_spezial",
     _l("Job-related language course, special module A2 → B1 or below A2 → A2")),
    ("job_berufssprachkurs", _l("Job-related language course for employees (Job-BSK)")),
    ("erstorientierung", _l("First orientation course (EOK)")),
    ("none", _l("No course for now")),
)

# The route into an integration course, read by bpmn/referral.dmn and bpmn/admission.dmn.
ADMISSION_ROUTES = options(
    (AdmissionRoute.ENTITLED.value, _l("Entitled (legal claim)")),
    (AdmissionRoute.OBLIGED.value, _l("Obliged to attend")),
    (AdmissionRoute.ON_APPLICATION.value,
     _l("Admission on application, within free places (BAMF decides)")),
    (AdmissionRoute.NOT_ELIGIBLE.value, _l("Not eligible")),
    (AdmissionRoute.UNKNOWN.value, _l("Not yet known")))
ADMISSION_ROUTE_LABELS = {choice.value: choice.label for choice in ADMISSION_ROUTES}

ADMISSION_APPLICATIONS = options(
    (AdmissionApplication.NOT_APPLIED.value, _l("Not applied for yet")),
    (AdmissionApplication.APPLIED.value, _l("Applied for, BAMF has not decided yet")),
    (AdmissionApplication.ADMITTED.value, _l("Admitted by BAMF")))

# What a course provider may receive of the person (the referral slip prints only that).
PROVIDER_SHARING = options(
    (ProviderSharing.NAME.value, _l("Name and case number only")),
    (ProviderSharing.NAME_AND_CONTACT.value, _l("Name, case number, phone and e-mail")))

# What the other services a case is referred to may receive of the person.
SERVICE_SHARING = options(
    (ServiceSharing.NOTHING.value, _l("Nothing: the person contacts the service themselves")),
    (ServiceSharing.NAME_AND_CONTACT.value,
     _l("Name, phone and e-mail, so that the service can contact the person")))

# The level a finished integration course reached: the special job-related modules need it.
COURSE_RESULTS = options(
    (CourseResult.BELOW_A2.value, _l("Below A2")),
    (CourseResult.A2.value, "A2"),
    (CourseResult.B1.value, "B1"))

COURSE_LABELS = {choice.value: choice.label for choice in COURSE_TYPES}


# The languages printed information is given in: German and the newcomer languages the
# app offers (set once at start-up from its configuration; forms read no settings).
_WRITTEN_LANGUAGES = [SelectChoice("de", "Deutsch", render_kw={"lang": "de"})]


def offer_written_languages(languages) -> None:
    """Offer these (code, own name, direction) after German, in this order."""
    _WRITTEN_LANGUAGES[1:] = [SelectChoice(code, name, render_kw={"lang": code, "dir": direction})
                              for code, name, direction in languages]


def written_languages() -> list[SelectChoice]:
    """The choices of the language for printed information, each named in itself."""
    return blank_first(_WRITTEN_LANGUAGES)


def blank_first(choices):
    """The choices of a select that starts unanswered (pairs or SelectChoices)."""
    return [BLANK, *(c if isinstance(c, SelectChoice) else SelectChoice(*c) for c in choices)]


OTHER_OFFERS = options(
    ("kita", _l("Kita place (application)")),
    ("school_enrolment", _l("School enrolment (school office)")),
    ("recognition_counselling", _l("Recognition counselling (IQ network)")),
    ("jobcenter", _l("Jobcenter")),
    ("agentur", _l("Agentur für Arbeit")),
    ("mbe", _l("Migration counselling for adults (MBE)")),
    ("jmd", _l("Youth migration service (JMD)")),
    ("volunteer_support", _l("Volunteer support")),
)

OTHER_OFFER_CODES = frozenset(choice.value for choice in OTHER_OFFERS)
OFFER_LABELS = {choice.value: choice.label for choice in [*COURSE_TYPES, *OTHER_OFFERS]}

# What a task's lane is called on the page (tasks name their lane by its BPMN id).
LANE_LABELS = {Lane.COUNSELLOR.value: _l("Counsellor"), Lane.TEAM_LEAD.value: _l("Team lead")}
