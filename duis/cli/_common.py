"""What every command shares: its batch options, set-up, error printer and exit code.

Commands import this module, never each other, so ``duis validate`` loads neither
the signing nor the MMC code. Heavy imports (schemas, signing) happen inside the
functions that need them.

Exit codes (a stable contract, see ``docs/cli.md``): 0 clean (warnings and notes
allowed), 1 problems found in some file, 2 usage or set-up error (a missing or
unreadable path, a folder with no XML files, settings or keystores that will not
load); 130 interrupted (Ctrl-C).
"""

from __future__ import annotations

import io
import os
import stat
import sys
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TextIO, TypeVar

import click

from duis._exceptions import DuisError

if TYPE_CHECKING:
    from duis.cli._inputs import Document, Note, Problem
    from duis.config import Config
    from duis.ids import EUI64
    from duis.report import Kind, Report
    from duis.schemas import SchemaRegistry
    from signing import Keystore

__all__ = [
    "BatchOptions",
    "batch_options",
    "error_report",
    "exit_code",
    "fail_setup",
    "load_keystore",
    "open_output",
    "parse_at",
    "parse_eui",
    "print_error",
    "registry_for",
    "registry_from",
    "run_batch",
    "use_color",
]

F = TypeVar("F", bound=Callable[..., Any])

EXIT_CLEAN = 0
EXIT_PROBLEMS = 1
EXIT_SETUP = 2
EXIT_INTERRUPTED = 130


def exit_code(*, problems: bool, setup_failed: bool, exit_zero: bool = False) -> int:
    """The one mapping from a run's outcome to its exit status.

    ``--exit-zero`` turns problems found into 0 (like ruff), never a set-up error:
    a CI step must still fail when it checked nothing.
    """
    if setup_failed:
        return EXIT_SETUP
    if problems and not exit_zero:
        return EXIT_PROBLEMS
    return EXIT_CLEAN


def run_batch(
    items: Iterable[Document | Problem | Note],
    work: Callable[[Document], Report | Problem | Note],
    opts: BatchOptions,
    command: str,
) -> int:
    """Run ``work`` over the items in parallel, stream each result to the chosen format.

    Returns the exit code; the format's closing part (summary, JSON tail) is always
    written, interrupted or not, so partial output is still well-formed.
    """
    from duis.cli._batch import Progress, lost_message, run_ordered
    from duis.cli._inputs import Document, Note, Problem
    from duis.cli._render import make_sink

    with open_output(opts.output_file) as out:
        sink = make_sink(
            opts.fmt,
            out,
            sys.stderr,
            command=command,
            verbose=opts.verbose,
            quiet=opts.quiet,
            color=opts.fmt == "text" and use_color(opts.color, out),
            statistics=opts.statistics,
        )
        progress = Progress(not opts.quiet)
        results = run_ordered(
            not_the_output(items, opts.output_file),
            work,
            jobs=opts.jobs,
            eligible=lambda i: isinstance(i, Document),
            lost=lambda doc, why: Problem(doc.name, lost_message(why)),
        )
        interrupted = False
        try:
            for item in results:
                if isinstance(item, Problem):
                    sink.problem(item.name, item.message)
                    continue
                if isinstance(item, Note):
                    sink.note(item.name, item.message)
                    continue
                _, result = item
                if isinstance(result, Problem):
                    sink.problem(result.name, result.message)
                elif isinstance(result, Note):
                    sink.note(result.name, result.message)
                else:
                    sink.file(result)
                progress.step()
        except KeyboardInterrupt:
            interrupted = True  # what was reported stays, and the summary says so much
        finally:
            results.close()  # stops and reaps the workers
        progress.clear()
        sink.close()
    tally = sink.tally
    if interrupted:
        click.echo(
            f"duis: interrupted: {tally.files} file(s) reported above, the rest not checked",
            err=True,
        )
        return EXIT_INTERRUPTED
    return exit_code(
        problems=tally.invalid > 0, setup_failed=tally.setup_errors > 0, exit_zero=opts.exit_zero
    )


