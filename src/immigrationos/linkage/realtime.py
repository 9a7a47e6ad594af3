"""Score one incoming record against existing persons without splink or DuckDB.

A real-time matcher receives one departure or arrival record, looks up the records that
share a blocking key with it, and scores each pair with the same trained splink model that
the batch linkage uses. This module is that scoring core, in pure Python. For the same pair
it gives the same comparison levels (gammas), match weight and match probability as
``model.pairs_score``, and the same decision as ``decisions.pair_decide``.

Parity rests on literal Python equivalents of the batch's SQL (``sql_equivalents``) for the
comparison levels and blocking keys, and on repeating the name frequency adjustment of
``model.pairs_score`` and splink's sum of match weights operation for operation.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from functools import cache
from typing import Any

from immigrationos.linkage.blocking import BLOCKING_KEYS
from immigrationos.linkage.decisions import LINK, NO_LINK, REVIEW, Decision, pair_decide
from immigrationos.linkage.errors import LinkageError, LinkageInputError
from immigrationos.linkage.features import _RECORD_COLUMNS, _feature_row
from immigrationos.linkage.settings import LinkageSettings
from immigrationos.linkage.sql_equivalents import (
    KEY_CONDITIONS,
    KEY_EXPRESSIONS,
    LEVEL_PREDICATES,
    Features,
    KeyExpression,
    Predicate,
    equal,
)
from immigrationos.linkage.vetoes import veto_reason

# splink clamps m and u to this floor before taking log2(m / u) (splink 5.0,
# ``comparison_level.M_U_CLAMP_MIN``).
_M_U_CLAMP_MIN = 1e-300
# Rule of a match result that would join two or more persons, and of one without candidates.
MULTIPLE_PERSONS_RULE = "multiple_persons"
NO_CANDIDATES_RULE = "no_candidates"
_OUTCOME_RANK = {LINK: 0, REVIEW: 1, NO_LINK: 2}


class RealtimeModelError(LinkageError):
    """A model or blocking key uses SQL without a Python equivalent, or a model is invalid."""


# --- features and blocking keys -----------------------------------------------------------


def probe_features(row: Mapping[str, Any]) -> dict[str, Any]:
    """Return the comparison features of one incoming record, as the batch linkage builds them.

    ``row`` contains the staged identity fields: ``record_uid`` and ``source`` are required,
    every other field of ``features.records_fetch`` is optional (``dob_quality`` too).
    Raises LinkageInputError when a required field is missing or ``dob`` is not a date.
    """
    missing = [name for name in ("record_uid", "source") if not row.get(name)]
    if missing:
        raise LinkageInputError(
            f"incoming record is missing {', '.join(missing)}; record_uid and source are required"
        )
    dob = row.get("dob")
    # A datetime is a date too, but its isoformat() would not match the staged DOB string.
    if dob is not None and (not isinstance(dob, date) or isinstance(dob, datetime)):
        raise LinkageInputError(
            f"incoming record {row['record_uid']!r} has dob={dob!r}; expected a datetime.date "
            "or None"
        )
    return _feature_row(tuple(row.get(column) for column in _RECORD_COLUMNS))


@cache
def _blocking_plan() -> tuple[tuple[tuple[KeyExpression, ...], Predicate | None], ...]:
    """Return the Python form of each BLOCKING_KEYS entry: its expressions and condition."""
    plan = []
    for name, expressions, condition in BLOCKING_KEYS:
        unknown = [sql for sql in expressions if sql not in KEY_EXPRESSIONS]
        if condition is not None and condition not in KEY_CONDITIONS:
            unknown.append(condition)
        if unknown:
            raise RealtimeModelError(
                f"blocking key {name!r} uses SQL without a Python equivalent: {unknown!r}; add "
                "one to linkage.sql_equivalents so that real-time keys match the batch"
            )
        plan.append(
            (
                tuple(KEY_EXPRESSIONS[sql] for sql in expressions),
                KEY_CONDITIONS[condition] if condition is not None else None,
            )
        )
    return tuple(plan)


def match_keys(features: Mapping[str, Any]) -> list[str]:
    """Return the blocking keys of one feature row as ``"<key index>|<value>"`` strings.

    The values are those ``blocking.candidate_pairs_build`` computes for the row, one per
    expression of each ``BLOCKING_KEYS`` entry, without NULL values or repeats. Two records
    are candidates when they share a key and ``key_condition_holds`` for its index, and the
    block of that key holds at most ``LinkageSettings.max_block_size`` records.
    """
    keys: list[str] = []
    for index, (expressions, _) in enumerate(_blocking_plan()):
        for expression in expressions:
            value = expression(features)
            key = f"{index}|{value}"
            if value is not None and key not in keys:
                keys.append(key)
    return keys


def key_condition_holds(
    key_index: int, probe: Mapping[str, Any], candidate: Mapping[str, Any]
) -> bool:
    """Return whether two feature rows sharing key ``key_index`` pass its pair condition.

    Keys without a condition always pass. The conditions are symmetric, so the order of the
    two rows does not matter.
    """
    condition = _blocking_plan()[key_index][1]
    return condition is None or condition(probe, candidate)


# --- name statistics -----------------------------------------------------------------------


@dataclass(frozen=True)
class NameStats:
    """Population statistics of names that scoring needs beyond the two records of a pair.

    ``given_ratio`` and ``family_ratio`` map each comparison form of a name part to the
    term-frequency ratio of ``model.name_frequencies_create``. ``full_name_dobs`` maps each
    ``full_c`` to its count of distinct non-null DOBs, from which ``name_common`` follows.
    """

    given_ratio: Mapping[str, float]
    family_ratio: Mapping[str, float]
    full_name_dobs: Mapping[str, int]


def _frequency_ratios(names: Iterable[str]) -> dict[str, float]:
    counts = Counter(names)
    # Integer counts as floats: sums and products stay exact, as in the batch SQL.
    total = float(sum(counts.values()))
    squares = float(sum(count * count for count in counts.values()))
    return {name: squares / (total * float(count)) for name, count in counts.items()}


def name_stats_build(feature_rows: Iterable[Mapping[str, Any]]) -> NameStats:
    """Return the name statistics of a population of feature rows.

    The ratios equal those ``model.name_frequencies_create`` computes over the same rows,
    and ``full_name_dobs`` the DOB counts behind ``input_table_create``'s name_common. For
    batch parity, build the statistics from every record the batch run would see.
    """
    identities = set()
    dobs_by_name: defaultdict[str, set[date]] = defaultdict(set)
    for row in feature_rows:
        given, family, full, dob = row["given_c"], row["family_c"], row["full_c"], row["dob"]
        if given is not None and family is not None:
            identities.add((given, family, dob))
        if full is not None:
            dobs = dobs_by_name[full]
            if dob is not None:
                dobs.add(dob)
    return NameStats(
        given_ratio=_frequency_ratios(given for given, _, _ in identities),
        family_ratio=_frequency_ratios(family for _, family, _ in identities),
        full_name_dobs={name: len(dobs) for name, dobs in dobs_by_name.items()},
    )


def name_common(*, full_c: str | None, stats: NameStats, settings: LinkageSettings) -> bool:
    """Return whether a full name is common: carried with at least
    ``settings.common_name_min_dobs`` distinct DOBs in ``stats``."""
    if full_c is None:
        return False
    return stats.full_name_dobs.get(full_c, 0) >= settings.common_name_min_dobs


# --- scoring -------------------------------------------------------------------------------


@dataclass(frozen=True)
class ScoredPair:
    """The score of one pair: ``gammas`` maps each comparison to splink's level number."""

    probability: float
    match_weight: float
    gammas: dict[str, int]


