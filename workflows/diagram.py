"""Draw a BPMN diagram as SVG, with each element marked by how far a case got.

Only the first ``BPMNDiagram`` is drawn (the main plane: the collaboration or the
process); collapsed subprocesses have their own planes and show as one box with a
"+". The SVG carries classes only, no inline styles (the app's content security
policy forbids them): ``caseapp/static/diagram.css`` gives it its look, so it must
be inlined in a page that links that stylesheet.

Every flow node is a ``<g class="el KIND STATE" data-element="BPMN ID">`` with a
``<title>`` (its name and state), KIND being one of task, subprocess, event,
gateway and STATE one of done, current, waiting, not-reached. Sequence flows are
``<g class="flow">``, plus ``taken`` when the element they lead to was reached.
"""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass

from lxml import etree

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
BPMNDI = "http://www.omg.org/spec/BPMN/20100524/DI"
DC = "http://www.omg.org/spec/DD/20100524/DC"
DI = "http://www.omg.org/spec/DD/20100524/DI"
SVG = "http://www.w3.org/2000/svg"

STATES = ("done", "current", "waiting", "not-reached")
STATE_WORDS = {"done": "done", "current": "current step", "waiting": "waiting (timer)",
               "not-reached": "not reached"}
REACHED = ("done", "current", "waiting")
# The state words of the rendering in progress (translated), per thread and call.
_STATE_WORDS: ContextVar[dict[str, str]] = ContextVar("diagram_state_words", default=STATE_WORDS)
# The strips holding pool and lane names in the rendering in progress: labels keep clear.
_NAME_BANDS: ContextVar[tuple] = ContextVar("diagram_name_bands", default=())

TASKS = {"task": "", "userTask": "user", "scriptTask": "script",
         "businessRuleTask": "rule", "serviceTask": "service", "manualTask": "manual",
         "sendTask": "send", "receiveTask": "receive"}
SUBPROCESSES = ("subProcess", "callActivity", "transaction", "adHocSubProcess")
EVENTS = {"startEvent": "start", "endEvent": "end", "intermediateCatchEvent": "intermediate",
          "intermediateThrowEvent": "intermediate", "boundaryEvent": "boundary"}
GATEWAYS = {"exclusiveGateway": "exclusive", "parallelGateway": "parallel",
            "inclusiveGateway": "inclusive", "eventBasedGateway": "event",
            "complexGateway": "complex"}
TYPE_WORDS = {"startEvent": "Start", "endEvent": "End", "intermediateCatchEvent": "Event",
              "intermediateThrowEvent": "Event", "boundaryEvent": "Event"}

MARGIN = 20
LINE_HEIGHT = 14
CHAR_WIDTH = 6.2  # an average glyph of the 12px sans-serif the stylesheet sets
WIDE_CHAR_WIDTH = 7.6  # a wide one ("w", "m"): for keeping a label clear of a lane's name
LABEL_WIDTH = 110  # outside labels without DI bounds (events, gateways)
FONT_SIZE = 12  # of every label (diagram.css); a long word shrinks it down to
SMALLEST_FONT = 9
NAME_BAND = 30  # the strip at the left of a pool or lane that holds its name
ARROW_ID = "process-picture-arrow"
TITLE_ID = "process-picture-title"


@dataclass(frozen=True)
class Box:
    """A rectangle in diagram coordinates: a shape's DI bounds, or the area of its label."""

    x: float
    y: float
    w: float
    h: float

    @property
    def cx(self) -> float:
        return self.x + self.w / 2

    @property
    def cy(self) -> float:
        return self.y + self.h / 2


def main_source(sources: Mapping[str, str], process_id: str) -> str | None:
    """The BPMN file (its text) among ``sources`` that defines the process ``process_id``."""
    for name, text in sources.items():
        if not name.endswith(".bpmn"):
            continue
        root = _parse(text)
        if any(p.get("id") == process_id for p in root.iter(f"{{{BPMN}}}process")):
            return text
    return None


