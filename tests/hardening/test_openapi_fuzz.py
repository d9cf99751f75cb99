"""Schemathesis against the OpenAPI spec: no operation answers 5xx, signed in or not.

Schemathesis' own pytest plugin does not run under pytest 9, so the operations are taken from
the schema and each one's case strategy is driven by Hypothesis here.
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from sqlalchemy.orm import Session

from canhgiac.services import accounts
from canhgiac.web.app import create_app

EXAMPLES_PER_OPERATION = 10
PUBLIC_PREFIXES = ("/api/v1/public/", "/api/v1/reports", "/healthz", "/api/docs")


@pytest.fixture
def api_app(settings, engine, seeded: Session) -> Any:  # type: ignore[no-untyped-def]
    from canhgiac.web.ui import auth

    auth.login_limiter.reset()
    return create_app(settings, engine)


@pytest.fixture
def admin_bearer(make_user, seeded: Session) -> dict[str, str]:  # type: ignore[no-untyped-def]
    admin = make_user("administrator", "VHTT")
    secret, _ = accounts.create_token(seeded, None, admin, name="fuzz")
    seeded.commit()
    return {"Authorization": f"Bearer {secret}"}


def _fuzz(app: Any, headers: dict[str, str], examples: int, anonymous: bool) -> list[str]:
    schema = schemathesis.openapi.from_asgi("/api/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 10, "the OpenAPI spec lost its operations"
    problems: list[str] = []
    for operation in operations:
        _run_operation(operation, headers, examples, anonymous, problems)
    return problems


def _run_operation(
    operation: Any, headers: dict[str, str], examples: int, anonymous: bool, problems: list[str]
) -> None:
    from canhgiac.web.api import reports

    @settings(max_examples=examples, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))  # fmt: skip
    @given(case=operation.as_strategy())
    def run(case: Any) -> None:
        reports.per_ip_limiter.reset()
        reports.global_limiter.reset()
        where = f"{operation.method.upper()} {case.formatted_path}"
        try:
            response = case.call(headers=headers)
        except Exception as exc:  # the app raised instead of answering: a 500 for the client
            problems.append(f"{where}: raised {type(exc).__name__}: {str(exc)[:200]}")
            return
        if response.status_code >= 500:
            problems.append(f"{where}: {response.status_code} {response.text[:300]}")
        elif (
            anonymous
            and not operation.path.startswith(PUBLIC_PREFIXES)
            and response.status_code not in (401, 403, 404, 405, 422)  # 403: CSRF refused first
        ):
            problems.append(f"{where}: anonymous got {response.status_code}")

    run()


def test_no_5xx_as_administrator(api_app: Any, admin_bearer: dict[str, str]) -> None:
    problems = _fuzz(api_app, admin_bearer, EXAMPLES_PER_OPERATION, anonymous=False)
    assert problems == [], "\n".join(sorted(set(problems))[:40])


def test_no_5xx_and_no_entry_anonymous(api_app: Any) -> None:
    problems = _fuzz(api_app, {}, EXAMPLES_PER_OPERATION // 2, anonymous=True)
    assert problems == [], "\n".join(sorted(set(problems))[:40])
