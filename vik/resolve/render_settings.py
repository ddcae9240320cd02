"""config/resolve.yaml and the settings table of docs/resolution.md, generated from the settings.

    .venv/bin/python -m vik.resolve.render_settings   # config/resolve.yaml, docs/resolution.md

(of the checkout VIK is installed from; or give the two paths.)

Every setting with its default and its Dutch description (the ``description`` of its
pydantic field); a test keeps both files in step with vik.resolve.settings.
"""

from __future__ import annotations

import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel

from vik.resolve.persons import Comparison, WeighedComparison
from vik.resolve.settings import ResolveSettings

START, END = "<!-- generated:start -->", "<!-- generated:end -->"


def _describe(model: BaseModel, name: str) -> str:
    """What a field of `model` holding a model or value is, in one line."""
    value = getattr(model, name)
    description = type(model).model_fields[name].description or ""
    if isinstance(model, WeighedComparison) and name == "m_start":
        description = WeighedComparison.model_fields[name].description or ""
    if isinstance(value, Comparison):
        what = f"Vergelijking {value.label}: niveaus {value.levels_text()}."
        return f"{description} {what}".strip()
    if isinstance(model, WeighedComparison) and name == "m_start":
        levels = ", ".join(level.label for level in model.level)
        return f"{description} Niveaus: {levels}."
    return description


def settings_items(
    model: BaseModel, prefix: str = ""
) -> Iterator[tuple[str, Any, str, BaseModel | None]]:
    """(dotted key, value, description, the model it opens or None) of every field,
    depth first, in field order."""
    names = list(type(model).model_fields)
    if isinstance(model, WeighedComparison):
        # A comparison's thresholds first, then where EM starts.
        names = sorted(names, key=lambda name: name == "m_start")
    for name in names:
        value = getattr(model, name)
        key = f"{prefix}{name}"
        if isinstance(value, BaseModel):
            yield key, None, _describe(model, name), value
            yield from settings_items(value, f"{key}.")
        else:
            yield key, value, _describe(model, name), None


def _scalar(value: Any) -> str:
    if isinstance(value, tuple):
        value = list(value)
    text = yaml.safe_dump(value, default_flow_style=True, allow_unicode=True)
    return text.removesuffix("\n...\n").strip()


def render_yaml(settings: ResolveSettings | None = None) -> str:
    """config/resolve.yaml with every setting, its default and its description."""
    lines = [
        "# Drempels van de koppeling van adressen, bedrijven en personen (docs/resolution.md).",
        "# Elke instelling staat hier met haar standaardwaarde en betekenis; pas aan wat nodig",
        "# is en laat de rest staan of haal het weg. Een onbekende sleutel of een waarde buiten",
        "# het bereik wordt geweigerd: de nacht start dan niet.",
    ]
    for key, value, description, opens in settings_items(settings or ResolveSettings()):
        depth = key.count(".")
        indent = "  " * depth
        name = key.rsplit(".", 1)[-1]
        if depth == 0:
            lines.append("")
        for line in textwrap.wrap(description, width=88 - len(indent)):
            lines.append(f"{indent}# {line}")
        lines.append(
            f"{indent}{name}:" if opens is not None else f"{indent}{name}: {_scalar(value)}"
        )
    return "\n".join(lines) + "\n"


def render_table(settings: ResolveSettings | None = None) -> str:
    """Every setting of config/resolve.yaml as a Markdown table."""
    lines = ["| key | default | description (as in the file) |", "|---|---|---|"]
    for key, value, description, opens in settings_items(settings or ResolveSettings()):
        if opens is None:
            lines.append(f"| `{key}` | `{_scalar(value)}` | {description} |")
    return "\n".join(lines)


def replace_generated(text: str) -> str:
    """The Markdown `text` with the part between the generated markers rendered anew."""
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    return f"{head}{START}\n{render_table()}\n{END}{tail}"


if __name__ == "__main__":  # pragma: no cover
    checkout = Path(__file__).resolve().parents[2]
    default = [checkout / "config" / "resolve.yaml", checkout / "docs" / "resolution.md"]
    config, docs = [Path(arg) for arg in sys.argv[1:3]] or default
    config.write_text(render_yaml(), encoding="utf-8")
    docs.write_text(replace_generated(docs.read_text(encoding="utf-8")), encoding="utf-8")
