"""The PostgreSQL counter store: one originator's counters rise strictly across hosts.

Every host that signs for one originator EUI opens the same database
(``--counter-db postgresql://user@db.example/duis``). Each draw is one transaction
that locks the originator's row (``SELECT ... FOR UPDATE``), so draws from every
process on every host are serialised; the value is committed (``synchronous_commit``
on) before it is returned, so a client or server killed at any point either never
got the value or has it recorded. A client killed mid-transaction leaves nothing:
the server rolls the transaction back.

Tables (``duis_counter_issued``, ``duis_counter_seen``, ``duis_counter_meta``) are
created on first use, under an advisory lock, when none of them exists. When some
exist and others do not, the store lost its state and is refused (re-initialise it
explicitly). A database where all three were dropped cannot be told from a new one:
give the counter store a database (or role) of its own, and ``duis counters
reinit --above N`` after any restore.

Needs psycopg 3: ``pip install 'duis[postgres]'``.
"""

from __future__ import annotations

import os
import threading
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from duis.ids import EUI64
from signing._counters import (
    FORMAT_VERSION,
    CounterStore,
    Decide,
    _check_counter,
    lost_state_error,
)
from signing._exceptions import CounterStoreError

#: A psycopg.Connection; typed loosely so that type-checking does not need psycopg.
Conn = Any

__all__ = ["PostgresCounterStore", "redact_url"]

_TABLES = {
    "issued": "duis_counter_issued",
    "seen": "duis_counter_seen",
    "meta": "duis_counter_meta",
}
_NUMERIC = "NUMERIC(20, 0) NOT NULL CHECK (last >= 0 AND last <= 18446744073709551615)"
_SCHEMA = (
    f"CREATE TABLE {_TABLES['issued']} (originator TEXT PRIMARY KEY, last {_NUMERIC})",
    f"CREATE TABLE {_TABLES['seen']} (originator TEXT PRIMARY KEY, last {_NUMERIC})",
    f"CREATE TABLE {_TABLES['meta']} (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
)
#: pg_advisory_xact_lock key serialising schema creation and rebuilds ("duisctr").
_SCHEMA_LOCK = 0x6475697363747200


