"""Errors a user of VIK can cause, each with a message that says what to fix.

Every message is Dutch, because the people who read them (functioneel beheer,
the analist, the compliance officer) work in Dutch. The hierarchy::

    VikError
    ├── ConfigError                 a configuration file is wrong
    │   ├── RuleError               a rule file is wrong or may not run
    │   │   ├── RuleSchemaError         unknown key, wrong type, bad expression
    │   │   ├── UndeclaredInputError    the rule reads a field it did not declare
    │   │   ├── ForbiddenInputError     the rule profiles people by origin or identity
    │   │   └── DoelbindingError        incomplete doelbinding, self-approval, ...
    │   └── PseudonymKeyError       the key for BSN pseudonyms is missing or too short
    ├── ExtractError                an extract cannot be taken in
    │   ├── MissingExtractError         the file is not there
    │   ├── FileFormatError             the file is not what its name or config says
    │   ├── MissingColumnError          a required column is absent
    │   └── ShrinkGuardError            empty or sharply shrunk extract, refused
    ├── DataDirError                VIK cannot write its data folder or database file
    ├── StoreError                  the database refuses
    │   ├── SchemaError                 the database is missing, empty, behind or ahead of VIK
    │   ├── RunLockedError              another run is in progress
    │   └── NoRunError                  there is no (successful) run to read from
    ├── ReviewError                 a decision, snooze or link judgement is incomplete
    ├── ApprovalError               an approval of a rule version is refused
    ├── FilterError                 a filter typed in the web queue cannot be read
    ├── LookupRefusedError          a lookup (bevraging) or export without an allowed purpose
    ├── InzageError                 an inzageverzoek cannot be taken in as entered
    ├── UserError                   an account cannot be created, changed or used
    │   └── LoginError                  sign-in refused (one message, whatever the cause)
    ├── StepFailed                  a nightly run failed in a step; the cause is its .cause
    └── WebError                    a request the web application refuses (vik.web._security)
        ├── NotSignedIn                 no (valid) session: to the sign-in page
        ├── Forbidden                   this role may not use this page: 403
        ├── NotFound                    no such object, or not this department's: 404
        ├── CsrfFailed                  a form without this session's CSRF token: 403
        └── BodyTooLarge                a request body over the limit: 413

``str(error)`` is the message for the user; raise with the full sentence. The web errors
are turned into pages by vik.web._app, each by its own handler: nothing catches them as
VikError.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path


class VikError(Exception):
    """Base of every error VIK raises on purpose."""


class ConfigError(VikError):
    """A configuration file (config/*.yaml) is wrong."""


class RuleError(ConfigError):
    """A rule file is wrong or may not run."""


class RuleSchemaError(RuleError):
    """A rule file does not follow the rule schema."""


class UndeclaredInputError(RuleError):
    """A rule refers to a field that is not among its declared inputs."""


class ForbiddenInputError(RuleError):
    """A rule reads a field that profiles people by origin or identity."""


class DoelbindingError(RuleError):
    """A rule's doelbinding or approval does not allow it to run."""


class ApprovalError(VikError):
    """An approval of a rule version is refused (own rule, wrong role, no besluit, ...)."""


class PseudonymKeyError(ConfigError):
    """The secret key for BSN pseudonyms is missing or unusable."""


class ExtractError(VikError):
    """An extract cannot be taken in."""


class MissingExtractError(ExtractError):
    """An enabled source has no file in the extracts folder."""


class FileFormatError(ExtractError):
    """A file is not what its extension or configuration says."""


class MissingColumnError(ExtractError):
    """A required column is absent from an extract."""


class ShrinkGuardError(ExtractError):
    """An extract is empty or shrank sharply against the previous run."""


class DataDirError(VikError):
    """VIK cannot create or write its data folder, or its SQLite database file."""


class StoreError(VikError):
    """The database refuses an operation."""


class SchemaError(StoreError):
    """The database's schema is not this VIK's version: `vik db upgrade` or another VIK."""


class RunLockedError(StoreError):
    """Another run holds the run lock."""


class NoRunError(StoreError):
    """There is no run to read results from."""


class ReviewError(VikError):
    """A decision, snooze or judgement is incomplete or not allowed; the message says why."""


class FilterError(VikError):
    """A queue filter the user typed cannot be read."""


class LookupRefusedError(VikError):
    """A lookup or export is refused: no purpose, a purpose the department does not have,
    no reason, or a subject that cannot be read; the message names what is allowed."""


class InzageError(VikError):
    """An inzageverzoek (art. 15 AVG) cannot be taken in as entered; the message says why."""


class UserError(VikError):
    """An account cannot be created, changed or used as asked; the message says why."""


class LoginError(UserError):
    """Sign-in refused: unknown name, wrong password, account disabled or locked."""


class StepFailed(VikError):
    """A run failed in `step` ("start": before its first step).

    Where it is recorded: as run `run_id` in the database (`vik runs`), else in
    `fallback_file` in the data folder (`vik runs` shows that too; `database_error` says
    why the database could not take it), else nowhere (both refused; the message is all
    there is). `log_file` holds the full traceback."""

    def __init__(
        self,
        step: str,
        cause: BaseException,
        *,
        run_id: int | None = None,
        log_file: Path | None = None,
        fallback_file: Path | None = None,
        database_error: str | None = None,
    ):
        super().__init__(f"stap {step} mislukt: {cause}")
        self.step, self.cause = step, cause
        self.run_id, self.log_file, self.fallback_file = run_id, log_file, fallback_file
        self.database_error = database_error


class WebError(VikError):
    """A request the web application refuses (vik.web._security): each kind has its own
    page, so nothing catches these as VikError."""
