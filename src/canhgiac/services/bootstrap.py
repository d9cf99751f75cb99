"""First-run set-up: migrate, seed units and defaults, load the plan and demo data, first administrator."""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from canhgiac.db import migrate
from canhgiac.db.session import session_scope
from canhgiac.services import accounts, units

log = logging.getLogger(__name__)

ADMIN_EMAIL = "admin@canhgiac.local"

# Seeders other parts of the platform contribute: "module:function" taking (session) or
# (session, demo=bool). A module not present yet is skipped, so the foundation runs alone.
SEEDERS: tuple[str, ...] = (
    "canhgiac.services.routing:seed_defaults",
    "canhgiac.services.plan:seed_default_plan",
    "canhgiac.services.recipients:seed_recipients",
    "canhgiac.services.claims_kb:seed_claims",
)


@dataclass(frozen=True)
class InitResult:
    """What `init` did."""

    units_added: int
    admin_email: str | None
    admin_password: str | None
    demo_accounts: list[tuple[str, str, str]]  # (e-mail, role, password), only when just created


def _resolve(spec: str) -> Callable[..., object] | None:
    module_name, func_name = spec.split(":")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name == module_name:
            return None
        raise
    func: Callable[..., object] = getattr(module, func_name)
    return func


def run_seeders(session: Session, specs: tuple[str, ...]) -> None:
    """Run each available seeder in order."""
    for spec in specs:
        func = _resolve(spec)
        if func is not None:
            func(session)


def initialise(
    engine: Engine, *, demo: bool = False, admin_password: str | None = None
) -> InitResult:
    """Create or upgrade the database and seed it; safe to run again."""
    migrate.upgrade(engine)
    with session_scope(engine) as session:
        added = units.seed_units(session)
        run_seeders(session, SEEDERS)
    admin_email = admin_pw = None
    with session_scope(engine) as session:
        if accounts.count_users(session) == 0:
            admin_pw = admin_password or accounts.generate_password()
            accounts.create_user(
                session,
                None,
                email=ADMIN_EMAIL,
                name="Quản trị hệ thống",
                unit_code=units.coordinator_unit(session).code,
                role="administrator",
                password=admin_pw,
            )
            admin_email = ADMIN_EMAIL
    demo_accounts: list[tuple[str, str, str]] = []
    if demo:
        from canhgiac.services.demo import load_demo

        with session_scope(engine) as session:
            demo_accounts = [(a.email, a.role, pw) for a, pw in load_demo(session)]
    return InitResult(
        units_added=added,
        admin_email=admin_email,
        admin_password=admin_pw,
        demo_accounts=demo_accounts,
    )
