"""Choice lists shared by several forms. Stored values are stable codes; labels translate."""

from flask_babel import lazy_gettext as _l

CEFR_LEVELS = [("none", _l("No German")), ("A1", "A1"), ("A2", "A2"), ("B1", "B1"),
               ("B2", "B2"), ("C1", "C1"), ("C2", "C2")]

LITERACY = [("latin", _l("Literate in Latin script")),
            ("other_script", _l("Literate only in another script")),
            ("none", _l("Not literate in any script"))]

COURSE_TYPES = [
    ("integrationskurs", _l("General integration course")),
    ("intensivkurs", _l("Intensive course")),
    ("alphabetisierung", _l("Literacy course (Alphabetisierungskurs)")),
    ("zweitschriftlerner", _l("Second-script learners' course")),
    ("gering_literalisiert", _l("Course for people with little literacy")),
    ("berufssprachkurs", _l("Job-related language course (Berufssprachkurs)")),
    ("erstorientierung", _l("First orientation course (EOK)")),
    ("none", _l("No course for now")),
]