def diagnostic(
    where: str | None,
    level: str,
    message: str,
    *,
    rule: str | None = None,
    line: int | None = None,
    column: int | None = None,
) -> None:
    """The one line on stderr about a path: ``path[:line:col]: level: message [rule]``.

    The path and message go through :func:`~duis.cli._render.printable`, as they do in
    every output format: a file name that is not UTF-8 or holds a newline is escaped,
    never a traceback or a line split in two.
    """
    from duis.cli._render import printable

    place = printable(where) if where else "duis"
    if where and line is not None:
        place += f":{line}:{column or 1}"
    text = printable(message) + (f" [{rule}]" if rule else "")
    click.echo(f"{place}: {level}: {text}", err=True)


def print_error(error: DuisError | str, *, name: str | None = None) -> None:
    """The one error printer: ``path:line:col: error: message [rule]`` on stderr."""
    if isinstance(error, DuisError):
        diagnostic(
            name or error.source,
            "error",
            error.message,
            rule=error.rule,
            line=error.line,
            column=error.column,
        )
    else:
        diagnostic(name, "error", error)


def fail_setup(error: DuisError | str, *, option: str = "") -> NoReturn:
    """Report a set-up problem on stderr, with its rule id like a finding line, and exit 2.

    ``option`` names what the error is about (``--request``), before the error's text.
    """
    rule = f" [{error.rule}]" if isinstance(error, DuisError) and error.rule else ""
    prefix = f"{option} " if option else ""
    click.echo(f"duis: error: {prefix}{error}{rule}", err=True)
    sys.exit(EXIT_SETUP)


_REGISTRIES: dict[tuple[str, ...], SchemaRegistry] = {}


def registry_from(schema_dirs: tuple[str, ...]) -> SchemaRegistry:
    """The registry for ``--schema-dir`` folders (the default one when none is given).

    Cached per set of folders: files of one batch governed by the same settings share
    one compiled schema.
    """
    from duis.schemas import SchemaRegistry, default_registry

    found = _REGISTRIES.get(schema_dirs)
    if found is not None:
        return found
    try:
        if not schema_dirs:
            registry = default_registry()
            registry.embedded()
        else:
            registry = SchemaRegistry(schema_dirs)
        # Compiled now, in this process: forked workers then share it instead of each
        # compiling its own copy (which cost more than the second core gained).
        for bundle in registry.official or [registry.embedded()]:
            bundle.compiled()
    except DuisError as exc:
        fail_setup(exc)
    _REGISTRIES[schema_dirs] = registry
    return registry


_BY_CONFIG: dict[int, tuple[Config, SchemaRegistry]] = {}


def registry_for(config: Config) -> SchemaRegistry:
    """:func:`registry_from` for a Config's ``schema_dirs``, looked up by the Config.

    Called for every file of a batch: the Resolver hands out one Config object per
    settings file, so its identity finds the registry without rebuilding the key.
    """
    known = _BY_CONFIG.get(id(config))
    if known is not None and known[0] is config:
        return known[1]
    registry = registry_from(tuple(str(d) for d in config.schema_dirs))
    _BY_CONFIG[id(config)] = (config, registry)
    return registry


def parse_at(text: str | None) -> datetime | None:
    """ISO 8601 time for ``--at`` (``Z`` or an offset; no zone means UTC)."""
    if text is None:
        return None
    t = text.strip()
    if t.endswith(("Z", "z")):
        t = t[:-1] + "+00:00"
    try:
        when = datetime.fromisoformat(t)
    except ValueError:
        raise click.BadParameter(
            f"{text!r} is not an ISO 8601 time (e.g. 2025-10-01T00:00:00Z)", param_hint="--at"
        ) from None
    return when if when.tzinfo else when.replace(tzinfo=timezone.utc)


