"""A fully worked case, and what every page of it may not show: a stored code instead of
its label, or a message of the other language.

The case: the whole interview, a recommendation, a booked seat, an offer whose status
changed, the follow-up answered (which closes the case), reopened by the team lead and
handed to a colleague, its history read by the auditor.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

from babel.messages.pofile import read_po
from sqlalchemy import select

from caseapp.models import AuditChange, AuditEvent, Case, HumanTask, Referral, User
from caseapp.services import cases, referrals, team, timers
from forms.labels import TEXT, form_fields
from tests.factories import ANSWERS, PERSON
from tests.helpers import add_course, complete, complete_until, open_case

GERMAN = (Path(__file__).resolve().parent.parent / "caseapp" / "translations" / "de"
          / "LC_MESSAGES" / "messages.po")

# Answers chosen so that many kinds of stored value show: codes of choices, dates,
# numbers, and conditional fields that apply.
OVERRIDES = {
    "person": {"interpreter_needed": "yes", "interpreter_language": "Arabisch"},
    "residence": {"course_status": "obliged"},
    "language_literacy": {"german_level": "none"},
}
NOTE, REOPEN_REASON, REASSIGN_REASON = "Termin am Dienstag", "Neuer Kurs nötig", "Urlaub"
COURSE_TITLE = "Integrationskurs vormittags"


@dataclass(frozen=True)
class WorkedCase:
    case_id: int
    number: str
    booked: int  # the referral holding the booked seat
    offer: int  # the referral to another offer, its status changed


def worked_case(ctx, people, places, clock) -> WorkedCase:
    anna, lea = people["anna"], people["lea"]
    case = open_case(ctx, anna)
    complete_until(ctx, anna, case.id, "language_literacy", **OVERRIDES)
    course = add_course(ctx, places["vhs"], title=COURSE_TITLE)
    booked = referrals.book_seat(ctx, anna, case.id, course).id
    offer = referrals.refer_offer(ctx, anna, case.id, "mbe", NOTE).id
    referrals.set_offer_status(ctx, anna, offer, "accepted")
    complete(ctx, anna, case.id, "referral")
    clock.advance(days=50)  # past the course's start: the follow-up is due
    timers.fire_due_timers(ctx)
    complete(ctx, anna, case.id, "follow_up")
    clock.advance(days=1)
    cases.reopen_case(ctx, lea, case.id, REOPEN_REASON)
    team.reassign(ctx, lea, [case.id], people["ben"].id, REASSIGN_REASON)
    ctx.session.rollback()
    return WorkedCase(case.id, case.number, booked, offer)


def pages(case: WorkedCase) -> dict[str, list[str]]:
    """Every page of the case, by the user who sees it (its roles: counsellor, the one it
    was handed to, team lead, auditor)."""
    own = [f"/cases/{case.case_id}", f"/cases/{case.case_id}/process"]
    return {
        "anna": ["/", *own, f"/cases/search?q={PERSON['family_name']}",
                 f"/referrals/{case.booked}/slip"],
        "ben": ["/", *own],
        "lea": ["/", "/team/", *own, f"/cases/{case.case_id}/subject-access"],
        "ida": ["/", *own, f"/audit/cases/{case.case_id}",
                f"/audit/events?case={case.number}", "/audit/events", "/audit/access",
                "/audit/verify"],
    }


# --- what a page may not show --------------------------------------------------------

def _flattened(data, prefix=""):
    if isinstance(data, dict):
        for key, value in data.items():
            yield from _flattened(value, f"{prefix}{key}.")
    else:
        yield prefix.rstrip("."), data


# Details whose values are text that a page shows as it is.
TEXT_DETAILS = {"number", "process_version", "municipality", "zone", "error"}


def stored_codes(session, case_id: int) -> set[str]:
    """Every code the case's rows hold: answers of choice fields and the names of the
    fields, states, kinds, offers, roles, step ids, event types and the codes in their
    details, the keys of change records (``person.birth_date``)."""
    session.rollback()
    case = session.get(Case, case_id)
    codes = {case.status, case.german_level, case.literacy, case.recommended_course_type,
             case.referred_course_type, case.referral_outcome, case.current_step}
    for task in session.scalars(select(HumanTask).where(HumanTask.case_id == case_id)):
        codes |= {task.state, task.form_key, task.bpmn_id, task.lane}
        answers = json.loads(task.data_json) if task.data_json else {}
        codes |= set(answers)
        codes |= {value for value in answers.values() if isinstance(value, str)
                  and re.fullmatch(r"[a-z0-9_]+", value)}  # a choice's code
    for referral in session.scalars(select(Referral).where(Referral.case_id == case_id)):
        codes |= {referral.kind, referral.status, referral.offer}
    codes |= set(session.scalars(select(User.role)))
    events = session.execute(select(AuditEvent, AuditChange).outerjoin(
        AuditChange, AuditChange.digest == AuditEvent.change_digest)
        .where(AuditEvent.case_id == case_id)).all()
    for event, change in events:
        codes |= {event.type, event.chain}
        for key, value in _flattened(event.details):
            codes.add(key.rsplit(".", 1)[-1])
            values = value if isinstance(value, list) else [value]
            codes |= {v for v in values if isinstance(v, str) and key not in TEXT_DETAILS}
        if change is not None and change.data_json:
            data = json.loads(change.data_json)
            codes |= {key for key, _value in _flattened(data)}  # "person.birth_date"
            codes |= {key.split(".")[0] for key in data}
    return {code for code in codes if code}


def _po_messages():
    with GERMAN.open("rb") as source:
        catalog = read_po(source, locale="de")
    for message in catalog:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        yield ids, strings


def typed_texts() -> set[str]:
    """What people typed for the case (text answers, notes, reasons): shown as typed."""
    answers = {(step, name): value for step, values in ANSWERS.items()
               for name, value in values.items()}
    answers |= {(step, name): value for step, values in OVERRIDES.items()
                for name, value in values.items()}
    texts = {value for (step, name), value in answers.items() if value
             and isinstance(value, str) and form_fields(step)[name].kind == TEXT}
    texts |= {PERSON["given_names"], PERSON["family_name"], PERSON["municipality"]}
    return texts | {NOTE, REOPEN_REASON, REASSIGN_REASON, COURSE_TITLE}


def _words(texts) -> set[str]:
    return {word for text in texts for word in re.findall(r"[\w.:]+", text)}


def language_texts(language: str) -> set[str]:
    """The interface's texts in ``language``."""
    return {text for ids, strings in _po_messages()
            for text in (ids if language == "en" else strings) if text}


