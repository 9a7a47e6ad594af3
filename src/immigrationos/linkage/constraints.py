"""Reviewer decisions as linkage constraints: must-link and cannot-link record pairs.

The operational store is authoritative for decisions. Before each link run a service in the
cases app exports the decisions that are in force into the staging table ``link_constraints``
(defined in ``immigrationos.staging``) with ``constraints_replace``, and linkage reads them
back with ``constraints_load``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Final

import duckdb
import pyarrow as pa

from immigrationos import staging
from immigrationos.linkage.errors import LinkageError

MUST_LINK: Final = "must_link"
CANNOT_LINK: Final = "cannot_link"
CONSTRAINT_KINDS: Final = (MUST_LINK, CANNOT_LINK)

CONSTRAINTS_TABLE: Final = "link_constraints"

_SCHEMA = pa.schema(
    [
        ("uid_l", pa.string()),
        ("uid_r", pa.string()),
        ("kind", pa.string()),
        ("decision_id", pa.string()),
        ("decided_by", pa.string()),
        ("decided_at", pa.timestamp("us", tz="UTC")),
        ("reason", pa.string()),
        ("veto_seen", pa.string()),
    ]
)


class ConstraintError(LinkageError):
    """A constraint is malformed: unknown kind, or a record paired with itself."""


@dataclass(frozen=True)
class Constraint:
    """One reviewer decision about two records, with who decided, when and why.

    ``uid_l`` and ``uid_r`` are stored sorted, so one pair has one form. ``veto_seen`` is the
    veto or conflict text the reviewer was shown when deciding a must-link. Clustering lets
    the must-link override an automatic veto only when that veto's text is part of it.
    """

    uid_l: str
    uid_r: str
    kind: str
    decision_id: str
    decided_by: str
    decided_at: datetime
    reason: str
    veto_seen: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in CONSTRAINT_KINDS:
            raise ConstraintError(
                f"constraint kind {self.kind!r} is invalid; use one of {CONSTRAINT_KINDS}"
            )
        if self.uid_l == self.uid_r:
            raise ConstraintError(
                f"constraint {self.decision_id!r} pairs record {self.uid_l!r} with itself; "
                "a constraint needs two different records"
            )
        if self.uid_r < self.uid_l:
            low, high = self.uid_r, self.uid_l
            object.__setattr__(self, "uid_l", low)
            object.__setattr__(self, "uid_r", high)

    @property
    def pair(self) -> tuple[str, str]:
        """The sorted record uids."""
        return self.uid_l, self.uid_r

    def veto_overridden(self, veto: str) -> bool:
        """Return whether the reviewer saw ``veto`` when deciding this must-link."""
        return self.kind == MUST_LINK and bool(self.veto_seen) and veto in (self.veto_seen or "")


def constraints_load(*, con: duckdb.DuckDBPyConnection) -> list[Constraint]:
    """Return the constraints in staging, ordered by decision time, decision id and pair."""
    rows = con.execute(
        f"SELECT uid_l, uid_r, kind, decision_id, decided_by, decided_at, reason, veto_seen "
        f"FROM {CONSTRAINTS_TABLE} ORDER BY decided_at, decision_id, uid_l, uid_r"
    ).fetchall()
    return [Constraint(*row) for row in rows]


def constraints_replace(
    *, con: duckdb.DuckDBPyConnection, constraints: Iterable[Constraint]
) -> int:
    """Replace every staged constraint with ``constraints`` in one transaction.

    Returns the number of constraints written.
    """
    rows = [
        {
            "uid_l": item.uid_l,
            "uid_r": item.uid_r,
            "kind": item.kind,
            "decision_id": item.decision_id,
            "decided_by": item.decided_by,
            "decided_at": item.decided_at,
            "reason": item.reason,
            "veto_seen": item.veto_seen,
        }
        for item in constraints
    ]
    table = pa.Table.from_pylist(rows, schema=_SCHEMA)
    with staging.transaction(con, views={"lk_constraint_rows": table}):
        con.execute(f"DELETE FROM {CONSTRAINTS_TABLE}")
        con.execute(f"INSERT INTO {CONSTRAINTS_TABLE} SELECT * FROM lk_constraint_rows")
    return len(rows)