def parse_eui(text: str | None, option: str = "--dcc-eui") -> EUI64 | None:
    """An EUI-64 option, or a usage error naming it."""
    from duis.ids import EUI64

    if text is None:
        return None
    try:
        return EUI64.parse(text)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint=option) from None


def load_keystore(folder: str) -> Keystore:
    """The keystore in ``folder``, or exit 2 with the reason."""
    from signing import Keystore

    try:
        return Keystore.from_dir(folder)
    except DuisError as exc:
        fail_setup(exc)


def error_report(name: str, exc: DuisError, kind: Kind | None = None) -> Report:
    """A one-finding report for an error that stopped work on one file."""
    from duis.report import Kind, Report, Severity

    report = Report(name, kind=kind if kind is not None else Kind.OTHER)
    report.add(Severity.ERROR, exc.rule, exc.message, line=exc.line, column=exc.column)
    return report


def use_color(choice: str, stream: TextIO) -> bool:
    """``--color``: auto is on for a terminal unless ``NO_COLOR`` is set (no-color.org)."""
    if choice == "always":
        return True
    if choice == "never":
        return False
    if os.environ.get("NO_COLOR"):
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


@dataclass(frozen=True)
class BatchOptions:
    """The options every batch command (validate, verify, inspect, sign) takes."""

    fmt: str
    output_file: Path | None
    quiet: bool
    exit_zero: bool
    statistics: bool
    files_from: str | None
    jobs: int
    color: str
    isolated: bool
    config_file: Path | None
    verbose: bool
    force_exclude: bool
    respect_gitignore: bool | None

    @classmethod
    def pop(cls, kwargs: dict[str, Any]) -> BatchOptions:
        """Take this group's values out of a command's keyword arguments."""
        from duis.cli._batch import worker_count

        jobs = kwargs.pop("jobs")
        isolated = kwargs.pop("isolated")
        config_file = settings_file_for_run(kwargs.pop("config_file"), isolated)
        return cls(
            fmt=kwargs.pop("fmt"),
            output_file=kwargs.pop("output_file"),
            quiet=kwargs.pop("quiet"),
            exit_zero=kwargs.pop("exit_zero"),
            statistics=kwargs.pop("statistics"),
            files_from=kwargs.pop("files_from"),
            jobs=worker_count(jobs),
            color=kwargs.pop("color"),
            isolated=isolated,
            config_file=config_file,
            verbose=kwargs.pop("verbose"),
            force_exclude=kwargs.pop("force_exclude"),
            respect_gitignore=kwargs.pop("respect_gitignore"),
        )

    def paths(self, given: tuple[str, ...]) -> Iterator[str]:
        """PATH arguments, then the lines of ``--files-from``."""
        return given_paths(given, self.files_from)


def settings_file_for_run(option: Path | None, isolated: bool) -> Path | None:
    """The one settings file for every input: ``--config``, else ``$DUIS_CONFIG``.

    None means each file's nearest settings (or none with ``--isolated``). A file
    named either way that does not exist stops the run (exit 2), naming which.
    """
    if isolated and option is None:
        return None
    chosen, origin = option, "--config"
    if chosen is None:
        from duis.configfile import ENV_CONFIG, settings_file_from_environment

        chosen, origin = settings_file_from_environment(), f"${ENV_CONFIG}"
    if chosen is not None and not chosen.is_file():
        fail_setup(f"{origin} {chosen}: no such configuration file")
    return chosen


def given_paths(given: Iterable[str], files_from: str | None) -> Iterator[str]:
    """PATH arguments, then the lines of ``--files-from`` (read as they are needed).

    A list that cannot be read, or is not a list of paths, stops the run (exit 2).
    """
    from duis.cli._inputs import PathListError, paths_from

    yield from given
    if files_from is not None:
        try:
            yield from paths_from(files_from)
        except OSError as exc:
            fail_setup(f"--files-from {files_from}: {exc.strerror or exc}")
        except PathListError as exc:
            fail_setup(f"--files-from {files_from}: {exc}")


