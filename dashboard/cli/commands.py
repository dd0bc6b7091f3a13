"""`microbill` command line: database, demo, users and serving. Each command parses its options, calls a
service (dashboard/services/) with the configured store and prints the answer."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import click

from dashboard.settings import load_settings
from data.db import Store

if TYPE_CHECKING:
    from dashboard.services.imports import ImportRefused, Problem

# The services are imported by the command that uses them: `microbill --help` and each command start fast.


@contextmanager
def _store() -> Iterator[Store]:
    """The configured database for one command; its connections closed afterwards."""
    store = Store(load_settings().database_url)
    try:
        yield store
    finally:
        store.dispose()


@click.group()
def main() -> None:
    """Microbill — 휴대폰 소액결제 대시보드."""


@main.group()
def db() -> None:
    """Database schema (Alembic migrations)."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Apply all migrations."""
    from dashboard.services import maintenance

    with _store() as store:
        maintenance.upgrade_database(store)
    click.echo("database is up to date")


@main.command("seed-demo")
@click.option("--seed", type=int, default=None, help="Random seed (default MICROBILL_DEMO_SEED).")
def seed_demo_cmd(seed: int | None) -> None:
    """Migrate, create the demo user with 3 lines of history and a guardian of its child's line; print both logins."""
    _seed_and_print(seed)


def _seed_and_print(seed: int | None) -> None:
    from dashboard.services import maintenance

    with _store() as store:
        account = maintenance.seed_demo(store, load_settings(), seed)
    what = "created" if account.created else "already there (password reset)"
    click.echo(f"Demo user {what}:\n  email:    {account.email}\n  password: {account.password}")
    if (guardian := account.guardian) is not None:  # the second person: sees and guards the child line
        what = "created" if guardian.created else "already there (password reset)"
        click.echo(f"Guardian of the child line {what}:\n  email:    {guardian.email}\n"
                   f"  password: {guardian.password}")


@main.command("create-user")
@click.option("--email", required=True)
@click.option("--password", required=True, prompt=True, hide_input=True)
def create_user_cmd(email: str, password: str) -> None:
    """Create a user account."""
    from dashboard.services import accounts
    from dashboard.services.errors import Conflict
    from dashboard.services.passwords import new_password_errors
    from dashboard.text.i18n import t

    if refused := new_password_errors(password, password, email):  # the sign-up form's policy
        raise click.BadParameter(" / ".join(t(key, lang) for key in refused.values() for lang in ("ko", "en")),
                                 param_hint="--password")
    try:
        with _store() as store:
            user = accounts.create_user(store, email, password)
    except Conflict as exc:
        raise click.ClickException(f"{email} is already registered") from exc
    click.echo(json.dumps({"id": user.id, "email": user.email}))


def _user_id(store: Store, email: str) -> int:
    from dashboard.services import accounts

    user_id = accounts.user_id_by_email(store, email)
    if user_id is None:
        raise click.ClickException(f"no user {email}")
    return user_id


def _say(refused) -> str:
    """A service's refusal in both languages (an operator's terminal)."""
    from dashboard.text.i18n import t

    return f"{t(refused.key, 'ko', **refused.values)} / {t(refused.key, 'en', **refused.values)}"


@main.command("create-token")
@click.argument("email_arg", metavar="[EMAIL]", required=False)
@click.option("--email", default=None, help="The user (or give EMAIL as the argument).")
@click.option("--name", default="cli", help="A label to recognise the token by.")
@click.option("--expires-days", type=int, default=None,
              help="Days until it stops working (default MICROBILL_API_TOKEN_DAYS, 90); 0: never (not advised).")
def create_token_cmd(email_arg: str | None, email: str | None, name: str, expires_days: int | None) -> None:
    """Create an API bearer token for a user and print it (shown only once; only its hash is stored)."""
    from dashboard.services import accounts
    from dashboard.services.errors import ServiceError

    who = email or email_arg
    if not who:
        raise click.UsageError("give the user's EMAIL")
    days = load_settings().api_token_days if expires_days is None else expires_days
    try:
        with _store() as store:
            token = accounts.create_token(store, _user_id(store, who), name, days=days)
    except ServiceError as refused:
        raise click.ClickException(_say(refused)) from refused
    click.echo(token)


