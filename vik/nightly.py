"""The nightly run as plain functions: extract → resolve → evaluate → persist → report → purge.

``run_nightly`` is the whole run; the steps themselves are plain functions in
vik.pipeline, and ``vik/flows/nightly.py`` runs the same steps as Prefect tasks by passing
its own ``Steps``. This module is the run around them: its lock, its bookkeeping, and
what a failure leaves behind. Atomic by construction: persist,
report and purge share one database transaction that commits last, so a run
that fails anywhere leaves the last good run's results untouched, and records
itself as failed with the step and the error.

    >>> result = run_nightly(NightlyConfig.from_settings(Settings(), extracts_dir=Path("x")))
    >>> result.run_id, result.flag_counts
    (8, {'nieuw': 2, 'bevestigd': 40, 'heropend': 0, 'vervallen': 1, 'open': 42})

Logs carry counts, rule ids and run ids; never names, addresses or pseudonyms.
Every run leaves its metrics (vik.store.reports.write_metrics); a failed run
still purges what is past its term, and a failed, unstarted or held-back night
alerts functioneel beheer (vik.alerts).
"""

from __future__ import annotations

import json
import logging
import shutil
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import polars as pl
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import SQLAlchemyError

from vik.alerts import Alert, Alerter, night_failed, night_not_started, sources_held_back
from vik.connectors.config import SourcesConfig, load_sources_config
from vik.connectors.guards import Baseline
from vik.connectors.ingest import (
    Extracts,
    baselines_from_counts,
    extract_source,
    write_quarantine,
)
from vik.connectors.pseudonyms import PseudonymKey, load_key
from vik.connectors.schemas import SOURCES
from vik.errors import RunLockedError, StepFailed, StoreError, VikError
from vik.files import private_dir
from vik.flags.entities import dwellings_per_wijk
from vik.flags.priority import PriorityWeights, load_weights
from vik.followup import FollowUp, load_followup
from vik.home import prepare_run, require_configuration
from vik.lookup.projection import discard_staged, publish_projection, stage_projection
from vik.lookup.purposes import Purposes, load_purposes
from vik.lookup.settings import LookupSettings, load_lookup_settings
from vik.pipeline import ACTOR, evaluate_step, persist_step, purge_step, resolve_step
from vik.resolve.settings import ResolveSettings, load_resolve_settings
from vik.rules import Context, RuleSet, load_context, load_rules
from vik.runlog import (
    RUNS_SUBDIR,
    UnrecordedRun,
    append_traceback,
    record_unrecorded,
    run_folder,
    run_log,
    run_log_path,
)
from vik.settings import Settings
from vik.store.approvals import load_approvals, seed_shipped_approvals
from vik.store.db import connect, normalise_url, open_current, session_scope
from vik.store.dossiers import count_dossiers
from vik.store.flags import count_open_flags
from vik.store.links import load_judgements
from vik.store.lock import DEFAULT_MAX_AGE, RunLockHandle, run_lock
from vik.store.models import Run, RunStatus, utcnow
from vik.store.reports import write_metrics, write_report
from vik.store.retention import purge_outside_night
from vik.store.runs import fail_run, last_good_source_counts, record_failed_start, start_run

log = logging.getLogger("vik.nightly")

STEPS = ("extract", "resolve", "evaluate", "persist", "report", "purge")
# The step a run fails in when it cannot begin: no key, no configuration, no database, ...
START_STEP = "start"


@dataclass(frozen=True)
class NightlyConfig:
    extracts_dir: Path
    database_url: str
    config_dir: Path
    data_dir: Path
    peildatum: date
    key: PseudonymKey
    accept_shrink: tuple[str, ...] = ()
    lock_max_age: timedelta = DEFAULT_MAX_AGE
    alerts: Alerter | None = None

    @classmethod
    def from_settings(
        cls,
        settings: Settings,
        *,
        extracts_dir: Path,
        database_url: str | None = None,
        peildatum: date | None = None,
        accept_shrink: Iterable[str] = (),
        key: PseudonymKey | None = None,
    ) -> NightlyConfig:
        return cls(
            extracts_dir=extracts_dir,
            database_url=database_url or settings.resolved_database_url(),
            config_dir=settings.config_dir,
            data_dir=settings.data_dir,
            peildatum=peildatum or date.today(),
            key=key or load_key(settings),
            accept_shrink=tuple(accept_shrink),
            lock_max_age=timedelta(hours=settings.run_lock_max_age_hours),
            alerts=Alerter.from_settings(settings),
        )


