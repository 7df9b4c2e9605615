"""Originator counters: strictly increasing per originator, across threads, processes and hosts.

The DCC rejects a request whose OriginatorCounter is not above the last one it saw
from that originator, so a counter must never be handed out twice, even by two
workers on one host, by two hosts, or after a crash. Two backends keep that promise:

- SQLite (a file path; the default): no server. ``BEGIN IMMEDIATE`` serialises
  writers across processes and a transaction is either in the WAL or not, so a
  process killed mid-write leaves the last committed value. One host only.
- PostgreSQL (a ``postgresql://`` URL, ``pip install 'duis[postgres]'``): a row lock
  per originator serialises every process on every host; see ``_counters_pg``.

Values are epoch milliseconds (as DCC's own tooling uses), bumped by one when the
clock has not moved on or went backwards. A store that exists but lost its state
(a file truncated to 0 bytes, a table dropped) is refused, never silently re-created:
a fresh store would hand out counters below ones already used. :meth:`CounterStore.
reinitialise` rebuilds it explicitly above a value the operator gives.

``CounterStore(location)`` (or :func:`open_counter_store`) opens either backend from a
path or URL; code that signs only sees the :class:`CounterStore` interface.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import sqlite3
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any, ClassVar

from duis._paths import user_data_dir
from duis._sqlite import ThreadConnections, WriterLock, connect_wal
from duis.config import is_counter_url
from duis.ids import EUI64, MAX_COUNTER
from signing._exceptions import CounterReplayError, CounterStoreError

__all__ = [
    "ENV_VAR",
    "CounterStore",
    "SQLiteCounterStore",
    "default_counter_location",
    "default_counter_path",
    "is_counter_url",
    "open_counter_store",
]

#: Environment variable naming the store when ``--counter-db`` is not given.
ENV_VAR = "DUIS_COUNTER_DB"

#: The stored-format marker; a store without its tables is one that lost its state.
FORMAT_VERSION = "1"

_REINIT_HINT = (
    "re-initialise it above the last counter any signer used with "
    "`duis counters reinit --counter-db LOCATION --above N` (CounterStore.reinitialise)"
)

Decide = Callable[[int | None, int], int]
"""Given the stored value (None if none) and the store's floor, the value to store."""


def default_counter_path() -> Path:
    """The default SQLite file: ``$DUIS_COUNTER_DB`` (unless a URL), else the platform's
    per-user data folder. :func:`default_counter_location` also returns a URL."""
    env = os.environ.get(ENV_VAR)
    if env and not is_counter_url(env):
        return Path(env).expanduser()
    return user_data_dir() / "counters.sqlite3"


def default_counter_location() -> str | Path:
    """Where the store is when none is given: ``$DUIS_COUNTER_DB`` (a path or a
    ``postgresql://`` URL), else :func:`default_counter_path`."""
    env = os.environ.get(ENV_VAR)
    if env and is_counter_url(env):
        return env
    return default_counter_path()


def open_counter_store(
    location: str | os.PathLike[str] | None = None, *, durable: bool = True
) -> CounterStore:
    """The counter store at a path (SQLite) or ``postgresql://`` URL; None: the default.

    The one factory every entry point uses (``--counter-db``, ``$DUIS_COUNTER_DB``,
    the settings' counter DB, ``duis serve``); ``CounterStore(location)`` is the same.
    """
    return CounterStore(location, durable=durable)


def _check_counter(value: object, *, what: str, source: str) -> int:
    """A stored value as an int in 0..MAX_COUNTER, or CounterStoreError (never ValueError).

    Accepts an int, an integral Decimal (PostgreSQL NUMERIC) or ASCII decimal text (the
    floor in SQLite's meta table); anything else was edited in or damaged.
    """
    integral_decimal = isinstance(value, Decimal) and value.is_finite() and value % 1 == 0
    decimal_text = isinstance(value, str) and value.isascii() and value.isdigit()
    if integral_decimal or (decimal_text and len(str(value)) <= 20):
        value = int(value)  # type: ignore[call-overload]
    if isinstance(value, bool) or not isinstance(value, int):
        raise CounterStoreError(
            f"counter store holds a bad {what} ({value!r:.40}, not an integer): it was edited "
            f"or damaged; {_REINIT_HINT}",
            source=source,
        )
    if not 0 <= value <= MAX_COUNTER:
        raise CounterStoreError(
            f"counter store holds a bad {what} ({value}, outside 0..{MAX_COUNTER}); {_REINIT_HINT}",
            source=source,
        )
    return value