@dataclass(frozen=True)
class _Level:
    predicate: Predicate | None  # None for the ELSE level
    gamma: int
    match_weight: float


def _level_match_weight(comparison: str, level: Mapping[str, Any]) -> float:
    m, u = level.get("m_probability"), level.get("u_probability")
    if not isinstance(m, int | float) or not isinstance(u, int | float):
        raise RealtimeModelError(
            f"level {level.get('label_for_charts')!r} of comparison {comparison!r} has "
            f"m_probability={m!r} and u_probability={u!r}; expected two numbers (train the model)"
        )
    return math.log2(max(float(m), _M_U_CLAMP_MIN) / max(float(u), _M_U_CLAMP_MIN))


def _comparison_compile(comparison: Mapping[str, Any]) -> tuple[str, tuple[_Level, ...]]:
    """Return a comparison's output name and levels, numbered as splink numbers them."""
    name = comparison["output_column_name"]
    levels = comparison["comparison_levels"]
    gamma = sum(1 for level in levels if not level.get("is_null_level")) - 1
    compiled = []
    for level in levels:
        sql = level["sql_condition"]
        if level.get("tf_adjustment_column"):
            raise RealtimeModelError(
                f"level {level.get('label_for_charts')!r} of comparison {name!r} has a "
                "term-frequency adjustment, which real-time scoring does not implement"
            )
        is_else = sql.strip().upper() == "ELSE"
        predicate = None if is_else else LEVEL_PREDICATES.get(sql)
        if predicate is None and not is_else:
            raise RealtimeModelError(
                f"level {level.get('label_for_charts')!r} of comparison {name!r} has SQL "
                f"{sql!r} without a Python equivalent; the model was trained with other "
                "comparisons, or linkage.sql_equivalents needs an entry for this level"
            )
        if level.get("is_null_level"):
            compiled.append(_Level(predicate, -1, 0.0))
            continue
        compiled.append(_Level(predicate, gamma, _level_match_weight(name, level)))
        gamma -= 1
    return name, tuple(compiled)