def render_svg(bpmn_xml: str, states: Mapping[str, str], *, title: str = "",
               translate: Callable[[str], str] | None = None) -> str:
    """The main plane of ``bpmn_xml`` as an SVG document (without XML declaration).

    ``translate`` turns element names and state words into the reader's language.
    """
    root = _parse(bpmn_xml)
    model = {el.get("id"): el for el in root.iter() if isinstance(el.tag, str) and el.get("id")
             and el.tag.startswith(f"{{{BPMN}}}")}
    if translate is not None:
        for element in model.values():
            if element.get("name"):
                element.set("name", translate(_name(element)))
    _STATE_WORDS.set({state: (translate or str)(word) for state, word in STATE_WORDS.items()})
    diagram = root.find(f"{{{BPMNDI}}}BPMNDiagram")
    plane = diagram.find(f"{{{BPMNDI}}}BPMNPlane") if diagram is not None else None
    shapes, edges = [], []
    if plane is not None:
        for di in plane:
            element = model.get(di.get("bpmnElement"))
            if element is None:
                continue
            if di.tag == f"{{{BPMNDI}}}BPMNShape":
                bounds = _bounds(di.find(f"{{{DC}}}Bounds"))
                if bounds is not None:
                    label = di.find(f"{{{BPMNDI}}}BPMNLabel/{{{DC}}}Bounds")
                    shapes.append((element, di, bounds, _bounds(label)))
            elif di.tag == f"{{{BPMNDI}}}BPMNEdge":
                points = [(_num(w.get("x")), _num(w.get("y")))
                          for w in di.findall(f"{{{DI}}}waypoint")]
                if len(points) >= 2:
                    edges.append((element, points))

    def state_of(bpmn_id: str | None) -> str:
        state = states.get(bpmn_id or "", "not-reached")
        return state if state in STATES else "not-reached"

    svg = ET.Element("svg", {"xmlns": SVG, "class": "process-picture", "role": "img",
                             "aria-labelledby": TITLE_ID})
    ET.SubElement(svg, "title", {"id": TITLE_ID}).text = title
    _defs(svg)
    extent = _Extent()

    # Tasks with a boundary event on their lower edge keep their name above it.
    boxes = {element.get("id"): box for element, _di, box, _label in shapes}
    crowded = {element.get("attachedToRef") for element, _di, box, _label in shapes
               if _local(element.tag) == "boundaryEvent"
               and element.get("attachedToRef") in boxes
               and box.cy >= boxes[element.get("attachedToRef")].y
               + boxes[element.get("attachedToRef")].h - 2}

    _NAME_BANDS.set(tuple(sorted(  # left to right: a lane's strip lies right of its pool's
        (Box(box.x, box.y, NAME_BAND, box.h) for element, _di, box, _label in shapes
         if _local(element.tag) in ("participant", "lane") and _name(element)),
        key=lambda band: band.x)))
    containers = ET.SubElement(svg, "g", {"class": "containers"})
    flows = ET.SubElement(svg, "g", {"class": "flows"})
    nodes = ET.SubElement(svg, "g", {"class": "nodes"})
    boundaries = ET.SubElement(svg, "g", {"class": "nodes boundary-events"})

    for element, di, box, label in shapes:
        tag = _local(element.tag)
        extent.add_box(box)
        if tag == "participant":
            _pool(containers, element, box, "pool")
        elif tag == "lane":
            _pool(containers, element, box, "lane")
        elif tag in TASKS:
            text_box = Box(box.x, box.y + 14, box.w, box.h - 30) \
                if element.get("id") in crowded else box
            _task(nodes, element, box, state_of(element.get("id")), TASKS[tag], text_box)
        elif tag in SUBPROCESSES:
            expanded = di.get("isExpanded") == "true"
            _subprocess(nodes, element, box, state_of(element.get("id")), expanded)
        elif tag in EVENTS:
            parent = boundaries if tag == "boundaryEvent" else nodes
            _event(parent, element, box, label, state_of(element.get("id")), EVENTS[tag],
                   extent)
        elif tag in GATEWAYS:
            _gateway(nodes, element, box, label, state_of(element.get("id")), GATEWAYS[tag],
                     extent)

    for element, points in edges:
        if _local(element.tag) != "sequenceFlow":
            continue
        for point in points:
            extent.add_point(*point)
        taken = state_of(element.get("targetRef")) in REACHED
        group = ET.SubElement(flows, "g", {"class": "flow taken" if taken else "flow",
                                           "data-element": element.get("id", "")})
        ET.SubElement(group, "polyline", {
            "points": " ".join(f"{_fmt(x)},{_fmt(y)}" for x, y in points),
            "marker-end": f"url(#{ARROW_ID}{'-taken' if taken else ''})"})
        if element.get("name"):
            ET.SubElement(group, "title").text = element.get("name")

    x0, y0, x1, y1 = extent.bounds()
    width, height = x1 - x0 + 2 * MARGIN, y1 - y0 + 2 * MARGIN
    svg.set("viewBox", f"{_fmt(x0 - MARGIN)} {_fmt(y0 - MARGIN)} {_fmt(width)} {_fmt(height)}")
    svg.set("width", _fmt(width))
    svg.set("height", _fmt(height))
    return ET.tostring(svg, encoding="unicode")