@main.command("list-tokens")
@click.option("--email", required=True)
def list_tokens_cmd(email: str) -> None:
    """A user's API tokens as JSON lines (id, name, created, last used, expires, state); never the secrets."""
    from datetime import UTC, datetime

    from dashboard.services import accounts

    now = datetime.now(UTC)
    with _store() as store:
        for token in accounts.tokens_of_user(store, _user_id(store, email)):
            click.echo(json.dumps({"id": token.id, "name": token.name, "created_at": token.created_at,
                                   "last_used_at": token.last_used_at, "expires_at": token.expires_at,
                                   "state": token.state(now)}, default=str, ensure_ascii=False))


@main.command("revoke-token")
@click.argument("token", required=False)
@click.option("--email", default=None, help="With --id: the user whose token it is.")
@click.option("--id", "token_id", type=int, default=None, help="The token's id (microbill list-tokens, /account).")
def revoke_token_cmd(token: str | None, email: str | None, token_id: int | None) -> None:
    """Revoke an API token at once: give the token itself (e.g. one found leaked), or --email and --id.

    Revoking by id needs the owner's email so a mistyped id cannot revoke someone else's token."""
    from dashboard.services import accounts
    from dashboard.services.errors import ServiceError

    if (token is None) == (token_id is None) or (token_id is not None and not email):
        raise click.UsageError("give either TOKEN, or --email and --id")
    try:
        with _store() as store:
            if token is not None:
                revoked = accounts.revoke_token_by_secret(store, token)
            else:
                accounts.revoke_token(store, _user_id(store, email), token_id)
                revoked = token_id
    except ServiceError as refused:
        raise click.ClickException(_say(refused)) from refused
    click.echo(json.dumps({"revoked": revoked}))


@main.command("end-sessions")
@click.option("--email", required=True)
def end_sessions_cmd(email: str) -> None:
    """Sign a user out everywhere at once (every browser session; API tokens: revoke-token)."""
    from dashboard.services import sessions

    with _store() as store:
        click.echo(json.dumps({"ended": sessions.end_all_sessions(store, _user_id(store, email))}))


@main.command("forecast")
@click.option("--line", "line_id", type=int, required=True)
@click.option("--as-of", "as_of", default=None, help="Date or ISO time (KST when naive); default now.")
@click.option("--json", "as_json", is_flag=True)
def forecast_cmd(line_id: int, as_of: str | None, as_json: bool) -> None:
    """Forecast a line's bill for the month containing --as-of."""
    from datetime import UTC, datetime

    from dashboard.services import maintenance
    from dashboard.services.forecast import forecast_of
    from dashboard.text.formatting import won
    from data.vocab import KST

    moment = datetime.now(UTC)
    if as_of:
        try:
            moment = datetime.fromisoformat(as_of)
        except ValueError as exc:
            raise click.BadParameter("use YYYY-MM-DD or an ISO time", param_hint="--as-of") from exc
        moment = moment if moment.tzinfo else moment.replace(tzinfo=KST)
    with _store() as store:
        owner = maintenance.line_owner(store, line_id)
        if owner is None:
            raise click.ClickException(f"no line {line_id}")
        fc = forecast_of(store, load_settings(), owner, line_id, moment)
    if as_json:
        click.echo(json.dumps(fc, ensure_ascii=False))
        return
    click.echo(f"{fc['billing_month']}: {won(fc['expected'])} ({won(fc['low'])}–{won(fc['high'])}), "
               f"spent {won(fc['spent_to_date'])}, due {fc['due_date']}")
    if fc["limit_hit_date"]:
        click.echo(f"limit {won(fc['limit'])} likely reached on {fc['limit_hit_date']}")


