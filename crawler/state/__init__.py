"""Cross-run state: one Protocol (records.Store), with SQLite (the default) and Redis (distributed) stores."""

from crawler.state.records import Known, NewerSchemaError, StateError, Store, Written, skip_reason
from crawler.state.run import RunState, state_for
from crawler.state.sqlite_store import SCHEMA_VERSION, StateStore, stored_schema_version

__all__ = [
    "SCHEMA_VERSION", "Known", "NewerSchemaError", "RunState", "StateError", "StateStore", "Store", "Written",
    "skip_reason", "state_for", "stored_schema_version",
]  # fmt: skip