def _probability(match_weight: float) -> float:
    # splink's expression: each branch raises 2 to a non-positive power, which cannot overflow.
    if match_weight >= 0:
        return 1.0 / (1.0 + math.pow(2.0, -match_weight))
    odds = math.pow(2.0, match_weight)
    return odds / (1.0 + odds)


def _adjusted_probability(weight: float) -> float:
    # model.pairs_score's 1 / (1 + 2^-w). DuckDB's pow overflows to infinity, giving 0.
    try:
        return 1.0 / (1.0 + math.pow(2.0, -weight))
    except OverflowError:
        return 0.0


class PairScorer:
    """Scores pairs of feature rows with a saved splink model, as ``model.pairs_score`` does.

    ``model`` is a splink settings dict with trained parameters: ``model_latest().model``,
    ``packaged_model()`` or ``settings_dict()``. Raises RealtimeModelError when a level's SQL
    has no Python equivalent or a level lacks m or u.
    """

    def __init__(self, *, model: Mapping[str, Any], settings: LinkageSettings) -> None:
        try:
            prior = float(model["probability_two_random_records_match"])
            comparisons = model["comparisons"]
        except (KeyError, TypeError, ValueError) as exc:
            raise RealtimeModelError(
                "model has no usable probability_two_random_records_match or comparisons; "
                "pass a splink settings dict such as model_latest().model"
            ) from exc
        self._settings = settings
        # splink's prob_to_match_weight.
        self._prior_weight = math.log2(prior / (1 - prior)) if prior != 1 else math.inf
        self._comparisons = tuple(_comparison_compile(comparison) for comparison in comparisons)

    def score(
        self, probe: Mapping[str, Any], candidate: Mapping[str, Any], *, stats: NameStats
    ) -> ScoredPair:
        """Return the gammas, match weight and probability of one pair of feature rows.

        The match weight and probability include the name frequency adjustment of
        ``settings.name_frequency_adjustment``, as ``model.pairs_score`` returns them.
        Each side's name_common comes from ``stats``.
        """
        # The batch scores each pair with the lower record uid on the left.
        if candidate["unique_id"] < probe["unique_id"]:
            probe, candidate = candidate, probe
        left = dict(probe, name_common=self._name_common(probe, stats))
        right = dict(candidate, name_common=self._name_common(candidate, stats))

        # Summed in comparison order from the prior, as splink's SQL adds them.
        weight = self._prior_weight
        gammas: dict[str, int] = {}
        for name, levels in self._comparisons:
            for level in levels:
                if level.predicate is None or level.predicate(left, right):
                    gammas[name] = level.gamma
                    weight += level.match_weight
                    break
        probability = _probability(weight)

        adjusted = weight + self._frequency_log2(left, right, stats)
        if adjusted != weight:
            probability = _adjusted_probability(adjusted)
        return ScoredPair(probability=probability, match_weight=adjusted, gammas=gammas)

    def _name_common(self, features: Features, stats: NameStats) -> bool:
        return name_common(full_c=features["full_c"], stats=stats, settings=self._settings)

    def _frequency_log2(self, left: Features, right: Features, stats: NameStats) -> float:
        """Return the log2 weight that ``model._frequency_log2_sql`` adds for the names."""
        mode = self._settings.name_frequency_adjustment
        given, family = left["given_c"], left["family_c"]
        if mode == "off" or not equal(given, right["given_c"]):
            return 0.0
        if not equal(family, right["family_c"]):
            return 0.0
        given_ratio, family_ratio = stats.given_ratio.get(given), stats.family_ratio.get(family)
        if given_ratio is None or family_ratio is None:
            # NOTE: the batch always finds both names, because its statistics cover every
            # record it scores. Here the names may be missing from ``stats``. The adjustment is
            # then left out, as the batch's least(0, NULL) does in "down_only" mode, whereas
            # its "full" mode would return no weight at all.
            return 0.0
        factor = math.log2(given_ratio * family_ratio)
        return min(0.0, factor) if mode == "down_only" else factor