# --- parsing ---------------------------------------------------------------------------

def _parse(text: str):
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    return etree.fromstring(text.encode("utf-8"), parser=parser)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _num(value: str | None) -> float:
    try:
        number = float(value or 0)
    except ValueError:
        return 0.0
    return number if math.isfinite(number) else 0.0


def _bounds(element) -> Box | None:
    if element is None:
        return None
    return Box(*(_num(element.get(a)) for a in ("x", "y", "width", "height")))


def _fmt(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.2f}".rstrip("0")


class _Extent:
    def __init__(self):
        self.xs: list[float] = []
        self.ys: list[float] = []

    def add_point(self, x: float, y: float) -> None:
        self.xs.append(x)
        self.ys.append(y)

    def add_box(self, box: Box) -> None:
        self.add_point(box.x, box.y)
        self.add_point(box.x + box.w, box.y + box.h)

    def bounds(self) -> tuple[float, float, float, float]:
        if not self.xs:
            return 0, 0, 0, 0
        return min(self.xs), min(self.ys), max(self.xs), max(self.ys)


# --- drawing ---------------------------------------------------------------------------

def _defs(svg) -> None:
    defs = ET.SubElement(svg, "defs")
    for suffix in ("", "-taken"):
        marker = ET.SubElement(defs, "marker", {
            "id": ARROW_ID + suffix, "viewBox": "0 0 10 10", "refX": "10", "refY": "5",
            "markerWidth": "8", "markerHeight": "8", "orient": "auto-start-reverse",
            "markerUnits": "userSpaceOnUse"})
        ET.SubElement(marker, "path", {"d": "M0,0 L10,5 L0,10 z",
                                       "class": "arrowhead" + (" taken" if suffix else "")})


def _node_group(parent, element, kind: str, state: str):
    bpmn_id = element.get("id", "")
    group = ET.SubElement(parent, "g", {"class": f"el {kind} {state}", "data-element": bpmn_id,
                                        "data-type": _local(element.tag)})
    name = _name(element) or TYPE_WORDS.get(_local(element.tag)) or bpmn_id
    ET.SubElement(group, "title").text = f"{name}: {_STATE_WORDS.get()[state]}"
    return group


def _name(element) -> str:
    return " ".join((element.get("name") or "").split())


def _pool(parent, element, box: Box, kind: str) -> None:
    group = ET.SubElement(parent, "g", {"class": kind, "data-element": element.get("id", "")})
    name = _name(element)
    if name:
        ET.SubElement(group, "title").text = name
    ET.SubElement(group, "rect", _rect(box))
    band = NAME_BAND
    if kind == "pool":
        ET.SubElement(group, "line", {"class": "band", "x1": _fmt(box.x + band),
                                      "y1": _fmt(box.y), "x2": _fmt(box.x + band),
                                      "y2": _fmt(box.y + box.h)})
    if name:
        cx, cy = box.x + band / 2, box.cy
        lines = _wrap(name, box.h - 10)[:1]
        text = ET.SubElement(group, "text", {"class": f"{kind}-name", "x": _fmt(cx),
                                             "y": _fmt(cy + 4),
                                             "transform": f"rotate(-90 {_fmt(cx)} {_fmt(cy)})"})
        text.text = lines[0] if lines else name


def _task(parent, element, box: Box, state: str, marker: str, text_box: Box) -> None:
    group = _node_group(parent, element, "task", state)
    ET.SubElement(group, "rect", {**_rect(box), "rx": "10", "ry": "10", "class": "shape"})
    _type_marker(group, marker, box)
    _text_inside(group, _name(element), text_box)


def _subprocess(parent, element, box: Box, state: str, expanded: bool) -> None:
    group = _node_group(parent, element, "subprocess", state)
    ET.SubElement(group, "rect", {**_rect(box), "rx": "10", "ry": "10", "class": "shape"})
    if expanded:
        _text_lines(group, _wrap(_name(element), box.w - 12), box.x + 8, box.y + 16,
                    anchor="start")
        return
    _text_inside(group, _name(element), Box(box.x, box.y, box.w, box.h - 14))
    size, cx, bottom = 14, box.cx, box.y + box.h
    ET.SubElement(group, "rect", {"class": "collapsed-marker", "x": _fmt(cx - size / 2),
                                  "y": _fmt(bottom - size - 2), "width": _fmt(size),
                                  "height": _fmt(size)})
    my = bottom - size / 2 - 2
    ET.SubElement(group, "path", {"class": "collapsed-plus",
                                  "d": f"M{_fmt(cx - 4)},{_fmt(my)} H{_fmt(cx + 4)} "
                                       f"M{_fmt(cx)},{_fmt(my - 4)} V{_fmt(my + 4)}"})


