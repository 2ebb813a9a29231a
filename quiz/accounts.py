"""Accounts: creating users, checking passwords, slowing down guessing, ending sessions, instance settings.

Functions here add and flush; the caller commits, except ``authenticate``, which
commits the attempt it counts before it looks at the password.  Passwords are
hashed with Werkzeug's scrypt.  Login attempts are counted in the database, per
(account, address) and per address, so several app processes enforce one limit.

Messages are English templates marked with ``N_`` for the translation catalogue;
``AccountError.template`` and ``.params`` let a page show them in the user's
language (``gettext(exc.template, **exc.params)``), ``str(exc)`` gives the English.
"""

from __future__ import annotations

import hmac
import ipaddress
import unicodedata
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from quiz.i18n import N_, LocalizedError
from quiz.models import AppSetting, LoginAttempt, User, new_session_token, user_name_key

MIN_PASSWORD_LENGTH = 8
MAX_NAME_LENGTH = 80
FAILURE_WINDOW = timedelta(minutes=15)
# Attempts (the one being made included) allowed in FAILURE_WINDOW for one account from one address...
MAX_FAILURES_PER_ACCOUNT = 5
# ...and from one address (an IPv6 /64 counts as one address) for all accounts together.
MAX_FAILURES_PER_ADDRESS = 20
REGISTRATION_OPEN = "registration_open"
COMMON_PASSWORDS_FILE = Path(__file__).with_name("common_passwords.txt")
# Unicode categories refused in user names: control, format (bidi controls among them), surrogate,
# private use, unassigned, line and paragraph separators.
REFUSED_NAME_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})


class AccountError(LocalizedError):
    """A request about accounts that cannot be granted; the message says why (see `quiz.i18n`)."""


class WrongPassword(AccountError):
    """The current password given to confirm a change is not the account's."""


class RateLimited(AccountError):
    """Too many recent attempts for this account from this address, or from this address."""


def has_accounts(session: Session) -> bool:
    """Whether anybody can log in yet (else the instance still needs its set-up)."""
    return session.scalar(select(func.count()).select_from(User).where(User.password_hash.is_not(None))) > 0


@cache
def common_passwords() -> frozenset[str]:
    """The shipped list of common passwords (lowercase), read once."""
    lines = COMMON_PASSWORDS_FILE.read_text(encoding="utf-8").splitlines()
    return frozenset(line for line in lines if line and line != "#" and not line.startswith("# "))


def validate_password(password: str) -> None:
    """Raise AccountError when a password is too weak to accept: short, blank or common."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(N_("The password needs at least %(count)s characters."), count=MIN_PASSWORD_LENGTH)
    if not password.strip():
        raise AccountError(N_("The password cannot be only spaces."))
    folded = unicodedata.normalize("NFKC", password).casefold()
    if folded in common_passwords() or password.lower() in common_passwords():
        raise AccountError(N_("This password is one of the most common ones: choose another."))


def normalize_user_name(name: str) -> str:
    """Return the name as stored (NFKC, trimmed), or raise AccountError for a name that cannot be one.

    Refused: empty or longer than MAX_NAME_LENGTH, or holding control, format
    (bidi controls included), private-use, unassigned or separator characters.
    """
    name = unicodedata.normalize("NFKC", name).strip()
    if not name or len(name) > MAX_NAME_LENGTH:
        raise AccountError(N_("Choose a user name of 1 to %(max)s characters."), max=MAX_NAME_LENGTH)
    if any(unicodedata.category(char) in REFUSED_NAME_CATEGORIES for char in name):
        raise AccountError(N_("A user name cannot contain control, formatting or direction characters."))
    return name


def find_user(session: Session, name: str) -> User | None:
    """The user whose name is ``name`` regardless of case and width (see ``user_name_key``)."""
    return session.scalar(select(User).where(User.name_key == user_name_key(name)))


def set_password(user: User, password: str) -> None:
    """Hash and store a new password; the account's sessions end (a new session token)."""
    validate_password(password)
    user.password_hash = generate_password_hash(password)
    end_all_sessions(user)


def create_user(session: Session, name: str, password: str, *, admin: bool = False) -> User:
    """Create an account.

    The first account of an instance becomes its admin.  If the instance still
    has the built-in local user (no password, holding whatever ``make run``
    loaded), the first account takes it over, decks and progress included.
    """
    name = normalize_user_name(name)
    validate_password(password)
    first = not has_accounts(session)
    taken = find_user(session, name)
    if taken is not None and taken.password_hash is not None:
        raise AccountError(N_("The name %(name)s is taken."), name=repr(taken.name))
    user = taken
    if user is None and first:
        user = session.scalar(select(User).where(User.password_hash.is_(None)).order_by(User.id))
    if user is None:
        user = User(name=name)
        session.add(user)
    user.name = name
    user.is_admin = admin or first
    set_password(user, password)
    session.flush()
    return user