@dataclass
class RunResult:
    run_id: int
    status: str
    report_path: Path | None
    flag_counts: dict[str, int] = field(default_factory=dict)
    source_counts: dict[str, dict[str, Any]] = field(default_factory=dict)


class Steps:
    """How steps are executed: directly here, as Prefect tasks in vik/flows/nightly.py."""

    def run(self, name: str, function: Callable[..., Any], *args: Any) -> Any:
        return function(*args)

    def map(
        self, name: str, function: Callable[..., Any], items: list[Any], *args: Any
    ) -> list[Any]:
        return [function(item, *args) for item in items]


# --- the run ------------------------------------------------------------------------------


def failed_start(
    database_url: str,
    data_dir: Path,
    peildatum: date,
    extracts_dir: Path | str,
    error: BaseException,
    step: str = START_STEP,
) -> StepFailed:
    """Record a run that could not begin, in the database or else in the data folder.

    Returns the StepFailed to raise; it says where the failure was recorded."""
    try:
        if not _database_exists(database_url):
            raise StoreError("de database bestaat nog niet")
        run_id = record_failed_start(
            connect(database_url), peildatum, str(extracts_dir), step, error
        )
    except Exception as database_error:  # unreachable, read-only, not migrated, ...
        entry = UnrecordedRun.now(peildatum, str(extracts_dir), step, error, database_error)
        fallback = record_unrecorded(data_dir, entry)
        log.error(
            "run kon niet beginnen (%s) en de database kon dat niet vastleggen (%s)",
            type(error).__name__,
            type(database_error).__name__,
        )
        return StepFailed(step, error, fallback_file=fallback, database_error=entry.database_error)
    log_file: Path | None = run_log_path(data_dir, run_id)
    if not append_traceback(run_log_path(data_dir, run_id), error):
        log_file = None
    log.error("run %s kon niet beginnen: %s", run_id, type(error).__name__)
    return StepFailed(step, error, run_id=run_id, log_file=log_file)


def _database_exists(database_url: str) -> bool:
    """False for a SQLite file that is not there: recording a failure must not create it."""
    url = make_url(normalise_url(database_url))
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return True
    return Path(url.database).is_file()


def start_night(
    settings: Settings,
    *,
    extracts_dir: Path | None = None,
    database_url: str | None = None,
    peildatum: date | None = None,
    accept_shrink: Iterable[str] = (),
    steps: Steps | None = None,
) -> RunResult:
    """The night as `vik run`, `vik serve` and a Prefect worker start it.

    What a run needs is checked before it begins (data folder, database file, configuration,
    key); a run that cannot begin is recorded as failed in step "start" like any other."""
    database_url = database_url or settings.resolved_database_url()
    peildatum = peildatum or date.today()
    extracts_dir = extracts_dir or settings.resolved_extracts_dir()
    try:
        prepare_run(settings, database_url)
        config = NightlyConfig.from_settings(
            settings,
            extracts_dir=extracts_dir,
            database_url=database_url,
            peildatum=peildatum,
            accept_shrink=accept_shrink,
        )
    except VikError as error:
        alerts = Alerter.from_settings(settings)
        if alerts is not None:
            alerts.send(night_not_started(peildatum, str(error)))
        raise failed_start(
            database_url, settings.data_dir, peildatum, extracts_dir, error
        ) from error
    return run_nightly(config, steps)


def _cannot_begin(config: NightlyConfig, error: BaseException) -> StepFailed:
    """A run that could not begin: logged, reported to the administrator, recorded."""
    log.error(
        "run voor peildatum %s niet gestart: %s",
        config.peildatum.isoformat(),
        type(error).__name__,
        extra={"event": "run_niet_gestart"},
    )
    if config.alerts is not None:
        config.alerts.send(night_not_started(config.peildatum, str(error)))
    return failed_start(
        config.database_url, config.data_dir, config.peildatum, config.extracts_dir, error
    )


