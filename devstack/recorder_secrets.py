"""What the recorder treats as secret (issue 10, "the recorder keeps secrets out of drafts"):
pure functions over a field's selector and a typed value, no I/O.

- A **field** is judged by the names in its selector (ids, classes, attribute values, labels,
  roles' accessible names, placeholders, ``autocomplete`` tokens). Each name is normalised
  (case folded, accents stripped, ``_``/``-``/``.``/spaces and camelCase split into words) and
  matched word by word against term lists in English, German, French, Spanish, Italian,
  Portuguese and Dutch. :func:`field_kind` says ``password``, ``otp`` or ``secret``.
  A term followed by a descriptor (``new_application_password_name``) or preceded by one
  (``nom du mot de passe``) names something else and does not count.
- A **value** is judged by its shape (:func:`secret_literal`): known token formats (JWT, GitHub,
  OpenAI/Anthropic, Stripe, Slack, AWS, Google, GitLab, Vault, PEM private keys), hex of 32+
  digits, keys typed in groups, and any whitespace-separated piece of :data:`MIN_LEN`+
  characters with a Shannon entropy of :data:`MIN_BITS`+ bits per character, digits, and the
  short letter/digit runs of random strings (measured on random keys: 20 base62 characters are
  caught 96 % of the time, 24 base64url 98 %, 32 hex always; 24 lower-case base36 only 83 %).
  Words, sentences, camelCase names, slugs, e-mail addresses, URLs' ordinary parts and UUIDs
  are kept. A password typed into a field named as one is caught by the field, whatever it is.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from typing import Literal

FieldKind = Literal["password", "otp", "secret"]

MIN_LEN = 20
"""Shortest literal judged by entropy alone (a random 20-char key has ~4.0 bits/char)."""
MIN_BITS = 3.5
"""Bits per character from which a long mixed literal counts as random."""


def words(name: str) -> tuple[str, ...]:
    """``"API-Schlüssel"`` -> ``("api", "schlussel")``; ``"userPass1"`` -> ``("user", "pass", "1")``."""
    name = re.sub(r"([a-z])([A-Z])|([A-Z]+)([A-Z][a-z])", r"\1\3 \2\4", name)
    name = unicodedata.normalize("NFKD", name.casefold())
    name = "".join(c for c in name if not unicodedata.combining(c))
    name = re.sub(r"(?<=[a-z])(?=[0-9])|(?<=[0-9])(?=[a-z]{3})", " ", name)  # pass1; keep 2fa
    return tuple(re.findall(r"[a-z0-9]+", name))


def _terms(*phrases: str) -> frozenset[tuple[str, ...]]:
    return frozenset(words(p) for p in phrases)


OTP_TERMS = _terms(
    "otp", "totp", "hotp", "one-time code", "one time password", "2fa", "mfa", "two factor",
    "verification code", "security code", "auth code", "authentication code", "confirmation code",
    "authenticator code", "sms code", "backup code", "recovery code",
    "bestätigungscode", "sicherheitscode", "verifizierungscode", "einmalcode", "einmalpasswort",
    "authentifizierungscode", "wiederherstellungscode",
    "code de vérification", "code de sécurité", "code de confirmation", "code à usage unique",
    "código de verificación", "código de seguridad", "código de confirmación",
    "codice di verifica", "codice di sicurezza", "codice di conferma",
    "código de verificação", "código de segurança", "código de confirmação",
    "verificatiecode", "beveiligingscode", "bevestigingscode", "eenmalige code",
)  # fmt: skip
PASSWORD_TERMS = _terms(
    "password", "passwd", "pwd", "pass", "passphrase", "passcode", "passwort", "kennwort",
    "mot de passe", "mot_de_passe", "mdp", "contraseña", "clave", "senha", "palavra-passe",
    "wachtwoord", "current-password", "new-password",
)  # fmt: skip
SECRET_TERMS = _terms(
    "secret", "geheim", "token", "api key", "apikey", "api_key", "api-key", "access key",
    "secret key", "private key", "client secret", "client_secret", "pin", "pincode", "cvc", "cvv",
    "csc", "cc-csc", "privater schlüssel", "api-schlüssel", "clé privée", "clé api", "clé secrète",
    "clave privada", "clave api", "chiave privata", "chiave api", "chave privada", "chave api",
    "geheime sleutel", "privésleutel", "api-sleutel", "segreto", "secreto", "segredo",
)  # fmt: skip
STEMS = ("password", "passwort", "kennwort", "wachtwoord", "contrasena", "passphrase")
"""Found inside compounds too (``neuespasswort``, ``wachtwoordherhalen``)."""
DESCRIPTORS = frozenset(
    words("name names label title description desc hint policy strength length meter rules")
)
"""A term followed by one of these names something else (``password_name``)."""
PREFIXES = frozenset((w,) for w in words("name nom nombre nome naam titel title titre"))
"""... and so does a term preceded by one (``nom du mot de passe``)."""
CONNECTORS = frozenset(words("of du de des der van del della di do da a"))
"""Ignored when matching: ``codigo_verificacao`` is ``código de verificação``."""
NOT_SECRET = (words("palabra clave"), words("parola chiave"))
"""Search keywords, not keys."""


def _core(ws: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(w for w in ws if w not in CONNECTORS)


def _hits(name: tuple[str, ...], terms: frozenset[tuple[str, ...]]) -> bool:
    ws = _core(name)
    for i in range(len(ws)):
        for term in map(_core, terms):
            end = i + len(term)
            found = ws[i:end] == term or (
                len(term) == 1 and term[0] in STEMS and term[0] in ws[i] and ws[i] != term[0]
            )
            if not found or (end < len(ws) and ws[end] in DESCRIPTORS) or ws[i - 1 : i] in PREFIXES:
                continue
            if any(_core(phrase) == ws[max(0, i - 1) : i + 1] for phrase in NOT_SECRET):
                continue
            return True
    return False


def selector_names(selector: str) -> list[str]:
    """The names in a selector: each quoted string, and each identifier outside quotes."""
    quoted = re.findall(r"\"([^\"]*)\"|'([^']*)'", selector)
    bare = re.sub(r"\"[^\"]*\"|'[^']*'", " ", selector)
    return [a or b for a, b in quoted] + re.findall(r"[\w-]+", bare)


def field_kind(selector: str) -> FieldKind | None:
    """``otp``, ``password`` or ``secret`` if any name in ``selector`` says so (in that order)."""
    if re.search(r"type\s*=\s*[\"']?password\b", selector, re.I):
        return "password"
    names = [words(n) for n in selector_names(selector)]
    kinds: tuple[tuple[FieldKind, frozenset[tuple[str, ...]]], ...] = (
        ("otp", OTP_TERMS),
        ("password", PASSWORD_TERMS),
        ("secret", SECRET_TERMS),
    )
    return next((kind for kind, terms in kinds if any(_hits(ws, terms) for ws in names)), None)


USER_TERMS = _terms(
    "user", "username", "login", "email", "e-mail", "mail", "account", "benutzer", "benutzername",
    "nutzername", "anmeldename", "konto", "identifiant", "utilisateur", "courriel", "compte",
    "usuario", "correo", "utente", "nome utente", "utilizador", "usuário", "gebruikersnaam",
    "gebruiker", "log",
)  # fmt: skip


def user_field(selector: str) -> bool:
    """Whether ``selector`` names a username or e-mail field (``#user_login``, ``Benutzername``)."""
    return any(_hits(words(n), USER_TERMS) for n in selector_names(selector))


STOP = frozenset(
    words("input textarea select type name id role textbox internal label text attr i s autocomplete")
    + words("placeholder data testid aria title")
)


def input_name(selector: str) -> str:
    """A ``{{input.x}}`` name for a field: its most specific name as ``snake_case`` ascii."""
    for name in reversed(selector_names(selector)):
        ws = [w for w in words(name) if w not in STOP]
        slug = "_".join(ws)[:40].strip("_")
        if slug and not slug[0].isdigit() and slug != "site_url":
            return slug
    return "secret"


SHAPES = re.compile(
    r"eyJ[\w-]{5,}\.[\w-]{5,}|\b(gh[opusr]_|github_pat_)\w{20,}|\bsk-[\w-]{16,}|\b[spr]k_(live|test)_\w{10,}"
    r"|\bxox[abposr]-[\w-]{10,}|\b(AKIA|ASIA)[0-9A-Z]{16}\b|\bAIza[\w-]{30,}|\bglpat-[\w-]{20,}"
    r"|\bhv[sb]\.[\w-]{20,}|-----BEGIN [A-Z ]*PRIVATE KEY-----"
    r"|\b(?=[0-9a-f]*[a-f])(?=[0-9a-f]*[0-9])[0-9a-f]{32,}\b",
    re.I,
)
GROUPED = re.compile(r"(?:[A-Za-z0-9]{4,6}[ -]){3,}[A-Za-z0-9]{4,6}")
"""Keys typed in groups: WordPress application passwords, licence keys."""


def entropy(s: str) -> float:
    """Shannon entropy of ``s`` in bits per character."""
    n = len(s)
    return -sum(c / n * math.log2(c / n) for c in Counter(s).values()) if n else 0.0


def _random(piece: str) -> bool:
    """Long, high-entropy, with digits, and cut into short runs as random strings are: a mean
    run (``Word``, ``2024``, ``x``) of 3 characters or less, or letters and digits alternating
    at 30 % of positions. ``WordPress2024SiteTitle`` and ``2024-11-22-my-post`` are words."""
    alnum = "".join(c for c in piece if c.isalnum())
    if len(piece) < MIN_LEN or entropy(piece) < MIN_BITS or not re.search(r"[^\W\d_]", alnum):
        return False
    runs = re.findall(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|[0-9]+", alnum)
    flips = sum(a.isdigit() != b.isdigit() for a, b in zip(alnum, alnum[1:], strict=False))
    shaped = len(alnum) <= 3 * len(runs) or flips >= 0.3 * len(alnum)
    has_digit = any(c.isdigit() for c in alnum)
    return shaped and (has_digit or (len(alnum) >= 32 and entropy(piece) >= 4.2))


def secret_literal(value: str) -> bool:
    """Whether ``value`` holds a token-shaped or random-looking literal anywhere in it."""
    if SHAPES.search(value):
        return True
    if any(_random(g.replace(" ", "").replace("-", "")) for g in GROUPED.findall(value)):
        return True
    for chunk in value.split():
        structured = "://" in chunk or "@" in chunk  # URLs, e-mail addresses: judge their parts
        pieces = re.split(r"[/?&=#:@.,;+]", chunk) if structured else [chunk]
        if any(_random(p) for p in pieces):
            return True
    return False
