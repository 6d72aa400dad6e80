"""Forms of the structured first-orientation interview (one per section) and the follow-up.

Only what the case does not already hold: names and date of birth are entered when the
case is opened (``NewCaseForm``).
"""

from wtforms import (
    DateField,
    EmailField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    Email,
    InputRequired,
    Length,
    NumberRange,
    Optional,
)

from domain.vocabulary import (
    SEAT_GIVEN_UP,
    AdmissionRoute,
    Outcome,
    ProviderSharing,
    ServiceSharing,
)

from .base import LocalizedForm
from .choices import (
    ADMISSION_APPLICATIONS,
    ADMISSION_ROUTES,
    CEFR_A1_TO_C2,
    CEFR_LEVELS,
    COURSE_RESULTS,
    COURSE_TYPES,
    LITERACY,
    PROVIDER_SHARING,
    SERVICE_SHARING,
    YES_NO,
    YES_NO_NOT_STATED,
    YES_NO_UNKNOWN,
    blank_first,
    options,
    written_languages,
)
from .conditional import is_shown, require_when, show_when
from .i18n import lazy_gettext as _l
from .validators import NotInFuture, NotInPast

DATE_FORMAT = "%Y-%m-%d"


class PersonForm(LocalizedForm):
    """Step "Person and contact": contact, interpreter, the data protection notice given and
    what the person agrees a course provider receives."""

    place_of_birth = StringField(_l("Place of birth"),
                                 description=_l("Town and country, as in the document."),
                                 validators=[Optional(), Length(max=200)])
    sex = SelectField(_l("Sex"), choices=blank_first([
        ("female", _l("Female")), ("male", _l("Male")), ("diverse", _l("Diverse")),
        ("not_stated", _l("Not stated"))]),
        description=_l("As the person states it; “Not stated” if they prefer not to say."),
        validators=[DataRequired()])
    nationalities = StringField(
        _l("Nationalities"),
        description=_l("All nationalities, separated by commas; “stateless” or "
                       "“unclear” if so."),
        validators=[Optional(), Length(max=200)])
    address = TextAreaField(
        _l("Address"),
        description=_l("Current address, including the accommodation if the person lives "
                       "in shared accommodation."),
        validators=[Optional(), Length(max=500)])
    phone = StringField(_l("Phone"),
                        description=_l("Number the person can be reached at, with the country "
                                       "code if foreign."),
                        validators=[Optional(), Length(max=60)])
    email = EmailField(_l("E-mail"),
                       description=_l("Only if the person reads e-mail; course providers may "
                                      "write to it."),
                       validators=[Optional(), Email(), Length(max=200)])
    languages_spoken = StringField(
        _l("Languages spoken"),
        description=_l("With level, e.g. “Arabic (native), English (B1)”."),
        validators=[Optional(), Length(max=300)])
    interpreter_needed = SelectField(_l("Interpreter needed?"),
                                     description=_l("Whether conversations need an interpreter."),
                                     choices=blank_first(YES_NO),
                                     validators=[DataRequired()])
    interpreter_language = StringField(
        _l("Interpreter language"),
        description=_l("Language (and dialect, if it matters) the interpreter should speak."),
        validators=[Optional(), Length(max=100)],
        render_kw=show_when("interpreter_needed", "yes"))
    written_language = SelectField(
        _l("Language for printed information"),
        description=_l("The referral slip is printed in German and in this language."),
        choices=written_languages, validators=[Optional()])
    data_protection_notice_given = DateField(
        _l("Data protection notice given on"), format=DATE_FORMAT,
        description=_l("Date the person received the data protection notice (Art. 13 "
                       "DSGVO)."),
        validators=[InputRequired(), NotInFuture()])
    data_protection_notice_language = StringField(
        _l("Language of the data protection notice"),
        description=_l("Language in which the notice was given or handed over."),
        validators=[DataRequired(), Length(max=100)])
    share_with_course_provider = SelectField(
        _l("What a course provider may receive"),
        choices=PROVIDER_SHARING, default=ProviderSharing.NAME.value,
        description=_l("Ask after the notice: the referral slip carries only what the person "
                       "agrees to. The name and case number suffice to register; phone and "
                       "e-mail let the provider reach the person."),
        validators=[DataRequired()])
    share_with_other_services = SelectField(
        _l("What other services may receive"),
        choices=SERVICE_SHARING, default=ServiceSharing.NOTHING.value,
        description=_l("The services a case is referred to besides courses: Kita, school "
                       "office, recognition counselling, migration counselling (MBE, JMD). "
                       "Pass on only what the person agrees to."),
        validators=[DataRequired()])

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        ok &= require_when(self, "interpreter_language",
                           _l("Please name the language the interpreter should speak."))
        return ok


