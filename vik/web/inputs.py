"""Weak inputs refused with a Dutch reason: trivial passwords, and purposes that are not words.

    >>> check_password("1234567890")
    Traceback (most recent call last):
    vik.errors.UserError: Het wachtwoord bestaat alleen uit cijfers: ...
    >>> check_purpose("aaaaaaaaaa")
    Traceback (most recent call last):
    vik.errors.ReviewError: Beschrijf het doel in woorden: ...

Passwords follow NIST SP 800-63B §5.1.1.2 rather than composition rules: long enough,
not a list of common passwords, not repetitive or sequential, not the account's own
name. A stated purpose goes into the access log for the compliance officer to read;
"aaaaaaaaaa" tells them nothing. Framework-free: `vik users` uses it too.
"""

from __future__ import annotations

import re

from vik.errors import ReviewError, UserError

MIN_PASSWORD = 10
MAX_PASSWORD = 256  # argon2 hashes any length; a bound keeps sign-in cheap to refuse
MIN_DISTINCT = 5  # different characters in a password
# Rows a password must not simply walk along (forwards or backwards).
SEQUENCES = (
    "0123456789",
    "abcdefghijklmnopqrstuvwxyz",
    "qwertyuiop",
    "asdfghjkl",
    "zxcvbnm",
    "1qaz2wsx3edc4rfv",
)
# Common passwords and the words they are built on (Dutch and English), compared after
# lowering the case and dropping digits and punctuation at the ends ("Welkom2024!").
COMMON = frozenset(
    [
        "password",
        "passwoord",
        "paswoord",
        "wachtwoord",
        "wachtwoorden",
        "geheim",
        "geheimpje",
        "welkom",
        "welkom01",
        "welcome",
        "letmein",
        "iloveyou",
        "admin",
        "administrator",
        "beheer",
        "beheerder",
        "gebruiker",
        "user",
        "login",
        "inloggen",
        "aanmelden",
        "qwerty",
        "qwertyuiop",
        "azerty",
        "asdfgh",
        "abc",
        "abcdef",
        "abcdefgh",
        "monkey",
        "dragon",
        "master",
        "shadow",
        "sunshine",
        "princess",
        "football",
        "voetbal",
        "baseball",
        "superman",
        "batman",
        "trustno",
        "starwars",
        "whatever",
        "freedom",
        "hello",
        "hallo",
        "hoihoi",
        "doei",
        "test",
        "testen",
        "tester",
        "testtest",
        "demo",
        "vik",
        "gemeente",
        "ambtenaar",
        "lindewaard",
        "zomer",
        "winter",
        "lente",
        "herfst",
        "januari",
        "februari",
        "maart",
        "april",
        "juni",
        "juli",
        "augustus",
        "september",
        "oktober",
        "november",
        "december",
        "maandag",
        "dinsdag",
        "woensdag",
        "donderdag",
        "vrijdag",
        "zaterdag",
        "zondag",
        "ajax",
        "feyenoord",
        "psv",
        "amsterdam",
        "rotterdam",
        "utrecht",
        "nederland",
        "holland",
        "oranje",
        "koning",
        "koningin",
        "liefde",
        "schatje",
        "lieverd",
        "poepie",
        "snoepje",
        "computer",
        "internet",
        "changeme",
        "veranderen",
        "wijzigen",
        "nieuw",
        "nieuwwachtwoord",
        "secret",
        "private",
        "privacy",
        "security",
        "beveiliging",
        "toegang",
        "access",
        "default",
        "standaard",
        "temp",
        "tijdelijk",
    ]
)


def check_password(password: str, username: str | None = None) -> None:
    """Raise a UserError that says why, if the password is trivially weak."""
    if len(password) < MIN_PASSWORD:
        raise UserError(
            f"Het wachtwoord is te kort: gebruik minstens {MIN_PASSWORD} tekens "
            "(een zin van een paar woorden werkt goed)."
        )
    if len(password) > MAX_PASSWORD:
        raise UserError(f"Het wachtwoord is te lang: ten hoogste {MAX_PASSWORD} tekens.")
    lowered = password.lower()
    if password.isdigit():
        raise UserError(
            "Het wachtwoord bestaat alleen uit cijfers: zulke wachtwoorden (data, "
            "telefoonnummers) zijn snel te raden. Gebruik een zin van een paar woorden."
        )
    if len(set(lowered)) < MIN_DISTINCT or _repeats(lowered):
        raise UserError(
            "Het wachtwoord herhaalt steeds dezelfde tekens: dat is snel te raden. "
            "Gebruik een zin van een paar woorden."
        )
    if any(lowered in row or lowered in row[::-1] for row in SEQUENCES):
        raise UserError(
            "Het wachtwoord is een reeks tekens op een rij (zoals 123456 of qwerty): dat is "
            "snel te raden. Gebruik een zin van een paar woorden."
        )
    if re.sub(r"^[\W\d_]+|[\W\d_]+$", "", lowered) in COMMON:
        raise UserError(
            "Dit wachtwoord staat op de lijst van veelgebruikte wachtwoorden en is snel te "
            "raden. Gebruik een zin van een paar woorden."
        )
    if username and username.lower() in lowered:
        raise UserError("Het wachtwoord bevat de gebruikersnaam; kies iets anders.")


def _repeats(text: str) -> bool:
    """Is the text one short block repeated ("abcabcabcabc", "wachtwachtwacht")?"""
    return any(
        len(text) % size == 0 and text == text[:size] * (len(text) // size)
        for size in range(1, len(text) // 2 + 1)
    )


VOWELS = set("aeiouyáàäâéèëêíìïîóòöôúùüû")
MIN_WORDS = 2
MIN_LETTERS = 5  # different letters in a purpose


def check_purpose(text: str) -> None:
    """Raise a ReviewError if a stated purpose is not a few words (after its length has
    been checked): at least two different words with a vowel, not one letter repeated."""
    words = {w.lower() for w in re.findall(r"[^\W\d_]{3,}", text)}
    real = {w for w in words if VOWELS & set(w) and len(set(w)) > 1}
    letters = {c for w in real for c in w}
    if len(real) < MIN_WORDS or len(letters) < MIN_LETTERS:
        raise ReviewError(
            "Beschrijf het doel in woorden: waarom bekijkt u deze persoonsgegevens? "
            "Bijvoorbeeld: voorbereiding LOO van 12 november. Het doel komt in het "
            "toegangslog, dat de functionaris gegevensbescherming leest."
        )
