"""Accounts: creating users, checking passwords, slowing down guessing, instance settings.

Functions here add and flush; the caller commits.  Passwords are hashed with
Werkzeug's scrypt.  Failed logins are counted in the database, per account and
per address, so several app processes enforce one limit.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from quiz.models import AppSetting, LoginAttempt, User

MIN_PASSWORD_LENGTH = 8
FAILURE_WINDOW = timedelta(minutes=15)
MAX_FAILURES_PER_ACCOUNT = 5
MAX_FAILURES_PER_ADDRESS = 20
REGISTRATION_OPEN = "registration_open"


class AccountError(ValueError):
    """A request about accounts that cannot be granted; the message says why."""


def has_accounts(session: Session) -> bool:
    """Whether anybody can log in yet (else the instance still needs its set-up)."""
    return session.scalar(select(func.count()).select_from(User).where(User.password_hash.is_not(None))) > 0


def validate_password(password: str) -> None:
    """Raise AccountError when a password is too weak to accept."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"The password needs at least {MIN_PASSWORD_LENGTH} characters.")


def set_password(user: User, password: str) -> None:
    """Hash and store a new password."""
    validate_password(password)
    user.password_hash = generate_password_hash(password)


def create_user(session: Session, name: str, password: str, *, admin: bool = False) -> User:
    """Create an account.

    The first account of an instance becomes its admin.  If the instance still
    has the built-in local user (no password, holding whatever ``make run``
    loaded), the first account takes it over, decks and progress included.
    """
    name = name.strip()
    if not name or len(name) > 80:
        raise AccountError("Choose a user name of 1 to 80 characters.")
    validate_password(password)
    first = not has_accounts(session)
    taken = session.scalar(select(User).where(User.name == name))
    if taken is not None and taken.password_hash is not None:
        raise AccountError(f"The name {name!r} is taken.")
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


def authenticate(session: Session, name: str, password: str, address: str, now: datetime) -> User:
    """Return the user whose name and password these are.

    Raises:
        AccountError: wrong name or password (the same message for both), or too
            many recent failures for this account or from this address.
    """
    if is_rate_limited(session, name, address, now):
        raise AccountError("Too many failed attempts. Wait a few minutes and try again.")
    user = session.scalar(select(User).where(User.name == name.strip()))
    if user is None or user.password_hash is None or not check_password_hash(user.password_hash, password):
        session.add(LoginAttempt(username=name.strip()[:80], address=address[:64], attempted_at=now))
        session.flush()
        raise AccountError("Wrong user name or password.")
    session.execute(delete(LoginAttempt).where(LoginAttempt.username == user.name))
    return user


def is_rate_limited(session: Session, name: str, address: str, now: datetime) -> bool:
    """Whether logins for this account, or from this address, are paused after repeated failures."""
    since = now - FAILURE_WINDOW
    recent = select(func.count()).select_from(LoginAttempt).where(LoginAttempt.attempted_at >= since)
    per_account = session.scalar(recent.where(LoginAttempt.username == name.strip()[:80]))
    per_address = session.scalar(recent.where(LoginAttempt.address == address[:64]))
    return per_account >= MAX_FAILURES_PER_ACCOUNT or per_address >= MAX_FAILURES_PER_ADDRESS


def change_password(user: User, old: str, new: str) -> None:
    """Replace a user's password after checking the current one."""
    if user.password_hash is None or not check_password_hash(user.password_hash, old):
        raise AccountError("The current password is wrong.")
    set_password(user, new)


def registration_open(session: Session) -> bool:
    """Whether new people may register (open until an admin closes it)."""
    setting = session.get(AppSetting, REGISTRATION_OPEN)
    return setting is None or setting.value == "1"


def set_registration_open(session: Session, is_open: bool) -> None:
    """Open or close registration for the whole instance."""
    setting = session.get(AppSetting, REGISTRATION_OPEN)
    if setting is None:
        session.add(AppSetting(key=REGISTRATION_OPEN, value="1" if is_open else "0"))
    else:
        setting.value = "1" if is_open else "0"
    session.flush()
