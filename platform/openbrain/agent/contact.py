"""A person's name, e-mail and phone number in free text (the offline model's reading)."""

from __future__ import annotations

import re

_EMAIL = re.compile(r"[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9.-]{1,255}\.[A-Za-z]{2,63}")
_PHONE = re.compile(r"(?<![\w@.])\+?\d[\d ().-]{5,24}\d(?![\w@])")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_NAME = re.compile(
    r"\b(?i:i am|i'm|im|my name is|my name's|this is|call me|name is)\s+"
    r"([A-Z][A-Za-z'\u2019-]+(?:\s+[A-Z][A-Za-z'\u2019-]+){0,3})"
)


DIGIT = re.compile(r"\d")
"""One digit, as ``\\d`` reads it: every phone number (and sum) holds one."""


def extract_contact(text: str) -> dict[str, str]:
    """The name, e-mail and phone number a person gives in ``text`` (tool-argument names).

    Each pattern runs only on text holding what every match of it holds (most messages give
    none of the three, and each pattern is tried from every position): an ``m`` or ``th``
    in any case for a name (i am, i'm, im, my name is, call me, name is; this is), an ``@``
    for an e-mail address, a digit for a phone number."""
    found: dict[str, str] = {}
    folded = text.lower()
    if ("m" in folded or "th" in folded) and (match := _NAME.search(text)):
        found["full_name"] = match.group(1)
    if "@" in text and (match := _EMAIL.search(text)):
        found["email"] = match.group(0)
    for match in _PHONE.finditer(text) if DIGIT.search(text) else ():
        candidate = match.group(0).strip()
        if sum(c.isdigit() for c in candidate) >= 7 and not _DATE.match(candidate):
            found["phone"] = candidate
            break
    return found
