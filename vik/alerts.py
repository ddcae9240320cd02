"""Alerts to functioneel beheer: a failed night, a night that did not start, a held-back source.

Delivery is Apprise's (the library Prefect's own notification blocks use): e-mail
through the municipality's SMTP server, a webhook, a chat channel, in one URL
each. VIK composes the message and never writes its own transport.

    VIK_ALERT_URLS="mailtos://vik:geheim@smtp.gemeente.nl?to=beheer@gemeente.nl json://siem.gemeente.nl/vik"
    VIK_ALERT_CONFIG=/etc/vik/meldingen.yaml      # or an Apprise configuration file

    >>> alerter = Alerter.from_settings(Settings())
    >>> alerter.send(night_failed(12, date(2026, 11, 22), "extract", error))
    True

An alert carries the run, the step, VIK's own Dutch message (which names a file,
row and column, never a person) or, for an unexpected error, only its type; it
never carries names, addresses or pseudonyms. A failed delivery is logged and
never stops or hides the night's own outcome.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Any

import apprise

from vik.errors import VikError

log = logging.getLogger("vik.alerts")


class AlertKind(StrEnum):
    RUN_FAILED = "run_mislukt"
    NOT_STARTED = "niet_gestart"
    HELD_BACK = "bron_tegengehouden"
    CHECK = "bewaking"  # `vik bewaking` found the night missing, aborted or stale
    TEST = "test"


_TYPES = {
    AlertKind.RUN_FAILED: apprise.NotifyType.FAILURE,
    AlertKind.NOT_STARTED: apprise.NotifyType.FAILURE,
    AlertKind.HELD_BACK: apprise.NotifyType.WARNING,
    AlertKind.CHECK: apprise.NotifyType.FAILURE,
    AlertKind.TEST: apprise.NotifyType.INFO,
}


@dataclass(frozen=True)
class Alert:
    kind: AlertKind
    title: str
    body: str


class Alerter:
    """Sends alerts to every configured Apprise URL; without any, sends nothing."""

    def __init__(self, urls: str | None = None, config_file: Path | None = None) -> None:
        self._apprise = apprise.Apprise(
            asset=apprise.AppriseAsset(app_id="VIK", app_desc="VIK nachtelijke run")
        )
        if urls and not self._apprise.add(urls):
            log.warning("VIK_ALERT_URLS bevat een URL die Apprise niet kent; controleer hem")
        if config_file is not None:
            config = apprise.AppriseConfig()
            if not config.add(str(config_file)):
                log.warning("meldingenconfiguratie %s niet te lezen", config_file)
            self._apprise.add(config)

    @classmethod
    def from_settings(cls, settings: Any) -> Alerter:
        urls = settings.alert_urls.get_secret_value() if settings.alert_urls else None
        return cls(urls, settings.alert_config)

    @property
    def configured(self) -> bool:
        return len(self._apprise) > 0

    def send(self, alert: Alert) -> bool:
        """Deliver to every URL; True when all took it. Never raises."""
        if not self.configured:
            return False
        try:
            delivered = bool(
                self._apprise.notify(
                    title=alert.title, body=alert.body, notify_type=_TYPES[alert.kind]
                )
            )
        except Exception as error:  # a broken transport must not break the night
            log.warning("melding %s niet verstuurd: %s", alert.kind, type(error).__name__)
            return False
        if delivered:
            log.info("melding %s verstuurd", alert.kind)
        else:
            log.warning("melding %s niet (overal) afgeleverd", alert.kind)
        return delivered


def describe_error(error: BaseException) -> str:
    """VIK's own message (written for users: file, row, column), else only the type."""
    if isinstance(error, VikError):
        return str(error)
    cause = error.__cause__ or error.__context__
    if isinstance(cause, VikError):
        return str(cause)
    return (
        f"{type(error).__name__} (onverwachte fout; de volledige melding staat bij de run "
        "in `vik runs`)"
    )


def _held_back_lines(held_back: Mapping[str, str]) -> list[str]:
    return [f"- {source}: {reason}" for source, reason in held_back.items()]


def night_failed(
    run_id: int,
    peildatum: date,
    step: str,
    error: BaseException,
    held_back: Mapping[str, str] | None = None,
) -> Alert:
    lines = [
        f"De nachtelijke run {run_id} (peildatum {peildatum.isoformat()}) is mislukt in stap "
        f"'{step}'.",
        "",
        describe_error(error),
    ]
    if held_back:
        lines += ["", "Tegengehouden bronnen:", *_held_back_lines(held_back)]
    lines += [
        "",
        "De resultaten van de laatste geslaagde run blijven staan. Bekijk de run met "
        "`vik runs` en het rapport in de datamap.",
    ]
    return Alert(AlertKind.RUN_FAILED, f"VIK: nachtelijke run {run_id} mislukt", "\n".join(lines))


def sources_held_back(run_id: int, peildatum: date, held_back: Mapping[str, str]) -> Alert:
    lines = [
        f"In de nachtelijke run {run_id} (peildatum {peildatum.isoformat()}) zijn bronnen "
        "tegengehouden door een controle:",
        "",
        *_held_back_lines(held_back),
    ]
    return Alert(
        AlertKind.HELD_BACK,
        f"VIK: {len(held_back)} bron(nen) tegengehouden in run {run_id}",
        "\n".join(lines),
    )


def night_not_started(peildatum: date, reason: str) -> Alert:
    return Alert(
        AlertKind.NOT_STARTED,
        "VIK: nachtelijke run niet gestart",
        f"De nachtelijke run voor peildatum {peildatum.isoformat()} is niet gestart.\n\n{reason}",
    )


def check_failed(findings: list[str]) -> Alert:
    return Alert(
        AlertKind.CHECK,
        "VIK: de nacht is niet goed verlopen",
        "`vik bewaking` vond:\n\n" + "\n".join(f"- {f}" for f in findings),
    )


def probe_alert() -> Alert:
    return Alert(
        AlertKind.TEST,
        "VIK: testmelding",
        "Dit is een testmelding van `vik bewaking --test`: de meldingen komen aan.",
    )
