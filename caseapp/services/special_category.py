"""Special categories of personal data (Art. 9 DSGVO) encrypted at rest.

The values of the fields ``forms.SPECIAL_CATEGORY_FIELDS`` names are sealed with AES-GCM
(``cryptography``) before they reach the workflow state or a task row (answers and
drafts), and opened only for the roles that work the case. Change records never hold them.
A sealed value is a token ``enc:v1:<key id>:<nonce and ciphertext, base64url>``; the keys
come from ``ANKOMMEN_DATA_KEYS`` (several ``id:key`` pairs, the first one seals), so
``flask keys rotate`` can seal everything again with a new first key, case by case.
"""

from __future__ import annotations

import base64
import binascii
import logging
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import select

from caseapp.models import Case, ProcessInstance
from domain.vocabulary import TEAM_ROLES
from forms import SPECIAL_CATEGORY_FIELDS

from .actor import Actor
from .context import ServiceContext
from .locking import lock_case, lock_case_tasks

log = logging.getLogger(__name__)
PREFIX = "enc:v1:"
TOKEN = re.compile(r"enc:v1:([A-Za-z0-9_-]{1,40}):([A-Za-z0-9_=-]+)")
KEY_ID = re.compile(r"[A-Za-z0-9_-]{1,40}")
NONCE_BYTES = 12


class DataKeyError(ValueError):
    """A setting of keys that cannot be used, or a token sealed with a key not in it."""


@dataclass(frozen=True)
class DataKeys:
    """The keys for special-category values by id; ``current`` seals, all of them open."""

    keys: Mapping[str, bytes]
    current: str

    @classmethod
    def parse(cls, setting: str) -> DataKeys:
        """``id:key,id:key``: ids of letters, digits, ``-`` and ``_``; each key 32 bytes as
        64 hex digits; the first pair seals new values."""
        keys: dict[str, bytes] = {}
        for pair in (part.strip() for part in setting.split(",")):
            key_id, colon, material = pair.partition(":")
            if not colon or not KEY_ID.fullmatch(key_id):
                raise DataKeyError("each entry must be ID:KEY (an id of letters and digits)")
            try:
                key = bytes.fromhex(material.strip())
            except ValueError:
                key = b""
            if len(key) != 32:
                raise DataKeyError(f"the key {key_id!r} must be 64 hex digits (32 bytes)")
            if key_id in keys:
                raise DataKeyError(f"the key id {key_id!r} is given twice")
            keys[key_id] = key
        if not keys:
            raise DataKeyError("no key given")
        return cls(keys, next(iter(keys)))

    def seal(self, value: str) -> str:
        nonce = os.urandom(NONCE_BYTES)
        sealed = AESGCM(self.keys[self.current]).encrypt(nonce, value.encode(), None)
        return f"{PREFIX}{self.current}:{base64.urlsafe_b64encode(nonce + sealed).decode()}"

    def open(self, token: str) -> str:
        match = TOKEN.fullmatch(token)
        if match is None:
            raise DataKeyError("not a sealed value")
        key = self.keys.get(match[1])
        if key is None:
            raise DataKeyError(f"sealed with the key {match[1]!r}, which ANKOMMEN_DATA_KEYS lacks")
        try:
            raw = base64.urlsafe_b64decode(match[2])
            return AESGCM(key).decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], None).decode()
        except (InvalidTag, binascii.Error, ValueError):
            raise DataKeyError(f"a value sealed with the key {match[1]!r} does not open") from None

    def reseal(self, text: str) -> tuple[str, int]:
        """``text`` with every token not sealed by the current key sealed again by it."""
        count = 0

        def again(match: re.Match) -> str:
            nonlocal count
            if match[1] == self.current:
                return match[0]
            count += 1
            return self.seal(self.open(match[0]))

        return TOKEN.sub(again, text), count


def is_sealed(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(PREFIX)


def seal_answers(keys: DataKeys, answers: Mapping[str, Any]) -> dict[str, Any]:
    """The answers with every given special-category value sealed."""
    return {name: keys.seal(str(value)) if name in SPECIAL_CATEGORY_FIELDS
            and value not in (None, "") and not is_sealed(value) else value
            for name, value in answers.items()}


def opened_answers(keys: DataKeys, answers: Mapping[str, Any]) -> dict[str, Any]:
    """The answers with every sealed value opened (the person's own information); one
    that does not open (its key was removed too early) is left out and logged by key id."""
    return {name: _opened(keys, value) if is_sealed(value) else value
            for name, value in answers.items()}


def _opened(keys: DataKeys, token: str) -> str | None:
    try:
        return keys.open(token)
    except DataKeyError as exc:
        log.error("a special-category value is not shown: %s", exc)
        return None


def shown_answers(keys: DataKeys, actor: Actor, answers: Mapping[str, Any]) -> dict[str, Any]:
    """The answers as ``actor`` may read them: special-category values opened for the
    case's counsellors and team leads, left out for everyone else."""
    if actor.role in TEAM_ROLES:
        return opened_answers(keys, answers)
    return {name: None if is_sealed(value) else value for name, value in answers.items()}


def cases_to_reseal(ctx: ServiceContext) -> list[int]:
    """The ids of every case, in order: ``flask keys rotate`` works through them."""
    cases = list(ctx.session.scalars(select(Case.id).order_by(Case.id)))
    ctx.session.rollback()
    return cases


def reseal_case(ctx: ServiceContext, case_id: int) -> int:
    """Seal the case's special-category values again with the current key (one
    transaction, the case row locked first); returns how many were sealed again."""
    keys = ctx.settings.data_keys
    count = 0
    with ctx.transaction() as session:
        case = lock_case(session, case_id)
        if case is None:
            return 0
        for task in lock_case_tasks(session, case):
            for column in ("data_json", "draft_json"):
                text = getattr(task, column)
                if text:
                    resealed, found = keys.reseal(text)
                    if found:
                        setattr(task, column, resealed)
                        count += found
        instance = session.scalars(select(ProcessInstance)
                                   .where(ProcessInstance.case_id == case.id)).first()
        if instance is not None:
            resealed, found = keys.reseal(instance.state_json)
            if found:
                instance.state_json = resealed
                count += found
    return count
