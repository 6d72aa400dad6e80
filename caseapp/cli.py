"""Command line: ``flask --app caseapp <command>``. Every command honours DATABASE_URL."""

from __future__ import annotations

import json
import logging
import signal
import sys
import threading
import time
from datetime import date, timedelta
from importlib.resources import files
from pathlib import Path

import click
from flask import Flask

from domain.vocabulary import ROLES
from workflows import ProcessDefinitionError

from . import backup
from .composition import Runtime, load_process_folder
from .migrate import upgrade
from .services import (
    cases,
    catalogue,
    checkpoints,
    erasure,
    monitoring,
    network_offers,
    process_versions,
    referrals,
    retention,
    special_category,
    subject_access,
    timers,
    users,
)
from .services.actor import SYSTEM
from .services.errors import ServiceError
from .views import subject_access as subject_access_page

log = logging.getLogger(__name__)


def init_app(app: Flask) -> None:
    """Register the commands; they share the app's runtime (database, engine, settings)."""
    rt: Runtime = app.extensions["ankommen"]

    @app.cli.command("init-db")
    def init_db():
        """Create or migrate the database schema to the newest version, then seal the trail."""
        upgrade(rt.db)
        with rt.sessions() as session:
            checkpoints.write_checkpoint(rt.context(session), first=True)
            process_versions.store_folder_version(rt.context(session))
        click.echo("Database is at the newest schema.")
        if rt.process_error is not None:
            click.echo(f"The process folder cannot be loaded: {rt.process_error}", err=True)

    @app.cli.command("seed")
    @click.option("--if-empty", is_flag=True, help="Only seed a database without users.")
    def seed(if_empty: bool):
        """Load demo teams, users and newcomers from seed/demo.json (idempotent)."""
        with rt.sessions() as session:
            ctx = rt.context(session)
            if if_empty and users.any_users(ctx):
                click.echo("Database already has users; not seeding.")
                return
            created = load_demo(ctx)
        click.echo(f"Seeded {created['users']} user(s) and {created['cases']} case(s).")

    @app.cli.command("create-user")
    @click.option("--username", required=True)
    @click.option("--name", "display_name", required=True)
    @click.option("--role", required=True, type=click.Choice(ROLES))
    @click.option("--team", default=None, help="Team name (counsellors and team leads).")
    @click.option("--provider", default=None,
                  help="Course provider's name, as in the catalogue (the provider's staff).")
    @click.password_option()
    def create_user(username, display_name, role, team, provider, password):
        """Create a user (as the operator on the server)."""
        with rt.sessions() as session:
            ctx = rt.context(session)
            try:
                provider_id = catalogue.provider_id(ctx, provider) if provider else None
                users.create_user(ctx, SYSTEM, username=username,
                                  display_name=display_name, password=password, role=role,
                                  team_name=team, provider_id=provider_id)
            except ServiceError as exc:
                raise click.ClickException(exc.message) from None
        click.echo(f"User {username} created.")

    @app.cli.command("set-password")
    @click.argument("username")
    @click.password_option()
    def set_password(username, password):
        """Set a user's password at once (as the operator on the server: in an office with
        one admin nobody else could confirm the reopening a reset on the web waits for)."""
        with rt.sessions() as session:
            ctx = rt.context(session)
            try:
                user = users.actor_by_username(ctx, username)
                users.reset_password(ctx, SYSTEM, user.id, password)
            except ServiceError as exc:
                raise click.ClickException(exc.message) from None
        click.echo(f"Password of {username} set; every session of theirs has ended.")

    process_group = click.Group("process", help="Process files: check and deploy a folder.")
    app.cli.add_command(process_group)

    def checked_folder(directory: str):
        """The folder's library, or its refusal printed and exit code 1."""
        try:
            return load_process_folder(app.config, directory)
        except ProcessDefinitionError as exc:
            click.echo(f"refused: {exc}", err=True)
            sys.exit(1)

    @process_group.command("validate")
    @click.argument("directory", type=click.Path(file_okay=False))
    def validate_process(directory):
        """Check a folder of BPMN and DMN files as at start-up; exit 1 with the refusal."""
        library = checked_folder(directory)
        click.echo(f"valid: version {library.version}, files {', '.join(library.sources)}")

    @process_group.command("deploy")
    @click.argument("directory", type=click.Path(file_okay=False))
    def deploy_process(directory):
        """Check a folder and store it as the newest version: new cases start on it, running
        cases keep theirs."""
        library = checked_folder(directory)
        with rt.sessions() as session:
            deployed = process_versions.deploy(rt.context(session), library)
        click.echo(f"deployed: version {deployed.version}"
                   f"{'' if deployed.new else ' (stored before, the newest again)'}, "
                   f"files {', '.join(library.sources)}; new cases start on it, running "
                   "cases keep theirs.")

    audit_group = click.Group("audit", help="Audit trail commands.")
    app.cli.add_command(audit_group)

    @audit_group.command("verify")
    @click.option("--checkpoints", "kept_file", type=click.Path(dir_okay=False, exists=True),
                  help="Compare with checkpoints kept in this file (default: the file "
                       "ANKOMMEN_AUDIT_CHECKPOINT_FILE names, if any).")
    def verify(kept_file):
        """Check every chain and checkpoint; exits 1 and names the first broken event."""
        with rt.sessions() as session:
            try:
                kept = checkpoints.read_kept(Path(kept_file)) if kept_file else None
                report = checkpoints.verify(rt.context(session), kept)
            except checkpoints.CheckpointFileError as exc:
                raise click.ClickException(str(exc)) from None
        click.echo(report.summary())
        sys.exit(0 if report.ok else 1)

    @audit_group.command("checkpoint")
    @click.option("--export", "export_file", type=click.Path(dir_okay=False),
                  help="Append every checkpoint not yet in this file (JSON lines), to keep "
                       "outside the database.")
    def checkpoint(export_file):
        """Seal the audit trail now (the worker does it every few minutes)."""
        with rt.sessions() as session:
            ctx = rt.context(session)
            written = checkpoints.write_checkpoint(ctx)
            click.echo(f"Checkpoint {written.id} written." if written
                       else "Nothing new to seal.")
            if export_file:
                try:
                    appended = checkpoints.keep(ctx, Path(export_file))
                except checkpoints.CheckpointFileError as exc:
                    raise click.ClickException(str(exc)) from None
                click.echo(f"{appended} checkpoint(s) appended to {export_file}.")

    person_group = click.Group("person", help="A person's data: erasure and access.")
    app.cli.add_command(person_group)

    @person_group.command("erase")
    @click.argument("case_number")
    @click.option("--reason", required=True, help="Why (the request, its date).")
    @click.option("--by", "username", required=True, help="The team lead who erases.")
    def erase(case_number, reason, username):
        """Erase every personal value of the case's person (Art. 17 DSGVO); the statistics
        and the audit trail stay, and verify still passes."""
        with rt.sessions() as session:
            ctx = rt.context(session)
            try:
                actor = users.actor_by_username(ctx, username)
                done = erasure.erase_personal_data(ctx, actor, cases.case_id_by_number(
                    ctx, actor, case_number), reason)
            except ServiceError as exc:
                raise click.ClickException(exc.message) from None
        click.echo(f"Personal data of case {done.number} erased (event {done.event_seq}, "
                   f"{done.change_records} change record(s) blanked).")

    @person_group.command("export")
    @click.argument("case_number")
    @click.option("--output", "output", type=click.Path(dir_okay=False, path_type=Path),
                  help="Write to this new file (readable by its owner only), not to stdout.")
    def export_person(case_number, output):
        """Everything held about the case's person (Art. 15 DSGVO), as JSON with every
        label in German and English; the team lead's page prints the same."""
        with rt.sessions() as session:
            try:
                held = subject_access.subject_access_by_number(rt.context(session), SYSTEM,
                                                               case_number)
            except ServiceError as exc:
                raise click.ClickException(exc.message) from None
        with app.app_context():  # the labels are translated in each language
            text = json.dumps(subject_access_page.export(held), ensure_ascii=False, indent=2)
        if output is None:
            click.echo(text)
            return
        try:
            with output.open("x", encoding="utf-8") as target:
                output.chmod(0o600)
                target.write(text + "\n")
        except FileExistsError:
            raise click.ClickException(f"{output} exists: name a new file.") from None
        click.echo(f"Information on case {held.case_number} written to {output}.")

    keys_group = click.Group("keys", help="The keys that seal special-category data.")
    app.cli.add_command(keys_group)

    @keys_group.command("rotate")
    def rotate_keys():
        """Seal every special-category value again with the first key of
        ANKOMMEN_DATA_KEYS, case by case (the app may keep running); remove an old key from
        the setting only after this has finished."""
        with rt.sessions() as session:
            ctx = rt.context(session)
            resealed = 0
            try:
                with click.progressbar(special_category.cases_to_reseal(ctx), label="Cases",
                                       show_pos=True) as case_ids:
                    for case_id in case_ids:
                        resealed += special_category.reseal_case(ctx, case_id)
            except special_category.DataKeyError as exc:
                raise click.ClickException(str(exc)) from None
        click.echo(f"{resealed} value(s) sealed again with the key "
                   f"{rt.settings.data_keys.current!r}.")

    retention_group = click.Group("retention", help="Erasure once retention periods are over.")
    app.cli.add_command(retention_group)

    @retention_group.command("run")
    @click.option("--apply", "apply_", is_flag=True,
                  help="Erase what is due (without it: only list it).")
    def retention_run(apply_):
        """List the closed cases whose retention period (ANKOMMEN_RETENTION_YEARS) is over;
        with --apply erase each, one erasure event per case."""
        with rt.sessions() as session:
            ctx = rt.context(session)
            due = retention.due_cases(ctx, SYSTEM)
            with click.progressbar(due, label="Checking" if not apply_ else "Erasing",
                                   show_pos=True,
                                   item_show_func=lambda d: d.number if d else None) as bar:
                erased = [d for d in bar
                          if apply_ and retention.erase_if_due(ctx, SYSTEM, d.case_id)]
            if erased:
                retention.finish(ctx)
        for d in due:
            click.echo(f"{d.number}: closed {d.closed_at:%Y-%m-%d}, outcome "
                       f"{d.outcome or retention.WITHOUT_OUTCOME}, due since {d.due_on}")
        if apply_:
            click.echo(f"{len(erased)} case(s) erased.")
        else:
            click.echo(f"{len(due)} case(s) due; nothing erased (dry run: --apply erases).")

    @app.cli.command("backup")
    @click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
    def backup_database(file: Path):
        """Write a consistent copy of the whole database to FILE, a new file.

        SQLite: the online backup API, PostgreSQL: pg_dump's custom format (from the Debian
        package postgresql-client). The app may keep running. FILE holds personal data:
        it is readable by its owner only; keep it like the database.
        """
        try:
            backup.backup(rt.db, file)
        except backup.BackupError as exc:
            raise click.ClickException(str(exc)) from None
        click.echo(f"Backup written to {file}.")

    @app.cli.command("restore")
    @click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
    @click.option("--yes", is_flag=True, help="Do not ask before replacing the data.")
    def restore_database(file: Path, yes: bool):
        """Replace the whole database with the backup in FILE.

        Stop the app and the timer workers first, and start them again afterwards: they
        must not write while the data is replaced. PostgreSQL restores in one transaction
        (pg_restore); nothing changes if it fails.
        """
        try:
            backup.check_restorable(rt.db, file)
            if not yes:
                click.confirm(f"Replace everything in the database with the backup {file}?",
                              abort=True)
            current = backup.restore(rt.db, file)
        except backup.BackupError as exc:
            raise click.ClickException(str(exc)) from None
        click.echo(f"Database restored from {file}.")
        if not current:
            click.echo("The backup's schema is not this version's: run init-db to migrate it.")

    @app.cli.command("worker")
    @click.option("--interval", type=float, default=None, help="Seconds between rounds.")
    @click.option("--once", is_flag=True, help="Fire what is due now, then stop.")
    def worker(interval, once):
        """Fire due timers, offer freed seats, seal the audit trail and check what was
        appended to it, keep the monitoring's default views fresh, until stopped (SIGTERM
        or Ctrl-C stop it cleanly)."""
        interval = interval or app.config["WORKER_INTERVAL_SECONDS"]
        stop = threading.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stop.set())
        seal_every = app.config["AUDIT_CHECKPOINT_SECONDS"]
        click.echo(f"Timer worker running (every {interval:g} s).")
        if rt.process_error is not None:
            log.error("worker: the process folder cannot be loaded (%s); running cases go on "
                      "on their stored versions", rt.process_error)
        sealed_at = 0.0
        retained_on = None  # the office's day of the last nightly retention round
        while not stop.is_set():
            seal = once or time.monotonic() - sealed_at >= seal_every
            for job in (timers.fire_due_timers, referrals.offer_all_free_seats,
                        checkpoints.seal_and_keep if seal else None,
                        checkpoints.verify_new_events, monitoring.keep_default_views):
                if job is None:
                    continue
                # each job on its own: one that fails (a database hiccup) stops no other
                with rt.sessions() as session:
                    try:
                        done = job(rt.context(session))
                    except Exception:  # noqa: BLE001 - logged; the next round tries again
                        log.exception("worker: %s failed; trying again next round",
                                      job.__name__)
                        continue
                if job is timers.fire_due_timers and done:
                    click.echo(f"Fired timers in {done} case(s).")
            if seal:
                sealed_at = time.monotonic()
            if app.config["RETENTION_NIGHTLY"]:
                retained_on = _nightly_retention(rt, retained_on)
            if once:
                break
            stop.wait(interval)
        click.echo("Timer worker stopped.")