@cache
def dummy_hash() -> str:
    """A hash made like real ones (same method and scrypt parameters) that no password matches."""
    return generate_password_hash(new_session_token())


def address_key(address: str) -> str:
    """The address login attempts are counted by: IPv4 as it is, IPv6 by its /64 network.

    One IPv6 host usually holds a whole /64, so counting single IPv6 addresses would not limit it.
    """
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address[:64]
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((ip, 64), strict=False))
    return str(ip)


def authenticate(session: Session, name: str, password: str, address: str, now: datetime) -> User:
    """Return the user whose name and password these are.

    The attempt is recorded and committed first, then the attempts in the
    window are counted with it included: of any number of simultaneous
    guesses, at most the limit get their password checked.  An unknown name
    costs one scrypt check too (against a dummy hash), like a known one.  A
    success removes its own record and the earlier failures of this account
    from this address; failures from other addresses stay counted against those.

    Raises:
        RateLimited: too many attempts for this account from this address, or from this address.
        AccountError: wrong name or password (the same message for both).
    """
    key = user_name_key(name)[:80]
    where = address_key(address)
    since = now - FAILURE_WINDOW
    # Old attempts of this account and this address are of no more use.
    session.execute(
        delete(LoginAttempt).where(LoginAttempt.username == key, LoginAttempt.attempted_at < since)
    )
    session.execute(
        delete(LoginAttempt).where(LoginAttempt.address == where, LoginAttempt.attempted_at < since)
    )
    session.add(LoginAttempt(username=key, address=where, attempted_at=now))
    session.commit()
    if is_rate_limited(session, name, address, now):
        raise RateLimited(N_("Too many failed attempts. Wait a few minutes and try again."))
    user = find_user(session, name)
    stored = user.password_hash if user is not None else None
    matches = check_password_hash(stored or dummy_hash(), password)
    if user is None or stored is None or not matches:
        raise AccountError(N_("Wrong user name or password."))
    session.execute(delete(LoginAttempt).where(LoginAttempt.username == key, LoginAttempt.address == where))
    return user


def is_rate_limited(session: Session, name: str, address: str, now: datetime) -> bool:
    """Whether the recorded attempts in the window exceed the limit for this account from this address,
    or for this address."""
    recent = (
        select(func.count())
        .select_from(LoginAttempt)
        .where(
            LoginAttempt.attempted_at >= now - FAILURE_WINDOW, LoginAttempt.address == address_key(address)
        )
    )
    per_account = session.scalar(recent.where(LoginAttempt.username == user_name_key(name)[:80]))
    per_address = session.scalar(recent)
    return per_account > MAX_FAILURES_PER_ACCOUNT or per_address > MAX_FAILURES_PER_ADDRESS


def change_password(session: Session, user: User, old: str, new: str, address: str, now: datetime) -> None:
    """Replace a user's password after checking the current one; every session of the account ends.

    The check of the current password is a login attempt (see ``authenticate``): it counts towards
    the same limits, so a stolen session cannot be used to guess the password and take the account.
    The new password is judged first, so a weak one costs no attempt.

    Raises:
        RateLimited: too many attempts for this account from this address, or from this address.
        WrongPassword: the current password is wrong.
        AccountError: the new password is refused.
    """
    validate_password(new)
    try:
        authenticate(session, user.name, old, address, now)
    except RateLimited:
        raise
    except AccountError:
        raise WrongPassword(N_("The current password is wrong.")) from None
    set_password(user, new)


def end_all_sessions(user: User) -> None:
    """End every session of the account, on every device: their cookies carry the old token."""
    user.session_token = new_session_token()


def session_token_matches(user: User, token: str) -> bool:
    """Whether a session made with ``token`` is still one of the user's live sessions."""
    return user.session_token is not None and hmac.compare_digest(user.session_token, token)


def list_accounts(session: Session, starting: str = "", limit: int = 100) -> list[User]:
    """Accounts (with a password) by name, those whose name starts with ``starting`` (any case)."""
    query = select(User).where(User.password_hash.is_not(None)).order_by(User.name_key).limit(limit)
    if starting.strip():
        query = query.where(User.name_key.startswith(user_name_key(starting), autoescape=True))
    return list(session.scalars(query))


def registration_open(session: Session) -> bool:
    """Whether new people may register: only once an admin has opened it (closed by default)."""
    setting = session.get(AppSetting, REGISTRATION_OPEN)
    return setting is not None and setting.value == "1"


def set_registration_open(session: Session, is_open: bool) -> None:
    """Open or close registration for the whole instance."""
    setting = session.get(AppSetting, REGISTRATION_OPEN)
    if setting is None:
        session.add(AppSetting(key=REGISTRATION_OPEN, value="1" if is_open else "0"))
    else:
        setting.value = "1" if is_open else "0"
    session.flush()
