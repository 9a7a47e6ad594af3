"""Possible identity conflicts between a person and a protected person.

Linkage leaves a pair unlinked below its review band, so a protected person's records can
stay apart from a record that carries enforcement evidence. For example, a citizen's old
visitor arrival, filed under a second passport and another romanisation of the name, then
looks like an overstay of its own. Before any person is prioritised, such possible conflicts
become review items, so the person is protected as "identity under review" until someone
decides.

Two signals count:

- a scored record pair at or above ``CONFLICT_MIN_PROBABILITY`` between the person and a
  protected person (pairs from the review band up are already review items);
- for an unconfirmed overstay, which rests on one arrival record and nothing else, a protected
  person with the same date of birth, sex and nationality.
"""

from __future__ import annotations

from collections import defaultdict

import duckdb

from immigrationos import staging
from immigrationos.linkage.review import ReviewItem, review_id_for

# Statuses whose persons the policy never prioritises whatever else holds.
PROTECTED_STATUSES = ("citizen", "lawful_permanent_resident", "protected", "pending_application")
# NOTE: chosen from 100,000-person synthetic runs, where each missed link of a citizen that
# was seen scored above it or shared DOB, sex and nationality. It is not tuned for the size
# of the review queue it produces.
CONFLICT_MIN_PROBABILITY = 0.05
KIND = "protected_conflict"

_STATUS_LIST = ", ".join(f"'{status}'" for status in PROTECTED_STATUSES)

_PAIR_SQL = f"""
WITH owner AS (SELECT record_uid, person_id FROM person_records),
protected_persons AS (
    SELECT person_id FROM person_status WHERE status IN ({_STATUS_LIST})
),
directed AS (
    SELECT record_uid_l AS uid, record_uid_r AS other_uid, match_probability FROM pairs
    UNION ALL
    SELECT record_uid_r, record_uid_l, match_probability FROM pairs
)
SELECT o1.person_id, o2.person_id, d.uid, d.other_uid, d.match_probability
FROM directed AS d
JOIN owner AS o1 ON o1.record_uid = d.uid
JOIN owner AS o2 ON o2.record_uid = d.other_uid
WHERE o1.person_id <> o2.person_id
  AND d.match_probability >= ?
  AND o2.person_id IN (SELECT person_id FROM protected_persons)
  AND o1.person_id NOT IN (SELECT person_id FROM protected_persons)
"""

_DEMOGRAPHIC_SQL = f"""
WITH facts AS (
    SELECT pr.person_id, r.record_uid, r.dob, r.sex, r.nationality
    FROM records AS r JOIN person_records AS pr USING (record_uid)
    WHERE r.dob IS NOT NULL AND r.sex IS NOT NULL AND r.nationality IS NOT NULL
),
unconfirmed AS (
    SELECT person_id FROM person_status WHERE status = 'potential_overstay_unconfirmed'
),
protected_persons AS (
    SELECT person_id FROM person_status WHERE status IN ({_STATUS_LIST})
)
SELECT DISTINCT f1.person_id, f2.person_id, f1.record_uid, f2.record_uid
FROM facts AS f1
JOIN facts AS f2
  ON f1.dob = f2.dob AND f1.sex = f2.sex AND f1.nationality = f2.nationality
 AND f1.person_id <> f2.person_id
WHERE f1.person_id IN (SELECT person_id FROM unconfirmed)
  AND f2.person_id IN (SELECT person_id FROM protected_persons)
"""


def protected_conflicts_find(*, con: duckdb.DuckDBPyConnection) -> list[ReviewItem]:
    """Return one review item per (person, protected person) pair that may be one identity.

    Reads ``pairs``, ``person_records``, ``records`` and ``person_status``; writes nothing.
    Items are sorted by review id, so the same input always gives the same list.
    """
    uids: dict[tuple[str, str], set[str]] = defaultdict(set)
    best: dict[tuple[str, str], float] = {}
    reasons: dict[tuple[str, str], str] = {}

    for person, other, uid, other_uid, probability in con.execute(
        _PAIR_SQL, [CONFLICT_MIN_PROBABILITY]
    ).fetchall():
        key = (person, other)
        uids[key] |= {uid, other_uid}
        best[key] = max(best.get(key, 0.0), float(probability))
        reasons[key] = (
            f"possible match to protected person {other}: a record pair scored "
            f"{best[key]:.2f}, below the review band"
        )
    for person, other, uid, other_uid in con.execute(_DEMOGRAPHIC_SQL).fetchall():
        key = (person, other)
        uids[key] |= {uid, other_uid}
        reasons.setdefault(
            key,
            f"possible match to protected person {other}: an unconfirmed overstay with the "
            "same date of birth, sex and nationality",
        )

    items = [
        ReviewItem(
            review_id=review_id_for(KIND, sorted(record_uids)),
            kind=KIND,
            record_uids=tuple(sorted(record_uids)),
            person_ids=key,
            probability=best.get(key),
            reason=reasons[key],
        )
        for key, record_uids in uids.items()
    ]
    return sorted(items, key=lambda item: item.review_id)


def protected_conflicts_store(*, con: duckdb.DuckDBPyConnection, items: list[ReviewItem]) -> None:
    """Replace this module's items in ``review_items``, leaving linkage's items alone."""
    with staging.transaction(con):
        con.execute("DELETE FROM review_items WHERE kind = ?", [KIND])
        if items:
            _insert(con, items)


def _insert(con: duckdb.DuckDBPyConnection, items: list[ReviewItem]) -> None:
    con.executemany(
        "INSERT INTO review_items VALUES (?, ?, ?, ?, ?, ?)",
        [
            [
                row["review_id"],
                row["kind"],
                row["record_uids"],
                row["person_ids"],
                row["match_probability"],
                row["reason"],
            ]
            for row in (item.as_dict() for item in items)
        ],
    )
