"""A synthetic municipality: realistic extracts with planted cases and ground truth.

    >>> from vik.demo import generate_municipality
    >>> out = Path("var/demo")
    >>> manifest = generate_municipality(out, addresses=5000, seed=1, as_of=date.today())
    >>> manifest.truth_dir / "planted.csv"  # what the built-in rules should find

The route: ``bag`` (addresses) → ``planted.plan_addresses`` (addresses the planted
cases need) → ``population`` (BRP) and ``companies`` (KvK) → ``planted.Planter``
(cases and near-miss controls) → ``taxes`` (belastingen) → ``cases`` (background
vergunningen, handhaving, meldingen) → ``extracts`` (typed by ``clerks``, keyed)
→ ``quarantine`` (invalid rows) → files and ``truth``. ``generator`` runs it.
"""

from vik.demo.generator import DemoManifest, generate_municipality

__all__ = ["DemoManifest", "generate_municipality"]