# Routes that come with a certificate: who issued it and when.
ISSUED_ROUTES = (AdmissionRoute.ENTITLED.value, AdmissionRoute.OBLIGED.value)


class ResidenceForm(LocalizedForm):
    """Step "Residence and course entitlement": what admission to a course and its fee depend on."""

    residence_document = SelectField(_l("Residence document"),
                                     description=_l("As shown on the document the person "
                                                    "presents."),
                                     choices=blank_first([
        ("residence_permit", _l("Residence permit (with paragraph)")),
        ("aufenthaltsgestattung", _l("Permission to stay during the asylum procedure "
                                     "(Aufenthaltsgestattung)")),
        ("duldung", _l("Suspension of deportation (Duldung)")),
        ("temporary_protection_24", _l("Temporary protection (section 24 AufenthG)")),
        ("eu_citizen", _l("EU citizen")),
        ("spaetaussiedler", _l("Ethnic German resettler (Spätaussiedler)")),
        ("german", _l("German citizen"))]), validators=[DataRequired()])
    residence_paragraph = StringField(
        _l("Legal basis of the residence permit"),
        description=_l("As on the permit, e.g. “§ 25 Abs. 2”."),
        validators=[Optional(), Length(max=100)],
        render_kw=show_when("residence_document", "residence_permit"))
    document_issued = DateField(
        _l("Document issued on"), format=DATE_FORMAT,
        description=_l("Matters for the course entitlement: a legal claim expires one year "
                       "after the first permit was issued."),
        validators=[Optional(), NotInFuture()])
    arrival_date = DateField(
        _l("Date of arrival in Germany"), format=DATE_FORMAT,
        description=_l("Migration counselling for adults (MBE) is meant for the first three "
                       "years after arrival. Leave empty if the person was born in Germany."),
        validators=[Optional(), NotInFuture()])
    safe_country_of_origin = SelectField(
        _l("From a safe country of origin?"), choices=blank_first(YES_NO_UNKNOWN),
        description=_l("Matters mainly for asylum seekers: admission to a course depends "
                       "on it."),
        validators=[DataRequired()])
    course_status = SelectField(
        _l("Admission route to an integration course"),
        choices=blank_first(ADMISSION_ROUTES),
        description=_l("As the certificate or the issuing office states it. Admission on "
                       "application is not an admission: BAMF decides, within free places."),
        validators=[DataRequired()])
    admission_application = SelectField(
        _l("Application for admission to BAMF"),
        choices=blank_first(ADMISSION_APPLICATIONS),
        description=_l("Where the application for admission to an integration course "
                       "stands."),
        validators=[Optional()], render_kw=show_when("course_status",
                                                     AdmissionRoute.ON_APPLICATION.value))
    course_issuer = SelectField(_l("Issued by"), choices=blank_first([
        ("auslaenderbehoerde", _l("Immigration office (Ausländerbehörde)")),
        ("jobcenter", _l("Jobcenter")),
        ("bamf", _l("Federal Office for Migration and Refugees (BAMF)")),
        ("asylblg_office", _l("Office for asylum seekers' benefits (AsylbLG)")),
        ("none", _l("No office"))]),
        description=_l("The office that issued the entitlement or obligation."),
        validators=[Optional()], render_kw=show_when("course_status", *ISSUED_ROUTES))
    course_decision_date = DateField(
        _l("Date of the entitlement or obligation"), format=DATE_FORMAT,
        description=_l("Date on the certificate."), validators=[Optional(), NotInFuture()],
        render_kw=show_when("course_status", *ISSUED_ROUTES))
    fee_exempt = SelectField(
        _l("Exempt from the course fee?"), choices=blank_first(YES_NO_UNKNOWN),
        description=_l("For example because the person receives benefits."),
        validators=[DataRequired()])

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        ok &= require_when(self, "residence_paragraph",
                           _l("Please enter the paragraph of the residence permit."))
        ok &= require_when(self, "course_issuer",
                           _l("Please say which office issued the entitlement or "
                              "obligation."))
        ok &= require_when(self, "admission_application",
                           _l("Please say where the application for admission stands."))
        return ok


MAX_CHILD_AGE = 17


def _normalise_ages(value):
    """“3,7 ,12” -> “3, 7, 12”: one spelling for whatever reads the ages later."""
    if not isinstance(value, str):
        return value
    return ", ".join(part.strip() for part in value.split(",") if part.strip())


