"""Babel extraction methods for the texts that process files hold and pages show.

Pages translate the names the model gives: a case page its step titles, step groups
(subprocesses) and lanes, the process picture every element's name; a referral shows the
rule of each DMN row that recommended it. Documentation is for modellers and no page shows
it, so it is not extracted. Registered as ``bpmn`` and ``dmn`` in pyproject.toml
(``[tool.babel]``).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from typing import Any, BinaryIO

from lxml import etree

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"

# (line number, function name, message, comments), as Babel expects of an extractor.
Extracted = tuple[int, None, str, list[str]]


def extract_bpmn(fileobj: BinaryIO, keywords, comment_tags, options: dict[str, Any]
                 ) -> Iterator[Extracted]:
    """Every ``name`` of a BPMN element: tasks, events, gateways, lanes, pools, processes."""
    for element in _parse(fileobj).iter(f"{{{BPMN}}}*"):
        name = element.get("name")
        if not name or not name.strip():
            continue
        comments = [f"{etree.QName(element).localname} {element.get('id', '')}".strip()]
        yield element.sourceline, None, name, comments
        collapsed = " ".join(name.split())  # the process picture looks names up like this
        if collapsed != name:
            yield element.sourceline, None, collapsed, comments


def extract_dmn(fileobj: BinaryIO, keywords, comment_tags, options: dict[str, Any]
                ) -> Iterator[Extracted]:
    """The string cells of the decision outputs named in the ``outputs`` option.

    Other outputs hold codes (``"alphabetisierung"``), which pages show by their labels.
    A cell that is an expression rather than a plain string is not a text and is skipped.
    """
    shown = _names(options.get("outputs"))
    root = _parse(fileobj)
    dmn = etree.QName(root).namespace  # whichever DMN version the file is written in
    for table in root.iter(f"{{{dmn}}}decisionTable"):
        outputs = [o.get("name") for o in table.findall(f"{{{dmn}}}output")]
        for rule in table.findall(f"{{{dmn}}}rule"):
            cells = rule.findall(f"{{{dmn}}}outputEntry")  # in the order of the outputs
            for output, cell in zip(outputs, cells, strict=False):
                if output not in shown:
                    continue
                text = cell.find(f"{{{dmn}}}text")
                value = _string_literal(text.text if text is not None else None)
                if value:
                    yield text.sourceline, None, value, [f"{output} {rule.get('id', '')}"]


def _parse(fileobj: BinaryIO):
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    return etree.parse(fileobj, parser).getroot()


def _names(option: Any) -> set[str]:
    """An option as a list (pyproject.toml) or a space-separated string (a mapping file)."""
    if not option:
        return set()
    return set(option.split() if isinstance(option, str) else option)


def _string_literal(expression: str | None) -> str | None:
    try:
        value = ast.literal_eval((expression or "").strip())
    except (ValueError, SyntaxError):
        return None
    return value if isinstance(value, str) else None
