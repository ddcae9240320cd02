"""resolve_persons: judgements, the BSN, the model and the decision, in order, for every record.

See the package docstring (vik.resolve.persons) for the method.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from vik.connectors.keys import stable_hashes
from vik.connectors.model import EntityType
from vik.resolve.judgements import Verdicts, apply_judgements
from vik.resolve.links import CERTAIN, NONE, certain_link
from vik.resolve.persons.blocking import BLOCKING_RULES, candidates
from vik.resolve.persons.compare import compare, record_side
from vik.resolve.persons.decision import NOT_FOUND, Decision
from vik.resolve.persons.model import SEED, MatchModel
from vik.resolve.persons.night import Night, build_night, has_address, person_id
from vik.resolve.persons.probability import record_probability
from vik.resolve.persons.records import has_name, prepared, with_address_columns
from vik.resolve.persons.settings import PersonMatchSettings

RESULT_SCHEMA = pl.Schema(
    {
        "source": pl.String,
        "record_key": pl.String,
        "persoon_id": pl.String,
        "confidence": pl.Float64,
        "method": pl.String,
        "status": pl.String,
        "reason": pl.String,
    }
)
OUTSIDE_BRP_METHOD = "naam_geboortedatum_buiten_brp"
JUDGED_LABEL = "deze persoon"


def resolve_persons(
    brp: pl.DataFrame,
    records: pl.DataFrame,
    *,
    judgements: pl.DataFrame | None = None,
    settings: PersonMatchSettings | None = None,
) -> pl.DataFrame:
    """Tie each record (source, record_key, bsn_pseudoniem, naam, geboortedatum,
    nummeraanduiding_id; optionally structured voornamen, voorvoegsel, geslachtsnaam) to
    a BRP person; one output row per record."""
    settings = settings or PersonMatchSettings()
    bsn = settings.bsn
    # Records are numbered in a canonical order, so that the model (which samples by
    # number) does not depend on the order in which an export delivers its rows.
    records = (
        records.with_row_index("_order")
        .sort("source", "record_key", "_order")
        .with_row_index("rec")
    ).with_columns(pl.col("rec").cast(pl.Int64))
    records = with_address_columns(records)
    verdicts = Verdicts.of(judgements, EntityType.PERSOON)
    _, rejected = verdicts.of_records(records)
    rejected = rejected.rename({"entity_id": "persoon_id"})

    # The BSN decides: a BSN the BRP knows is that resident. A BSN it does not know is a
    # non-resident's, unless name, birth date and address show that it was mistyped.
    pseudonyms = brp[bsn.person_columns[0]]
    column = bsn.record_columns[0]
    known = pseudonyms.filter(pseudonyms.is_in(records[column].drop_nulls().implode()))
    records = records.with_columns(bsn.record_level(known).alias(bsn.name))
    decision = Decision(settings)
    with_bsn = (
        records.filter(pl.col(bsn.name).is_not_null())
        .select(
            "rec",
            person_id(pl.col(column)).alias("persoon_id"),
            *certain_link(decision.identifier_method()),
            decision.identified().alias("_identified"),
        )
        .join(rejected, on=["rec", "persoon_id"], how="anti")
    )
    by_bsn = with_bsn.filter("_identified").drop("_identified")
    elsewhere = with_bsn.filter(~pl.col("_identified")).drop("_identified")

    # Name, birth date and address for the rest.
    rest = records.join(by_bsn.select("rec"), on="rec", how="anti")
    rest = prepared(rest.filter(has_name(rest.columns)).sort("rec"))
    matched = _empty_matches()
    if rest.height:
        night = build_night(brp, rest, settings.weighed(), u_sample=settings.model.u_sample)
        excluded = pl.DataFrame(schema={"rec": pl.Int64, "pid": pl.UInt32})
        if rejected.height:
            excluded = rejected.join(night.numbers.numbers(rejected["persoon_id"]), on="persoon_id")
        scored = _score(
            night,
            rest.select("rec", "source", bsn.name),
            excluded.select("rec", "pid"),
            settings,
        )
        if scored.height:
            matched = decision.decide(scored, night)

    # A record with an unknown BSN that no resident certainly fits is that non-resident.
    mistyped = matched.filter(pl.col("status") == CERTAIN).join(
        elsewhere.select("rec"), on="rec", how="semi"
    )
    matched = pl.concat(
        [
            matched.join(elsewhere.select("rec"), on="rec", how="anti"),
            mistyped.with_columns((pl.lit(bsn.method_mistyped) + pl.col("method")).alias("method")),
            elsewhere.join(mistyped.select("rec"), on="rec", how="anti"),
        ]
    )

    # Records with a full birth date and no BRP candidate at all: a person outside the BRP.
    unmatched = rest.join(
        matched.filter(pl.col("status") != NONE).select("rec"), on="rec", how="anti"
    )
    outside = unmatched.filter(pl.col("dob_full").is_not_null() & pl.col("glued").is_not_null())
    outside = outside.select("rec").with_columns(
        _outside_brp_id(outside).alias("persoon_id"),
        *certain_link(
            OUTSIDE_BRP_METHOD,
            confidence=settings.outside_brp_confidence,
            reason="geen persoon in de BRP; herkend aan naam en geboortedatum",
        ),
    )
    matched = pl.concat([matched.join(outside.select("rec"), on="rec", how="anti"), outside])

    decided = pl.concat([by_bsn, matched.join(by_bsn.select("rec"), on="rec", how="anti")])
    result = records.select("rec", "_order", "source", "record_key").join(
        decided, on="rec", how="left"
    )
    no_data = pl.col("status").is_null()
    rejected_recs = rejected.select("rec").unique().with_columns(pl.lit(True).alias("_rejected"))
    result = (
        result.join(rejected_recs, on="rec", how="left")
        .with_columns(
            pl.col("status").fill_null(NONE),
            pl.when(no_data & pl.col("_rejected"))
            .then(pl.lit(f"de analist wees {JUDGED_LABEL} af; geen andere kandidaat"))
            .when(no_data)
            .then(pl.lit(NOT_FOUND))
            .otherwise(pl.col("reason"))
            .alias("reason"),
            pl.col("confidence").fill_null(0.0),
            pl.col("method").fill_null("geen"),
        )
        .drop("_rejected")
    )
    # The analist's judgements win.
    result = apply_judgements(result, verdicts, id_column="persoon_id", label=JUDGED_LABEL)
    return result.sort("_order").select(list(RESULT_SCHEMA)).cast(RESULT_SCHEMA)


def _empty_matches() -> pl.DataFrame:
    return pl.DataFrame(
        schema={
            "rec": pl.Int64,
            "persoon_id": pl.String,
            "confidence": pl.Float64,
            "method": pl.String,
            "status": pl.String,
            "reason": pl.String,
        }
    )


def _outside_brp_id(records: pl.DataFrame) -> pl.Series:
    """A person known only from process records: ``PX`` + a hash of the folded surname,
    first initial and birth date, so that two records of the same non-resident meet."""
    material = records.select(
        pl.concat_str(
            [pl.col("glued"), pl.col("initial").fill_null(""), pl.col("dob")], separator="|"
        )
    ).to_series()
    return stable_hashes(material, "PX", 8)


def _score(
    night: Night,
    sources: pl.DataFrame,
    rejected: pl.DataFrame,
    settings: PersonMatchSettings,
) -> pl.DataFrame:
    """Every candidate pair (rec, pid) with its levels, match weight and probability;
    `sources`: rec, source and the BSN level of the records."""
    pairs = candidates(night, BLOCKING_RULES).join(rejected, on=["rec", "pid"], how="anti")
    if pairs.height == 0:
        return pl.DataFrame(schema={"rec": pl.Int64, "pid": pl.UInt32})
    comparisons = settings.weighed()
    side = record_side(comparisons)
    # The candidates' levels and the random pairs' in one go: each distinct pair of
    # names is compared once, and the address lookups hash their tables once.
    random, stand_ins = _random_pairs(night, side, settings.model.u_sample)
    prepared_for = {c.name: c.prepare(night) for c in comparisons}
    levels = compare(
        pl.concat([pairs, random]),
        pl.concat([night.records.select(side), stand_ins], how="vertical_relaxed"),
        night,
        comparisons,
        prepared_for,
        swap=settings.swapped_names,
        batch=settings.model.name_batch,
    )
    levels, random_levels = levels.head(pairs.height), levels.slice(pairs.height)
    # The person's value frequencies, for the weights (MatchModel.weight_expr).
    frequencies = [f"tf_{c.name}" for c in comparisons if c.frequency]
    levels = pl.concat(
        [
            levels,
            night.persons.select(pl.col(f).name.prefix("b_") for f in frequencies)[levels["pid"]],
        ],
        how="horizontal",
    )
    exact = {c.name: c.exact_u(night, prepared_for[c.name]) for c in comparisons}
    model = MatchModel.estimate(
        levels, random_levels, night.persons.height, comparisons, exact, settings.model
    )
    weighted = levels.with_columns(model.weight_expr(frequencies=True).alias("weight"))
    return record_probability(weighted, sources, settings)


def _random_pairs(night: Night, side: list[str], sample: int) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Random pairs (rec, pid) of different people, to count u on: records against
    persons, topped up with persons against persons (as the BRP writes them) when a night
    has so few records that u would otherwise rest on too few pairs; and the record side
    (`side`) of those persons."""
    records, persons = night.records, night.persons
    rng = np.random.default_rng(SEED)
    from_records = min(sample, records.height * persons.height)
    pairs = [
        pl.DataFrame(
            {
                "rec": records["rec"].gather(rng.integers(0, records.height, from_records)),
                "pid": pl.Series(rng.integers(0, persons.height, from_records), dtype=pl.UInt32),
            }
        )
    ]
    stand_ins = records.select(side).clear()
    top_up = sample - from_records
    if top_up > 0 and persons.height > 1:
        # Numbers order as the values do: a person's first address is the one with the
        # smallest BAG id (then postcode, street), whatever the BRP's row order.
        addresses = [c for c in night.addresses.columns if c != "pid"]
        first_address = night.addresses.sort("pid", *addresses, nulls_last=True).unique(
            "pid", keep="first", maintain_order=True
        )
        person_side = [c for c in side if c not in ("rec", "has_address", *addresses)]
        # A column a person does not have (a record's only) is empty for a stand-in.
        missing = [c for c in person_side if not night.has_person_column(c)]
        person_side = [c for c in person_side if c not in missing]
        # Person i stands in as record -1 - i.
        stand_ins = (
            night.columns(person_side)
            .with_row_index("pid")
            .join(first_address, on="pid", how="left", maintain_order="left")
            .with_columns(
                has_address(),
                (-1 - pl.col("pid").cast(pl.Int64)).alias("rec"),
                *[pl.lit(None).alias(c) for c in missing],
            )
            .select(side)
        )
        pairs.append(
            pl.DataFrame(
                {
                    "rec": stand_ins["rec"].gather(rng.integers(0, stand_ins.height, top_up)),
                    "pid": pl.Series(rng.integers(0, persons.height, top_up), dtype=pl.UInt32),
                }
            )
        )
    different = (pl.col("rec") >= 0) | (-1 - pl.col("rec") != pl.col("pid").cast(pl.Int64))
    return pl.concat(pairs).filter(different), stand_ins
