"""Immigration status on any date, from rules with evidence (no Django)."""

from immigrationos.status.dates import age_on, birthday, days_after, local_date, shift_years
from immigrationos.status.engine import StatusPeriod, StatusResult, status_history, status_on
from immigrationos.status.errors import RecordError, StatusError
from immigrationos.status.records import RecordView, record_from_row
from immigrationos.status.timeline import Stay, build_stays, records_known_on

__all__ = [
    "RecordError",
    "RecordView",
    "StatusError",
    "StatusPeriod",
    "StatusResult",
    "Stay",
    "age_on",
    "birthday",
    "build_stays",
    "days_after",
    "local_date",
    "record_from_row",
    "records_known_on",
    "shift_years",
    "status_history",
    "status_on",
]
