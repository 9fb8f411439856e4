"""Opportunity signals in a reply (issue 13 Build 8, seed 004 P1.6 ``detectOpportunitySignals``):
complaint 0.8, urgency 0.7, upsell 0.6, renewal 0.7, referral 0.6 (:data:`SIGNAL_STRENGTH`).

Rules, one pattern set per kind, run on the reply's own words (quoted text and signature removed,
so our own quoted email never signals). A match preceded in its clause by a negation ("no
complaints", "not urgent") does not count. The evidence is the sentence the first match is in.
At most one signal per kind per message. When the LLM classifier runs, the signals it proposes
are added after :func:`verified` checks their evidence against the text (:func:`merged`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from workflows.mail_models import SIGNAL_STRENGTH, DetectedSignal, SignalKind

_I = re.IGNORECASE
PATTERNS: dict[SignalKind, re.Pattern[str]] = {
    "complaint": re.compile(
        r"\b(?:complain\w*|disappoint\w*|unacceptable|damaged|broken|defective|faulty|not working"
        r"|(?:does|did)n['’]?t work|poor (?:service|quality)|terrible|awful|frustrat\w*|refund"
        r"|wrong (?:item|product|order)|missing|never arrived|still waiting|fehlt|besch[äa]digt"
        r"|defekt|reklamation|inacceptable|d[ée]fectueux)\b",
        _I,
    ),
    "urgency": re.compile(
        r"\b(?:urgent\w*|asap|as soon as possible|immediately|right away|by (?:today|tomorrow|eod)"
        r"|end of (?:the )?day|time[\s-]sensitive|critical|emergency|dringend|eilig|sofort|urgente?)\b",
        _I,
    ),
    "upsell": re.compile(
        r"\b(?:(?:another|additional|more|extra) \d+ (?:units|licen[cs]es|seats|pieces|users)"
        r"|(?:another|additional|more|extra) (?:units|licen[cs]es|seats|sites|locations|users)"
        r"|\w+ more (?:units|licen[cs]es|seats|sites|locations|users)"
        r"|upgrad\w*|expand\w*|bigger plan|premium|add-ons?|increase (?:our|the) order|bulk order"
        r"|volume discount)\b",
        _I,
    ),
    "renewal": re.compile(
        r"\b(?:renew\w*|contract (?:ends|expires|is ending|runs out)|extend (?:the|our) (?:contract"
        r"|subscription|agreement)|next year['’]?s contract|verl[äa]ngerung|renouvellement)\b",
        _I,
    ),
    "referral": re.compile(
        r"\b(?:refer\w*|recommend(?:ed)? you|introduce you|put you in touch|a (?:colleague|friend"
        r"|partner) (?:of mine )?(?:who|at)|(?:might|may|would) (?:also )?be interested)\b",
        _I,
    ),
}
NEGATION = re.compile(r"\b(?:no|not|never|without|nothing|n['’]t|kein\w*|nicht|pas)\b(?:\W+\w+){0,2}\W*$", _I)
SENTENCE = re.compile(r"[^.!?\n]+(?:[.!?]+|$)")


def _sentence(text: str, pos: int) -> str:
    for m in SENTENCE.finditer(text):
        if m.start() <= pos < m.end():
            return " ".join(m.group(0).split())[:300]
    return ""


def detect_signals(text: str) -> list[DetectedSignal]:
    """The signals in ``text`` (a reply's own words), one per kind at most, in
    :data:`PATTERNS` order; each with the seed's strength and its evidence sentence."""
    out = []
    flat = " ".join((text or "").split("\n"))
    for kind, pattern in PATTERNS.items():
        for m in pattern.finditer(flat):
            clause_start = max(flat.rfind(c, 0, m.start()) for c in ".!?,;:") + 1
            if NEGATION.search(flat[clause_start : m.start()]):
                continue
            out.append(
                DetectedSignal(kind=kind, strength=SIGNAL_STRENGTH[kind], evidence=_sentence(flat, m.start()))
            )
            break
    return out


def _norm(s: str) -> str:
    return " ".join(s.split()).lower()


def verified(text: str, proposals: Sequence[tuple[str, str]]) -> list[DetectedSignal]:
    """The model's proposed (kind, evidence) pairs whose evidence (at least 8 characters) appears
    verbatim in ``text`` (whitespace and case aside), one per kind, with the seed's strength and
    the sentence the evidence starts in. A made-up or injected phrase is dropped."""
    flat, norm = " ".join((text or "").split()), _norm(text or "")
    out: dict[str, DetectedSignal] = {}
    for kind, evidence in proposals:
        pos = norm.find(_norm(evidence))
        if kind in SIGNAL_STRENGTH and kind not in out and len(_norm(evidence)) >= 8 and pos >= 0:
            out[kind] = DetectedSignal(
                kind=kind, strength=SIGNAL_STRENGTH[kind], evidence=_sentence(flat, pos)
            )
    return list(out.values())


def merged(rules: Sequence[DetectedSignal], ai: Sequence[DetectedSignal]) -> tuple[DetectedSignal, ...]:
    """One signal per kind: the rule's when both found it, else the verified model's."""
    by_kind = {s.kind: s for s in ai}
    by_kind.update({s.kind: s for s in rules})
    return tuple(by_kind[k] for k in PATTERNS if k in by_kind)
