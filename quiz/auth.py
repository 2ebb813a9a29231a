"""Accounts in the browser: set-up, register, log in and out, password, sessions, registration switch.

A session is Flask's signed cookie.  It holds "user id:session token" (``User.get_id``) and
``seen``, when the server last saw it (Unix seconds, rewritten at most once a minute).  The server
refuses a session whose token is no longer the account's (logout, password change and "log out
everywhere" give the account a new token) or that has been idle longer than SESSION_IDLE_MINUTES.
"""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import LoginManager, current_user, login_user, logout_user
from sqlalchemy.exc import IntegrityError
from werkzeug.wrappers import Response

from quiz import accounts
from quiz.forms import (
    AccountForm,
    AccountSearchForm,
    LoginForm,
    PasswordChangeForm,
    RegistrationForm,
)
from quiz.i18n import LocalizedError, LocalizedText
from quiz.models import User, db, now_utc

bp = Blueprint("auth", __name__)
login_manager = LoginManager()
# Pages anyone may open without an account.
PUBLIC_ENDPOINTS = {"auth.setup", "auth.login", "auth.register", "static", "favicon"}
# Files served without looking at the session at all.
STATIC_ENDPOINTS = {"static", "favicon"}
# The session's last-seen time is rewritten at most this often (seconds), not on every request.
SEEN_RESOLUTION = 60
ACCOUNTS_LISTED = 100


def init_app(app: Flask) -> None:
    """Register the blueprint and Flask-Login, and require an account everywhere else."""
    login_manager.init_app(app)
    accounts.dummy_hash()  # made now, so that the first unknown name costs no more than later ones
    app.register_blueprint(bp)
    app.before_request(require_login)


@login_manager.user_loader
def load_user(session_id: str) -> User | None:
    """The user of a session id "user id:token", if the account still has that token (else no one)."""
    user_id, _sep, token = session_id.partition(":")
    valid = user_id.isdigit() and len(user_id) <= 9 and token
    user = db.session.get(User, int(user_id)) if valid else None
    if user is None or not user.is_active or not accounts.session_token_matches(user, token):
        return None
    return user


def start_session(user: User) -> None:
    """Log ``user`` in on this browser; the quiz in progress stays unless it was another account's."""
    previous = str(session.get("_user_id", "")).partition(":")[0]
    if previous and previous != str(user.id):
        session.clear()
    login_user(user)
    session["seen"] = int(now_utc().timestamp())


def end_session() -> None:
    """Forget everything this browser's session holds."""
    session.clear()
    logout_user()


def check_idle_session() -> None:
    """End a logged-in session idle longer than SESSION_IDLE_MINUTES; else note that it was seen now."""
    if "_user_id" not in session:
        return
    now = int(now_utc().timestamp())
    seen = session.get("seen")
    idle_limit = 60 * current_app.config["SESSION_IDLE_MINUTES"]
    if not isinstance(seen, int) or now - seen > idle_limit:
        end_session()
    elif now - seen >= SEEN_RESOLUTION:
        session["seen"] = now


def require_login() -> Response | None:
    """End stale sessions; send a fresh instance to its set-up page and everybody else to the login page."""
    if request.endpoint in STATIC_ENDPOINTS:
        return None
    check_idle_session()
    if current_user.is_authenticated:
        g.user = current_user._get_current_object()
        return None
    if "_user_id" in session:
        end_session()  # its account ended it: drop what it held
    if request.endpoint in PUBLIC_ENDPOINTS:
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


def error_text(exc: LocalizedError | LocalizedText) -> str:
    """A core error's message (an account's, an upload's, a backup's) in the user's language.

    A value that is itself a `LocalizedText` is translated first.
    """
    params = {
        name: error_text(value) if isinstance(value, LocalizedText) else value
        for name, value in exc.params.items()
    }
    return _(exc.template, **params)


def _account_page(setup: bool) -> str | Response:
    """Create an account from the form and log it in, or show the form with what was wrong."""
    form = AccountForm()
    if form.validate_on_submit():
        try:
            user = accounts.create_user(db.session, form.name.data, form.password.data)
            db.session.commit()
        except accounts.AccountError as exc:
            db.session.rollback()
            form.name.errors = [*form.name.errors, error_text(exc)]
        except IntegrityError:
            # The same name sent twice at once (a double click): the other request created it.
            db.session.rollback()
            message = accounts.N_("The name %(name)s is taken.")
            taken = accounts.AccountError(message, name=repr(form.name.data))
            form.name.errors = [*form.name.errors, error_text(taken)]
        else:
            start_session(user)
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
            db.session.rollback()
            form.password.errors = [error_text(exc)]
            status = 429 if isinstance(exc, accounts.RateLimited) else 401
        else:
            db.session.commit()
            start_session(user)
            return redirect(safe_next(form.next.data))
    return render_template(
        "auth/login.html", form=form, can_register=accounts.registration_open(db.session)
    ), status


@bp.post("/logout")
def logout() -> Response:
    """Log out everywhere: every session of the account ends, copies of this cookie included.

    A POST with a CSRF token, so no other site can log you out.
    """
    accounts.end_all_sessions(g.user)
    db.session.commit()
    end_session()
    return redirect(url_for("auth.login"))


@bp.post("/account/<int:user_id>/logout-everywhere")
def logout_everywhere(user_id: int) -> Response:
    """End every session of an account: one's own, or (for the admin) anybody's."""
    me: User = g.user
    target = db.session.get(User, user_id)  # the route's <int:> stops ids past the database's range
    if target is None or (target.id != me.id and not me.is_admin):
        abort(404)
    accounts.end_all_sessions(target)
    db.session.commit()
    if target.id == me.id:
        end_session()
        return redirect(url_for("auth.login"))
    flash(_("%(name)s is logged out everywhere.", name=target.name))
    return redirect(url_for("auth.account"))


@bp.route("/account", methods=("GET", "POST"))
def account() -> str | Response:
    """Change one's password (which ends one's other sessions); the admin also opens or closes
    registration and logs accounts out everywhere here."""
    user: User = g.user
    form = PasswordChangeForm(prefix="pw")
    registration = RegistrationForm(prefix="reg")
    if request.method == "POST" and "pw-current" in request.form and form.validate_on_submit():
        try:
            accounts.change_password(
                db.session, user, form.current.data, form.password.data, client_address(), now_utc()
            )
        except accounts.AccountError as exc:
            db.session.commit()  # keep the failed attempt: it counts towards the limit
            checked = isinstance(exc, accounts.WrongPassword | accounts.RateLimited)
            (form.current if checked else form.password).errors = [error_text(exc)]
        else:
            db.session.commit()
            start_session(user)  # this browser goes on with the new token; every other session has ended
            flash(_("Password changed. You are logged out everywhere else."))
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
    search = AccountSearchForm(request.args, meta={"csrf": False})
    listed = []
    if user.is_admin:
        starting = search.q.data if search.validate() and search.q.data else ""
        listed = accounts.list_accounts(db.session, starting, ACCOUNTS_LISTED)
    return render_template(
        "auth/manage.html",
        form=form,
        registration=registration,
        user=user,
        search=search,
        listed=listed,
        listed_max=ACCOUNTS_LISTED,
    )