class CounterStore:
    """Counters per originator, shared safely by every process that opens the same store.

    ``CounterStore(path_or_url)`` returns the backend the location names
    (:class:`SQLiteCounterStore` for a path, ``PostgresCounterStore`` for a
    ``postgresql://`` URL); subclasses implement two transactional primitives and
    everything else (epoch-ms values, floors, batches, replay records) is here.
    """

    #: A printable name of the store (a path, or a URL without its password).
    location: str
    _backend_name: ClassVar[str] = "counter store"

    def __new__(
        cls, location: str | os.PathLike[str] | None = None, *, durable: bool = True
    ) -> CounterStore:
        if cls is CounterStore:
            return super().__new__(_backend_for(location))
        return super().__new__(cls)

    # --- what a backend provides (each raises CounterStoreError, never sqlite/psycopg's) --

    def _update(self, table: str, originator: EUI64, decide: Decide) -> int:
        """In one transaction: read the stored value and the floor, store ``decide``'s."""
        raise NotImplementedError

    def _read(self, table: str, originator: EUI64) -> int | None:
        """The stored value for ``originator`` (None when none)."""
        raise NotImplementedError

    def _raise_floor(self, above: int) -> None:
        """Make every later counter of every originator greater than ``above``."""
        raise NotImplementedError

    def _keys(self) -> list[str]:
        """Every originator key stored, issued or seen (duplicates allowed)."""
        raise NotImplementedError

    def close(self) -> None:
        """Close this thread's connection (the store can be used again afterwards)."""
        raise NotImplementedError

    @classmethod
    def _rebuild(cls, location: str | os.PathLike[str], above: int) -> None:
        """Replace a store that lost its state by an empty one whose floor is ``above``."""
        raise NotImplementedError

    # --- the counter logic, the same for every backend ---------------------------

    def __enter__(self) -> CounterStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def next(self, originator: EUI64) -> int:
        """A fresh counter for ``originator``: above every one handed out before."""
        return self.reserve(originator, 1).start

    def reserve(self, originator: EUI64, n: int) -> range:
        """``n`` fresh counters for ``originator``, rising, in one transaction.

        For a batch: one commit instead of ``n``. The range is the caller's alone
        (recorded as issued before it is returned); counters of it left unused are
        simply skipped, never handed out again, so a crash mid-batch reuses nothing.
        """
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise ValueError(f"reserve needs a positive number of counters, got {n!r}")

        def decide(last: int | None, floor: int) -> int:
            now = time.time_ns() // 1_000_000
            first = max(now, floor + 1, 0 if last is None else last + 1)
            end = first + n - 1
            if end > MAX_COUNTER:
                raise CounterStoreError(
                    f"originator {originator} would pass the last counter DUIS allows "
                    f"({MAX_COUNTER})",
                    source=self.location,
                )
            return end

        end = self._update("issued", originator, decide)
        return range(end - n + 1, end + 1)

    def last_issued(self, originator: EUI64) -> int | None:
        """The highest counter handed out for ``originator`` (None if none yet)."""
        return self._read("issued", originator)

    def last_seen(self, originator: EUI64) -> int | None:
        """The highest counter recorded by :meth:`check_and_record` (None if none)."""
        return self._read("seen", originator)

    def originators(self) -> list[EUI64]:
        """Every originator the store holds a counter for (issued or seen), in order.

        A key that is not an EUI-64 (a store edited by hand) is a CounterStoreError:
        the store is not one this library wrote.
        """
        found: list[EUI64] = []
        for key in sorted(set(self._keys())):
            try:
                found.append(EUI64.parse(key))
            except ValueError:
                raise CounterStoreError(
                    f"holds an originator that is not an EUI-64 ({key[:40]!r}); it was not "
                    "written by duis, or was edited by hand",
                    source=self.location,
                ) from None
        return sorted(found, key=str)

    def check_and_record(self, originator: EUI64, counter: int) -> None:
        """Record a message's counter; CounterReplayError unless it is above the last.

        Counters of one originator must rise strictly, so any value not above the
        highest recorded one is a replay (or an out-of-order duplicate).
        """
        if not 0 <= counter <= MAX_COUNTER:
            raise ValueError(f"counter out of range: {counter}")

        def decide(last: int | None, floor: int) -> int:
            if last is not None and counter <= last:
                raise CounterReplayError(
                    f"OriginatorCounter {counter} of {originator} is not above the last "
                    f"one recorded ({last}): a replayed or out-of-order message"
                )
            return counter

        self._update("seen", originator, decide)

    @classmethod
    def reinitialise(
        cls, location: str | os.PathLike[str] | None, *, above: int, durable: bool = True
    ) -> CounterStore:
        """Make the store usable again so that every later counter is above ``above``.

        For a store that lost its state (refused on open): it is rebuilt empty, with
        ``above`` as the floor of every originator's counters; give the highest
        counter any signer may have used (e.g. from the DCC's last response or your
        logs). For a healthy store nothing is lost: only its floor is raised. Stop
        every signer using the store first.
        """
        above = _check_counter(above, what="floor", source=str(location))
        if location is None:
            location = default_counter_location()
        try:
            store = CounterStore(location, durable=durable)
        except CounterStoreError as exc:
            if not getattr(exc, "lost_state", False):
                raise
            _backend_for(location)._rebuild(location, above)
            return CounterStore(location, durable=durable)
        store._raise_floor(above)
        return store