class FamilyForm(LocalizedForm):
    """Step "Family and household": the children's ages lead to Kita, school, childcare."""

    household = SelectField(_l("Household"),
                            description=_l("Who the person lives with."),
                            choices=blank_first([
        ("alone", _l("Lives alone")), ("partner", _l("With partner")),
        ("partner_children", _l("With partner and children")),
        ("single_parent", _l("Single parent")), ("other", _l("Other"))]),
        validators=[DataRequired()])
    household_members = IntegerField(
        _l("Household members"),
        description=_l("Including the person."),
        validators=[InputRequired(), NumberRange(min=1, max=20)])
    children_count = IntegerField(
        _l("Number of children"), default=0,
        description=_l("Children under 18 living with the person."),
        validators=[InputRequired(), NumberRange(min=0, max=20)])
    children_ages = StringField(
        _l("Ages of the children"),
        description=_l("Whole years, separated by commas, e.g. “3, 7, 12”: Kita from age "
                       "1, school for school-age children."),
        filters=[_normalise_ages], validators=[Optional(), Length(max=100)],
        render_kw=show_when("children_count", ">0"))
    young_adults_count = IntegerField(
        _l("Children aged 18 to 27 in the household"), default=0,
        description=_l("Grown-up children living with the person: the youth migration "
                       "service (JMD) is for young people up to 27."),
        validators=[Optional(), NumberRange(min=0, max=20)])
    childcare_needed_during_course = SelectField(
        _l("Childcare needed during a course?"),
        description=_l("Whether the children need care while the person attends a course."),
        choices=blank_first(YES_NO),
        validators=[Optional()], render_kw=show_when("children_count", ">0"))
    caring_duties = TextAreaField(
        _l("Caring duties"),
        description=_l("Optional: only if the person wants to say, e.g. caring for a "
                       "relative."),
        validators=[Optional(), Length(max=2000)])
    pregnancy = SelectField(
        _l("Pregnancy"), choices=blank_first(YES_NO_NOT_STATED),
        description=_l("Sensitive health information (Art. 9 DSGVO): only record if needed "
                       "for course planning."),
        validators=[Optional()])

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        ok &= require_when(self, "children_ages", _l("Please enter the age of each child."))
        ok &= require_when(self, "childcare_needed_during_course",
                           _l("Please say whether childcare is needed during a course."))
        ok &= self._check_children_ages()
        return ok

    def _check_children_ages(self) -> bool:
        field = self.children_ages
        if field.errors or not field.data or not is_shown(self, field):
            return True
        parts = field.data.split(", ")
        if not all(p.isascii() and p.isdigit() and int(p) <= MAX_CHILD_AGE for p in parts):
            field.errors.append(_l("Enter whole ages from 0 to 17, separated by commas "
                                   "(e.g. “3, 7, 12”)."))
            return False
        if len(parts) != self.children_count.data:
            field.errors.append(_l("Number of children: %(count)s, ages given: %(given)s. "
                                   "Enter one age per child.",
                                   count=self.children_count.data, given=len(parts)))
            return False
        return True


class EducationWorkForm(LocalizedForm):
    """Step "Education and work": a qualification from abroad points to recognition counselling."""

    school_qualification = StringField(
        _l("School qualification"),
        description=_l("Highest school-leaving certificate, in the person's words."),
        validators=[Optional(), Length(max=200)])
    school_country = StringField(_l("Country of schooling"),
                                 description=_l("Where the school qualification was obtained."),
                                 validators=[Optional(), Length(max=100)])
    vocational_qualification = StringField(
        _l("Vocational qualification or degree"),
        description=_l("Vocational training or university degree, with the country if it "
                       "differs from the country of schooling."),
        validators=[Optional(), Length(max=200)])
    qualification_abroad = SelectField(
        _l("Qualification obtained abroad?"), choices=blank_first(YES_NO),
        description=_l("A foreign qualification can be recognised: refer to recognition "
                       "counselling (IQ network)."),
        validators=[DataRequired()])
    profession = StringField(_l("Profession"),
                             description=_l("The occupation learned or practised."),
                             validators=[Optional(), Length(max=200)])
    regulated_profession = SelectField(
        _l("Regulated profession?"), choices=blank_first(YES_NO_UNKNOWN),
        description=_l("Regulated professions (e.g. doctor, nurse, teacher) need recognition "
                       "before the person may work in them in Germany."),
        validators=[Optional()], render_kw=show_when("qualification_abroad", "yes"))
    recognition_status = SelectField(_l("Recognition status"),
                                     description=_l("Recognition of the foreign qualification in "
                                                    "Germany."),
                                     choices=blank_first([
        ("not_started", _l("Not started")),
        ("referred", _l("Referred to recognition counselling")),
        ("partial", _l("Partially recognised")),
        ("full", _l("Fully recognised"))]),
        validators=[Optional()], render_kw=show_when("qualification_abroad", "yes"))
    employment = SelectField(_l("Employment"),
                             description=_l("The current work situation."),
                             choices=blank_first([
        ("employed", _l("Employed")), ("job_offer", _l("Has a job offer")),
        ("seeking", _l("Seeking work")), ("not_seeking", _l("Not seeking work"))]),
        validators=[DataRequired()])
    registered_with = SelectField(_l("Registered with"),
                                  description=_l("Where the person is registered as a job seeker "
                                                 "or receives benefits."),
                                  choices=blank_first([
        ("jobcenter", _l("Jobcenter")),
        ("agentur", _l("Employment agency (Agentur für Arbeit)")),
        ("none", _l("Neither"))]), validators=[DataRequired()])
    work_experience = TextAreaField(
        _l("Work experience"),
        description=_l("Jobs, years and countries; informal work counts too."),
        validators=[Optional(), Length(max=2000)])

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        ok &= require_when(self, "regulated_profession",
                           _l("Please say whether the profession is regulated."))
        ok &= require_when(self, "recognition_status",
                           _l("Please give the recognition status."))
        return ok


