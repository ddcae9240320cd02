"""The run report: what came in, what was linked, which rules ran (or why not), what came out.

Counts only, in Dutch, as Markdown for people and JSON for machines. Written as
``*.tmp`` files and renamed by the caller once the run's transaction committed,
so a failed run never leaves a report that looks like a good one.

Every run, good or failed, also leaves its metrics as one JSON file
(``<data_dir>/metrics/run-<id>.json``: status, duration per step, rows per source,
flags new, ended and open, what was purged) for monitoring; these hold no personal
data and are kept when the run's own folder is pruned.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import polars as pl

from vik.connectors.ingest import Extracts
from vik.files import private_dir, write_private_text
from vik.resolve import Resolved
from vik.resolve.links import LinkStatus
from vik.rules import Evaluation
from vik.store.followup_retention import KINDS as FOLLOWUP_KINDS
from vik.store.models import Run
from vik.store.retention import LEFTOVERS


def link_counts(links: pl.DataFrame) -> list[dict[str, Any]]:
    counts = (
        links.group_by("source", "entity_type")
        .agg(
            (pl.col("status") == LinkStatus.ZEKER).sum().alias("zeker"),
            (pl.col("status") == LinkStatus.MOGELIJK).sum().alias("mogelijk"),
            (pl.col("status") == "geen").sum().alias("geen"),
        )
        .sort("source", "entity_type")
    )
    return counts.to_dicts()


def _table(headers: list[str], rows: list[list[Any]]) -> list[str]:
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines.extend("| " + " | ".join("" if v is None else str(v) for v in row) + " |" for row in rows)
    return lines


def render_markdown(data: dict[str, Any]) -> str:
    lines = [f"# Nachtelijke run {data['run_id']}, peildatum {data['peildatum']}", ""]
    lines += ["## Bronnen", ""]
    lines += _table(
        ["bron", "bestand", "extractdatum", "aangeleverd", "geaccepteerd", "quarantaine"],
        [
            [
                n,
                s["file"],
                s["extract_date"],
                s["rows_read"],
                s["rows_accepted"],
                s["rows_quarantined"],
            ]
            for n, s in data["sources"].items()
        ],
    )
    lines += [
        "",
        "Elke aangeleverde rij is geaccepteerd of staat met haar reden in quarantaine "
        "(aangeleverd = geaccepteerd + quarantaine); het rijnummer in de quarantaine is "
        "het regelnummer in het bestand.",
    ]
    for name, summary in data["sources"].items():
        if summary["reasons"]:
            lines += ["", f"Quarantaine {name}:"]
            lines += [f"- {count} × {reason}" for reason, count in summary["reasons"].items()]
    lines += ["", "## Koppelingen", ""]
    lines += _table(
        ["bron", "soort", "zeker", "mogelijk", "geen"],
        [
            [c["source"], c["entity_type"], c["zeker"], c["mogelijk"], c["geen"]]
            for c in data["links"]
        ],
    )
    lines += ["", "## Regels", ""]
    lines += _table(
        [
            "regel",
            "versie",
            "hash",
            "gedraaid",
            "rijen in",
            "signalen",
            "onbeslist",
            "niet gekoppeld",
        ],
        [
            [
                o["rule_id"],
                o["version"],
                (o["content_hash"] or "")[:12],
                "ja" if o["ran"] else "nee",
                sum(o["rows_in"].values()),
                o["hits"],
                o["undecided"],
                sum(o["unlinked"].values()),
            ]
            for o in data["rules"]
        ],
    )
    not_run = [o for o in data["rules"] if not o["ran"]]
    if not_run:
        lines += ["", "Niet gedraaid:"]
        lines += [f"- {o['rule_id']}: {'; '.join(o['reasons'])}" for o in not_run]
    lines += ["", "## Signalen", ""]
    lines += [f"- {k}: {v}" for k, v in data["flags"].items()]
    lines += ["", "## Bewaartermijnen", ""]
    if data["purged"]:
        lines += [
            f"- {kind}: {count} verwijderd"
            if kind in LEFTOVERS or kind in FOLLOWUP_KINDS
            else f"- {kind}: {count} signalen verwijderd"
            for kind, count in data["purged"].items()
        ]
    else:
        lines += ["- niets verwijderd"]
    lines += ["", "## Tijden (seconden)", ""]
    lines += [f"- {k}: {v}" for k, v in data["step_seconds"].items()]
    lines += [f"- totaal: {round(sum(data['step_seconds'].values()), 3)}"]
    return "\n".join(lines) + "\n"


def write_report(
    run: Run,
    extracts: Extracts,
    resolved: Resolved,
    evaluation: Evaluation,
    stored: dict[str, Any],
    run_dir: Path,
) -> list[Path]:
    """Stage rapport.md and rapport.json (as .tmp) in the run's folder."""
    data = {
        "run_id": run.id,
        "peildatum": run.peildatum.isoformat(),
        "sources": {n: s.as_dict() for n, s in extracts.summaries().items()},
        "links": link_counts(resolved.links),
        "rules": [o.counts() for o in evaluation.outcomes],
        "flags": {**stored["flags"], "dossiers": stored["dossiers"]},
        "link_changes": stored["links"],
        "purged": run.purged or {},
        "step_seconds": {k: round(v, 3) for k, v in (run.step_seconds or {}).items()},
    }
    private_dir(run_dir)
    markdown = write_private_text(run_dir / "rapport.md.tmp", render_markdown(data))
    machine = write_private_text(
        run_dir / "rapport.json.tmp", json.dumps(data, indent=2, ensure_ascii=False)
    )
    return [markdown, machine]


def _utc(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def run_metrics(run: Run) -> dict[str, Any]:
    """What monitoring wants of one run: counts and seconds, never content."""
    started, finished = _utc(run.started_at), _utc(run.finished_at)
    sources = {
        name: {
            key: counts.get(key)
            for key in ("status", "rows_read", "rows_accepted", "rows_quarantined")
        }
        for name, counts in (run.source_counts or {}).items()
    }
    flags = run.flag_counts or {}
    return {
        "run_id": run.id,
        "status": run.status,
        "peildatum": run.peildatum.isoformat(),
        "started_at": started.isoformat() if started else None,
        "finished_at": finished.isoformat() if finished else None,
        "duration_seconds": round((finished - started).total_seconds(), 3)
        if started and finished
        else None,
        "failed_step": run.failed_step,
        "step_seconds": run.step_seconds or {},
        "sources": sources,
        "flags": {
            "new": flags.get("nieuw"),
            "ended": flags.get("vervallen"),
            "reopened": flags.get("heropend"),
            "confirmed": flags.get("bevestigd"),
            "open": flags.get("open"),
            "dossiers": flags.get("dossiers"),
        },
        "purged": run.purged or {},
    }


def write_metrics(run: Run, directory: Path) -> Path:
    """One JSON file per run in `directory` (0600, like all of VIK's files)."""
    return write_private_text(
        directory / f"run-{run.id}.json",
        json.dumps(run_metrics(run), indent=2, ensure_ascii=False) + "\n",
    )