def language_words(language: str) -> set[str]:
    """Every text and word of the interface in ``language``, and of what people typed."""
    texts = language_texts(language)
    return texts | _words(texts) | _words(typed_texts())


def raw_codes(session, case_id: int, language: str) -> set[str]:
    """The case's stored codes that are no word of the interface in ``language``: a page
    showing one shows the code instead of its label."""
    words = language_words(language)
    return {code for code in stored_codes(session, case_id)
            if code not in words and not code.isdigit()}


def other_language_messages(language: str) -> list[re.Pattern]:
    """The texts of the other language that differ from this language's: English messages
    on a German page, German ones on an English page (placeholders match anything)."""
    found = []
    for ids, strings in _po_messages():
        for english, german in zip(ids, strings, strict=False):
            text = german if language == "en" else english
            if not german or english == german or not re.search(r"[^\W\d_]{3}", text):
                continue
            parts = re.split(r"%\(\w+\)[sd]|%[sd]", text)
            pattern = r".+?".join(re.escape(part) for part in parts)
            found.append(re.compile(rf"(?<![\w-]){pattern}(?![\w-])"))
    return found


def code_pattern(code: str) -> re.Pattern:
    return re.compile(rf"(?<![\w.:]){re.escape(code)}(?![\w:]|\.\w)")


def problems(text: str, language: str, codes: set[str], messages: list[re.Pattern]
             ) -> list[str]:
    """What ``text`` (a page as read in ``language``) shows that it may not: a code, or
    (in what is left once this language's own texts and the typed ones are taken out,
    such as "Literacy course (Alphabetisierungskurs)") a message of the other language."""
    for typed in sorted(typed_texts(), key=len, reverse=True):
        text = text.replace(typed, " ")
    found = [f"raw code {code!r}" for code in sorted(codes) if code_pattern(code).search(text)]
    own = [t for t in language_texts(language) if "%" not in t and len(t) > 3]
    for message in sorted(own, key=len, reverse=True):
        text = text.replace(message, " ")
    found += [f"other language: {m.group(0)!r}" for p in messages if (m := p.search(text))]
    return found


class PageText(HTMLParser):
    """What a page shows as text in the reader's language: its text and the labels of its
    elements (aria-label, title, placeholder, alt), without scripts, styles and hidden
    elements' data, and without what is marked as another language (``lang``), such as the
    German referral slip on an English page."""

    ATTRIBUTES = ("aria-label", "title", "placeholder", "alt")
    VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link",
                      "meta", "source", "track", "wbr"})

    def __init__(self, language: str | None = None):
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0
        self._language = language
        self._open: list[tuple[str, str | None]] = []  # (tag, its lang attribute)

    def _in_reader_language(self) -> bool:
        marked = next((lang for _, lang in reversed(self._open) if lang), None)
        return self._language is None or marked is None or \
            marked.split("-")[0] == self._language

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._skip += 1
        if tag not in self.VOID:
            self._open.append((tag, dict(attrs).get("lang")))
        if self._in_reader_language():
            self.parts += [value for name, value in attrs
                           if name in self.ATTRIBUTES and value]

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self._skip:
            self._skip -= 1
        if any(open_tag == tag for open_tag, _ in self._open):  # closes what it left open
            while self._open.pop()[0] != tag:
                pass

    def handle_data(self, data):
        if not self._skip and self._in_reader_language():
            self.parts.append(data)

    @classmethod
    def of(cls, html: str, language: str | None = None) -> str:
        parser = cls(language)
        parser.feed(html)
        return "\n".join(parser.parts)


# The same in a browser: what the page renders as text, and its elements' labels.
# What is marked as another language is left out, its parts in the reader's language kept.
BROWSER_TEXT = """(language) => {
    const own = el => { const marked = el.closest('[lang]');
                        return !marked || marked.lang.split('-')[0] === language; };
    const foreign = Array.from(document.querySelectorAll('body [lang]'))
        .filter(el => !own(el) && own(el.parentElement));
    let text = document.body.innerText;
    const kept = [];
    for (const el of foreign) {
        text = text.replace(el.innerText, '\\n');
        kept.push(...Array.from(el.querySelectorAll('[lang]'))
            .filter(inner => own(inner) && !own(inner.parentElement))
            .map(inner => inner.innerText));
    }
    return [document.title, text, ...kept, ...Array.from(
        document.querySelectorAll('[aria-label],[title],[placeholder],[alt]'),
        el => own(el) ? ['aria-label', 'title', 'placeholder', 'alt']
            .map(a => el.getAttribute(a) || '').join('\\n') : '')].join('\\n');
}"""