class PracticalForm(LocalizedForm):
    """Step "Practical situation": availability, time of day, distance rank the courses."""

    availability = SelectField(_l("Availability for a course"),
                               description=_l("Full-time courses run about 4-5 lessons a day, "
                                              "five days a week."),
                               choices=blank_first([
        ("full_time", _l("Full-time")), ("part_time", _l("Part-time"))]),
        validators=[DataRequired()])
    time_of_day = SelectField(_l("Preferred time of day"),
                              description=_l("When the person can attend a course."),
                              choices=blank_first([
        ("mornings", _l("Mornings")), ("afternoons", _l("Afternoons")),
        ("evenings", _l("Evenings")), ("flexible", _l("Flexible"))]),
        validators=[DataRequired()])
    max_travel_km = IntegerField(
        _l("Maximum travel distance (km)"),
        description=_l("How far the person can travel to a course, one way. The distance "
                       "matters for travel-cost support (the 5 km rule)."),
        validators=[Optional(), NumberRange(min=0, max=200)])
    benefits = SelectField(_l("Benefits received"), choices=blank_first([
        ("sgb2", _l("Citizen's benefit (SGB II, Jobcenter)")),
        ("asylblg", _l("Asylum seekers' benefits (AsylbLG)")),
        ("sgb12", _l("Social assistance (SGB XII)")),
        ("none", _l("None")), ("other", _l("Other"))]),
        description=_l("Matters for the fee exemption and travel-cost support."),
        validators=[DataRequired()])
    notes = TextAreaField(
        _l("Notes on practical matters"),
        description=_l("E.g. shift work, limited mobility, appointments already fixed."),
        validators=[Optional(), Length(max=2000)])


class GoalsPlanForm(LocalizedForm):
    """Step "Goals and plan": the person's goals in their own words, the plan agreed."""

    goals_own_words = TextAreaField(
        _l("Goals and expectations (in the person's own words)"),
        description=_l("Write down what the person says, as close to their words as "
                       "possible."),
        validators=[DataRequired(), Length(max=4000)])
    agreed_plan = TextAreaField(
        _l("Agreed plan"),
        description=_l("Goals, measures and dates agreed with the person."),
        validators=[DataRequired(), Length(max=4000)])
    next_appointment = DateField(_l("Next appointment"),
                                 description=_l("The next agreed appointment at the centre, if "
                                                "any."),
                                 format=DATE_FORMAT,
                                 validators=[Optional(), NotInPast()])


