"""Contact fields from a signature block (issue 13 Build 7, seed 004 P1.6 ``parseEmailSignature``):
phone numbers (``phonenumbers``, with a default region for numbers written without ``+``), job
title, company, LinkedIn URL and postal address. Best effort and conservative: a line that fits no
rule is left out rather than guessed. Every value carries its source (``signature`` + Message-ID),
so enrichment can record where it came from.

Lines are split on ``|``, ``·`` and `` - `` separators ("Head of Procurement | BrightPath Ltd.").
A part is, in this order: a company (a legal-form suffix, or the sender's domain spelled out),
a title (a job word: manager, head, director, ..., in several languages), or an address (a
street word with a number, or a postal code with a town); the part after " at " of a title is its
company.
"""

from __future__ import annotations

import re

import phonenumbers

from workflows.mail_models import SignatureFields, SourcedValue

_I = re.IGNORECASE
MAX_PHONES = 3
CLOSING = re.compile(
    r"^(?:best|kind|warm|many thanks|thanks|thank you|cheers|regards|sincerely|yours|mit freundlichen"
    r"|viele gr|beste gr|liebe gr|gr[üu](?:ß|ss)e|cordialement|bien [àa] vous|saludos|un saludo|atentamente"
    r"|cordiali saluti|distinti saluti|met vriendelijke|groeten|pozdrawiam|med v[äa]nlig|hälsningar"
    r"|s pozdravem|sent from)\b",
    _I,
)
COMPANY = re.compile(
    r"\b(?:ltd|limited|inc|llc|llp|gmbh|ag|kg|se|s\.?a\.?s?|sarl|s\.?l\.?|b\.?v\.?|n\.?v\.?|plc|corp"
    r"|corporation|co|company|pty|oy|ab|aps|a/s|s\.?p\.?a\.?|srl|sp\. z o\.o\.|k\.?k\.?)\.?$",
    _I,
)
TITLE = re.compile(
    r"\b(?:head|manager|director|officer|ceo|cto|cfo|coo|cio|vp|vice president|president|founder"
    r"|co-founder|owner|partner|lead|engineer|specialist|coordinator|buyer|purchaser|procurement"
    r"|consultant|assistant|analyst|administrator|accountant|executive|representative|supervisor"
    r"|chief|controller|architect|designer|developer|advisor|associate|secretary|chair(?:man|woman)?"
    r"|gesch[äa]ftsf[üu]hrer(?:in)?|eink[äa]ufer(?:in)?|leiter(?:in)?|inhaber(?:in)?|prokurist(?:in)?"
    r"|vertrieb|directeur|directrice|responsable|g[ée]rant|gerente|director[a]?|jefe|responsabile"
    r"|direttore|inkoper|kierownik|dyrektor)\b",
    _I,
)
STREET = re.compile(
    r"\b\d+[a-z]?\b.*\b(?:street|st|road|rd|avenue|ave|boulevard|blvd|lane|ln|drive|dr|way|court|ct"
    r"|place|pl|square|sq|suite|floor|parkway|highway)\b\.?"
    r"|\b(?:\w*stra(?:ß|ss)e|\w*str\.|\w*weg|\w*platz|\w*allee|\w*gasse|rue|avenue|calle|via|ulica|ul\.)"
    r"\s+\d+",
    _I,
)
POSTCODE = re.compile(
    r"\b[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}\b"  # UK
    r"|\b[A-Z]{2} \d{5}(?:-\d{4})?\b"  # US state + ZIP
    r"|\b\d{4,5}\s+[A-ZÀ-Þ][\wÀ-ÿ-]+"  # 80331 München, 75008 Paris
)
LINKEDIN = re.compile(r"(?:https?://)?(?:[a-z]{2,3}\.)?linkedin\.com/(in|company|pub)/([\w%\-.]+)/?", _I)
URL_OR_EMAIL = re.compile(r"https?://|www\.|\S+@\S+\.\w+", _I)
AT = re.compile(r"(.+?)\s+(?:at|@|bei|chez|presso)\s+(.+)$", _I)
SPLIT = re.compile(r"\s+[|·•]\s+|\s+[-–—]\s+")


def _phones(text: str, region: str) -> list[str]:
    out: list[str] = []
    for match in phonenumbers.PhoneNumberMatcher(text, region):
        e164 = phonenumbers.format_number(match.number, phonenumbers.PhoneNumberFormat.E164)
        if e164 not in out:
            out.append(e164)
    return out[:MAX_PHONES]


def _linkedin(text: str) -> str | None:
    m = LINKEDIN.search(text)
    return f"https://www.linkedin.com/{m.group(1).lower()}/{m.group(2)}" if m else None


def _squash(s: str) -> str:
    return re.sub(r"[^a-z0-9]", "", s.lower())


def _is_domain_company(part: str, domain: str) -> bool:
    label = _squash(domain.split(".")[0]) if domain else ""
    return len(label) >= 4 and _squash(part).startswith(label)


def _parts(signature: str, sender_name: str) -> list[str]:
    lines = [ln.strip() for ln in signature.splitlines() if ln.strip()]
    if lines and CLOSING.match(lines[0]):
        lines = lines[1:]
    if lines and sender_name and lines[0].lower() == sender_name.strip().strip('"').lower():
        lines = lines[1:]
    parts = [p.strip(" ,;") for ln in lines for p in SPLIT.split(ln) if p.strip(" ,;")]
    out: list[str] = []
    for p in parts:  # "Sales Director, Acme Corp": a title, then its company
        head, sep, rest = p.partition(", ")
        if sep and TITLE.search(head) and not re.search(r"\d", p):
            out += [head, rest]
        else:
            out.append(p)
    return out


def parse_signature(
    signature: str, *, message_id: str, region: str = "US", sender_name: str = "", sender_domain: str = ""
) -> SignatureFields:
    """The fields of ``signature`` (a signature block, see :mod:`activities.inbox.reply_text`).
    ``region``: ISO 3166 code for numbers without a country code; ``sender_domain`` lets a company
    spelled like the domain ("BrightPath Logistics" at brightpath-logistics.example) count."""

    def src(value: str) -> SourcedValue:
        return SourcedValue(value=value[:200], message_id=message_id)

    if not signature.strip():
        return SignatureFields()
    title = company = address = None
    for part in _parts(signature, sender_name):
        if URL_OR_EMAIL.search(part) or _phones(part, region) or re.search(r"\d{6,}", part):
            continue
        if company is None and (COMPANY.search(part) or _is_domain_company(part, sender_domain)):
            company = part
        elif title is None and TITLE.search(part) and not re.search(r"\d", part):
            at = AT.match(part)
            title = at.group(1) if at else part
            if at and company is None:
                company = at.group(2)
        elif address is None and (STREET.search(part) or POSTCODE.search(part)):
            address = part
    linkedin = _linkedin(signature)
    return SignatureFields(
        phones=tuple(src(p) for p in _phones(signature, region)),
        title=src(title) if title else None,
        company=src(company) if company else None,
        linkedin=src(linkedin) if linkedin else None,
        address=src(address) if address else None,
    )
