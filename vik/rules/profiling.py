"""The profiling ban: by data category, whatever a column is called.

Every column of the contract (vik/connectors/schemas.py) and every extra column of
config/sources.yaml declares its data category. A rule or lookup purpose may not
read a column of a forbidden category (the special categories of art. 9 AVG, and
nationality, country of birth, language, gender, residence status), nor a column
whose *name* says it is one while its declared category says otherwise (a wrongly
declared extra column). An exception (``profilering_uitzondering``) lets the file
load; the rule runs only once the guarding role approved the exception of this
exact version, and it is a warning wherever the rule is shown.

    >>> profiling_problem(context.schemas["brp"], "nationaliteit")  # doctest: +SKIP
    'categorie nationaliteit'
"""

from __future__ import annotations

from vik.connectors.model import (
    ARTICLE_9_CATEGORIES,
    FORBIDDEN_CATEGORIES,
    SourceSchema,
)

__all__ = ["PROFILING_WORDS", "is_profiling", "profiling_problem"]

# Names that say a column profiles people by origin or identity. A field matches when it
# is the word itself or the word with a suffix/prefix after an underscore
# (nationaliteit_code), so geslachtsnaam is not geslacht.
PROFILING_WORDS = (
    "nationaliteit",
    "geboorteland",
    "geboorteplaats",
    "geslacht",
    "geslachtsaanduiding",
    "gender",
    "etniciteit",
    "afkomst",
    "herkomst",
    "migratieachtergrond",
    "taalvaardigheid",
    "moedertaal",
    "taal",
    "religie",
    "geloof",
    "ras",
    "huidskleur",
    "seksuele_geaardheid",
    "verblijfstitel",
    "gezondheid",
    "diagnose",
)


def is_profiling(field_name: str) -> bool:
    """Whether a column's name says it profiles (used beside the declared category)."""
    return any(
        field_name == word or field_name.startswith(f"{word}_") or field_name.endswith(f"_{word}")
        for word in PROFILING_WORDS
    )


def profiling_problem(schema: SourceSchema, field_name: str) -> str | None:
    """Why reading this field profiles people (None: it does not)."""
    column = next((c for c in schema.columns if c.stored_name == field_name), None)
    category = column.category if column is not None else None
    if category in FORBIDDEN_CATEGORIES:
        assert category is not None
        kind = (
            "bijzonder persoonsgegeven (art. 9 AVG)"
            if category in ARTICLE_9_CATEGORIES
            else ("gegeven over herkomst of identiteit")
        )
        return f"categorie {category.value}, een {kind}"
    if is_profiling(field_name):
        declared = f" (opgegeven categorie: {category.value})" if category else ""
        return f"de naam wijst op herkomst, identiteit of gezondheid{declared}"
    return None
