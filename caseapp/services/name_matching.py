"""How a name is folded: the one rule behind the case search and the duplicate check."""

import re
import unicodedata
from difflib import SequenceMatcher

from anyascii import anyascii
from icu import SpoofChecker

# ICU's implementation of the confusable skeleton (Unicode TR 39); thread-safe for reading.
_SPOOF_CHECKER = SpoofChecker()

_NOT_LETTER_OR_DIGIT = re.compile(r"[^a-z0-9]+")
_UMLAUT_SPELLED_OUT = re.compile(r"([aou])e")


def fold_name(name: str) -> str:
    """'Öztürk', 'OZTÜRK', 'Oeztuerk' and 'Ozturk' all fold to 'ozturk', 'Straße' to 'strasse'.

    Any script to Latin letters (anyascii: ß -> ss, ı -> i, Cyrillic -> Latin), lower case,
    words apart by one space (hyphens and apostrophes part words), and an umlaut written out
    (ae, oe, ue) read as the plain vowel: whether ö was typed as ö, o or oe makes no difference.
    Stored names are folded in person_name_words (with ``confusable_key``): a change of
    either rule needs a migration that folds them again.
    """
    words = _NOT_LETTER_OR_DIGIT.sub(" ", anyascii(name).lower())
    return " ".join(_UMLAUT_SPELLED_OUT.sub(r"\1", words).split())


def confusable_key(name: str) -> str:
    """The name as it looks: its confusable skeleton (TR 39), folded like ``fold_name``.

    A Cyrillic 'Н' or 'р' reads as the Latin 'H' or 'p' it looks like (where ``fold_name``
    transliterates them to 'n' and 'r'), and invisible characters vanish: 'Нaddad' with a
    Cyrillic Н has the key of 'Haddad'.
    """
    return fold_name(_SPOOF_CHECKER.getSkeleton(0, unicodedata.normalize("NFC", name)))


def name_words(*names: str) -> set[str]:
    """The folded words of a person's names, each of which a search may start, each name of
    several words written as one ("Al-Hassan" is found by "alhassan" too), and the same
    for the names as they look (``confusable_key``: a name typed with look-alike letters
    is found by what it shows)."""
    words = set()
    for key in (fold_name, confusable_key):
        words |= set(key(" ".join(names)).split())
        for name in names:
            words.add(key(name).replace(" ", ""))
    return words - {""}


def similar(a: str, b: str, threshold: float = 0.8) -> bool:
    """For duplicate checks: names that fold alike, or look alike (confusable skeletons),
    are equal; others need a similarity ratio by either rule."""
    for key in (fold_name, confusable_key):
        x, y = key(a), key(b)
        if x == y or SequenceMatcher(None, x, y).ratio() >= threshold:
            return True
    return False
