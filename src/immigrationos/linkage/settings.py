"""Thresholds and limits of identity resolution, with environment overrides."""

from __future__ import annotations

import os
from dataclasses import dataclass, replace

from immigrationos.linkage.errors import LinkageSettingsError

LINK_THRESHOLD_ENV = "IMMIGRATIONOS_LINK_THRESHOLD"
REVIEW_THRESHOLD_ENV = "IMMIGRATIONOS_REVIEW_THRESHOLD"
NAME_FREQUENCY_ADJUSTMENTS = ("down_only", "off", "full")


@dataclass(frozen=True)
class LinkageSettings:
    """Decision thresholds, blocking limits and training controls.

    ``link_threshold`` and ``review_threshold`` are splink match probabilities: a pair at or
    above ``link_threshold`` is linked automatically, a pair in
    ``[review_threshold, link_threshold)`` goes to the human review queue.
    """

    # Chosen from measured precision on synthetic populations (`immigrationos synth --seed 1`,
    # default profile, then `immigrationos evaluate`; docs/benchmarks.md, "Linkage
    # thresholds"). At 20,000 persons precision was 1.0 at 0.97, 0.99 and 0.999. At 100,000
    # persons 0.99 gave precision 0.99992, recall 0.98823 and 4 wrongful merges, while 0.995
    # gave 0.99993, 0.98580 and 3: one merge fewer for about 1,800 more missed true pairs.
    link_threshold: float = 0.99
    # NOTE: the review band's lower bound is not tuned; it sets queue size, not precision.
    review_threshold: float = 0.5
    # Records sharing one blocking key beyond this count are not paired on that key: the
    # cost of a block grows with the square of its size (common names, heaped DOBs).
    max_block_size: int = 400
    # A full name is "common" when records carrying it show at least this many distinct
    # DOBs, i.e. several different people; its exact agreement then counts as weaker evidence.
    common_name_min_dobs: int = 4
    # Term-frequency adjustment of exact name agreement: "down_only" lowers the weight of
    # names more frequent than average and never raises it, "off" leaves it out, and
    # "full" also raises rare names above the level's weight. "full" exists to measure what
    # the cap prevents and is not meant for real runs.
    name_frequency_adjustment: str = "down_only"
    # Below this many records the packaged, pre-trained parameters are used as they are.
    min_records_to_train: int = 5_000
    seed: int = 20261204
    u_max_pairs: float = 2e6
    em_max_pairs: float = 1e6
    # Pairs scored below this are not written to the ``pairs`` table.
    store_min_probability: float = 0.01

    def __post_init__(self) -> None:
        problems = []
        for name in ("link_threshold", "review_threshold"):
            value = getattr(self, name)
            if not 0.0 < value < 1.0:
                problems.append(f"{name}={value!r} must lie strictly between 0 and 1")
        if self.review_threshold > self.link_threshold:
            problems.append(
                f"review_threshold={self.review_threshold!r} must not exceed "
                f"link_threshold={self.link_threshold!r}"
            )
        if self.name_frequency_adjustment not in NAME_FREQUENCY_ADJUSTMENTS:
            problems.append(
                f"name_frequency_adjustment={self.name_frequency_adjustment!r} must be one of "
                + ", ".join(NAME_FREQUENCY_ADJUSTMENTS)
            )
        if self.max_block_size < 2:
            problems.append(f"max_block_size={self.max_block_size!r} must be at least 2")
        if problems:
            raise LinkageSettingsError("invalid linkage settings: " + "; ".join(problems))

    @classmethod
    def from_env(cls, base: LinkageSettings | None = None) -> LinkageSettings:
        """Return ``base`` (or the defaults) with thresholds overridden from the environment.

        Raises LinkageSettingsError naming each variable that is not a number.
        """
        settings = base or cls()
        overrides: dict[str, float] = {}
        problems = []
        for env, field_name in (
            (LINK_THRESHOLD_ENV, "link_threshold"),
            (REVIEW_THRESHOLD_ENV, "review_threshold"),
        ):
            raw = os.environ.get(env)
            if raw is None or raw.strip() == "":
                continue
            try:
                overrides[field_name] = float(raw)
            except ValueError:
                problems.append(f"{env}={raw!r} is not a number; set a probability such as 0.99")
        if problems:
            raise LinkageSettingsError("; ".join(problems))
        if not overrides:
            return settings
        return replace(
            settings,
            link_threshold=overrides.get("link_threshold", settings.link_threshold),
            review_threshold=overrides.get("review_threshold", settings.review_threshold),
        )
