"""People and credentials: accounts, Argon2id passwords, login lock-out, API tokens."""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from canhgiac.db.base import utcnow
from canhgiac.db.models import ApiToken, Unit, User
from canhgiac.db.models.org import ROLES
from canhgiac.errors import AuthenticationFailed, Conflict, NotFound, ValidationFailed
from canhgiac.i18n import N_
from canhgiac.services import audit

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MIN_PASSWORD_LENGTH = 10
TOKEN_PREFIX = "cg_"  # noqa: S105 (a public prefix, not a secret)
# Verified against when the e-mail is unknown, so a login takes the same time either way.
_DUMMY_HASH = _hasher.hash("not-a-real-password")


def hash_password(password: str) -> str:
    """An Argon2id hash."""
    return _hasher.hash(password)


def check_password_policy(password: str) -> None:
    """Raise ValidationFailed unless the password is long enough and not trivial."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationFailed(
            f"Mật khẩu phải có ít nhất {MIN_PASSWORD_LENGTH} ký tự.", field="password"
        )
    if len(set(password)) < 4:
        raise ValidationFailed(N_("Mật khẩu quá đơn giản."), field="password")


def generate_password() -> str:
    """A random password that passes the policy."""
    return secrets.token_urlsafe(12)


def normalise_email(email: str) -> str:
    """Lower-cased, trimmed e-mail; ValidationFailed if it is not one."""
    email = email.strip().lower()
    if not _EMAIL_RE.match(email) or len(email) > 255:
        raise ValidationFailed(f"Địa chỉ e-mail không hợp lệ: {email!r}.", field="email")
    return email


def get_user(session: Session, email: str) -> User:
    """The user with this e-mail, or NotFound."""
    user = session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        raise NotFound(f"Không tìm thấy người dùng '{email}'.", field="email")
    return user


def create_user(
    session: Session,
    actor: User | str | None,
    *,
    email: str,
    name: str,
    unit_code: str,
    role: str,
    password: str,
    locale: str = "vi",
) -> User:
    """Create an account after checking every field."""
    email = normalise_email(email)
    if role not in ROLES:
        raise ValidationFailed(
            f"Vai trò không hợp lệ: {role!r} (chọn một trong: {', '.join(ROLES)}).", field="role"
        )
    if not name.strip():
        raise ValidationFailed(N_("Họ tên không được để trống."), field="name")
    unit = session.scalar(select(Unit).where(Unit.code == unit_code))
    if unit is None:
        raise NotFound(f"Không tìm thấy đơn vị có mã '{unit_code}'.", field="unit")
    check_password_policy(password)
    if session.scalar(select(User.id).where(User.email == email)) is not None:
        raise Conflict(f"Đã có tài khoản với e-mail {email}.", field="email")
    user = User(
        email=email,
        name=name.strip(),
        unit_id=unit.id,
        role=role,
        password_hash=hash_password(password),
        locale=locale if locale in ("vi", "en") else "vi",
        password_changed_at=utcnow(),
    )
    session.add(user)
    session.flush()
    audit.record(
        session, actor, "user.create", "user", user.id,
        {"email": email, "role": role, "unit": unit.code},
    )  # fmt: skip
    return user


def count_users(session: Session) -> int:
    """How many accounts exist."""
    return int(session.scalar(select(func.count()).select_from(User)) or 0)


def authenticate(
    session: Session,
    email: str,
    password: str,
    *,
    max_failures: int = 5,
    lockout: timedelta = timedelta(minutes=15),
    now: datetime | None = None,
) -> User:
    """The user if the password is right and the account is usable; AuthenticationFailed otherwise."""
    now = now or utcnow()
    user = session.scalar(select(User).where(User.email == email.strip().lower()))
    if user is None:
        _verify(_DUMMY_HASH, password)
        raise AuthenticationFailed(N_("E-mail hoặc mật khẩu không đúng."))
    if user.locked_until is not None and user.locked_until > now:
        raise AuthenticationFailed(
            N_("Tài khoản tạm khóa do đăng nhập sai nhiều lần. Thử lại sau.")
        )
    if not _verify(user.password_hash, password) or not user.is_active:
        user.failed_logins += 1
        if user.failed_logins >= max_failures:
            user.locked_until = now + lockout
            user.failed_logins = 0
            audit.record(session, None, "user.locked", "user", user.id, {"email": user.email})
        raise AuthenticationFailed(N_("E-mail hoặc mật khẩu không đúng."))
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def change_password(session: Session, user: User, current: str, new: str) -> None:
    """Change a user's own password after checking the current one."""
    if not _verify(user.password_hash, current):
        raise AuthenticationFailed(N_("Mật khẩu hiện tại không đúng."))
    check_password_policy(new)
    user.password_hash = hash_password(new)
    user.password_changed_at = utcnow()
    audit.record(session, user, "user.password_change", "user", user.id, {})


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(
    session: Session,
    actor: User | None,
    user: User,
    *,
    name: str = "",
    expires_days: int | None = 90,
    scopes: str = "*",
) -> tuple[str, ApiToken]:
    """A new API token: the secret is returned once, only its hash is stored."""
    if expires_days is not None and expires_days <= 0:
        raise ValidationFailed(N_("Số ngày hết hạn phải lớn hơn 0."), field="expires_days")
    if not scopes or any(s.strip() not in TOKEN_SCOPES for s in scopes.split(",")):
        raise ValidationFailed(
            f"Phạm vi không hợp lệ: {scopes!r} (chọn: {', '.join(TOKEN_SCOPES)}).", field="scopes"
        )
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user_id=user.id,
        name=name,
        prefix=secret[:10],
        token_hash=_token_hash(secret),
        scopes=scopes,
        expires_at=utcnow() + timedelta(days=expires_days) if expires_days else None,
    )
    session.add(token)
    session.flush()
    audit.record(
        session, actor, "token.create", "api_token", token.id,
        {"user": user.email, "prefix": token.prefix, "expires_days": expires_days},
    )  # fmt: skip
    return secret, token