def _nightly_retention(rt: Runtime, retained_on: date | None) -> date | None:
    """Once a night (ANKOMMEN_RETENTION_NIGHTLY): erase the persons whose retention period
    is over; returns the office's day it last ran."""
    with rt.sessions() as session:
        ctx = rt.context(session)
        today = retention.nightly_round_due(ctx, retained_on)
        if today is None:
            return retained_on
        try:
            erased = retention.erase_all_due(ctx, SYSTEM)
        except Exception:  # noqa: BLE001 - logged; the next round tries again
            log.exception("worker: the retention round failed; trying again next round")
            return retained_on
    click.echo(f"Retention: {erased} case(s) erased.")
    return today


def load_demo(ctx) -> dict[str, int]:
    """Seed missing users and the catalogue; cases only with new users, so reruns add none."""
    data = json.loads(files("seed").joinpath("demo.json").read_text(encoding="utf-8"))
    load_catalogue(ctx)  # first: a provider's staff name their provider
    made_users = 0
    for spec in data["users"]:
        if users.user_exists(ctx, spec["username"]):
            continue
        users.create_user(ctx, SYSTEM, username=spec["username"], display_name=spec["name"],
                          password=data["password"], role=spec["role"],
                          team_name=spec.get("team"), work_phone=spec.get("work_phone"),
                          work_email=spec.get("work_email"),
                          provider_id=catalogue.provider_id(ctx, spec["provider"])
                          if spec.get("provider") else None)
        made_users += 1
    made_cases = 0
    if made_users:
        for spec in data["newcomers"]:
            counsellor = users.actor_by_username(ctx, spec["counsellor"])
            cases.open_case(ctx, counsellor, cases.NewCase(
                given_names=spec["given_names"], family_name=spec["family_name"],
                birth_date=date.fromisoformat(spec["birth_date"]),
                municipality=spec["municipality"], phone=spec.get("phone")))
            made_cases += 1
    return {"users": made_users, "cases": made_cases}


