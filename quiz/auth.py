"""Accounts in the browser: first-run set-up, register, log in and out, password, registration switch."""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

from flask import Blueprint, Flask, abort, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import LoginManager, current_user, login_user, logout_user
from werkzeug.wrappers import Response

from quiz import accounts
from quiz.forms import AccountForm, EmptyForm, LoginForm, PasswordChangeForm, RegistrationForm
from quiz.models import User, db, now_utc

bp = Blueprint("auth", __name__)
login_manager = LoginManager()
# Pages anyone may open without an account.
PUBLIC_ENDPOINTS = {"auth.setup", "auth.login", "auth.register", "static", "favicon"}


def init_app(app: Flask) -> None:
    """Register the blueprint and Flask-Login, and require an account everywhere else."""
    login_manager.init_app(app)
    app.register_blueprint(bp)
    app.before_request(require_login)


@login_manager.user_loader
def load_user(user_id: str) -> User | None:
    user = db.session.get(User, int(user_id)) if user_id.isdigit() else None
    return user if user is not None and user.is_active else None


def require_login() -> Response | None:
    """Send a fresh instance to its set-up page and everybody else to the login page."""
    if request.endpoint in PUBLIC_ENDPOINTS:
        return None
    if current_user.is_authenticated:
        g.user = current_user._get_current_object()
        return None
    if not accounts.has_accounts(db.session):
        return redirect(url_for("auth.setup"))
    return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))


def safe_next(target: str | None) -> str:
    """Follow ``next`` only to a path on this site; anything else goes to today's page.

    A browser drops tabs and line breaks from an address and reads ``\\`` as
    ``/``, so ``/\\r\\n//evil.example`` or ``/\\evil.example`` would lead to another
    host: a target with a space, a control or non-printing character or a
    backslash is refused, and so is one whose path, percent-decoded, holds
    one or starts with ``//``.
    """
    if not target or len(target) > 2000 or "\\" in target or not target.isprintable() or " " in target:
        return url_for("quiz.today")
    decoded = target.partition("?")[0].partition("#")[0]  # the path: its query may encode anything
    for _round in range(3):  # %252F%252F… decodes in steps
        decoded = unquote(decoded)
    if not decoded.isprintable() or "\\" in decoded:
        return url_for("quiz.today")
    parts = urlsplit(target)
    local = not parts.scheme and not parts.netloc
    if local and target.startswith("/") and not decoded.startswith("//"):
        return target
    return url_for("quiz.today")


def client_address() -> str:
    return request.remote_addr or "unknown"


def _account_page(setup: bool) -> str | Response:
    """Create an account from the form and log it in, or show the form with what was wrong."""
    form = AccountForm()
    if form.validate_on_submit():
        try:
            user = accounts.create_user(db.session, form.name.data, form.password.data)
        except accounts.AccountError as exc:
            form.name.errors = [*form.name.errors, str(exc)]
        else:
            db.session.commit()
            login_user(user)
            if setup:
                flash(_("Welcome! Your account is the admin of this Wengu."))
            return redirect(url_for("quiz.today"))
    return render_template("auth/account.html", form=form, setup=setup)


@bp.route("/setup", methods=("GET", "POST"))
def setup() -> str | Response:
    """The first visit of a fresh instance: create its first account, which becomes admin."""
    if accounts.has_accounts(db.session):
        return redirect(url_for("auth.login"))
    return _account_page(setup=True)


@bp.route("/register", methods=("GET", "POST"))
def register() -> str | tuple[str, int] | Response:
    """Create an account, while the admin keeps registration open."""
    if not accounts.has_accounts(db.session):
        return redirect(url_for("auth.setup"))
    if not accounts.registration_open(db.session):
        return render_template("auth/closed.html"), 403
    return _account_page(setup=False)


@bp.route("/login", methods=("GET", "POST"))
def login() -> tuple[str, int] | Response:
    """Log in with name and password; repeated failures pause logins for the account and the address."""
    if not accounts.has_accounts(db.session):
        return redirect(url_for("auth.setup"))
    form = LoginForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
    status = 200
    if form.validate_on_submit():
        try:
            user = accounts.authenticate(
                db.session, form.name.data, form.password.data, client_address(), now_utc()
            )
        except accounts.AccountError as exc:
            db.session.commit()  # keep the failed attempt: it counts towards the limit
            form.password.errors = [str(exc)]
            limited = accounts.is_rate_limited(db.session, form.name.data, client_address(), now_utc())
            status = 429 if limited else 401
        else:
            db.session.commit()
            login_user(user)
            return redirect(safe_next(form.next.data))
    return render_template(
        "auth/login.html", form=form, can_register=accounts.registration_open(db.session)
    ), status


@bp.post("/logout")
def logout() -> Response:
    """Log out (a POST with a CSRF token, so no other site can log you out)."""
    if not EmptyForm().validate_on_submit():
        abort(400)
    logout_user()
    return redirect(url_for("auth.login"))


@bp.route("/account", methods=("GET", "POST"))
def account() -> str | Response:
    """Change one's password; the admin also opens or closes registration here."""
    user: User = g.user
    form = PasswordChangeForm(prefix="pw")
    registration = RegistrationForm(prefix="reg")
    if request.method == "POST" and "pw-current" in request.form and form.validate_on_submit():
        try:
            accounts.change_password(user, form.current.data, form.password.data)
        except accounts.AccountError as exc:
            form.current.errors = [str(exc)]
        else:
            db.session.commit()
            flash(_("Password changed."))
            return redirect(url_for("auth.account"))
    elif request.method == "POST" and "reg-csrf_token" in request.form:
        if not user.is_admin:
            abort(403)
        if registration.validate_on_submit():
            accounts.set_registration_open(db.session, bool(registration.open.data))
            db.session.commit()
            flash(_("Registration is open.") if registration.open.data else _("Registration is closed."))
            return redirect(url_for("auth.account"))
    if request.method == "GET":
        registration.open.data = accounts.registration_open(db.session)
    return render_template("auth/manage.html", form=form, registration=registration, user=user)