@main.command("add-line")
@click.option("--email", required=True)
@click.option("--carrier", required=True, help="KT, SKT, LGU+ (LGT), MVNO")
@click.option("--number", required=True, help="010-1234-5678 (stored masked)")
@click.option("--nickname", default="")
@click.option("--limit", "limit", type=int, default=None, help="Monthly 소액결제 limit in won")
@click.option("--content-limit", type=int, default=None, help="Monthly 콘텐츠이용료 limit in won")
@click.option("--minor", is_flag=True)
def add_line_cmd(email, carrier, number, nickname, limit, content_limit, minor) -> None:
    """Add a phone line to a user and print its id."""
    from dashboard.services.lines import LineRefused, add_line
    from dashboard.text.i18n import t

    limits = {k: v for k, v in (("micropayment", limit), ("content", content_limit)) if v is not None}
    with _store() as store:
        try:
            line = add_line(store, _user_id(store, email), carrier, number, limits, nickname=nickname, is_minor=minor)
        except LineRefused as exc:
            raise click.BadParameter(t(exc.key, "ko", **exc.values), param_hint=f"--{exc.field}") from exc
    click.echo(line["id"])


@main.command("close-month")
@click.option("--as-of", "as_of", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Close as of this KST date (start of day); default now. For cron on the 1st, and catch-up.")
def close_month_cmd(as_of) -> None:
    """Bill every line's ended months, apply late fees and restrictions. Safe to run again or concurrently."""
    from dashboard.services import maintenance
    from data.vocab import KST

    with _store() as store:
        report = maintenance.close_month(store, load_settings(), as_of.replace(tzinfo=KST) if as_of else None)
    click.echo(json.dumps(report))


@main.command("deliver-notifications")
@click.option("--limit", default=100, show_default=True, type=int, help="At most this many per run.")
def deliver_notifications_cmd(limit: int) -> None:
    """Send pending alert mail and webhooks (and retry failed ones whose backoff has passed)."""
    from dashboard.services import maintenance

    with _store() as store:
        report = maintenance.deliver_notifications(store, load_settings(), limit=limit)
    click.echo(json.dumps(report))


@main.command()
@click.option("--concurrency", default=2, show_default=True, type=click.IntRange(1, 64),
              help="Jobs run at the same time (worker processes).")
@click.option("--loglevel", default="INFO", show_default=True)
def worker(concurrency: int, loglevel: str) -> None:
    """Run background jobs (imports, alert mail) from MICROBILL_REDIS_URL, in the foreground (docs/operations.md)."""
    if not load_settings().redis_url:
        raise click.ClickException("MICROBILL_REDIS_URL is not set: without Redis the jobs run inside "
                                   "`microbill serve` / gunicorn and no worker is needed")
    from celery.signals import worker_process_init

    from dashboard.app import create_app
    from dashboard.jobs import celery_of

    app = create_app()  # registers every background callback as a Celery task
    celery = celery_of(app.server)
    store = app.server.extensions["microbill_store"]

    def forget_connections(**_: object) -> None:  # a forked process must not share the parent's connections
        store.engine.dispose(close=False)

    worker_process_init.connect(forget_connections, weak=False)
    celery.worker_main(["worker", f"--concurrency={concurrency}", f"--loglevel={loglevel}",
                        f"--hostname=microbill-{os.getpid()}@%h"])  # two workers on one host: two names


@main.command()
@click.option("--line", "line_id", type=int, required=True, help="The line to charge.")
@click.option("--rate", default="5/s", show_default=True, help="Requests per second/minute/hour: 5/s, 30/m.")
@click.option("--url", default="http://127.0.0.1:8050", show_default=True, help="The running server.")
@click.option("--token", envvar="MICROBILL_API_TOKEN", required=True,
              help="API bearer token (microbill create-token); or MICROBILL_API_TOKEN.")
@click.option("--count", type=int, default=None, help="Stop after N requests (default: until Ctrl-C).")
@click.option("--seed", type=int, default=None, help="Random seed for the merchants and amounts.")
def simulate(line_id: int, rate: str, url: str, token: str, count: int | None, seed: int | None) -> None:
    """Send realistic payment requests (a merchant/PG stand-in) and print each answer."""
    from dashboard.sim.merchant import parse_rate, run

    try:
        per_second = parse_rate(rate)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--rate") from exc
    try:
        failures = run(url, token, line_id, per_second, count, click.echo, seed=seed)
    except KeyboardInterrupt:
        failures = 0
    if failures:
        raise click.ClickException(f"{failures} request(s) failed")


@main.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--line", "line_id", type=int, required=True, help="Line id to import into.")
@click.option("--mapping", default=None, help='JSON {"raw header": "field"} when the headers are not recognised.')
@click.option("--json", "as_json", is_flag=True, help='Print {"added", "duplicates"} or {"errors": [...]}.')
def import_cmd(file: str, line_id: int, mapping: str | None, as_json: bool) -> None:
    """Import a carrier history file (CSV/XLSX): every row or none (exit 1, nothing written)."""
    from dashboard.services import imports, maintenance

    settings = load_settings()
    with _store() as store:
        owner = maintenance.line_owner(store, line_id)  # the operator's command: the owner's mappings apply
        if owner is None:
            _import_failed([imports.Problem(0, "import.err.cli_line", {"line_id": line_id})], as_json)
        chosen = _mapping(mapping)
        if mapping and not isinstance(chosen, dict):
            _import_failed([imports.Problem(0, "import.err.cli_mapping")], as_json)
        path = Path(file)
        try:
            reading = imports.read_file(store, owner, path.read_bytes(), path.name, chosen, settings.import_max_bytes)
            summary = imports.commit(store, settings, owner, line_id, reading, path.name, channel="cli")
        except imports.ImportRefused as refused:
            _import_failed(refused.errors, as_json, refused)
    if as_json:
        click.echo(json.dumps(summary.as_dict()))
    else:
        click.echo(f"가져오기 완료: 추가 {summary.added:,}건, 중복 {summary.duplicates:,}건 "
                   f"(imported: {summary.added:,} added, {summary.duplicates:,} duplicates)")


def _mapping(text: str | None) -> object:
    try:
        return json.loads(text) if text else None
    except ValueError:
        return None


def _import_failed(errors: list[Problem], as_json: bool, refused: ImportRefused | None = None) -> NoReturn:
    """Print why nothing was imported (JSON on stdout, or readable on stderr) and exit 1."""
    from dashboard.services.imports import errors_json

    reading = refused.reading if refused and refused.kind == "mapping" else None
    columns = reading.parsed.columns if reading else None
    if as_json:
        body: dict = {"errors": errors_json(errors)}
        if columns is not None:
            body["columns"] = columns
        click.echo(json.dumps(body, ensure_ascii=False))
        sys.exit(1)
    lines = ["가져오지 못했습니다. 아무것도 저장하지 않았습니다 (nothing imported):"]
    lines += [f"  {f'{e.row}행' if e.row else '파일'}: {e.message}" for e in errors]
    if columns is not None:
        lines.append("  열 (columns): " + ", ".join(columns))
        lines.append('  --mapping \'{"열 이름": "occurred_at", ...}\' 로 지정해 주세요 (see --help).')
    click.echo("\n".join(lines), err=True)
    sys.exit(1)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8050, show_default=True, type=int)
@click.option("--debug", is_flag=True)
def serve(host: str, port: int, debug: bool) -> None:
    """Serve the app (development server; use gunicorn in production, see README)."""
    from dashboard.app import create_app
    from dashboard.services import maintenance

    app = create_app()
    maintenance.upgrade_database(app.server.extensions["microbill_store"])
    click.echo(f"Microbill on http://{host}:{port}")
    from dashboard.web.security import QuietRequestHandler  # no Werkzeug/Python versions in `Server`

    app.run(host=host, port=port, debug=debug, request_handler=QuietRequestHandler)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8050, show_default=True, type=int)
@click.pass_context
def demo(ctx: click.Context, host: str, port: int) -> None:
    """Seed the demo data and serve it."""
    _seed_and_print(None)
    ctx.invoke(serve, host=host, port=port, debug=False)


if __name__ == "__main__":
    sys.exit(main())