def redact_url(url: str) -> str:
    """The URL without its password, for messages and logs."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "postgresql://(unparsable URL)"
    if parts.password is None:
        return url
    netloc = parts.netloc.rsplit("@", 1)[1]
    user = parts.username or ""
    return urlunsplit(parts._replace(netloc=f"{user}:***@{netloc}"))


def _psycopg() -> Any:
    try:
        import psycopg
    except ImportError:
        raise CounterStoreError(
            "a postgresql:// counter store needs psycopg 3: pip install 'duis[postgres]'"
        ) from None
    return psycopg


class PostgresCounterStore(CounterStore):
    """Counters per originator in PostgreSQL; safe to share between processes and hosts."""

    _backend_name = "PostgreSQL counter store"

    def __init__(self, url: str | os.PathLike[str] | None = None, *, durable: bool = True) -> None:
        """Connect (creating the tables in a new database); ``durable`` forces
        ``synchronous_commit = on`` for this store's sessions whatever the server says."""
        if url is None or not isinstance(url, str):
            raise CounterStoreError("a PostgreSQL counter store needs a postgresql:// URL")
        self._setup(url, durable)
        self._ensure_schema()

    def _setup(self, url: str, durable: bool) -> None:
        self._url = url
        self.location = redact_url(url)
        self._durable = durable
        self._local = threading.local()
        self._pg = _psycopg()

    # --- connections -------------------------------------------------------------

    def _connect(self) -> Conn:
        conn: Conn | None = getattr(self._local, "conn", None)
        if conn is not None and self._local.pid == os.getpid() and not conn.closed:
            return conn
        try:
            conn = self._pg.connect(self._url, autocommit=True, connect_timeout=30)
            if self._durable:
                conn.execute("SET synchronous_commit = on")
        except self._pg.Error as exc:
            raise CounterStoreError(
                f"cannot connect to the counter store: {_first_line(exc)}", source=self.location
            ) from None
        self._local.conn = conn
        self._local.pid = os.getpid()
        return conn

    def close(self) -> None:
        conn: Conn | None = getattr(self._local, "conn", None)
        if conn is not None and self._local.pid == os.getpid():
            conn.close()
        self._local.conn = None

    def _run(self, work: Any) -> Any:
        """Run ``work(conn)`` in one transaction; once more on a fresh connection if the
        first was lost (a restarted server). A retried draw may skip a value the lost
        transaction committed, never reuse one."""
        for attempt in (1, 2):
            conn = self._connect()
            try:
                with conn.transaction():
                    return work(conn)
            except self._pg.OperationalError as exc:
                lost = bool(conn.closed)
                self.close()
                if attempt == 2 or not lost:
                    raise CounterStoreError(
                        f"counter store failed: {_first_line(exc)}", source=self.location
                    ) from None
            except self._pg.errors.UndefinedTable as exc:
                raise lost_state_error(
                    self.location, f"a table was dropped ({_first_line(exc)})"
                ) from None
            except self._pg.Error as exc:
                raise CounterStoreError(
                    f"counter store failed: {_first_line(exc)}", source=self.location
                ) from None
        raise AssertionError("unreachable")

    # --- schema ------------------------------------------------------------------

    def _ensure_schema(self) -> None:
        def work(conn: Conn) -> None:
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (_SCHEMA_LOCK,))
            present = _present_tables(conn)
            if not present:
                for statement in _SCHEMA:
                    conn.execute(statement)
                conn.execute(
                    f"INSERT INTO {_TABLES['meta']} (key, value) VALUES ('format', %s), "
                    "('floor', '0')",
                    (FORMAT_VERSION,),
                )
                return
            missing = sorted(set(_TABLES.values()) - present)
            if missing:
                raise lost_state_error(self.location, f"its table(s) {', '.join(missing)} are gone")

        self._run(work)

    @classmethod
    def _rebuild(cls, location: str | os.PathLike[str], above: int) -> None:
        store = object.__new__(cls)
        store._setup(str(location), True)

        def work(conn: Conn) -> None:
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (_SCHEMA_LOCK,))
            for table in _TABLES.values():
                conn.execute(f"DROP TABLE IF EXISTS {table}")
            for statement in _SCHEMA:
                conn.execute(statement)
            conn.execute(
                f"INSERT INTO {_TABLES['meta']} (key, value) VALUES ('format', %s), ('floor', %s)",
                (FORMAT_VERSION, str(above)),
            )

        try:
            store._run(work)
        finally:
            store.close()

    # --- the primitives ------------------------------------------------------------

    def _floor(self, conn: Conn) -> int:
        row = conn.execute(f"SELECT value FROM {_TABLES['meta']} WHERE key = 'floor'").fetchone()
        return 0 if row is None else _check_counter(row[0], what="floor", source=self.location)

    def _update(self, table: str, originator: EUI64, decide: Decide) -> int:
        name, key = _TABLES[table], str(originator)
        what = f"counter for {originator}"

        def work(conn: Conn) -> int:
            while True:
                row = conn.execute(
                    f"SELECT last FROM {name} WHERE originator = %s FOR UPDATE", (key,)
                ).fetchone()
                floor = self._floor(conn)
                if row is not None:
                    last = _check_counter(row[0], what=what, source=self.location)
                    value = decide(last, floor)
                    conn.execute(f"UPDATE {name} SET last = %s WHERE originator = %s", (value, key))
                    return value
                value = decide(None, floor)
                inserted = conn.execute(
                    f"INSERT INTO {name} (originator, last) VALUES (%s, %s) "
                    "ON CONFLICT (originator) DO NOTHING RETURNING originator",
                    (key, value),
                ).fetchone()
                if inserted is not None:
                    return value
                # Another transaction created the row first: lock it and decide again.

        result: int = self._run(work)
        return result

    def _keys(self) -> list[str]:
        def work(conn: Conn) -> list[str]:
            rows = conn.execute(
                f"SELECT originator FROM {_TABLES['issued']} "
                f"UNION SELECT originator FROM {_TABLES['seen']}"
            ).fetchall()
            return [str(row[0]) for row in rows]

        result: list[str] = self._run(work)
        return result

    def _read(self, table: str, originator: EUI64) -> int | None:
        name = _TABLES[table]

        def work(conn: Conn) -> int | None:
            row = conn.execute(
                f"SELECT last FROM {name} WHERE originator = %s", (str(originator),)
            ).fetchone()
            if row is None:
                return None
            return _check_counter(row[0], what=f"counter for {originator}", source=self.location)

        result: int | None = self._run(work)
        return result

    def _raise_floor(self, above: int) -> None:
        def work(conn: Conn) -> None:
            conn.execute("SELECT pg_advisory_xact_lock(%s)", (_SCHEMA_LOCK,))
            floor = max(self._floor(conn), above)
            conn.execute(
                f"INSERT INTO {_TABLES['meta']} (key, value) VALUES ('floor', %s) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (str(floor),),
            )

        self._run(work)


def _present_tables(conn: Conn) -> set[str]:
    rows = conn.execute(
        "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "WHERE c.relkind = 'r' AND n.nspname = current_schema() AND c.relname = ANY(%s)",
        (list(_TABLES.values()),),
    ).fetchall()
    return {str(r[0]) for r in rows}


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]