# Options every command that reads many files shares, also those (inspect) whose
# other options differ from batch_options': one definition each.
output_file_option = click.option(
    "--output-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the report here (replaced atomically at the end) instead of stdout.",
)
files_from_option = click.option(
    "--files-from",
    metavar="FILE|-",
    help="Also read paths from FILE (one a line; - for stdin).",
)
jobs_option = click.option(
    "-j",
    "--jobs",
    type=click.IntRange(min=0),
    default=0,
    help="Worker processes (default 0: one per usable core; at most four a core).",
)


def batch_options(formats: tuple[str, ...], *, verbose_help: str) -> Callable[[F], F]:
    """Decorate a command with the shared batch options (one definition for all)."""

    def decorate(fn: F) -> F:
        options = [
            click.option(
                "--format",
                "fmt",
                type=click.Choice(formats),
                default="text",
                show_default=True,
                help="text for people, json for programs, github for workflow annotations, "
                "sarif for code scanning, junit for test reports.",
            ),
            output_file_option,
            click.option(
                "-q", "--quiet", is_flag=True, help="Findings only: no summary, notes or progress."
            ),
            click.option(
                "--exit-zero",
                is_flag=True,
                help="Exit 0 even when problems are found (not on set-up errors).",
            ),
            click.option(
                "--statistics",
                is_flag=True,
                help="Count findings per rule id instead of listing them.",
            ),
            files_from_option,
            jobs_option,
            click.option(
                "--color",
                type=click.Choice(["auto", "always", "never"]),
                default="auto",
                show_default=True,
                help="Colour the text output (auto: on a terminal, unless NO_COLOR is set).",
            ),
            click.option(
                "--isolated",
                is_flag=True,
                help="Ignore every settings file (duis.toml, [tool.duis]).",
            ),
            click.option(
                "--config",
                "config_file",
                type=click.Path(dir_okay=False, path_type=Path),
                help="Settings file for every input (default $DUIS_CONFIG, else for each "
                "file the nearest duis.toml or pyproject.toml with [tool.duis] above it).",
            ),
            click.option("-v", "--verbose", is_flag=True, help=verbose_help),
            click.option(
                "--force-exclude",
                is_flag=True,
                help="Apply exclude patterns to files named explicitly too (for pre-commit).",
            ),
            click.option(
                "--respect-gitignore/--no-respect-gitignore",
                default=None,
                help="Leave out files .gitignore names when walking folders (default: on).",
            ),
        ]
        for option in reversed(options):
            fn = option(fn)
        return fn

    return decorate


class OutputIsInput(Exception):
    """An input named explicitly is the ``--output-file``: the report would replace it."""


def not_the_output(
    items: Iterable[Document | Problem | Note], output_file: Path | None
) -> Iterator[Document | Problem | Note]:
    """``items`` without the file the report is about to replace.

    A tree that holds its own report from an earlier run (``--format junit
    --output-file reports/duis.xml .``) would have it checked as a request, and fail;
    it is skipped with a note. An input named explicitly that is the output file
    raises :class:`OutputIsInput` (exit 2), and :func:`open_output` then leaves that
    file as it is: the report must never take an input's place.
    """
    from duis.cli._inputs import Document, Note

    if output_file is None:
        yield from items
        return
    try:
        target = os.stat(output_file)
    except OSError:  # not there yet: no input can be it
        yield from items
        return
    # The report goes through a link to its target, so either name may be an input's.
    names = {output_file.name, os.path.basename(os.path.realpath(output_file))}
    for item in items:
        if (
            isinstance(item, Document)
            and item.path is not None
            # a walked file: a string test before any stat; a named one is always looked at
            and (item.relative is None or os.path.basename(item.path) in names)
            and _same_file(item.path, target)
        ):
            if item.relative is None:
                raise OutputIsInput(
                    f"--output-file {output_file} is also an input ({item.name}): the "
                    "report would replace it; write the report elsewhere"
                )
            yield Note(item.name, "the --output-file of this run (an earlier report); skipped")
            continue
        yield item


