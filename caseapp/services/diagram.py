"""The process picture of a case: its own process version's diagram, marked with its progress."""

from __future__ import annotations

import json
from collections.abc import Callable

from sqlalchemy import select

from caseapp.models import Case, ProcessInstance, ProcessVersion
from forms.i18n import N_
from workflows.diagram import main_source, render_svg

from .actor import Actor
from .authz import require_case_readable
from .context import ServiceContext
from .errors import NotFound


def case_picture(ctx: ServiceContext, actor: Actor, case_id: int,
                 translate: Callable[[str], str] | None = None) -> str:
    """The SVG of the case's process, drawn from the BPMN files of the case's version.

    A case keeps the version it was started on, so the picture comes from the sources
    stored with that version (``ProcessVersion.sources_json``), not from today's files.
    """
    session = ctx.session
    case = require_case_readable(actor, session.get(Case, case_id))
    instance = session.scalars(select(ProcessInstance)
                               .where(ProcessInstance.case_id == case.id)).one_or_none()
    version = session.get(ProcessVersion, instance.version) if instance is not None else None
    if instance is None or version is None:
        raise NotFound("This case has no process.")
    source = main_source(json.loads(version.sources_json), ctx.engine.main_process)
    if source is None:
        raise NotFound("The process of this case has no diagram.")
    run = ctx.engine.load(instance.version, instance.state_json)
    title = N_("Process of case %(number)s")
    title = (translate(title) if translate else title) % {"number": case.number}
    return render_svg(source, run.element_states(), title=title, translate=translate)