def _event(parent, element, box: Box, label: Box | None, state: str, kind: str,
           extent: _Extent) -> None:
    group = _node_group(parent, element, "event", state)
    cx, cy, r = box.cx, box.cy, min(box.w, box.h) / 2
    ring = "shape event-" + kind
    if element.get("cancelActivity") == "false" or \
            (kind == "start" and element.get("isInterrupting") == "false"):
        ring += " non-interrupting"
    ET.SubElement(group, "circle", {"class": ring, "cx": _fmt(cx), "cy": _fmt(cy),
                                    "r": _fmt(r)})
    if kind in ("intermediate", "boundary"):
        ET.SubElement(group, "circle", {"class": "inner-ring", "cx": _fmt(cx), "cy": _fmt(cy),
                                        "r": _fmt(r - 3)})
    if element.find(f"{{{BPMN}}}timerEventDefinition") is not None:
        _clock(group, cx, cy, r * 0.6)
    _text_outside(group, _name(element), box, label, extent)


def _clock(group, cx: float, cy: float, r: float) -> None:
    ET.SubElement(group, "circle", {"class": "timer-face", "cx": _fmt(cx), "cy": _fmt(cy),
                                    "r": _fmt(r)})
    ticks = []
    for hour in range(12):
        angle = hour * math.pi / 6
        x, y = math.sin(angle), -math.cos(angle)
        ticks.append(f"M{_fmt(cx + x * r * 0.8)},{_fmt(cy + y * r * 0.8)} "
                     f"L{_fmt(cx + x * r)},{_fmt(cy + y * r)}")
    ET.SubElement(group, "path", {"class": "timer-ticks", "d": " ".join(ticks)})
    ET.SubElement(group, "path", {
        "class": "timer-hands",
        "d": f"M{_fmt(cx)},{_fmt(cy - r * 0.7)} L{_fmt(cx)},{_fmt(cy)} "
             f"L{_fmt(cx + r * 0.5)},{_fmt(cy + r * 0.1)}"})


def _gateway(parent, element, box: Box, label: Box | None, state: str, kind: str,
             extent: _Extent) -> None:
    group = _node_group(parent, element, "gateway", state)
    cx, cy = box.cx, box.cy
    ET.SubElement(group, "polygon", {
        "class": "shape", "points": f"{_fmt(cx)},{_fmt(box.y)} {_fmt(box.x + box.w)},{_fmt(cy)} "
                                    f"{_fmt(cx)},{_fmt(box.y + box.h)} {_fmt(box.x)},{_fmt(cy)}"})
    d = box.w / 5
    if kind == "exclusive":
        ET.SubElement(group, "path", {"class": "gateway-mark", "d":
                                      f"M{_pt(cx - d, cy - d)} L{_pt(cx + d, cy + d)} "
                                      f"M{_pt(cx + d, cy - d)} L{_pt(cx - d, cy + d)}"})
    elif kind in ("parallel", "complex"):
        ET.SubElement(group, "path", {"class": "gateway-mark", "d":
                                      f"M{_fmt(cx - d)},{_fmt(cy)} H{_fmt(cx + d)} "
                                      f"M{_fmt(cx)},{_fmt(cy - d)} V{_fmt(cy + d)}"})
    else:
        ET.SubElement(group, "circle", {"class": "gateway-ring", "cx": _fmt(cx), "cy": _fmt(cy),
                                        "r": _fmt(d * 1.2)})
    _text_outside(group, _name(element), box, label, extent)


def _type_marker(group, marker: str, box: Box) -> None:
    x, y = box.x + 8, box.y + 6
    if marker == "user":
        ET.SubElement(group, "circle", {"class": "type-icon", "cx": _fmt(x + 6),
                                        "cy": _fmt(y + 4), "r": "3.5"})
        ET.SubElement(group, "path", {"class": "type-icon",
                                      "d": f"M{_fmt(x)},{_fmt(y + 15)} "
                                           f"C{_fmt(x)},{_fmt(y + 8)} {_fmt(x + 12)},{_fmt(y + 8)} "
                                           f"{_fmt(x + 12)},{_fmt(y + 15)} Z"})
    elif marker == "script":
        ET.SubElement(group, "path", {"class": "type-icon",
                                      "d": f"M{_fmt(x + 2)},{_fmt(y)} H{_fmt(x + 12)} "
                                           f"V{_fmt(y + 15)} H{_fmt(x + 2)} Z "
                                           f"M{_fmt(x + 4)},{_fmt(y + 4)} H{_fmt(x + 10)} "
                                           f"M{_fmt(x + 4)},{_fmt(y + 8)} H{_fmt(x + 10)} "
                                           f"M{_fmt(x + 4)},{_fmt(y + 12)} H{_fmt(x + 10)}"})
    elif marker == "rule":
        ET.SubElement(group, "path", {"class": "type-icon",
                                      "d": f"M{_fmt(x)},{_fmt(y + 1)} H{_fmt(x + 16)} "
                                           f"V{_fmt(y + 13)} H{_fmt(x)} Z "
                                           f"M{_fmt(x)},{_fmt(y + 5)} H{_fmt(x + 16)} "
                                           f"M{_fmt(x)},{_fmt(y + 9)} H{_fmt(x + 16)} "
                                           f"M{_fmt(x + 5)},{_fmt(y + 5)} V{_fmt(y + 13)}"})
    elif marker:
        ET.SubElement(group, "text", {"class": "type-letter", "x": _fmt(x),
                                      "y": _fmt(y + 10)}).text = marker[0].upper()