# --- decisions -----------------------------------------------------------------------------


def pair_decision(
    probe: Mapping[str, Any],
    candidate: Mapping[str, Any],
    scored: ScoredPair,
    settings: LinkageSettings,
) -> Decision:
    """Decide one scored pair with ``decisions.pair_decide``, lower record uid on the left."""
    left, right = (probe, candidate)
    if candidate["unique_id"] < probe["unique_id"]:
        left, right = candidate, probe
    return pair_decide(
        left=left,
        right=right,
        probability=scored.probability,
        gamma_name=scored.gammas["name"],
        gamma_dob=scored.gammas["dob"],
        settings=settings,
    )


@dataclass(frozen=True)
class PersonCandidate:
    """The best-scoring record of one existing person against the incoming record."""

    person_id: str
    probability: float
    record_uid: str
    outcome: str
    rule: str
    reason: str | None
    veto: str | None
    gammas: dict[str, int]


@dataclass(frozen=True)
class MatchResult:
    """The decision on one incoming record.

    ``outcome`` is "link", "review" or "no_link". ``person_id`` is the linked person or the
    single person under review, and None when several persons link or none does.
    ``probability`` is that of the best candidate, None without candidates. ``candidates``
    lists the best persons first, for the review queue.
    """

    outcome: str
    person_id: str | None
    probability: float | None
    rule: str
    reason: str
    candidates: tuple[PersonCandidate, ...]


def _candidate_order(candidate: PersonCandidate) -> tuple[int, float, str, str]:
    return (
        _OUTCOME_RANK[candidate.outcome],
        -candidate.probability,
        candidate.person_id,
        candidate.record_uid,
    )


def _person_contradiction(probe: Features, rows: Sequence[Features]) -> str | None:
    """Return why the probe contradicts one of ``rows`` of a person, as clustering checks."""
    for row in sorted(rows, key=lambda features: features["unique_id"]):
        left, right = (probe, row) if probe["unique_id"] < row["unique_id"] else (row, probe)
        reason = veto_reason(left, right)
        if reason is not None:
            return f"would join {left['unique_id']} and {right['unique_id']}: {reason}"
    return None


