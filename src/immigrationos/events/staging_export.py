"""Copy applied events into the staging store, so that the batch linkage sees them.

A pipeline run re-links every record; events that arrived since the last run join the staged
records first. An event staged once is not written again unless its content changed. Its
record id carries the ``event:`` prefix, so it never replaces an extract row.
"""

from __future__ import annotations

import duckdb
import pyarrow as pa

from immigrationos.departures.schema import event_record_row, events_parse
from immigrationos.events.models import IncomingEvent
from immigrationos.sources.store import RECORD_COLUMNS, attrs_json

# The load id of staged rows that came from the event path.
EVENTS_LOAD_ID = "events"


def events_stage(*, con: duckdb.DuckDBPyConnection) -> int:
    """Upsert applied events into staging ``records``; return how many rows were written."""
    staged = dict(
        con.execute(
            "SELECT record_uid, row_hash FROM records WHERE source IN ('departures', 'arrivals')"
        ).fetchall()
    )
    wanted = [
        payload
        for record_uid, payload_hash, payload in IncomingEvent.objects.values_list(
            "record_uid", "payload_hash", "payload"
        ).iterator(chunk_size=5000)
        if staged.get(record_uid) != payload_hash
    ]
    if not wanted:
        return 0
    events, rejected = events_parse(wanted)
    # Stored payloads passed validation once; a rule tightened since then must not lose them.
    if rejected:
        raise ValueError(
            "stored events no longer pass validation: "
            + "; ".join(rejection.message for rejection in rejected[:5])
        )
    columns: dict[str, list[object]] = {name: [] for name in RECORD_COLUMNS}
    for event in events:
        row = event_record_row(event)
        values = {
            **dict.fromkeys(RECORD_COLUMNS),
            **{k: v for k, v in row.items() if k in RECORD_COLUMNS},
            "load_id": EVENTS_LOAD_ID,
            "line": 0,
            "event_date": event.local_date,
            "attrs": attrs_json(dict(row.get("attrs") or {})),
            "row_hash": event.payload_hash,
        }
        for name in RECORD_COLUMNS:
            columns[name].append(values[name])
    types = {"line": pa.int32(), "dob": pa.date32(), "event_date": pa.date32()}
    table = pa.table(
        {
            name: pa.array(values, type=types.get(name, pa.string()))
            for name, values in columns.items()
        }
    )
    con.register("_event_rows", table)
    try:
        con.execute("BEGIN")
        con.execute("DELETE FROM records WHERE record_uid IN (SELECT record_uid FROM _event_rows)")
        names = ", ".join(RECORD_COLUMNS)
        con.execute(
            f"INSERT INTO records ({names}) SELECT "
            + ", ".join("attrs::JSON" if n == "attrs" else n for n in RECORD_COLUMNS)
            + " FROM _event_rows"
        )
        con.execute("COMMIT")
    except Exception:
        con.execute("ROLLBACK")
        raise
    finally:
        con.unregister("_event_rows")
    return int(table.num_rows)
