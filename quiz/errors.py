"""Error pages and the guards that keep hostile requests from reaching the database.

One handler (:func:`error_page`) answers every 4xx and 5xx with a page in the
user's language, after rolling back the database session.  Ids in URLs are
bounded (:class:`BoundedIntConverter`), query-string numbers are parsed within
bounds (:func:`int_arg`), text holding a NUL character is refused before any
view runs (:func:`refuse_nul`), and a form sent from a page whose CSRF token is
stale goes back to that page instead of losing what was being done
(:func:`stale_form`).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from typing import NoReturn

from flask import Flask, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from markupsafe import escape
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound, default_exceptions
from werkzeug.routing import IntegerConverter, Map, ValidationError
from werkzeug.wrappers import Response

from quiz.auth import safe_next
from quiz.limits import DB_INT_MAX
from quiz.models import db

log = logging.getLogger(__name__)

# What each status means to the user: a title and one sentence.
PAGES = {
    400: (
        _l("Bad request"),
        _l("This request cannot be handled: a field is missing or holds a value it cannot take."),
    ),
    403: (_l("Not allowed"), _l("Your account may not do this.")),
    404: (_l("Not found"), _l("There is nothing here, or it belongs to another account.")),
    405: (_l("Not allowed"), _l("This address does not take that kind of request.")),
    409: (
        _l("Changed meanwhile"),
        _l("This was changed by another request at the same time. Nothing was done twice."),
    ),
    413: (_l("Too large"), _l("What was sent is larger than this Wengu accepts.")),
    429: (_l("Too many requests"), _l("Wait a little, then try again.")),
    500: (
        _l("Something went wrong"),
        _l("Nothing was saved. Try again; if it keeps happening, tell the admin of this Wengu."),
    ),
}

# Flask-WTF's reasons for a token that was once good: the page is old, not forged.
STALE_CSRF_REASONS = {
    "The CSRF token has expired.",
    "The CSRF session token is missing.",
    "The CSRF tokens do not match.",
}
# Forms on a card's page: an expired one comes back to the card, so no grade is lost.
CARD_FORMS = {"quiz.grade": True, "quiz.answer": False, "quiz.choose": False}  # endpoint -> show the answer


class BoundedIntConverter(IntegerConverter):
    """``<int:…>`` in a route: a non-negative integer no larger than :data:`DB_INT_MAX`, else 404.

    Werkzeug's own converter accepts any number of digits, and an id too large
    for the database then fails in the query (a 500); this one does not match.
    """

    regex = r"[0-9]+"  # ASCII digits only: "１" (full width) is not card 1

    def __init__(
        self, map: Map, fixed_digits: int = 0, min: int | None = 0, max: int | None = DB_INT_MAX
    ) -> None:
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=False)

    def to_python(self, value: str) -> int:
        if len(value) > len(str(DB_INT_MAX)):  # also keeps int() away from thousands of digits
            raise ValidationError()
        return super().to_python(value)


_INTEGER = re.compile(r"-?[0-9]{1,18}")


def int_arg(name: str, default: int | None, minimum: int, maximum: int, *, form: bool = False) -> int | None:
    """The query-string (or, with ``form``, form) number ``name`` if it is an integer within bounds,
    else ``default``."""
    return bounded_int((request.form if form else request.args).get(name, ""), default, minimum, maximum)


def bounded_int(raw: str, default: int | None, minimum: int, maximum: int) -> int | None:
    """``raw`` as an integer if it is one (ASCII digits, few enough) within bounds, else ``default``."""
    raw = raw.strip()
    if not _INTEGER.fullmatch(raw):
        return default
    value = int(raw)
    return value if minimum <= value <= maximum else default


def refuse(code: int, message: str) -> NoReturn:
    """Stop the request with status ``code`` and ``message`` (in the user's language) on the error page."""
    raise _explained(code, message)


def error_page_with(code: int, message: str) -> Response | HTTPException:
    """The error page of status ``code`` with ``message`` (in the user's language), for an error handler."""
    return error_page(_explained(code, message))


def _explained(code: int, message: str) -> HTTPException:
    """The HTTP error ``code`` whose page shows ``message`` (in the user's language) instead of the usual."""
    error = default_exceptions[code](message)
    error.wengu_message = True  # type: ignore[attr-defined]
    return error


def init_app(app: Flask) -> None:
    """Bound the id converter, refuse NUL text and register the error pages (before any blueprint)."""
    app.url_map.converters["int"] = BoundedIntConverter
    app.before_request(refuse_nul)
    app.register_error_handler(HTTPException, error_page)
    app.register_error_handler(CSRFError, stale_form)


def refuse_nul(*_args: object) -> None:
    """Refuse a query string or form holding a NUL character (PostgreSQL text cannot store one)."""
    fields = [*request.args.items(multi=True)]
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        fields += request.form.items(multi=True)
    if any("\x00" in key or "\x00" in value for key, value in fields):
        refuse(
            400,
            _("The request holds a NUL character (\\0), which no text here may contain. Nothing was saved."),
        )


def error_page(error: HTTPException) -> Response | HTTPException:
    """The one page for every 4xx and 5xx answer, in the user's language; the session is rolled back first.

    Redirects (routing's own, status below 400) and errors that carry a
    ready-made response pass through unchanged.
    """
    code = error.code or 500
    if code < 400 or error.response is not None:
        return error
    if isinstance(error, MethodNotAllowed) and not _address_exists(error.valid_methods or ()):
        # Werkzeug answers 405 for /import/<id too large> because another method's rule shares the path.
        error, code = NotFound(), 404
    try:
        db.session.rollback()  # a failed flush must not poison what renders the page
    except Exception:  # the database itself may be what failed
        log.exception("rollback before the error page failed")
    title, message = PAGES.get(code, (_l("Error"), _l("This request could not be handled.")))
    if getattr(error, "wengu_message", False) and error.description:
        message = error.description  # the view's own explanation, already in the user's language
    try:
        page = render_template("errors.html", code=code, title=title, message=message)
    except Exception:  # rendering needs the database (the user): fall back to plain text
        log.exception("the error page could not be rendered")
        page = f"<!doctype html><title>{code}</title><h1>{code}</h1><p>{escape(str(message))}</p>"
    response = current_app.make_response((page, code))
    for name, value in error.get_headers():
        if name.lower() != "content-type":  # e.g. Allow on a 405
            response.headers[name] = value
    return response


def _address_exists(methods: Iterable[str]) -> bool:
    """Whether this request's path is a page for one of ``methods`` (ids within bounds)."""
    adapter = current_app.url_map.bind_to_environ(request.environ)
    for method in methods:
        try:
            adapter.match(request.path, method=method)
        except NotFound:
            continue
        except HTTPException:  # a redirect or another method: the address is there
            return True
        return True
    return False


def stale_form(error: CSRFError) -> Response | HTTPException:
    """A form from an expired page goes back to that page, saying so; a missing or forged token is a 400.

    A grade, typed answer or pick goes back to the card (with its answer shown
    for a grade), so the user grades again instead of losing the grade.  Other
    forms go back to the page they were sent from.
    """
    if error.description not in STALE_CSRF_REASONS:
        return error_page(
            _explained(400, _("The form could not be checked: reload the page and send it again."))
        )
    db.session.rollback()
    endpoint = request.endpoint or ""
    view_args = request.view_args or {}
    if endpoint in CARD_FORMS and "card_id" in view_args:
        flash(_("This page had expired, so nothing was recorded: please answer or grade the card again."))
        show = {"show": 1} if CARD_FORMS[endpoint] else {}
        return redirect(url_for("quiz.card", card_id=view_args["card_id"], **show))
    flash(_("This page had expired, so nothing was saved. Please send it again."))
    return redirect(_page_sent_from())


def _page_sent_from() -> str:
    """The page a form came from: its own address when that answers GET, else the referring page here."""
    adapter = current_app.url_map.bind_to_environ(request.environ)
    try:
        adapter.match(request.path, method="GET")
        return safe_next(request.full_path.rstrip("?"))
    except HTTPException:
        pass
    referrer = request.referrer or ""
    if referrer.startswith(request.host_url):
        return safe_next("/" + referrer[len(request.host_url) :])
    return url_for("quiz.today")
