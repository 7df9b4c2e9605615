"""``duis sign FILE... [-o OUT | --in-place]``: sign requests with the User's xmlSign key.

Each refusal (no credentials, wrong certificate, invalid request) is one report line
for that file (exit 1); options or a keystore that cannot be used exit 2.

A batch is signed in blocks. For each block the counters are reserved in one
transaction per originator (so a crash can waste counters, never hand one out
twice), then the outputs go through :class:`duis.fileio.BatchWriter`: each to a
temporary file (written by a background thread while the next file is signed), all
flushed in one step, renamed over their targets, and each folder flushed once,
which makes the renames durable. With ``--jobs N`` forked workers check and sign
while this process draws the counters and writes (see ``_run_parallel``). An
interrupted run (Ctrl-C:
exit 130, SIGKILL, power loss) leaves every input as it was and every output either
complete or absent; see docs/signing.md.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

import click

from duis._exceptions import ConfigError, DuisError, InputError
from duis.cli._common import (
    EXIT_INTERRUPTED,
    BatchOptions,
    OutputIsInput,
    batch_options,
    error_report,
    exit_code,
    fail_setup,
    load_keystore,
    not_the_output,
    open_output,
    parse_at,
    parse_eui,
    registry_for,
    use_color,
)
from duis.cli._inputs import Document, Note, Problem, expand
from duis.cli._render import FORMATS, Sink, make_sink
from duis.cli._settings import Resolver
from duis.xml import DEFAULT_MAX_BYTES

if TYPE_CHECKING:
    from datetime import datetime

    from duis.ids import EUI64
    from duis.report import Kind, Report
    from signing import CounterStore, Credentials, Keystore, PreparedSign, SignedMessage

__all__ = ["sign"]

#: Files per block: one counter transaction and one folder flush each.
BLOCK = 256


@click.command()
@click.argument("paths", nargs=-1, metavar="FILE...")
@click.option("--keystore", "keystore_dir", metavar="DIR", help="Folder of certificates and keys.")
@click.option("--cert", "cert_file", metavar="FILE", help="Signing certificate (with --key).")
@click.option("--key", "key_file", metavar="FILE", help="Private key for --cert.")
@click.option(
    "-o",
    "--output",
    metavar="OUT",
    help="Output file (one input) or folder (several: the layout below each folder "
    "argument is kept); - for stdout (the default for one).",
)
@click.option("--in-place", is_flag=True, help="Replace each input with its signed version.")
@click.option("--preserve-counter", is_flag=True, help="Keep the request's own OriginatorCounter.")
@click.option(
    "--counter-db",
    metavar="PATH",
    envvar="DUIS_COUNTER_DB",
    help="Originator counter store (default: per-user data folder; env DUIS_COUNTER_DB).",
)
@click.option("--no-validate", is_flag=True, help="Sign even if the request fails validation.")
@click.option(
    "--schema-dir",
    "schema_dirs",
    multiple=True,
    metavar="DIR",
    help="Folder of DCC's official XSDs to validate with before signing (repeatable; "
    "added to [tool.duis] schema-dirs).",
)
@click.option(
    "--allow-digital-signing",
    is_flag=True,
    help="Allow a Digital Signing (not xmlSign) certificate, as before xmlSign existed.",
)
@click.option("--at", "at_text", metavar="TIME", help="Check certificate validity at this time.")
@click.option("--dcc-eui", metavar="EUI", help="The DCC's EUI-64, signer of responses.")
@batch_options(FORMATS, verbose_help="(notes are always shown: each says where a file went)")
def sign(paths: tuple[str, ...], **kwargs: Any) -> None:
    """Sign DUIS requests with the xmlSign profile DCC expects.

    Credentials come from --keystore (chosen by each RequestID's originator) or
    --cert/--key. A fresh OriginatorCounter is drawn from the counter store unless
    --preserve-counter; counters rise in the order the files are given. FILE may be -
    for stdin. Each request is validated first with the settings nearest to it.
    Exit status: 0 all signed, 1 a file refused, 2 usage or set-up error, 130
    interrupted (the files signed so far are listed).
    """
    from signing import Credentials, open_counter_store

    opts = BatchOptions.pop(kwargs)
    if not paths and opts.files_from is None:
        raise click.UsageError("give at least one FILE (or --files-from)")
    in_place: bool = kwargs["in_place"]
    output: str | None = kwargs["output"]
    cert_file, key_file = kwargs["cert_file"], kwargs["key_file"]
    if in_place and output:
        raise click.UsageError("give either -o/--output or --in-place, not both")
    if (cert_file is None) != (key_file is None):
        raise click.UsageError("--cert and --key go together")
    at = parse_at(kwargs["at_text"])
    dcc = parse_eui(kwargs["dcc_eui"])
    # The keystore and the counter store come from the one settings object: the
    # option, else the settings of this folder, else $DUIS_KEYSTORE / $DUIS_COUNTER_DB.
    resolver = Resolver(
        overrides={
            "schema_dirs": kwargs["schema_dirs"],
            "keystore": kwargs["keystore_dir"],
            "counter_db": kwargs["counter_db"],
        },
        explicit=opts.config_file,
        isolated=opts.isolated,
        respect_gitignore=opts.respect_gitignore,
    )
    try:
        here = resolver.config_for(None)
        registry_for(here)
    except ConfigError as exc:
        fail_setup(exc)
    if here.keystore is None and cert_file is None:
        raise click.UsageError(
            "give --keystore DIR (or keystore in the settings, or $DUIS_KEYSTORE), "
            "or --cert FILE --key FILE"
        )
    keystore: Keystore | None = (
        load_keystore(str(here.keystore))
        if here.keystore is not None and (kwargs["keystore_dir"] or cert_file is None)
        else None
    )
    credentials: Credentials | None = None
    if cert_file and key_file:
        try:
            credentials = Credentials.load(cert_file, key_file)
        except DuisError as exc:
            fail_setup(exc)
    counters: CounterStore | None = None
    if not kwargs["preserve_counter"]:
        try:
            counters = open_counter_store(here.counter_db)
        except DuisError as exc:
            fail_setup(exc)

    try:
        items = list(
            not_the_output(
                expand(
                    opts.paths(paths),
                    stdin_limit=DEFAULT_MAX_BYTES,
                    excluded=resolver.excluder,
                    force_exclude=opts.force_exclude,
                ),
                opts.output_file,
            )
        )
    except OutputIsInput as exc:
        fail_setup(str(exc))
    docs = [d for d in items if isinstance(d, Document)]
    if len(docs) > 1 and not in_place and (output is None or output == "-"):
        raise click.UsageError("several inputs: give -o FOLDER or --in-place")
    if in_place and any(d.path is None for d in docs):
        raise click.UsageError("--in-place cannot be used with stdin")
    targets = _targets(docs, output, in_place)
    if targets and opts.output_file is not None:
        report = os.path.abspath(opts.output_file)
        for target in targets.values():
            if os.path.abspath(target) == report:
                fail_setup(
                    f"--output-file {opts.output_file} is also where a signed request "
                    "is written; write the report elsewhere"
                )
    if targets:
        _tidy(targets.values())
    signer = _Signer(
        resolver,
        keystore=keystore,
        credentials=credentials,
        preserve_counter=kwargs["preserve_counter"],
        validate=not kwargs["no_validate"],
        at=at,
        allow_digital_signing=kwargs["allow_digital_signing"],
        dcc_eui=dcc,
    )
    to_stdout = targets is None
    with open_output(opts.output_file) as out:
        report_out = sys.stderr if to_stdout and opts.output_file is None else out
        sink = make_sink(
            opts.fmt,
            report_out,
            sys.stderr,
            command="sign",
            verbose=not opts.quiet,
            quiet=opts.quiet,
            color=opts.fmt == "text" and use_color(opts.color, report_out),
            statistics=opts.statistics,
        )
        interrupted = False
        try:
            _run(items, targets, signer, counters, sink, opts.jobs)
        except KeyboardInterrupt:
            interrupted = True
        finally:
            sink.close()
    if interrupted:
        click.echo(
            f"duis: interrupted: {signer.signed} file(s) signed and written (listed above); "
            "every other input and output is as it was",
            err=True,
        )
        sys.exit(EXIT_INTERRUPTED)
    tally = sink.tally
    sys.exit(
        exit_code(
            problems=tally.invalid > 0,
            setup_failed=tally.setup_errors > 0,
            exit_zero=opts.exit_zero,
        )
    )


def _targets(docs: list[Document], output: str | None, in_place: bool) -> dict[int, Path] | None:
    """Where each input's signed copy goes (None: stdout), refusing clashes up front.

    Two inputs that would land on the same output are refused before anything is
    signed, so no output is lost and no counter spent on it.
    """
    if in_place:
        return {i: Path(d.path) for i, d in enumerate(docs) if d.path is not None}
    if output is None or output == "-":
        return None
    if len(docs) <= 1 and not Path(output).is_dir():
        return {0: Path(output)} if docs else {}
    out_dir = Path(output)
    if not out_dir.is_dir():
        raise click.UsageError(f"-o {output}: not a folder (needed for several inputs)")
    targets: dict[int, Path] = {}
    seen: dict[Path, str] = {}
    for i, doc in enumerate(docs):
        rel = doc.relative if doc.relative is not None else Path(doc.name).name
        target = out_dir / rel
        key = Path(os.path.normcase(os.path.abspath(target)))
        if key in seen:
            fail_setup(
                f"-o {output}: {seen[key]} and {doc.name} would both be written to {target}; "
                "nothing was signed (sign them into different folders)"
            )
        seen[key] = doc.name
        targets[i] = target
    return targets


def _tidy(targets: Iterable[Path]) -> None:
    """Remove what a killed run over the same outputs left behind (old temporaries)."""
    from duis.fileio import STALE_AFTER, remove_stale_temporaries

    by_folder: dict[Path, set[str]] = {}
    for given in targets:
        target = Path(os.path.realpath(given))  # temporaries sit beside the real file
        by_folder.setdefault(target.parent, set()).add(target.name)
    removed = sum(remove_stale_temporaries(f, names) for f, names in by_folder.items())
    if removed:
        click.echo(
            f"duis: removed {removed} temporary file(s) left by an interrupted run "
            f"(older than {STALE_AFTER / 60:.0f} minutes)",
            err=True,
        )


@dataclass
class _Signer:
    resolver: Resolver
    keystore: Keystore | None
    credentials: Credentials | None
    preserve_counter: bool
    validate: bool
    at: datetime | None
    allow_digital_signing: bool
    dcc_eui: EUI64 | None
    signed: int = 0

    def prepare(self, doc: Document) -> PreparedSign | Report | Problem:
        """Read and parse once, validate with the nearest settings, make every signing
        check: what is left is drawing the counter (``originator``) and signing."""
        from duis._validate import validate_tree
        from duis.xml import parse, read_input
        from signing import InvalidRequestError
        from signing._sign import prepare_sign

        try:
            config = self.resolver.config_for(doc.path)
        except ConfigError as exc:
            return Problem(doc.name, str(exc))
        try:
            if doc.data is not None:
                data = doc.data
            else:
                assert doc.path is not None
                data, _ = read_input(doc.path, source=doc.name)
            tree = parse(data, source=doc.name)
        except InputError as exc:
            return Problem(doc.name, exc.message)
        except DuisError as exc:
            return error_report(doc.name, exc)
        if self.validate:
            registry = registry_for(config)
            report = validate_tree(tree, schemas=registry, config=config, source=doc.name)
            if not report.valid:
                first = report.errors[0]
                where = f"line {first.line}: " if first.line else ""
                refusal = InvalidRequestError(
                    f"message fails validation ({len(report.errors)} error(s); first: "
                    f"{where}{first.text} [{first.rule}]); fix it, or sign anyway with "
                    "--no-validate",
                    report=report,
                    source=doc.name,
                )
                failed = error_report(doc.name, refusal)
                failed.messages.extend(report.errors)
                return failed
        try:
            return prepare_sign(
                tree,
                keystore=self.keystore,
                credentials=self.credentials,
                preserve_counter=self.preserve_counter,
                validate=False,  # done above, with the settings' schemas
                config=config,
                at=self.at,
                allow_digital_signing=self.allow_digital_signing,
                dcc_eui=self.dcc_eui,
                source=doc.name,
            )
        except DuisError as exc:
            return error_report(doc.name, exc)


class _Signed(NamedTuple):
    """A signed output and what its report line says: small, so a worker sends it."""

    xml: bytes
    kind: Kind
    request_id: str | None
    signer: str


def _signed(message: SignedMessage) -> _Signed:
    rid = str(message.request_id) if message.request_id else None
    return _Signed(message.xml, message.kind, rid, message.signer.describe())


#: One file of a block: its index among the documents (-1: not a document), the item,
#: and where it stands: refused (a Problem or Report), checked (a PreparedSign, to be
#: signed here), or already signed (by a worker).
_Entry = tuple[int, "Document | Problem | Note", Any]


def _run(
    items: list[Document | Problem | Note],
    targets: dict[int, Path] | None,
    signer: _Signer,
    counters: CounterStore | None,
    sink: Sink,
    jobs: int = 1,
) -> None:
    index = 0
    numbered: list[tuple[int, Document | Problem | Note]] = []
    for item in items:
        numbered.append((index if isinstance(item, Document) else -1, item))
        if isinstance(item, Document):
            index += 1
    blocks = [numbered[start : start + BLOCK] for start in range(0, len(numbered), BLOCK)]
    made: set[Path] = set()  # output folders known to exist
    from duis.cli._batch import MIN_PARALLEL, _can_fork

    if jobs > 1 and targets is not None and index >= MIN_PARALLEL and _can_fork():
        _run_parallel(blocks, targets, signer, counters, sink, jobs, made)
        return
    from signing._sign import PreparedSign

    for block in blocks:
        entries: list[_Entry] = []
        wanted: Counter[EUI64] = Counter()
        for i, item in block:
            result = signer.prepare(item) if isinstance(item, Document) else None
            entries.append((i, item, result))
            if isinstance(result, PreparedSign) and result.originator is not None:
                wanted[result.originator] += 1
        _write_block(entries, _reserve(counters, wanted), targets, signer, sink, made)


def _reserve(store: CounterStore | None, wanted: Counter[EUI64]) -> dict[EUI64, Iterator[int]]:
    """Counters for a block: one transaction per originator (a batch has few)."""
    assert store is not None or not wanted  # a fresh counter needs a store
    if store is None:
        return {}
    try:
        return {originator: iter(store.reserve(originator, n)) for originator, n in wanted.items()}
    except DuisError as exc:  # the store failed or is spent: nothing more can be signed
        fail_setup(exc)


def _write_block(
    entries: list[_Entry],
    pool: dict[EUI64, Iterator[int]],
    targets: dict[int, Path] | None,
    signer: _Signer,
    sink: Sink,
    made: set[Path],
) -> None:
    """Sign what is checked (counters from ``pool``), write the block, then report it.

    What is said about each file is said once the block's outputs are written, so
    "signed" means the output is on disk. Ctrl-C while signing: what is signed so far
    is still written (and said), then the interrupt goes on.
    """
    from duis.fileio import BatchWriter
    from duis.report import Report, Severity
    from signing._sign import PreparedSign

    events: list[tuple[str, Any]] = []
    writer = BatchWriter()
    interrupted = False
    try:
        for i, item, result in entries:
            if isinstance(item, Problem):
                events.append(("problem", (item.name, item.message)))
                continue
            if isinstance(item, Note):
                events.append(("note", (item.name, item.message)))
                continue
            if isinstance(result, Problem):
                events.append(("problem", (result.name, result.message)))
                continue
            if isinstance(result, PreparedSign):
                origin = result.originator
                try:
                    result = _signed(result.finish(None if origin is None else next(pool[origin])))
                except DuisError as exc:
                    events.append(("file", error_report(item.name, exc)))
                    continue
            if not isinstance(result, _Signed):
                events.append(("file", result))  # the refusal's report
                continue
            if targets is None:
                sys.stdout.buffer.write(result.xml)
                sys.stdout.buffer.flush()
                events.append(("signed", (item, result, "stdout", None)))
                continue
            target = targets[i]
            if target.parent not in made:
                # A folder that cannot be made (a file in the way, no permission) is
                # the writer's refusal of this target.
                with contextlib.suppress(OSError):
                    target.parent.mkdir(parents=True, exist_ok=True)
                made.add(target.parent)
            writer.add(target, result.xml)
            events.append(("signed", (item, result, str(target), target)))
    except KeyboardInterrupt:
        interrupted = True
    try:
        failed = writer.commit()
    finally:
        writer.close()
    for kind, value in events:
        if kind == "problem":
            sink.problem(*value)
        elif kind == "note":
            sink.note(*value)
        elif kind == "file":
            sink.file(value)
        else:
            item, signed, dest, target = value
            if target is not None and target in failed:
                sink.problem(str(target), failed[target].message)
                continue
            report = Report(item.name, kind=signed.kind)
            rid = f", RequestID {signed.request_id}" if signed.request_id else ""
            report.add(Severity.INFO, "sign.signed", f"signed{rid} by {signed.signer} -> {dest}")
            signer.signed += 1
            sink.file(report)
    if interrupted:
        raise KeyboardInterrupt


# --- parallel blocks -------------------------------------------------------------
# Workers check and sign; the parent draws the counters (one transaction per
# originator and block, in file order) and writes. A checked message stays in the
# worker that checked it (its tree is not sent anywhere), so each file takes two
# trips: "prepare" (answered with its originator, or its refusal) and "finish" (the
# counter in, the signed bytes out). The next block is checked while this one's
# outputs are flushed to disk.

_held: dict[int, Any] = {}  # in a worker: the PreparedSign of each file it checked


class _SignWork:
    """What a worker does with each message from the parent."""

    def __init__(self, signer: _Signer) -> None:
        self.signer = signer

    def __call__(self, message: tuple[str, int, Any]) -> tuple[str, Any]:
        from signing._sign import PreparedSign

        step, key, value = message
        if step == "prepare":
            result = self.signer.prepare(value)
            if isinstance(result, PreparedSign):
                _held[key] = result
                return "ready", result.originator
            return "refused", result
        prepared = _held.pop(key)
        try:
            return "signed", _signed(prepared.finish(value))
        except DuisError as exc:
            return "refused", error_report(prepared.source, exc)


class _Trips:
    """Tasks sent to the workers and their answers, collected as they arrive."""

    def __init__(self, pool: Any, jobs: int) -> None:
        self.pool = pool
        self.jobs = jobs
        self.answers: dict[int, Any] = {}
        self.owner: dict[int, int] = {}  # task -> pid of the worker it went to
        self.next = 0

    def send(self, pid: int, messages: list[tuple[str, int, Any]]) -> int:
        task = self.next
        self.next += 1
        self.owner[task] = pid
        self.pool.submit(self.pool.index_of(pid), task, messages)
        return task

    def wait(self, tasks: list[int]) -> None:
        from duis.cli._workers import Finished

        while any(t not in self.answers for t in tasks):
            for event in self.pool.poll():
                self.answers[event.task] = event.results if isinstance(event, Finished) else event


def _run_parallel(
    blocks: list[list[tuple[int, Document | Problem | Note]]],
    targets: dict[int, Path],
    signer: _Signer,
    counters: CounterStore | None,
    sink: Sink,
    jobs: int,
    made: set[Path],
) -> None:
    from duis.cli._batch import CHUNK, lost_message
    from duis.cli._workers import WorkerPool, set_work

    first = next(item for block in blocks for _, item in block if isinstance(item, Document))
    signer.prepare(first)  # loads what the checks load lazily once, before the fork
    set_work(_SignWork(signer))
    try:
        pool = WorkerPool(jobs)
    except OSError:  # no fork now (a process limit): every check is done here
        pool = None
    trips = _Trips(pool, jobs)
    try:
        pending = _send_prepare(trips, blocks[0], CHUNK) if blocks else []
        for number, block in enumerate(blocks):
            checked = _collect_checks(trips, pending, dict(block), signer)
            wanted: Counter[EUI64] = Counter()
            for key in sorted(checked):  # file order: counters rise in it
                if checked[key][0] in ("ready", "here") and checked[key][1] is not None:
                    wanted[checked[key][1]] += 1
            reserved = _reserve(counters, wanted)
            by_worker: dict[int, list[tuple[str, int, Any]]] = {}
            for key in sorted(checked):
                state = checked[key]
                if state[0] == "here":  # checked in this process: signed here too
                    prepared = state[2]
                    counter = None if state[1] is None else next(reserved[state[1]])
                    try:
                        checked[key] = ("signed", _signed(prepared.finish(counter)))
                    except DuisError as exc:
                        checked[key] = ("refused", error_report(prepared.source, exc))
                elif state[0] == "ready":
                    counter = None if state[1] is None else next(reserved[state[1]])
                    checked[key] = ("counter", counter, state[2])
                    by_worker.setdefault(state[2], []).append(("finish", key, counter))
            finishing: list[tuple[int, list[int]]] = []
            for pid, messages in by_worker.items():
                if pool is None or not pool.has(pid):  # died since: its files are lost
                    for _, key, counter in messages:
                        checked[key] = ("lost", "the worker process that checked it ended", counter)
                    continue
                task = trips.send(pid, messages)
                finishing.append((task, [key for _, key, _ in messages]))
            # The next block is checked while this one is signed and written.
            pending = (
                _send_prepare(trips, blocks[number + 1], CHUNK) if number + 1 < len(blocks) else []
            )
            interrupted = False
            try:
                trips.wait([task for task, _ in finishing])
            except KeyboardInterrupt:
                interrupted = True  # what was signed is still written, as in one process
            for task, keys in finishing:
                answer = trips.answers.pop(task, None)
                trips.owner.pop(task, None)
                for n, key in enumerate(keys):
                    counter = checked[key][1]
                    if answer is None:  # interrupted before it was signed: not said
                        checked[key] = ("skip",)
                    elif not isinstance(answer, list):  # its worker died
                        checked[key] = ("lost", answer.why, counter)
                    else:
                        checked[key] = answer[n]
            entries: list[_Entry] = []
            for i, item in block:
                if not isinstance(item, Document):
                    entries.append((i, item, None))
                    continue
                state = checked[i]
                if state[0] == "skip":
                    continue
                if state[0] == "lost":
                    why = state[1]
                    if len(state) > 2 and state[2] is not None:
                        why += f" (its counter {state[2]} was reserved and is not used)"
                    text = lost_message(why, retried=len(state) == 2, done="signed")
                    entries.append((i, item, Problem(item.name, text)))
                elif state[0] == "signed":
                    entries.append((i, item, state[1]))
                else:  # refused: its report or problem
                    entries.append((i, item, state[1]))
            _write_block(entries, {}, targets, signer, sink, made)
            if interrupted:
                raise KeyboardInterrupt
        if pool is not None:
            pool.close()
    finally:
        if pool is not None:
            pool.kill()
        set_work(None)
        _held.clear()


def _collect_checks(
    trips: _Trips, pending: list[tuple[int, list[int]]], docs: dict[int, Any], signer: _Signer
) -> dict[int, Any]:
    """Each document's check: ``("ready", originator, pid)`` (held by that worker),
    ``("refused", result)``, ``("here", originator, prepared)`` (checked in this
    process: no worker could be had) or ``("lost", why)``. Checking has no side
    effect (no counter is drawn), so the files of a worker that died (those it was
    checking, waiting for, or holding) are checked again, by another worker or here
    when none can be started; a file under way when two workers died is lost."""
    from signing._sign import PreparedSign

    checked: dict[int, Any] = {}
    deaths: Counter[int] = Counter()  # per file: workers that died while checking it
    while pending:
        trips.wait([task for task, _ in pending])
        again: list[int] = []
        for task, keys in pending:
            answer = trips.answers.pop(task)
            pid = trips.owner.pop(task)
            for n, key in enumerate(keys):
                if isinstance(answer, list):
                    checked[key] = (*answer[n], pid)
                    continue
                # Only the task under way can have killed the worker; the files that
                # waited behind it are tried again without counting against them.
                deaths[key] += 1 if answer.started else 0
                if deaths[key] >= 2:
                    checked[key] = ("lost", answer.why)
                else:
                    again.append(key)
        # A worker that died also took the checked files it held: checked again.
        for key, state in list(checked.items()):
            if state[0] == "ready" and (trips.pool is None or not trips.pool.has(state[2])):
                del checked[key]
                again.append(key)
        again.sort()
        pending = _send_prepare(trips, [(key, docs[key]) for key in again], 1) if again else []
    for key, doc in docs.items():  # never sent: no worker was left to take it
        if key >= 0 and key not in checked:
            result = signer.prepare(doc)
            if isinstance(result, PreparedSign):
                checked[key] = ("here", result.originator, result)
            else:
                checked[key] = ("refused", result)
    return checked


def _send_prepare(
    trips: _Trips, block: list[tuple[int, Document | Problem | Note]], chunk: int
) -> list[tuple[int, list[int]]]:
    """Send a block's documents to be checked, in chunks spread over the workers."""
    keys = [(i, item) for i, item in block if isinstance(item, Document)]
    if trips.pool is None:
        return []  # no workers: the caller checks every file itself
    while len(trips.pool) < trips.jobs:  # replace a worker that died in an earlier block
        try:
            trips.pool.start_worker()
        except OSError:  # cannot fork now: go on with those left (or none)
            trips.jobs = len(trips.pool)
    pids = trips.pool.pids()
    if not pids:
        return []
    sent: list[tuple[int, list[int]]] = []
    size = max(1, min(chunk, -(-len(keys) // max(1, len(pids)))))
    for n, start in enumerate(range(0, len(keys), size)):
        part = keys[start : start + size]
        task = trips.send(pids[n % len(pids)], [("prepare", i, doc) for i, doc in part])
        sent.append((task, [i for i, _ in part]))
    return sent
