"""Name normalization for search and duplicate checks."""

import unicodedata
from difflib import SequenceMatcher


def name_key(name: str) -> str:
    """Lower-case, accents folded, ß -> ss: 'Müller' and 'Mueller' and 'MULLER' come close."""
    folded = unicodedata.normalize("NFKD", name.casefold().replace("ß", "ss"))
    return " ".join("".join(c for c in folded if not unicodedata.combining(c)).split())


def similar(a: str, b: str, threshold: float = 0.8) -> bool:
    """For duplicate checks: 'Mueller' equals 'Müller', other names must pass a similarity ratio."""
    a, b = name_key(a).replace("ue", "u").replace("oe", "o").replace("ae", "a"), \
        name_key(b).replace("ue", "u").replace("oe", "o").replace("ae", "a")
    return a == b or SequenceMatcher(None, a, b).ratio() >= threshold