# --- text ------------------------------------------------------------------------------

def _wrap(text: str, width: float) -> list[str]:
    """Words into lines of at most ``width`` pixels (estimated), broken between words only:
    a word longer than a line stands on a line of its own (``_fitting_size`` shrinks it)."""
    limit = max(int(width // CHAR_WIDTH), 4)
    lines: list[str] = []
    line = ""
    for word in text.split():
        candidate = f"{line} {word}" if line else word
        if len(candidate) <= limit or not line:
            line = candidate
        else:
            lines.append(line)
            line = word
    if line:
        lines.append(line)
    return lines


def _fitting_size(lines: list[str], width: float) -> int:
    """The font size (px) at which the widest line fits ``width``: the stylesheet's 12, or
    down to SMALLEST_FONT for a long word (beyond that it runs over the box's edge)."""
    widest = max((len(line) for line in lines), default=0) * CHAR_WIDTH
    if widest <= width:
        return FONT_SIZE
    return max(SMALLEST_FONT, int(FONT_SIZE * width / widest))


def _text_lines(group, lines: Iterable[str], x: float, y: float, *,
                anchor: str = "middle", size: int = 12) -> None:
    lines = list(lines)
    if not lines:
        return
    smaller = f" font-{size}" if size != FONT_SIZE else ""  # diagram.css sets each size
    text = ET.SubElement(group, "text", {"class": f"label anchor-{anchor}{smaller}",
                                         "x": _fmt(x), "y": _fmt(y)})
    for i, line in enumerate(lines):
        span = ET.SubElement(text, "tspan", {"x": _fmt(x), "y": _fmt(y + i * LINE_HEIGHT)})
        span.text = line


def _text_inside(group, name: str, box: Box) -> None:
    lines = _wrap(name, box.w - 16)
    fits = max(int((box.h - 8) // LINE_HEIGHT), 1)
    if len(lines) > fits:
        lines = lines[:fits]
        lines[-1] = lines[-1][:max(len(lines[-1]) - 1, 1)] + "…"
    top = box.cy - (len(lines) - 1) * LINE_HEIGHT / 2 + 4  # +4: baseline of a 12px line
    _text_lines(group, lines, box.cx, top, size=_fitting_size(lines, box.w - 8))


def _text_outside(group, name: str, box: Box, label: Box | None, extent: _Extent) -> None:
    if not name:
        return
    if label is not None:  # laid out by the modeller (for a smaller font): wrap a bit wider
        lines = _wrap(name, label.w + 10)
        cx, top = label.cx, label.y + 11
    else:
        lines = _wrap(name, max(box.w, LABEL_WIDTH))
        cx, top = box.cx, box.y + box.h + 16
    half = max(len(line) for line in lines) * CHAR_WIDTH / 2
    bottom = top + (len(lines) - 1) * LINE_HEIGHT + 4
    # never over the name of a pool or lane, even with glyphs wider than the average
    clear = max(len(line) for line in lines) * WIDE_CHAR_WIDTH / 2
    for band in _NAME_BANDS.get():
        if band.y <= bottom and top - 11 <= band.y + band.h \
                and cx - clear < band.x + band.w and cx + clear > band.x:
            cx = band.x + band.w + 4 + clear
    _text_lines(group, lines, cx, top)
    extent.add_point(cx - half, top - 11)
    extent.add_point(cx + half, bottom)


def _pt(x: float, y: float) -> str:
    return f"{_fmt(x)},{_fmt(y)}"


def _rect(box: Box) -> dict[str, str]:
    return {"x": _fmt(box.x), "y": _fmt(box.y), "width": _fmt(box.w), "height": _fmt(box.h)}
