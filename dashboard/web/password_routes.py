"""Pre-login pages of passwords and registration: /forgot, /reset/<token>, /confirm/<token>, /confirm-resend.

Every answer is the same for a known and an unknown address. GET never changes anything (mail scanners
prefetch links): the confirmation page shows a button, the reset page a form. Mails carry absolute links on
MICROBILL_BASE_URL (never the request's Host header). The endpoints are public (added to
dashboard.web.security.PUBLIC_ENDPOINTS here); CSRF still applies to every POST.
"""

from __future__ import annotations

from flask import Blueprint, Flask, current_app, flash, redirect, render_template, request, url_for
from flask_limiter import Limiter
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField

from dashboard.context import settings, store
from dashboard.services import passwords
from dashboard.services.passwords import FieldErrors, LinkRefused
from dashboard.text.i18n import t
from dashboard.web import security
from dashboard.web.auth import client_ip, ui_lang
from data.passwords import LinkStatus

ENDPOINTS = {"passwords.forgot", "passwords.reset", "passwords.confirm", "passwords.resend"}
LINK_STATUS = {LinkStatus.INVALID: 404, LinkStatus.EXPIRED: 410}


class EmailForm(FlaskForm):
    email = EmailField()


class ResetForm(FlaskForm):
    new = PasswordField()
    repeat = PasswordField()


def links() -> passwords.Links:
    """Absolute links on the configured MICROBILL_BASE_URL, not the request's Host header: anyone can send
    /forgot a forged Host, and the owner's mail would then carry a live reset token to the forger's site
    (password-reset poisoning). The block-now links of alert mails use the same base."""
    base = settings().base_url.rstrip("/")

    def absolute(endpoint: str, **values: str) -> str:
        return base + url_for(endpoint, **values)

    return passwords.Links(
        reset=lambda token: absolute("passwords.reset", token=token),
        confirm=lambda token: absolute("passwords.confirm", token=token),
        login=absolute("auth.login"),
        forgot=absolute("passwords.forgot"),
    )


def _page(template: str, status: int = 200, **values):
    response = current_app.make_response((render_template(template, t=t, lang=ui_lang(), **values), status))
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"  # the token in the URL must not leak onwards
    return response


def forgot():
    form = EmailForm()
    if form.validate_on_submit():
        passwords.request_reset(store(), settings(), form.email.data, links(), ip=client_ip())
        return _page("forgot.html", form=form, sent=True, minutes=settings().password_reset_minutes)
    return _page("forgot.html", 400 if request.method == "POST" else 200, form=form, sent=False)


def reset(token: str):
    form = ResetForm()
    if not form.validate_on_submit():
        status = passwords.reset_link_status(store(), settings(), token)
        if status is not LinkStatus.OK:
            return _refused(status)
        return _page("reset.html", 400 if request.method == "POST" else 200, form=form, errors={})
    try:
        passwords.reset_password(store(), settings(), token, form.new.data, form.repeat.data, links(),
                                 ip=client_ip())
    except LinkRefused as refused:
        return _refused(refused.link_status)
    except FieldErrors as refused:
        return _page("reset.html", 400, form=form, errors=refused.fields)
    flash("pw.reset_done")
    return redirect(url_for("auth.login"))


def _refused(status: LinkStatus):
    return _page("error.html", LINK_STATUS.get(status, 400), code=LINK_STATUS.get(status, 400),
                 message=t(f"pw.link_{status.value}", ui_lang()),
                 action=(url_for("passwords.forgot"), t("pw.forgot_title", ui_lang())))


def confirm(token: str):
    form = FlaskForm()
    if form.validate_on_submit():
        status = passwords.confirm_email(store(), settings(), token, ip=client_ip())
        if status is LinkStatus.OK:
            flash("pw.confirm_done")
            return redirect(url_for("auth.login"))
    else:
        status = passwords.confirm_link_status(store(), settings(), token)
        if status is LinkStatus.OK:
            return _page("confirm.html", form=form)
    return _page("error.html", LINK_STATUS.get(status, 400), code=LINK_STATUS.get(status, 400),
                 message=t(f"pw.confirm_{status.value}", ui_lang()),
                 action=(url_for("auth.login"), t("auth.login", ui_lang())))


def resend():
    form = EmailForm()
    if form.validate_on_submit():
        passwords.resend_confirmation(store(), settings(), form.email.data, links())
    return _page("registered.html", form=form)


def _per_address() -> str:
    return f"account-mail:{(request.form.get('email') or '').strip().lower()}"


def init_passwords(server: Flask, limiter: Limiter) -> None:
    security.PUBLIC_ENDPOINTS.update(ENDPOINTS)
    per_ip = limiter.limit(lambda: settings().login_rate_per_ip, key_func=client_ip, methods=["POST"])
    # Per address as well: nobody can bury an inbox under reset or confirmation mail.
    per_address = limiter.limit(lambda: settings().account_mail_rate, key_func=_per_address, methods=["POST"])
    bp = Blueprint("passwords", __name__)
    bp.add_url_rule("/forgot", "forgot", per_ip(per_address(forgot)), methods=["GET", "POST"])
    bp.add_url_rule("/reset/<token>", "reset", per_ip(reset), methods=["GET", "POST"])
    bp.add_url_rule("/confirm/<token>", "confirm", per_ip(confirm), methods=["GET", "POST"])
    bp.add_url_rule("/confirm-resend", "resend", per_ip(per_address(resend)), methods=["POST"])
    server.register_blueprint(bp)
