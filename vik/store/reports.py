"""The run report: what came in, what was linked, which rules ran (or why not), what came out.

Counts only, in Dutch, as Markdown for people and JSON for machines. Written as
``*.tmp`` files and renamed by the caller once the run's transaction committed,
so a failed run never leaves a report that looks like a good one.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import polars as pl

from vik.connectors.ingest import Extracts
from vik.resolve import Resolved
from vik.rules import Evaluation
from vik.store.followup_retention import KINDS as FOLLOWUP_KINDS
from vik.store.models import Run
from vik.store.retention import LEFTOVERS


def link_counts(links: pl.DataFrame) -> list[dict[str, Any]]:
    counts = (
        links.group_by("source", "entity_type")
        .agg(
            (pl.col("status") == "zeker").sum().alias("zeker"),
            (pl.col("status") == "mogelijk").sum().alias("mogelijk"),
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
    run_dir.mkdir(parents=True, exist_ok=True)
    markdown = run_dir / "rapport.md.tmp"
    markdown.write_text(render_markdown(data), encoding="utf-8")
    machine = run_dir / "rapport.json.tmp"
    machine.write_text(json.dumps(data, indent=2, ensure_ascii=False), encoding="utf-8")
    return [markdown, machine]
