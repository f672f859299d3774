"""How the offline model shows memory: recall of the person's details, and a deterministic
summary, both read from what the prompt holds (facts on file, summary, conversation)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from openbrain.agent.contact import extract_contact
from openbrain.agent.memory.facts import fact_line, read_facts
from openbrain.agent.memory.summarise import NO_SUMMARY
from openbrain.agent.prompts import SUMMARY_INSTRUCTIONS

# What the person may ask about, the fact label it is filed under, and the contact key.
_ASKED = {
    "name": ("Full name", "full_name", "name"),
    "email": ("Email", "email", "e-mail address"),
    "phone": ("Phone", "phone", "phone number"),
}
_QUESTION = re.compile(
    r"\b(?:what(?:'s| is| was)|do you (?:know|remember)|tell me)\s+my\s+"
    r"(name|e-?mail(?: address)?|(?:phone )?number|phone)\b", re.I)
_TOPIC = "Said"
_TOPICS_KEPT = 5
_TOPIC_CHARS = 80


def asked_about(text: str) -> str | None:
    """``name``, ``email`` or ``phone`` when ``text`` asks what the agent knows of it."""
    # Every question names "my" (in any case): most messages skip the pattern.
    match = _QUESTION.search(text) if "my" in text.lower() else None
    if match is None:
        return None
    word = match.group(1).lower()
    if word.startswith("name"):
        return "name"
    return "email" if "mail" in word else "phone"


def recall(asked: str, system: str, said: Sequence[str]) -> str:
    """The answer to "what is my …": the person's latest words in the conversation first,
    then the facts on file and the summary (in the order the system message gives them)."""
    label, key, noun = _ASKED[asked]
    value = next((found[key] for text in reversed(said)
                  if key in (found := extract_contact(text))), None)
    if value is None:
        value = read_facts(system).get(label)
    if value is None:
        return f"I don't know your {noun} yet. Would you like to tell me?"
    return f"Your {noun} is {value}."


def is_summary_request(system: str) -> bool:
    return system.startswith(SUMMARY_INSTRUCTIONS)


def summary_of(request: str) -> str:
    """The updated summary, deterministic and bounded: the person's details (the latest
    given wins) and the last few things they said, read from the previous summary and the
    ``user:`` lines of the messages to add."""
    previous, _, added = request.partition("\nMessages to add:\n")
    facts = read_facts(previous) if NO_SUMMARY not in previous else {}
    topics = [v for line in previous.splitlines()
              if (v := line.removeprefix(f"- {_TOPIC}: ")) != line]
    for line in added.splitlines():
        text = line.removeprefix("user: ")
        if text == line:
            continue
        for _key, (label, contact_key, _noun) in _ASKED.items():
            found = extract_contact(text).get(contact_key)
            if found:
                facts[label] = found
        topics.append(text[:_TOPIC_CHARS])
    lines = ["The person's details:"] if facts else []
    lines += [fact_line(label, value) for label, value in facts.items() if label != _TOPIC]
    kept = topics[-_TOPICS_KEPT:]
    if kept:
        lines.append("What they said last:")
        lines += [fact_line(_TOPIC, topic) for topic in kept]
    return "\n".join(lines) or "Nothing said yet."
