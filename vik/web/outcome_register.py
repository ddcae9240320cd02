"""The public outcome register: what each rule's signals led to, as JSON and CSV.

    >>> register = outcome_register(session, rules.valid, organisation="Gemeente X",
    ...                             min_per_wijk=5, today=date(2027, 1, 1))   # doctest: +SKIP
    >>> register["regels"][0]["totaal"]["precisie"]
    0.75

The Algoritmeregister standard (1.0.0) has no fields for outcomes, so they are
published beside it, in a register of their own: per rule and per rule version,
flags raised, decided and referred, the outcomes, the precision with its Wilson 95%
interval and the count it rests on; per quarter; and per wijk, where a wijk with
fewer outcomes than ``openbaar_min_per_wijk`` (config/opvolging.yaml) is left out,
so that a small count does not point at an address. No personal data: counts only.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from typing import Any

from sqlmodel import Session

from vik.rules import LoadedRule
from vik.store.feedback import Counts, RuleFeedback, rule_feedback

FORMAT_VERSION = "1"
CSV_COLUMNS = [
    "regel",
    "indeling",
    "waarde",
    "signalen",
    "besloten",
    "doorgezet",
    "bevestigd",
    "niet_bevestigd",
    "niet_vast_te_stellen",
    "precisie",
    "ondergrens_95",
    "bovengrens_95",
    "n",
]


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def counts_document(counts: Counts, *, with_flags: bool = True) -> dict[str, Any]:
    interval = counts.interval
    document: dict[str, Any] = {}
    if with_flags:
        document.update(signalen=counts.raised, besloten=counts.decided, doorgezet=counts.referred)
    document.update(
        bevestigd=counts.bevestigd,
        niet_bevestigd=counts.niet_bevestigd,
        niet_vast_te_stellen=counts.niet_vast_te_stellen,
        precisie=_round(counts.precision),
        interval_95=[_round(interval[0]), _round(interval[1])] if interval else None,
        n=counts.judged,
    )
    return document


def rule_document(
    loaded: LoadedRule | None, rule_id: str, feedback: RuleFeedback, min_per_wijk: int
) -> dict[str, Any]:
    rule = loaded.rule if loaded is not None else None
    return {
        "regel": rule_id,
        "titel": rule.title if rule else rule_id,
        "status": rule.status.value if rule else "niet meer in gebruik",
        "versie": rule.version if rule else None,
        "totaal": counts_document(feedback.total),
        "per_versie": [
            {"versie": version, **counts_document(counts)}
            for version, counts in sorted(feedback.versions.items())
        ],
        "per_kwartaal": [
            {"kwartaal": quarter, **counts_document(counts)}
            for quarter, counts in sorted(feedback.quarters.items())
        ],
        "per_wijk": [
            {"wijk": wijk, **counts_document(counts, with_flags=False)}
            for wijk, counts in sorted(feedback.wijken.items())
            if counts.outcomes >= min_per_wijk
        ],
        "wijken_weggelaten": sum(
            1 for counts in feedback.wijken.values() if counts.outcomes < min_per_wijk
        ),
    }


def outcome_register(
    session: Session,
    rules: list[LoadedRule],
    *,
    organisation: str,
    min_per_wijk: int,
    today: date,
) -> dict[str, Any]:
    feedback = rule_feedback(session)
    files = {loaded.id: loaded for loaded in rules}
    return {
        "formaat": FORMAT_VERSION,
        "organisatie": organisation,
        "peildatum": today.isoformat(),
        "toelichting": (
            "Wat de signalen van elke regel opleverden. Precisie = bevestigd / (bevestigd + "
            "niet bevestigd), met het 95%-betrouwbaarheidsinterval (Wilson) en het aantal "
            "uitkomsten n waarop zij rust; 'niet vast te stellen' telt niet mee. Signalen, "
            "besloten en doorgezet tellen de signalen die nog bewaard worden; uitkomsten "
            "blijven als telling langer bewaard. Een wijk met minder dan "
            f"{min_per_wijk} uitkomsten is weggelaten."
        ),
        "regels": [
            rule_document(
                files.get(rule_id),
                rule_id,
                feedback.get(rule_id, RuleFeedback(rule_id)),
                min_per_wijk,
            )
            for rule_id in sorted(set(files) | set(feedback))
        ],
    }


def register_json(register: dict[str, Any]) -> str:
    return json.dumps(register, ensure_ascii=False, indent=2) + "\n"


def register_csv(register: dict[str, Any]) -> str:
    """One row per rule and breakdown (totaal, versie, kwartaal, wijk)."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    for rule in register["regels"]:
        rows = [("totaal", "", rule["totaal"])]
        rows += [("versie", str(r["versie"]), r) for r in rule["per_versie"]]
        rows += [("kwartaal", r["kwartaal"], r) for r in rule["per_kwartaal"]]
        rows += [("wijk", r["wijk"], r) for r in rule["per_wijk"]]
        for kind, value, counts in rows:
            interval = counts.get("interval_95") or [None, None]
            writer.writerow(
                {
                    "regel": rule["regel"],
                    "indeling": kind,
                    "waarde": value,
                    "signalen": counts.get("signalen", ""),
                    "besloten": counts.get("besloten", ""),
                    "doorgezet": counts.get("doorgezet", ""),
                    "bevestigd": counts["bevestigd"],
                    "niet_bevestigd": counts["niet_bevestigd"],
                    "niet_vast_te_stellen": counts["niet_vast_te_stellen"],
                    "precisie": "" if counts["precisie"] is None else counts["precisie"],
                    "ondergrens_95": "" if interval[0] is None else interval[0],
                    "bovengrens_95": "" if interval[1] is None else interval[1],
                    "n": counts["n"],
                }
            )
    return buffer.getvalue()