def revoke_token(session: Session, actor: User | None, token_id: int) -> ApiToken:
    """Revoke a token so it no longer authenticates."""
    token = session.get(ApiToken, token_id)
    if token is None:
        raise NotFound(f"Không tìm thấy mã truy cập #{token_id}.")
    token.revoked_at = utcnow()
    audit.record(session, actor, "token.revoke", "api_token", token.id, {"prefix": token.prefix})
    return token


TOKEN_SCOPES = ("*", "read", "feeds")


TOKEN_USE_RESOLUTION = timedelta(minutes=1)


def token_for(session: Session, secret: str, *, now: datetime | None = None) -> ApiToken | None:
    """The usable token behind a bearer secret (its user active), or None; records its use."""
    if not secret.startswith(TOKEN_PREFIX):
        return None
    now = now or utcnow()
    token = session.scalar(select(ApiToken).where(ApiToken.token_hash == _token_hash(secret)))
    if token is None or token.revoked_at is not None:
        return None
    if token.expires_at is not None and token.expires_at <= now:
        return None
    if not token.user.is_active:
        return None
    # A minute's resolution: a client polling with one token does not write (and lock the
    # token's row, and wait for a commit's fsync) on every request.
    last = token.last_used_at
    if last is None or now - last >= TOKEN_USE_RESOLUTION:
        token.last_used_at = now
    return token


def token_allows(token: ApiToken, method: str, path: str) -> bool:
    """Scopes: "*" anything; "read" safe methods only; "feeds" only the block-list feeds."""
    scopes = {s.strip() for s in token.scopes.split(",") if s.strip()}
    if "*" in scopes:
        return True
    if "feeds" in scopes and path.startswith("/api/v1/feeds/") and method in ("GET", "HEAD"):
        return True
    return "read" in scopes and method in ("GET", "HEAD", "OPTIONS")


def user_for_token(session: Session, secret: str, *, now: datetime | None = None) -> User | None:
    """The active user behind a bearer token, or None if unknown, revoked or expired."""
    token = token_for(session, secret, now=now)
    return token.user if token is not None else None


def set_active(session: Session, actor: User | None, user_id: int) -> User:
    """Lock or unlock an account (an administrator cannot lock their own)."""
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"Không tìm thấy người dùng #{user_id}.")
    if actor is not None and actor.id == user.id:
        raise ValidationFailed(N_("Không thể tự khóa tài khoản của mình."))
    user.is_active = not user.is_active
    action = "user.unlock" if user.is_active else "user.lock"
    audit.record(session, actor, action, "user", user.id, {"email": user.email})
    return user