def _backend_for(location: str | os.PathLike[str] | None) -> type[CounterStore]:
    if location is None:
        location = default_counter_location()
    if is_counter_url(location):
        from signing._counters_pg import PostgresCounterStore

        return PostgresCounterStore
    return SQLiteCounterStore


class _LostState(CounterStoreError):
    """Internal marker: the store exists but its counter state is gone (reinit can fix)."""

    lost_state = True


def lost_state_error(location: str, what: str) -> CounterStoreError:
    """The error for a store that exists but lost its state (refused, never re-created)."""
    return _LostState(
        f"counter store exists but {what}: it may already have handed out counters it no "
        f"longer knows, so it is not re-created (a new one could reuse them); {_REINIT_HINT}",
        source=location,
    )


_SQLITE_TABLES = ("issued", "seen", "meta")
_SQLITE_SCHEMA = """
CREATE TABLE issued (originator TEXT PRIMARY KEY, last INTEGER NOT NULL);
CREATE TABLE seen (originator TEXT PRIMARY KEY, last INTEGER NOT NULL);
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""

# SQLite integers are signed 64-bit; counters go to MAX_COUNTER (2**64 - 1), so they
# are stored shifted down by 2**63, which keeps their order.
_SHIFT = 2**63


class SQLiteCounterStore(CounterStore):
    """Counters per originator in one SQLite file; safe to share between processes.

    A new store is built under a temporary name and linked into place, so the path
    either does not exist or holds a complete store: anything else found there (0
    bytes, tables missing) lost its state and is refused.
    """

    _backend_name = "SQLite counter store"

    def __init__(self, path: str | os.PathLike[str] | None = None, *, durable: bool = True) -> None:
        """Open (creating if absent) the store; ``durable`` fsyncs every commit.

        Without ``durable`` a process crash still never reuses a value; only a power
        loss could roll back the last few commits.
        """
        self.path = Path(path) if path is not None else default_counter_path()
        self.location = str(self.path)
        self._durable = durable
        self._conns = ThreadConnections()
        self._writers = WriterLock(self.path)
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise CounterStoreError(
                f"cannot create the counter store's folder: {exc.strerror or exc}; "
                f"choose another with --counter-db or ${ENV_VAR}",
                source=self.location,
            ) from None
        if not self.path.exists():
            self._create(self.path, floor=0)
        self._connect()

    # --- creation ----------------------------------------------------------------

    @staticmethod
    def _create(path: Path, *, floor: int, replace: bool = False) -> None:
        """Build a complete store beside ``path``, then link (or replace) it into place."""
        tmp = path.with_name(f".{path.name}.new-{os.getpid()}-{secrets.token_hex(4)}")
        try:
            conn = sqlite3.connect(tmp, isolation_level=None)
            try:
                conn.execute("PRAGMA journal_mode=WAL")
                conn.executescript(_SQLITE_SCHEMA)
                conn.execute(
                    "INSERT INTO meta (key, value) VALUES ('format', ?), ('floor', ?)",
                    (FORMAT_VERSION, str(floor)),
                )
            finally:
                conn.close()
            with open(tmp, "rb+") as fh:
                os.fsync(fh.fileno())
            if replace:
                # A stale WAL of the lost store must not be replayed into the new one.
                for suffix in ("-wal", "-shm"):
                    Path(str(path) + suffix).unlink(missing_ok=True)
                os.replace(tmp, path)
            else:
                with contextlib.suppress(FileExistsError):  # another process made it first
                    os.link(tmp, path)
            _fsync_dir(path.parent)
        except (OSError, sqlite3.Error) as exc:
            raise CounterStoreError(
                f"cannot create the counter store: {exc}; choose another with "
                f"--counter-db or ${ENV_VAR}",
                source=str(path),
            ) from None
        finally:
            for leftover in (tmp, Path(f"{tmp}-wal"), Path(f"{tmp}-shm")):
                leftover.unlink(missing_ok=True)

    @classmethod
    def _rebuild(cls, location: str | os.PathLike[str], above: int) -> None:
        cls._create(Path(location), floor=above, replace=True)

    # --- connections -------------------------------------------------------------

    def _connect(self) -> sqlite3.Connection:
        conn = self._conns.current()  # a connection crosses no thread and no fork
        if conn is not None:
            return conn
        try:
            size = self.path.stat().st_size
        except FileNotFoundError:
            raise lost_state_error(self.location, "its file was removed while in use") from None
        except OSError as exc:
            raise CounterStoreError(
                f"cannot open the counter store: {exc.strerror or exc}", source=self.location
            ) from None
        if size == 0:
            raise lost_state_error(self.location, "its file is empty (0 bytes)")
        try:
            conn = connect_wal(self.path, durable=self._durable)
            tables = {
                row[0]
                for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            }
        except sqlite3.Error as exc:
            raise CounterStoreError(
                f"cannot open the counter store: {exc}; choose another with "
                f"--counter-db or ${ENV_VAR}",
                source=self.location,
            ) from None
        missing = [t for t in ("issued", "seen") if t not in tables]
        if missing:
            conn.close()
            raise lost_state_error(self.location, f"its table(s) {', '.join(missing)} are gone")
        if "meta" not in tables:  # a store made before the format marker: add it
            try:
                conn.execute("BEGIN IMMEDIATE")
                conn.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT)")
                conn.execute(
                    "INSERT OR IGNORE INTO meta (key, value) VALUES ('format', ?), ('floor', '0')",
                    (FORMAT_VERSION,),
                )
                conn.execute("COMMIT")
            except sqlite3.Error as exc:
                conn.close()
                raise CounterStoreError(
                    f"cannot upgrade the counter store: {exc}", source=self.location
                ) from None
        return self._conns.keep(conn)

    def close(self) -> None:
        self._conns.close()

    # --- the primitives ------------------------------------------------------------

    def _floor(self, conn: sqlite3.Connection) -> int:
        row = conn.execute("SELECT value FROM meta WHERE key = 'floor'").fetchone()
        if row is None:
            return 0
        return _check_counter(row[0], what="floor", source=self.location)

    def _stored(self, row: tuple[Any, ...] | None, originator: EUI64) -> int | None:
        if row is None:
            return None
        raw, what = row[0], f"counter for {originator}"
        if isinstance(raw, bool) or not isinstance(raw, int):  # SQLite stores any type anywhere
            return _check_counter(repr(raw), what=what, source=self.location)
        return _check_counter(raw + _SHIFT, what=what, source=self.location)

    def _update(self, table: str, originator: EUI64, decide: Decide) -> int:
        conn = self._connect()
        key = str(originator)
        try:
            with self._writers.held():
                conn.execute("BEGIN IMMEDIATE")
                try:
                    row = conn.execute(
                        f"SELECT last FROM {table} WHERE originator = ?", (key,)
                    ).fetchone()
                    value = decide(self._stored(row, originator), self._floor(conn))
                    conn.execute(
                        f"INSERT INTO {table} (originator, last) VALUES (?, ?) "
                        "ON CONFLICT(originator) DO UPDATE SET last = excluded.last",
                        (key, value - _SHIFT),
                    )
                except BaseException:
                    conn.execute("ROLLBACK")
                    raise
                conn.execute("COMMIT")
        except sqlite3.Error as exc:
            raise self._failed(exc) from None
        return value

    def _read(self, table: str, originator: EUI64) -> int | None:
        try:
            row = (
                self._connect()
                .execute(f"SELECT last FROM {table} WHERE originator = ?", (str(originator),))
                .fetchone()
            )
        except sqlite3.Error as exc:
            raise self._failed(exc) from None
        return self._stored(row, originator)

    def _keys(self) -> list[str]:
        try:
            rows = (
                self._connect()
                .execute("SELECT originator FROM issued UNION SELECT originator FROM seen")
                .fetchall()
            )
        except sqlite3.Error as exc:
            raise self._failed(exc) from None
        return [str(row[0]) for row in rows]

    def _raise_floor(self, above: int) -> None:
        conn = self._connect()
        try:
            conn.execute("BEGIN IMMEDIATE")
            try:
                floor = max(self._floor(conn), above)
                conn.execute(
                    "INSERT INTO meta (key, value) VALUES ('floor', ?) "
                    "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                    (str(floor),),
                )
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
        except sqlite3.Error as exc:
            raise self._failed(exc) from None

    def _failed(self, exc: sqlite3.Error) -> CounterStoreError:
        if "no such table" in str(exc):
            return lost_state_error(self.location, f"a table was dropped while in use ({exc})")
        return CounterStoreError(f"counter store failed: {exc}", source=self.location)


def _fsync_dir(folder: Path) -> None:
    """Make a rename or link in ``folder`` durable (a no-op where folders cannot be opened)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
