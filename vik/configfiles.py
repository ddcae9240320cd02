"""Reading YAML configuration into pydantic models, with Dutch messages that point at the key.

>>> from pydantic import BaseModel
>>> class Demo(BaseModel):
...     drempel: int
>>> parse_model(Demo, {"drempel": "veel"}, "config/demo.yaml").drempel  # doctest: +SKIP
ConfigError: config/demo.yaml: drempel: moet een geheel getal zijn (gekregen: 'veel')
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar, get_args

import yaml
from pydantic import BaseModel, ValidationError

from vik.errors import ConfigError

M = TypeVar("M", bound=BaseModel)

# Pydantic's error types, said in Dutch; anything else keeps pydantic's own text.
_MESSAGES = {
    "extra_forbidden": "onbekende sleutel; controleer de spelling of haal hem weg",
    "missing": "ontbreekt, maar is verplicht",
    "int_parsing": "moet een geheel getal zijn",
    "int_type": "moet een geheel getal zijn",
    "float_parsing": "moet een getal zijn",
    "float_type": "moet een getal zijn",
    "bool_parsing": "moet true of false zijn",
    "bool_type": "moet true of false zijn",
    "string_type": "moet tekst zijn",
    "date_from_datetime_parsing": "moet een datum zijn (jjjj-mm-dd)",
    "date_parsing": "moet een datum zijn (jjjj-mm-dd)",
    "date_type": "moet een datum zijn (jjjj-mm-dd)",
    "list_type": "moet een lijst zijn",
    "dict_type": "moet een tabel (sleutel: waarde) zijn",
    "model_type": "moet een tabel (sleutel: waarde) zijn",
    "too_short": "is leeg of te kort",
    "string_too_short": "mag niet leeg zijn",
}

# Bounds of a number: pydantic's error type → (its context key, the Dutch words).
# Errors with a bound or pattern in their context, said in Dutch with that bound.
_BOUNDS = {
    "greater_than_equal": "moet ten minste {ge} zijn",
    "greater_than": "moet groter dan {gt} zijn",
    "less_than_equal": "moet ten hoogste {le} zijn",
    "less_than": "moet kleiner dan {lt} zijn",
    "string_too_long": "mag hoogstens {max_length} tekens lang zijn",
    "too_long": "mag hoogstens {max_length} elementen hebben",
    "list_too_short": "moet minstens {min_length} element(en) hebben",
    "string_pattern_mismatch": "heeft niet de goede vorm (patroon {pattern})",
    "multiple_of": "moet een veelvoud van {multiple_of} zijn",
}


def _model_at(model: type[BaseModel] | None, location: tuple[Any, ...]) -> type[BaseModel] | None:
    """The pydantic model that holds the key at this location (None when unknown)."""
    current: Any = model
    for part in location[:-1]:
        if current is None:
            return None
        if isinstance(part, int):
            continue
        fields = getattr(current, "model_fields", None)
        if fields is None or part not in fields:
            # A dict of models (measures, sources): its values are one model.
            current = _inner_model(current)
            continue
        current = _inner_model(fields[part].annotation)
    return current if isinstance(current, type) and issubclass(current, BaseModel) else None


def _inner_model(annotation: Any) -> Any:
    """The BaseModel inside an annotation like Model | None, list[Model], dict[str, Model]."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in get_args(annotation):
        found = _inner_model(arg)
        if found is not None:
            return found
    return None


def describe_validation_error(
    error: ValidationError, where: str, model: type[BaseModel] | None = None
) -> str:
    """Pydantic's errors as Dutch lines, one per problem, naming the key and what is allowed.

    With ``model``, an unknown key lists the keys allowed at that place."""
    lines = []
    for item in error.errors():
        location = ".".join(str(part) for part in item["loc"]) or "(bestand)"
        kind = item["type"]
        context = item.get("ctx", {}) or {}
        if kind in _MESSAGES:
            text = _MESSAGES[kind]
            if kind == "extra_forbidden":
                holder = _model_at(model, tuple(item["loc"]))
                if holder is not None:
                    text += "; toegestaan: " + ", ".join(holder.model_fields)
            if "input" in item and kind not in ("missing", "extra_forbidden"):
                text += f" (gekregen: {item['input']!r})"
        elif kind in ("literal_error", "enum"):
            expected = str(context.get("expected", "")).replace("'", "").replace(" or ", ", ")
            text = f"moet een van deze waarden zijn: {expected} (gekregen: {item.get('input')!r})"
        elif kind in _BOUNDS:
            text = _BOUNDS[kind].format(**context) + f" (gekregen: {item.get('input')!r})"
        elif kind in ("value_error", "assertion_error"):
            text = str(context.get("error", item["msg"])).removeprefix("Value error, ")
        else:
            text = f"ongeldige waarde (gekregen: {item.get('input')!r})"
        lines.append(f"{where}: {location}: {text}")
    return "\n".join(lines)


def parse_model(model: type[M], data: Any, where: str) -> M:
    """Validate data against model; a ConfigError lists every problem with its key."""
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise ConfigError(describe_validation_error(error, where, model)) from None


def read_yaml(path: Path) -> Any:
    """Parse a YAML file; a syntax error names the file and the line."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"Configuratiebestand niet gevonden: {path}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: sla het bestand op als UTF-8") from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = f" (regel {mark.line + 1})" if mark is not None else ""
        problem = getattr(error, "problem", None) or str(error)
        raise ConfigError(f"{path}{line}: geen geldige YAML: {problem}") from None


def load_model(model: type[M], path: Path) -> M:
    return parse_model(model, read_yaml(path) or {}, str(path))
