"""How a name is folded: the one rule behind the case search and the duplicate check."""

import re
from difflib import SequenceMatcher

from anyascii import anyascii

_NOT_LETTER_OR_DIGIT = re.compile(r"[^a-z0-9]+")
_UMLAUT_SPELLED_OUT = re.compile(r"([aou])e")


def fold_name(name: str) -> str:
    """'Öztürk', 'OZTÜRK', 'Oeztuerk' and 'Ozturk' all fold to 'ozturk', 'Straße' to 'strasse'.

    Any script to Latin letters (anyascii: ß -> ss, ı -> i, Cyrillic -> Latin), lower case,
    words apart by one space (hyphens and apostrophes part words), and an umlaut written out
    (ae, oe, ue) read as the plain vowel: whether ö was typed as ö, o or oe makes no difference.
    Stored names are folded in person_name_words: a change of this rule needs a migration
    that folds them again.
    """
    words = _NOT_LETTER_OR_DIGIT.sub(" ", anyascii(name).lower())
    return " ".join(_UMLAUT_SPELLED_OUT.sub(r"\1", words).split())


def name_words(*names: str) -> set[str]:
    """The folded words of a person's names, each of which a search may start, and each
    name of several words written as one ("Al-Hassan" is found by "alhassan" too)."""
    words = set(fold_name(" ".join(names)).split())
    for name in names:
        words.add(fold_name(name).replace(" ", ""))
    return words - {""}


def similar(a: str, b: str, threshold: float = 0.8) -> bool:
    """For duplicate checks: names that fold alike are equal, others need a similarity ratio."""
    a, b = fold_name(a), fold_name(b)
    return a == b or SequenceMatcher(None, a, b).ratio() >= threshold