def _write_refused(error: SQLAlchemyError) -> StoreError:
    cause = getattr(error, "orig", None) or error
    return StoreError(
        f"De database weigert de run vast te leggen ({type(cause).__name__}: "
        f"{str(cause).splitlines()[0]}). Geef de gebruiker van VIK schrijfrechten op de "
        "database, of zet VIK_DATABASE_URL naar een database waarin VIK mag schrijven."
    )


def run_nightly(config: NightlyConfig, steps: Steps | None = None) -> RunResult:
    """One nightly run. Raises StepFailed (after recording the failure) if it fails, also
    when it cannot begin (step "start": a database to upgrade, a broken configuration file,
    another run holding the lock)."""
    steps = steps or Steps()
    try:
        engine = open_current(config.database_url)
        require_configuration(config.config_dir)
        sources = load_sources_config(config.config_dir)
        context = load_context(config.config_dir)
        rules = load_rules(config.config_dir / "rules", context)
        weights = load_weights(config.config_dir)
        followup = load_followup(config.config_dir, context.departments)
        purposes = load_purposes(config.config_dir, context)
        lookup = load_lookup_settings(config.config_dir)
        resolve_settings = load_resolve_settings(config.config_dir)
    except VikError as error:
        raise _cannot_begin(config, error) from error
    night = _Night(config, engine, steps, weights, purposes, lookup, resolve_settings, followup)
    try:
        with run_lock(
            engine, label=f"peildatum {config.peildatum.isoformat()}", max_age=config.lock_max_age
        ) as lock:
            result = night.run(lock, sources, context, rules)
    except RunLockedError as error:
        raise _cannot_begin(config, error) from error
    _prune_run_dirs(config.data_dir / RUNS_SUBDIR, keep=30)
    return result