def _person_candidates(
    *,
    probe: Features,
    candidates: Sequence[tuple[str, Mapping[str, Any]]],
    scorer: PairScorer,
    stats: NameStats,
    settings: LinkageSettings,
) -> list[PersonCandidate]:
    """Score and decide every pair, and return each person's best pair, best persons first."""
    rows_of: defaultdict[str, list[Features]] = defaultdict(list)
    best: dict[str, PersonCandidate] = {}
    for person_id, row in candidates:
        if row["unique_id"] == probe["unique_id"]:
            continue  # the incoming record is stored already, and no record pairs with itself
        rows_of[person_id].append(row)
        scored = scorer.score(probe, row, stats=stats)
        decision = pair_decision(probe, row, scored, settings)
        candidate = PersonCandidate(
            person_id=person_id,
            probability=scored.probability,
            record_uid=row["unique_id"],
            outcome=decision.outcome,
            rule=decision.rule,
            reason=decision.reason,
            veto=decision.veto,
            gammas=scored.gammas,
        )
        current = best.get(person_id)
        if current is None or _candidate_order(candidate) < _candidate_order(current):
            best[person_id] = candidate

    for person_id, candidate in best.items():
        if candidate.outcome != LINK:
            continue
        # The batch clustering never joins a record to a person that has a record
        # contradicting it, whatever the score of the linking pair.
        veto = _person_contradiction(probe, rows_of[person_id])
        if veto is not None:
            best[person_id] = replace(candidate, outcome=REVIEW, reason=veto, veto=veto)
    return sorted(best.values(), key=_candidate_order)


def match_decide(
    *,
    probe: Mapping[str, Any],
    candidates: Sequence[tuple[str, Mapping[str, Any]]],
    scorer: PairScorer,
    stats: NameStats,
    settings: LinkageSettings,
    limit: int = 5,
) -> MatchResult:
    """Decide whether the incoming record ``probe`` joins one of the candidate persons.

    ``candidates`` pairs each person id with the feature row of one of its records. Each
    pair is scored and decided as the batch decides it, and each person keeps its best pair
    (link, then review, then no_link, then the higher probability). A person whose best pair
    links but whose other given records contradict the probe (``vetoes.veto_reason``) goes
    to review, as the batch clustering rejects that join. NOTE: only the records passed in
    are checked, so pass every record of each candidate person for the batch's full check.

    The outcome is "link" when exactly one person links, "review" when two or more link
    (the record would join persons, a reviewer's call) or when any person is in review,
    else "no_link". ``candidates`` of the result lists the best ``limit`` persons, with ties
    broken by person id.
    """
    if limit < 0:
        raise LinkageInputError(f"limit={limit!r} is invalid; expected 0 or more candidates")
    persons = _person_candidates(
        probe=probe, candidates=candidates, scorer=scorer, stats=stats, settings=settings
    )
    listed = tuple(persons[:limit])
    if not persons:
        return MatchResult(
            outcome=NO_LINK,
            person_id=None,
            probability=None,
            rule=NO_CANDIDATES_RULE,
            reason="no candidate records",
            candidates=(),
        )

    linked = [person for person in persons if person.outcome == LINK]
    if len(linked) > 1:
        ids = ", ".join(person.person_id for person in linked)
        return MatchResult(
            outcome=REVIEW,
            person_id=None,
            probability=linked[0].probability,
            rule=MULTIPLE_PERSONS_RULE,
            reason=f"links to {len(linked)} persons ({ids}); the record would join them, "
            "which a reviewer decides",
            candidates=listed,
        )
    best = persons[0]
    if best.outcome == LINK:
        reason = f"links to one person by rule {best.rule}"
        return MatchResult(LINK, best.person_id, best.probability, best.rule, reason, listed)
    if best.outcome == REVIEW:
        reason = best.reason or best.veto or "match probability in the review band"
        return MatchResult(REVIEW, best.person_id, best.probability, best.rule, reason, listed)
    reason = "no candidate reaches the review threshold"
    return MatchResult(NO_LINK, None, best.probability, best.rule, reason, listed)
