"""Reading the JSON tables shipped inside the packages (``duis/data/*.json``, ...).

One reader for package data, through the package's loader (:func:`pkgutil.get_data`), so
it works from a wheel, a checkout or a zip. Not :mod:`importlib.resources`: importing it
pulls in ``tempfile``, ``shutil``, ``zipfile``, ``lzma`` and ``random`` (a quarter of
the import time of ``duis validate FILE``) to read three files it only ever opens.
"""

from __future__ import annotations

import json
import pkgutil
from typing import Any

__all__ = ["read_json"]


def read_json(package: str, name: str) -> Any:
    """The JSON document ``name`` (a ``/``-separated path) inside ``package``.

    The tables are part of the installation; a missing one is a broken install, said
    so rather than a bare ``FileNotFoundError``.
    """
    try:
        data = pkgutil.get_data(package, name)
    except OSError as exc:
        raise RuntimeError(
            f"{package}/{name} is missing or unreadable ({exc.strerror or exc}); reinstall duis"
        ) from None
    if data is None:  # a loader that cannot read resources
        raise RuntimeError(f"{package}/{name} cannot be read from this installation of {package}")
    return json.loads(data.decode("utf-8"))
