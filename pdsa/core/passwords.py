"""Passwords: hashed with Argon2id (argon2-cffi), never stored or logged in clear."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

MIN_LENGTH = 10
_hasher = PasswordHasher()


def check_password(password: str) -> None:
    """A password long enough to resist guessing; the message never repeats it."""
    if len(password or "") < MIN_LENGTH:
        raise ValueError(f"password: use at least {MIN_LENGTH} characters")


def hash_password(password: str) -> str:
    check_password(password)
    return _hasher.hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    if not stored_hash:
        return False
    try:
        return _hasher.verify(stored_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


# Failed sign-ins: after FREE_TRIES failures each try waits twice as long as the last, up to
# MAX_WAIT_SECONDS.
FREE_TRIES = 5
MAX_WAIT_SECONDS = 15 * 60


def wait_after_failures(failures: int) -> float:
    """Seconds a new try must wait after the last failure (0 while under FREE_TRIES)."""
    if failures < FREE_TRIES:
        return 0.0
    return float(min(2 ** (failures - FREE_TRIES), MAX_WAIT_SECONDS))
