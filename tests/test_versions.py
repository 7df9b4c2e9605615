"""duis.versions: which schemaVersion values name a published DUIS version.

The oracle is DCC's list of published DUIS schema versions (1.0 to 5.4, 5.3 published
as 5.3a) and xs:decimal's value space: ``5.40`` and ``05.4`` are the decimal 5.4, ``5`` is 5.0.
The table's own spellings are answered without :mod:`decimal`; every other spelling
must get the same answer as its decimal value.
"""

from __future__ import annotations

import pytest

from duis.versions import is_known, to_decimal

KNOWN = ["1.0", "4.0", "5.3", "5.4", "5.40", "05.4", " 5.4 ", "5.4000", "5"]


@pytest.mark.parametrize("text", KNOWN)
def test_published_versions_are_known_however_the_decimal_is_written(text: str) -> None:
    assert is_known(text)


@pytest.mark.parametrize("text", ["5.5", "9.9", "6.0", "5.3a", "", "abc", "NaN", "Infinity"])
def test_other_values_are_not_known(text: str) -> None:
    assert not is_known(text)


def test_to_decimal_compares_as_xs_decimal() -> None:
    assert to_decimal("5.40") == to_decimal("5.4")
    assert str(to_decimal("5.3")) == "5.3"
    for text in ("sNaN", "-Infinity", "x"):
        assert to_decimal(text) is None