def _same_file(path: str, target: os.stat_result) -> bool:
    try:
        st = os.stat(path)
    except OSError:
        return False
    return (st.st_dev, st.st_ino) == (target.st_dev, target.st_ino)


def same_file(a: str | os.PathLike[str], b: str | os.PathLike[str]) -> bool:
    """True when both paths exist and are one file (through links): an output that
    would replace an input."""
    try:
        return _same_file(os.fspath(a), os.stat(b))
    except OSError:
        return False


def _standard_stream(path: Path) -> TextIO | None:
    """stdout or stderr when ``path`` is that very file (``/dev/stdout`` and kin).

    Replacing it would swap the file a redirect wrote to, and opening it again would
    truncate that file: the report is written to the stream instead.
    """
    try:
        st = os.stat(path)
    except OSError:
        return None
    for stream in (sys.stdout, sys.stderr):
        try:
            own = os.fstat(stream.fileno())
        except (OSError, AttributeError, ValueError, io.UnsupportedOperation):
            continue
        if (own.st_dev, own.st_ino) == (st.st_dev, st.st_ino):
            return stream
    return None


@contextmanager
def open_output(output_file: Path | None) -> Iterator[TextIO]:
    """stdout, or ``--output-file``: written whole when the run ends, never half.

    A regular file (or a link to one) is replaced atomically through the link, by the
    one file writer's rules (its mode kept; a read-only file refused). A FIFO, a
    terminal or a device (``/dev/stdout``, ``/dev/null``) is written to as a stream:
    replacing it would put a regular file where the device or the reader's pipe was,
    which as root replaced ``/dev/null`` itself. Raising :class:`OutputIsInput`
    inside leaves ``--output-file`` untouched (exit 2).
    """
    if output_file is None:
        try:
            yield sys.stdout
        except OutputIsInput as exc:
            fail_setup(str(exc))
        return
    from duis.fileio import fsync_folder, resolve_target, temp_beside

    stream_of = _standard_stream(output_file)
    if stream_of is not None:  # /dev/stdout, /dev/fd/2, /proc/self/fd/1: the stream itself
        try:
            yield stream_of
        except OutputIsInput as exc:
            fail_setup(str(exc))
        return
    real = os.path.realpath(output_file)
    try:
        special = not stat.S_ISREG(os.stat(real).st_mode)
    except OSError:
        special = False  # not there yet: made as a regular file
    if special and not os.path.isdir(real):
        try:
            stream = open(real, "w", encoding="utf-8", newline="\n")  # noqa: SIM115
        except OSError as exc:
            fail_setup(f"--output-file {output_file}: {exc.strerror or exc}")
        try:
            with stream:
                yield stream
        except OutputIsInput as exc:
            fail_setup(str(exc))
        return
    try:
        target = resolve_target(output_file)
        fd, tmp = temp_beside(target.real.parent, target.real.name)
        os.chmod(tmp, target.mode)
    except DuisError as exc:
        fail_setup(exc, option="--output-file")
    except OSError as exc:
        fail_setup(f"--output-file {output_file}: {exc.strerror or exc}")
    stream = open(fd, "w", encoding="utf-8", newline="\n")  # noqa: SIM115 - renamed below
    try:
        yield stream
        stream.flush()
        os.fsync(stream.fileno())
        stream.close()
        os.replace(tmp, target.real)
        fsync_folder(target.real.parent)
    except OutputIsInput as exc:
        stream.close()
        os.unlink(tmp)  # the input stays as it is
        fail_setup(str(exc))
    except BaseException:
        stream.close()
        if os.path.exists(tmp):
            # Interrupted or exiting: keep what was written (still a useful log).
            os.replace(tmp, target.real)
            fsync_folder(target.real.parent)
        raise
