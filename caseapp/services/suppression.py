"""Small-cell suppression for the monitoring's tables: a count of fewer than ``SMALL_CELL``
people is never shown, nor left derivable from a total and the other shown cells."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from enum import StrEnum

SMALL_CELL = 5  # counts of people below this are suppressed (primary suppression)


class Hidden(StrEnum):
    """What a table shows instead of a suppressed count."""

    SMALL = "small"  # fewer than SMALL_CELL people ("< 5")
    SECONDARY = "secondary"  # hidden so that no small cell is a total minus the shown ones

# A cell is addressed by (row, column) of its table.
Cell = tuple[int, int]


def suppressed_cells(values: dict[Cell, int],
                     lines: Iterable[Sequence[Cell]]) -> dict[Cell, Hidden]:
    """The cells to hide: every count under ``SMALL_CELL``, and, for every line (the parts
    and the total of one sum shown on the page), a second cell wherever exactly one of the
    line is hidden, the smallest other one (secondary suppression), until no line has
    exactly one hidden cell: so no hidden count is the total minus the shown cells."""
    hidden = {cell: Hidden.SMALL for cell, value in values.items() if value < SMALL_CELL}
    lines = [[cell for cell in line if cell in values] for line in lines]
    changed = True
    while changed:
        changed = False
        for line in lines:
            shown = [cell for cell in line if cell not in hidden]
            if len(line) - len(shown) == 1 and shown:
                hidden[min(shown, key=lambda cell: (values[cell], cell))] = Hidden.SECONDARY
                changed = True
    return hidden