class _Night:
    """The steps of one run between taking and releasing the lock, and what follows a
    failure: the purge that retention requires anyway, the metrics, the alert."""

    def __init__(
        self,
        config: NightlyConfig,
        engine: Engine,
        steps: Steps,
        weights: PriorityWeights,
        purposes: Purposes,
        lookup: LookupSettings,
        resolve_settings: ResolveSettings,
        followup: FollowUp,
    ) -> None:
        self.config, self.engine, self.steps, self.weights = config, engine, steps, weights
        self.purposes, self.lookup, self.followup = purposes, lookup, followup
        self.resolve_settings = resolve_settings
        self.timings: dict[str, float] = {}
        self.held_back: dict[str, str] = {}

    def alert(self, alert: Alert) -> None:
        if self.config.alerts is not None:
            self.config.alerts.send(alert)

    def _timed(self, name: str, function: Callable[..., Any], *args: Any) -> Any:
        started = time.perf_counter()
        result = self.steps.run(name, function, *args)
        self.timings[name] = time.perf_counter() - started
        return result

    def run(
        self, lock: RunLockHandle, sources: SourcesConfig, context: Context, rules: RuleSet
    ) -> RunResult:
        config = self.config
        try:
            with session_scope(self.engine) as session:
                baselines = baselines_from_counts(last_good_source_counts(session))
                judgements = load_judgements(session)
                # A fresh database gets the shipped approvals (config/approvals.yaml)
                # once; every other approval is made by an account (vik/store/approvals.py).
                seed_shipped_approvals(session, config.config_dir, actor=ACTOR)
            with session_scope(self.engine) as session:
                context.approvals = load_approvals(session)
            run = start_run(self.engine, config.peildatum, str(config.extracts_dir))
        except VikError as error:
            raise _cannot_begin(config, error) from error
        except SQLAlchemyError as error:
            raise _cannot_begin(config, _write_refused(error)) from error
        # Kept apart from the ORM object, which a rolled-back session leaves unusable.
        run_id = run.id
        assert run_id is not None
        lock.attach_run(run_id)
        private_dir(config.data_dir / RUNS_SUBDIR)  # quarantine and reports: VIK's eyes only
        with run_log(run_log_path(config.data_dir, run_id)):
            return self._steps(run, run_id, baselines, judgements, sources, context, rules)

    def _steps(
        self,
        run: Run,
        run_id: int,
        baselines: dict[str, Baseline],
        judgements: pl.DataFrame,
        sources: SourcesConfig,
        context: Context,
        rules: RuleSet,
    ) -> RunResult:
        config, engine, steps, weights = self.config, self.engine, self.steps, self.weights
        run_dir = run_folder(config.data_dir, run_id)
        log.info(
            "run %s gestart, peildatum %s",
            run_id,
            config.peildatum.isoformat(),
            extra={"run_id": run_id, "event": "run_gestart"},
        )
        step = "extract"
        try:
            started = time.perf_counter()
            ingested = steps.map(
                "extract",
                extract_source,
                [s for s in SOURCES],
                config.extracts_dir,
                sources,
                config.key,
                baselines,
                config.accept_shrink,
            )
            extracts = Extracts(ingested)
            write_quarantine(extracts, run_dir / "quarantaine")
            for name, summary in extracts.summaries().items():
                log.info(
                    "run %s bron %s: %s gelezen, %s geaccepteerd, %s in quarantaine",
                    run_id,
                    name,
                    summary.rows_read,
                    summary.rows_accepted,
                    summary.rows_quarantined,
                    extra={
                        "run_id": run_id,
                        "event": "bron",
                        "source": name,
                        "rows_read": summary.rows_read,
                        "rows_accepted": summary.rows_accepted,
                        "rows_quarantined": summary.rows_quarantined,
                    },
                )
            self.held_back = extracts.errors()
            _record_sources(engine, run_id, extracts)
            extracts.raise_for_errors()
            self.timings["extract"] = time.perf_counter() - started

            step = "resolve"
            resolved = self._timed(
                "resolve", resolve_step, extracts, judgements, self.resolve_settings
            )
            # From here on the resolved frames are the data; what stays of the
            # extracts is their summaries and dates (the peak memory of the night).
            extracts = extracts.without_rows()
            del ingested

            step = "evaluate"
            evaluation = self._timed(
                "evaluate", evaluate_step, resolved, rules, config.peildatum, context
            )
            for outcome in evaluation.outcomes:
                log.info(
                    "run %s regel %s: %s",
                    run_id,
                    outcome.rule_id,
                    f"{outcome.hits.height} signalen, {outcome.undecided.height} onbeslist"
                    if outcome.ran
                    else "niet gedraaid",
                    extra={"run_id": run_id, "event": "regel", "rule_id": outcome.rule_id},
                )

            with session_scope(engine) as session:
                current = session.get(Run, run_id)
                assert current is not None  # committed before any step ran
                run = current
                step = "persist"
                stored = self._timed(
                    "persist",
                    persist_step,
                    session,
                    run,
                    extracts,
                    resolved,
                    evaluation,
                    rules,
                    weights,
                )
                step = "purge"
                purged = self._timed(
                    "purge",
                    purge_step,
                    session,
                    run,
                    weights,
                    resolved,
                    self.followup,
                    self.lookup,
                )
                # What the report counts is what the database holds after the purge.
                stored["flags"]["open"] = count_open_flags(session)
                stored["dossiers"] = count_dossiers(session)

                step = "report"
                started = time.perf_counter()
                run.step_seconds = {k: round(v, 3) for k, v in self.timings.items()}
                run.source_counts = {n: s.as_dict() for n, s in extracts.summaries().items()}
                run.rule_outcomes = [o.counts() for o in evaluation.outcomes]
                run.flag_counts = {**stored["flags"], "dossiers": stored["dossiers"]}
                run.purged = purged
                run.wijk_counts = dwellings_per_wijk(resolved.frames["bag"])
                staged = steps.run(
                    "report", write_report, run, extracts, resolved, evaluation, stored, run_dir
                )
                # What lookups read (vik.lookup.projection): staged like the report.
                projection = steps.run(
                    "report", stage_projection, resolved, self.purposes, config.data_dir, run.id
                )
                self.timings["report"] = time.perf_counter() - started
                run.step_seconds = {k: round(v, 3) for k, v in self.timings.items()}
                run.status = RunStatus.GESLAAGD
                run.finished_at = utcnow()
                run.report_path = str(run_dir / "rapport.md")
                session.add(run)
            # Committed: only now does the report take its final name.
            for staged_file in staged:
                staged_file.replace(staged_file.with_name(staged_file.name.removesuffix(".tmp")))
            publish_projection(projection)
        except BaseException as error:
            discard_staged(config.data_dir)
            self._failed(run_id, step, error)
            log_file = run_log_path(config.data_dir, run_id)
            kept = append_traceback(log_file, error)
            if isinstance(error, KeyboardInterrupt):
                raise
            raise StepFailed(
                step, error, run_id=run_id, log_file=log_file if kept else None
            ) from error
        log.info(
            "run %s geslaagd: %s",
            run_id,
            json.dumps(run.flag_counts),
            extra={"run_id": run_id, "event": "run_geslaagd", "flags": run.flag_counts},
        )
        self._write_metrics(run_id)
        if self.held_back:
            self.alert(sources_held_back(run_id, config.peildatum, self.held_back))
        return RunResult(
            run_id,
            RunStatus.GESLAAGD,
            run_dir / "rapport.md",
            run.flag_counts or {},
            run.source_counts or {},
        )

    def _failed(self, run_id: int, step: str, error: BaseException) -> None:
        fail_run(self.engine, run_id, step, error)
        log.error(
            "run %s mislukt in stap %s: %s",
            run_id,
            step,
            type(error).__name__,
            extra={"run_id": run_id, "event": "run_mislukt", "step": step},
        )
        if not isinstance(error, KeyboardInterrupt):
            self._purge_after_failure(run_id)
        self._write_metrics(run_id)
        self.alert(night_failed(run_id, self.config.peildatum, step, error, self.held_back))

    def _purge_after_failure(self, run_id: int) -> None:
        """Retention does not wait for a good night: what is past its term goes anyway,
        in a transaction of its own (the run's own work was rolled back)."""
        try:
            with session_scope(self.engine) as session:
                purged = purge_outside_night(
                    session,
                    self.config.peildatum,
                    self.weights,
                    ACTOR,
                    purged_flag_term=self.lookup.inzage.bewaartermijn_verwijderd,
                    inzage_request_term=self.lookup.inzage.bewaartermijn_verzoek,
                    followup_terms=self.followup.bewaartermijnen,
                )
                run = session.get(Run, run_id)
                if run is not None:
                    run.purged = purged
                    session.add(run)
        except Exception as error:  # the night's own failure is what must be reported
            log.error(
                "run %s: opschonen na de mislukte run mislukt: %s",
                run_id,
                type(error).__name__,
                extra={"run_id": run_id, "event": "opschonen_mislukt"},
            )
            return
        log.info(
            "run %s: na de mislukte run opgeschoond: %s",
            run_id,
            json.dumps(purged, ensure_ascii=False),
            extra={"run_id": run_id, "event": "opgeschoond"},
        )

    def _write_metrics(self, run_id: int) -> None:
        try:
            with session_scope(self.engine) as session:
                run = session.get(Run, run_id)
                if run is None:  # pragma: no cover - recorded before any step ran
                    return
                if run.status != RunStatus.GESLAAGD:
                    run.step_seconds = {k: round(v, 3) for k, v in self.timings.items()}
                    session.add(run)
                path = write_metrics(run, self.config.data_dir / "metrics")
        except Exception as error:
            log.warning("run %s: meetwaarden niet geschreven: %s", run_id, type(error).__name__)
            return
        log.info("run %s: meetwaarden in %s", run_id, path, extra={"run_id": run_id})


def _record_sources(engine: Engine, run_id: int, extracts: Extracts) -> None:
    """The counts per source, kept with the run even when a later step fails."""
    with session_scope(engine) as session:
        run = session.get(Run, run_id)
        if run is not None:
            run.source_counts = {n: s.as_dict() for n, s in extracts.summaries().items()}
            session.add(run)


def _prune_run_dirs(directory: Path, keep: int) -> None:
    """Quarantine files hold personal data: only the last `keep` runs' files stay."""
    if not directory.is_dir():
        return
    runs = sorted((p for p in directory.iterdir() if p.name.isdigit()), key=lambda p: int(p.name))
    for old in runs[:-keep]:
        shutil.rmtree(old, ignore_errors=True)
