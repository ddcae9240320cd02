"""The exception tree drawn in vik/errors.py is the real one: every error VIK raises on
purpose, the night's StepFailed and the web's refusals included, is a VikError where
the drawing puts it."""

from __future__ import annotations

import re

import vik.errors
from vik.errors import StepFailed, VikError, WebError
from vik.web import _security

_BRANCH = re.compile(r"^(?P<indent>[ │]*)[├└]── (?P<name>\w+)")


def drawn_tree() -> dict[str, str]:
    """name → parent name, from the drawing in the module docstring."""
    parents: dict[str, str] = {}
    path = ["VikError"]
    for line in (vik.errors.__doc__ or "").splitlines():
        match = _BRANCH.match(line.removeprefix("    "))
        if match is None:
            continue
        depth = len(match["indent"]) // 4 + 1
        path = [*path[:depth], match["name"]]
        parents[match["name"]] = path[depth - 1]
    return parents


def test_the_drawn_tree_is_the_class_tree():
    classes = {
        name: value
        for module in (vik.errors, _security)
        for name, value in vars(module).items()
        if isinstance(value, type) and issubclass(value, Exception)
    }
    tree = drawn_tree()
    assert set(tree) == set(classes) - {"VikError"}
    for name, parent in tree.items():
        assert classes[name].__bases__ == (classes[parent],), name


def test_a_failed_night_and_a_refused_request_are_vik_errors():
    assert issubclass(StepFailed, VikError)
    for refusal in (
        _security.NotSignedIn,
        _security.Forbidden,
        _security.NotFound,
        _security.CsrfFailed,
        _security.BodyTooLarge,
    ):
        assert issubclass(refusal, WebError) and issubclass(refusal, VikError)
