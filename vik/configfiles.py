"""Reading YAML configuration into pydantic models, with Dutch messages that point at the key.

>>> from pydantic import BaseModel
>>> class Demo(BaseModel):
...     drempel: int
>>> parse_model(Demo, {"drempel": "veel"}, "config/demo.yaml").drempel  # doctest: +SKIP
ConfigError: config/demo.yaml: drempel: moet een geheel getal zijn (gekregen: 'veel')
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

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
_BOUNDS = {
    "less_than_equal": ("le", "ten hoogste"),
    "less_than": ("lt", "kleiner dan"),
    "greater_than_equal": ("ge", "ten minste"),
    "greater_than": ("gt", "groter dan"),
}


def describe_validation_error(error: ValidationError, where: str) -> str:
    lines = []
    for item in error.errors():
        location = ".".join(str(part) for part in item["loc"]) or "(bestand)"
        kind = item["type"]
        if kind in _MESSAGES:
            text = _MESSAGES[kind]
            if "input" in item and kind not in ("missing", "extra_forbidden"):
                text += f" (gekregen: {item['input']!r})"
        elif kind == "literal_error":
            expected = item.get("ctx", {}).get("expected", "")
            text = f"moet een van deze waarden zijn: {expected} (gekregen: {item.get('input')!r})"
        elif kind in _BOUNDS:
            bound, word = _BOUNDS[kind]
            limit = item.get("ctx", {}).get(bound)
            text = f"moet {word} {limit} zijn (gekregen: {item.get('input')!r})"
        elif kind == "value_error":
            text = str(item.get("ctx", {}).get("error", item["msg"]))
        else:
            text = item["msg"]
        lines.append(f"{where}: {location}: {text}")
    return "\n".join(lines)


def parse_model(model: type[M], data: Any, where: str) -> M:
    """Validate data against model; a ConfigError lists every problem with its key."""
    try:
        return model.model_validate(data)
    except ValidationError as error:
        raise ConfigError(describe_validation_error(error, where)) from None


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