def load_catalogue(ctx) -> None:
    """Municipalities, providers and courses (start dates relative to today) and the
    network's other offers, once."""
    data = json.loads(files("seed").joinpath("catalogue.json").read_text(encoding="utf-8"))
    providers, _courses = catalogue.catalogue(ctx)
    if providers:
        return
    for spec in data["municipalities"]:
        catalogue.ensure_municipality(ctx, SYSTEM, **spec)
    ids = {}
    for spec in data["providers"]:
        ids[spec["name"]] = catalogue.create_provider(ctx, SYSTEM, **spec).id
    today = ctx.now().date()
    for spec in data["courses"]:
        provider = next(p for p in data["providers"] if p["name"] == spec["provider"])
        course = catalogue.create_course(ctx, SYSTEM, catalogue.NewCourse(
            provider_id=ids[spec["provider"]], course_type=spec["course_type"],
            title=spec["title"], target_level=spec["target_level"],
            start_date=today + timedelta(days=spec["starts_in_days"]),
            schedule=spec["schedule"], time_of_day=spec["time_of_day"],
            childcare=spec["childcare"],
            location=f"{provider['street']}, {provider['postcode']} {provider['municipality']}",
            seats_total=spec["seats_total"], what_to_bring=data["what_to_bring"]))
        catalogue.set_initial_occupancy(ctx, course.id, spec["seats_taken"])
    for spec in data["network_offers"]:
        network_offers.create_network_offer(ctx, SYSTEM, network_offers.NetworkOfferText(**spec))


__all__ = ["init_app", "load_demo"]
