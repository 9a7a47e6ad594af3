"""``immigrationos evaluate --dataset``: ImmigrationOS's linkage beside a splink baseline."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from immigrationos.linkage.benchmarks.baseline import baseline_evaluate
from immigrationos.linkage.benchmarks.data import DATASETS, febrl_load
from immigrationos.linkage.benchmarks.ours import ours_evaluate
from immigrationos.linkage.settings import LinkageSettings

__all__ = ["DATASETS", "febrl_evaluate", "febrl_render"]


def febrl_evaluate(*, name: str, settings: LinkageSettings | None = None) -> dict[str, Any]:
    """Link FEBRL data set ``name`` both ways in this process and return the figures.

    The top level contains ImmigrationOS's figures and ``baseline`` the splink model's.
    Both sample u with ``settings.seed``. Raises LinkageInputError for an unknown name.
    """
    settings = settings or LinkageSettings()
    dataset = febrl_load(name=name)
    figures = ours_evaluate(dataset=dataset, settings=settings)
    figures["dataset"] = name
    figures["true_pairs"] = len(dataset.true_pairs)
    figures["baseline"] = baseline_evaluate(
        dataset=dataset, seed=settings.seed, fixed_threshold=settings.link_threshold
    )
    return figures


def febrl_render(figures: Mapping[str, Any]) -> str:
    """Return the figures as a table: both models at the best and at the fixed threshold."""
    baseline = figures["baseline"]
    rows = [
        ("ImmigrationOS, best threshold", figures),
        ("ImmigrationOS, fixed threshold", figures["at_fixed_threshold"]),
        ("ImmigrationOS, every rule", figures["strict"]),
        ("splink standard, best threshold", baseline),
        ("splink standard, fixed threshold", baseline["at_fixed_threshold"]),
    ]
    lines = [
        f"{figures['dataset']}: {figures['records']:,} records, {figures['true_pairs']:,} true "
        f"pairs, seed {figures['seed']}",
        f"{'model':<33} {'threshold':>9} {'precision':>9} {'recall':>9} {'F1':>9}",
    ]
    for label, scores in rows:
        lines.append(
            f"{label:<33} {scores['threshold']:>9g} {scores['pairwise_precision']:>9.4f} "
            f"{scores['pairwise_recall']:>9.4f} {scores['pairwise_f1']:>9.4f}"
        )
    lines += [
        f"candidate pairs: ImmigrationOS {figures['candidate_pairs']:,} (blocking recall "
        f"{figures['blocking_recall']:.4f}), splink {baseline['candidate_pairs']:,}",
        f"review pairs (ImmigrationOS, fixed threshold): "
        f"{figures['at_fixed_threshold']['review_pairs']:,}",
        f"seconds: ImmigrationOS {figures['seconds']:.1f}, splink {baseline['seconds']:.1f}",
    ]
    return "\n".join(lines)