class LanguageLiteracyForm(LocalizedForm):
    """Step "Language and literacy": most of what the course recommendation reads."""

    german_level = SelectField(
        _l("German level (self-reported, CEFR)"), choices=blank_first(CEFR_LEVELS),
        description=_l("As the person describes it; a placement test result is recorded "
                       "separately below."),
        validators=[DataRequired()])
    german_certificate_level = SelectField(
        _l("German certificate (level)"),
        description=_l("Level of the highest German certificate, if the person has one."),
        choices=blank_first([("none", _l("No certificate")), *CEFR_A1_TO_C2]),
        validators=[Optional()])
    german_certificate_date = DateField(
        _l("Date of the certificate"),
        description=_l("Date on the certificate."),
        format=DATE_FORMAT, validators=[Optional(), NotInFuture()],
        render_kw=show_when("german_certificate_level",
                            *(choice.value for choice in CEFR_A1_TO_C2)))
    literacy = SelectField(
        _l("Literacy and script"), choices=blank_first(LITERACY),
        description=_l("Decides between a literacy course, a second-script course and a "
                       "general course."),
        validators=[DataRequired()])
    schooling_years = IntegerField(_l("Years of schooling"),
                                   description=_l("All years at school, in any country."),
                                   validators=[InputRequired(), NumberRange(min=0, max=30)])
    integration_course_finished = SelectField(
        _l("Integration course finished?"), choices=blank_first(YES_NO),
        description=_l("Whether the person has already finished an integration course in "
                       "Germany (with the final test)."),
        validators=[DataRequired()])
    integration_course_level = SelectField(
        _l("Level reached in the integration course (final test)"),
        choices=blank_first(COURSE_RESULTS),
        description=_l("The level of the final test (DTZ): without B1, the special modules "
                       "of the job-related language courses follow."),
        validators=[Optional()], render_kw=show_when("integration_course_finished", "yes"))
    other_languages = StringField(_l("Other languages"),
                                  description=_l("Further languages with their level, e.g. "
                                                 "“English (B1)”."),
                                  validators=[Optional(), Length(max=300)])
    placement_test_taken = SelectField(_l("Placement test taken?"),
                                       description=_l("A placement test at a course provider "
                                                      "(Einstufungstest)."),
                                       choices=blank_first(YES_NO),
                                       validators=[DataRequired()])
    placement_test_date = DateField(
        _l("Date of the placement test"),
        description=_l("Date of the placement test."),
        format=DATE_FORMAT, validators=[Optional(), NotInFuture()],
        render_kw=show_when("placement_test_taken", "yes"))
    placement_test_provider = StringField(
        _l("Placement test provider"),
        description=_l("The course provider that ran the test."),
        validators=[Optional(), Length(max=200)],
        render_kw=show_when("placement_test_taken", "yes"))
    placement_test_result = SelectField(
        _l("Placement test result (CEFR)"),
        description=_l("The level the test found."),
        choices=blank_first(CEFR_LEVELS),
        validators=[Optional()], render_kw=show_when("placement_test_taken", "yes"))
    placement_recommended_course = SelectField(
        _l("Course type recommended by the test"),
        description=_l("The course type the test result recommends."),
        choices=blank_first(COURSE_TYPES),
        validators=[Optional()], render_kw=show_when("placement_test_taken", "yes"))
    placement_deviation_reason = TextAreaField(
        _l("Reason for deviating from the test result"),
        description=_l("Required when the German level recorded above differs from the "
                       "placement test result."),
        validators=[Optional(), Length(max=2000)],
        render_kw=show_when("placement_test_taken", "yes"))

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        ok &= require_when(self, "integration_course_level",
                           _l("Please give the level the integration course reached."))
        ok &= require_when(self, "placement_test_date",
                           _l("Please give the date of the placement test."))
        ok &= require_when(self, "placement_test_provider",
                           _l("Please name the placement test provider."))
        ok &= require_when(self, "placement_test_result",
                           _l("Please give the placement test result."))
        ok &= require_when(self, "placement_recommended_course",
                           _l("Please give the course type the test recommends."))
        level, result = self.german_level.data, self.placement_test_result.data
        ok &= require_when(
            self, "placement_deviation_reason",
            _l("The German level recorded differs from the placement test result: a "
               "deviation from the result needs a written reason."),
            when=lambda form: is_shown(form, form.placement_deviation_reason)
            and bool(level) and bool(result) and level != result)
        return ok


class FollowUpForm(LocalizedForm):
    """Step "Follow-up": whether the course started, asked when the follow-up period is over."""

    follow_up_result = SelectField(_l("Did the course start?"),
                                   description=_l("Ask the person or the course provider."),
                                   choices=blank_first(options(
        (Outcome.STARTED.value, _l("Started")),
        (Outcome.NOT_STARTED.value, _l("Not started")),
        (Outcome.DROPPED_OUT.value, _l("Dropped out")))), validators=[DataRequired()])
    reason = TextAreaField(_l("Reason (if not started or dropped out)"),
                           description=_l("Needed when the course did not start or was broken "
                                          "off."),
                           validators=[Optional(), Length(max=2000)])

    def validate(self, extra_validators=None):
        ok = super().validate(extra_validators)
        ok &= require_when(self, "reason", _l("Please give a reason."),
                           when=lambda form: form.follow_up_result.data
                           in SEAT_GIVEN_UP)
        return ok
