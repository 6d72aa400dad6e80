"""The only writers. One function per user action, one transaction each.

Every function takes a :class:`~caseapp.services.context.ServiceContext` (session,
process engine, clock, settings) and the acting :class:`Actor`, checks that the
actor may do it, and commits or rolls back as a whole. Views, the CLI, the timer
worker and (later) the JSON API all call these, never the models directly.
"""
