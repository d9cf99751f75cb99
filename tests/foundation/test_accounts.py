"""Accounts, passwords, lock-out and API tokens."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from canhgiac.db.base import utcnow
from canhgiac.db.models import User
from canhgiac.errors import AuthenticationFailed, Conflict, NotFound, ValidationFailed
from canhgiac.services import accounts
from tests.helpers import PASSWORD


@pytest.mark.parametrize(
    ("field", "kwargs", "error"),
    [
        ("email", {"email": "not-an-email"}, ValidationFailed),
        ("role", {"role": "king"}, ValidationFailed),
        ("unit", {"unit_code": "NOPE"}, NotFound),
        ("password", {"password": "short"}, ValidationFailed),
        ("password", {"password": "aaaaaaaaaaaa"}, ValidationFailed),
        ("name", {"name": "  "}, ValidationFailed),
    ],
)
def test_bad_account_fields_change_nothing(
    seeded: Session, field: str, kwargs: dict, error: type
) -> None:
    args = {
        "email": "a@b.vn",
        "name": "A",
        "unit_code": "CA",
        "role": "viewer",
        "password": PASSWORD,
    }
    args.update(kwargs)
    with pytest.raises(error) as info:
        accounts.create_user(seeded, None, **args)
    assert info.value.field == field
    seeded.rollback()
    assert seeded.scalar(select(func.count()).select_from(User)) == 0


def test_duplicate_email_conflicts(make_user, seeded: Session) -> None:  # type: ignore[no-untyped-def]
    make_user("viewer", "CA", email="x@ca.vn")
    with pytest.raises(Conflict):
        accounts.create_user(
            seeded,
            None,
            email="X@CA.vn",
            name="B",
            unit_code="CA",
            role="viewer",
            password=PASSWORD,
        )


def test_password_is_argon2id_hashed(make_user) -> None:  # type: ignore[no-untyped-def]
    user = make_user("viewer")
    assert user.password_hash.startswith("$argon2id$")
    assert PASSWORD not in user.password_hash


def test_lockout_after_repeated_failures(make_user, seeded: Session) -> None:  # type: ignore[no-untyped-def]
    user = make_user("investigator", "CA")
    for _ in range(3):
        with pytest.raises(AuthenticationFailed):
            accounts.authenticate(seeded, user.email, "wrong-password!", max_failures=3)
    seeded.commit()
    with pytest.raises(AuthenticationFailed, match="tạm khóa"):
        accounts.authenticate(seeded, user.email, PASSWORD, max_failures=3)
    later = utcnow() + timedelta(minutes=16)
    assert accounts.authenticate(seeded, user.email, PASSWORD, now=later).id == user.id


def test_token_round_trip_expiry_and_revocation(make_user, seeded: Session) -> None:  # type: ignore[no-untyped-def]
    user = make_user("coordinator")
    secret, token = accounts.create_token(seeded, None, user, expires_days=1)
    seeded.commit()
    assert token.token_hash != secret and secret not in token.token_hash
    assert accounts.user_for_token(seeded, secret) == user
    assert accounts.user_for_token(seeded, secret, now=utcnow() + timedelta(days=2)) is None
    accounts.revoke_token(seeded, None, token.id)
    assert accounts.user_for_token(seeded, secret) is None
    assert accounts.user_for_token(seeded, "cg_forged") is None


def test_token_use_is_recorded_once_a_minute(make_user, seeded: Session) -> None:  # type: ignore[no-untyped-def]
    user = make_user("coordinator", "VHTT")
    secret, token = accounts.create_token(seeded, None, user)
    start = utcnow()
    assert accounts.token_for(seeded, secret, now=start) is not None
    assert token.last_used_at == start
    # A client polling every second writes the token's row once a minute, not every time.
    accounts.token_for(seeded, secret, now=start + timedelta(seconds=30))
    assert token.last_used_at == start
    later = start + accounts.TOKEN_USE_RESOLUTION
    accounts.token_for(seeded, secret, now=later)
    assert token.last_used_at == later


def test_token_scopes_are_validated_and_enforced(make_user, seeded: Session) -> None:  # type: ignore[no-untyped-def]
    user = make_user("coordinator")
    with pytest.raises(ValidationFailed):
        accounts.create_token(seeded, None, user, scopes="root")
    _, feeds = accounts.create_token(seeded, None, user, scopes="feeds")
    _, read = accounts.create_token(seeded, None, user, scopes="read")
    _, full = accounts.create_token(seeded, None, user)
    assert accounts.token_allows(feeds, "GET", "/api/v1/feeds/rpz")
    assert not accounts.token_allows(feeds, "GET", "/api/v1/cases")
    assert accounts.token_allows(read, "GET", "/api/v1/cases")
    assert not accounts.token_allows(read, "POST", "/api/v1/cases")
    assert accounts.token_allows(full, "POST", "/api/v1/cases")
