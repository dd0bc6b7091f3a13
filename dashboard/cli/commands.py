"""`microbill` command line: database, demo, users and serving."""

from __future__ import annotations

import json
import sys

import click

from dashboard.settings import load_settings
from data.db import Store


def _store() -> Store:
    return Store(load_settings().database_url)


@click.group()
def main() -> None:
    """Microbill — 휴대폰 소액결제 대시보드."""


@main.group()
def db() -> None:
    """Database schema (Alembic migrations)."""


@db.command("upgrade")
def db_upgrade() -> None:
    """Apply all migrations."""
    from data.migrate import upgrade

    store = _store()
    upgrade(store.engine)
    click.echo("database is up to date")


@main.command("seed-demo")
@click.option("--seed", type=int, default=None, help="Random seed (default MICROBILL_DEMO_SEED).")
def seed_demo_cmd(seed: int | None) -> None:
    """Migrate, create the demo user with 3 lines of history, print its credentials."""
    _seed_and_print(seed)


def _seed_and_print(seed: int | None) -> None:
    from data.migrate import upgrade
    from data.seed import seed_demo

    settings = load_settings()
    store = Store(settings.database_url)
    upgrade(store.engine)
    with store.write() as session:
        account = seed_demo(session, seed if seed is not None else settings.demo_seed, rules=settings)
    what = "created" if account.created else "already there (password reset)"
    click.echo(f"Demo user {what}:\n  email:    {account.email}\n  password: {account.password}")


@main.command("create-user")
@click.option("--email", required=True)
@click.option("--password", required=True, prompt=True, hide_input=True)
def create_user_cmd(email: str, password: str) -> None:
    """Create a user account."""
    from data.accounts import EmailTaken, create_user

    if len(password) < 10:
        raise click.BadParameter("at least 10 characters", param_hint="--password")
    try:
        with _store().write() as session:
            user = create_user(session, email, password)
    except EmailTaken as exc:
        raise click.ClickException(f"{email} is already registered") from exc
    click.echo(json.dumps({"id": user.id, "email": user.email}))


@main.command("create-token")
@click.option("--email", required=True)
@click.option("--name", default="cli", help="A label to recognise the token by.")
def create_token_cmd(email: str, name: str) -> None:
    """Create an API bearer token for a user and print it (shown only once)."""
    from sqlalchemy import select

    from data.models import User
    from data.tokens import create_token

    with _store().write() as session:
        user = session.scalar(select(User).where(User.email == email.strip().lower()))
        if user is None:
            raise click.ClickException(f"no user {email}")
        token = create_token(session, user.id, name)
    click.echo(token)


@main.command("forecast")
@click.option("--line", "line_id", type=int, required=True)
@click.option("--as-of", "as_of", default=None, help="Date or ISO time (KST when naive); default now.")
@click.option("--json", "as_json", is_flag=True)
def forecast_cmd(line_id: int, as_of: str | None, as_json: bool) -> None:
    """Forecast a line's bill for the month containing --as-of."""
    from datetime import UTC, datetime

    from dashboard.services.forecast import forecast_line
    from dashboard.text.formatting import won
    from data.models import Line
    from data.vocab import KST

    moment = datetime.now(UTC)
    if as_of:
        try:
            moment = datetime.fromisoformat(as_of)
        except ValueError as exc:
            raise click.BadParameter("use YYYY-MM-DD or an ISO time", param_hint="--as-of") from exc
        moment = moment if moment.tzinfo else moment.replace(tzinfo=KST)
    settings = load_settings()
    with Store(settings.database_url).read() as session:
        line = session.get(Line, line_id)
        if line is None:
            raise click.ClickException(f"no line {line_id}")
        result = forecast_line(session, line, moment, settings)
    if as_json:
        click.echo(json.dumps(result.to_dict(), ensure_ascii=False))
        return
    fc = result.forecast
    click.echo(f"{fc.billing_month}: {won(fc.expected)} ({won(fc.low)}–{won(fc.high)}), "
               f"spent {won(fc.spent_to_date)}, due {result.due_date.isoformat()}")
    if fc.limit_hit_date:
        click.echo(f"limit {won(fc.limit)} likely reached on {fc.limit_hit_date.isoformat()}")


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
    from sqlalchemy import select

    from dashboard.text.formatting import mask_number
    from data.lines import create_line
    from data.models import User

    try:
        masked = mask_number(number)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--number") from exc
    limits = {k: v for k, v in (("micropayment", limit), ("content", content_limit)) if v is not None}
    with _store().write() as session:
        user = session.scalar(select(User).where(User.email == email.strip().lower()))
        if user is None:
            raise click.ClickException(f"no user {email}")
        try:
            line = create_line(session, user_id=user.id, carrier=carrier, number_masked=masked,
                               nickname=nickname, is_minor=minor, limits=limits)
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--carrier") from exc
        line_id = line.id
    click.echo(line_id)


@main.command("close-month")
@click.option("--as-of", "as_of", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Close as of this KST date (start of day); default now. For cron on the 1st, and catch-up.")
def close_month_cmd(as_of) -> None:
    """Bill every line's ended months, apply late fees and restrictions. Safe to run again or concurrently."""
    from datetime import UTC, datetime

    from data.billing import close_all
    from data.vocab import KST

    settings = load_settings()
    store = Store(settings.database_url)
    moment = as_of.replace(tzinfo=KST) if as_of else datetime.now(UTC)
    report = close_all(store, moment, settings)
    store.dispose()
    click.echo(json.dumps({"as_of": moment.isoformat(), **report}))


@main.command("deliver-notifications")
@click.option("--limit", default=100, show_default=True, type=int, help="At most this many per run.")
def deliver_notifications_cmd(limit: int) -> None:
    """Send pending alert mail and webhooks (and retry failed ones whose backoff has passed)."""
    from dashboard.alerts.delivery.outbox import deliver_pending

    settings = load_settings()
    store = Store(settings.database_url)
    report = deliver_pending(store, settings, limit=limit)
    store.dispose()
    click.echo(json.dumps({"sent": len(report.sent), "retrying": len(report.retrying), "failed": len(report.failed)}))


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
    from dashboard.services.imports import run_cli

    code, text = run_cli(load_settings(), file, line_id, mapping, as_json)
    click.echo(text, err=code != 0 and not as_json)
    sys.exit(code)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8050, show_default=True, type=int)
@click.option("--debug", is_flag=True)
def serve(host: str, port: int, debug: bool) -> None:
    """Serve the app (development server; use gunicorn in production, see README)."""
    from dashboard.app import create_app
    from data.migrate import upgrade

    app = create_app()
    upgrade(app.server.extensions["microbill_store"].engine)
    click.echo(f"Microbill on http://{host}:{port}")
    app.run(host=host, port=port, debug=debug)


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
