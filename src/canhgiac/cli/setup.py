"""Set-up and administration: init, serve, db, users, tokens, units, audit."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from canhgiac.cli.common import db_session, engine, fail, handles_errors, print_records
from canhgiac.settings import get_settings

db_app = typer.Typer(help="Cơ sở dữ liệu / Database schema.", no_args_is_help=True)
user_app = typer.Typer(help="Tài khoản / User accounts.", no_args_is_help=True)
token_app = typer.Typer(help="Mã truy cập API / API tokens.", no_args_is_help=True)
units_app = typer.Typer(help="Đơn vị / Units.", no_args_is_help=True)
audit_app = typer.Typer(help="Nhật ký kiểm toán / Audit log.", no_args_is_help=True)


@handles_errors
def init_cmd(
    demo: Annotated[
        bool, typer.Option("--demo", help="Nạp dữ liệu minh họa / load demo data")
    ] = False,
) -> None:
    """Tạo/cập nhật CSDL, nạp đơn vị và kế hoạch, tạo quản trị viên đầu tiên / Initialise."""
    from canhgiac.services.bootstrap import initialise

    settings = get_settings()
    settings.effective_secret_key()  # generated into the data directory on first run
    result = initialise(engine(), demo=demo)
    typer.echo(f"Dữ liệu / data: {settings.data_dir.resolve()}")
    if result.admin_email:
        typer.echo("Tài khoản quản trị (chỉ hiển thị một lần) / administrator (shown once):")
        typer.echo(f"  e-mail:   {result.admin_email}")
        typer.echo(f"  mật khẩu: {result.admin_password}")
        typer.echo(f"  địa chỉ:  {settings.base_url}/dang-nhap")
    else:
        typer.echo("CSDL đã sẵn sàng / database up to date.")
    if result.demo_accounts:
        typer.echo("Tài khoản minh họa (chỉ hiển thị một lần) / demo accounts (shown once):")
        for email, role, password in result.demo_accounts:
            typer.echo(f"  {role:<13} {email:<24} {password}")


def serve_cmd(
    host: Annotated[str | None, typer.Option(help="Địa chỉ / bind address")] = None,
    port: Annotated[int | None, typer.Option(help="Cổng / port")] = None,
    workers: Annotated[int, typer.Option(help="Số tiến trình web / web processes")] = 1,
    access_log: Annotated[
        bool | None,
        typer.Option(
            "--access-log/--no-access-log",
            help="Ghi nhật ký từng yêu cầu / log every request (default: CANHGIAC_ACCESS_LOG)",
        ),
    ] = None,
) -> None:
    """Chạy máy chủ web / Serve the web application."""
    import uvicorn

    settings = get_settings()
    uvicorn.run(
        "canhgiac.web.app:create_app",
        factory=True,
        host=host or settings.host,
        port=port or settings.port,
        workers=workers,
        proxy_headers=True,
        log_level="info",
        access_log=settings.access_log if access_log is None else access_log,
    )


@db_app.command("upgrade")
@handles_errors
def db_upgrade() -> None:
    """Đưa CSDL lên phiên bản mới nhất / Apply migrations."""
    from canhgiac.db import migrate

    eng = engine()
    migrate.upgrade(eng)
    typer.echo(f"database at revision {migrate.current_revision(eng)}")


@db_app.command("check")
@handles_errors
def db_check() -> None:
    """Kiểm tra mô hình và migration khớp nhau / Fail when models and migrations disagree."""
    from canhgiac.db import migrate

    eng = engine()
    current, head = migrate.current_revision(eng), migrate.head_revision(eng)
    if current != head:
        fail(f"database at revision {current}, code expects {head}: run `canhgiac db upgrade`", 1)
    diffs = migrate.schema_differences(eng)
    if diffs:
        for diff in diffs:
            sys.stderr.write(f"  {diff}\n")
        fail(f"{len(diffs)} difference(s) between models and migrations", 1)
    typer.echo(f"ok: models match migrations at {head}")


@user_app.command("create")
@handles_errors
def user_create(
    email: Annotated[str, typer.Option(help="E-mail đăng nhập")],
    name: Annotated[str, typer.Option(help="Họ tên")],
    unit: Annotated[str, typer.Option(help="Mã đơn vị, vd. CA")],
    role: Annotated[
        str, typer.Option(help="administrator|coordinator|investigator|unit_officer|viewer")
    ],
    password_stdin: Annotated[bool, typer.Option("--password-stdin")] = False,
) -> None:
    """Tạo tài khoản / Create a user."""
    from canhgiac.services import accounts

    generated = False
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    elif sys.stdin.isatty():
        password = typer.prompt("Mật khẩu / password", hide_input=True, confirmation_prompt=True)
    else:
        password, generated = accounts.generate_password(), True
    with db_session() as session:
        user = accounts.create_user(
            session, None, email=email, name=name, unit_code=unit, role=role, password=password
        )
        typer.echo(f"created {user.email} ({user.role}, {unit})")
    if generated:
        typer.echo(f"mật khẩu / password: {password}")


@token_app.command("create")
@handles_errors
def token_create(
    user: Annotated[str, typer.Option(help="E-mail của người dùng")],
    expires_days: Annotated[int, typer.Option(help="Hết hạn sau N ngày")] = 90,
    name: Annotated[str, typer.Option(help="Tên gợi nhớ")] = "",
    scopes: Annotated[str, typer.Option(help="* | read | feeds (phân tách bằng dấu phẩy)")] = "*",
) -> None:
    """In ra một mã truy cập API mới / Print a new API token."""
    from canhgiac.services import accounts

    with db_session() as session:
        owner = accounts.get_user(session, user)
        secret, _ = accounts.create_token(
            session, None, owner, name=name, expires_days=expires_days
        )
    typer.echo(secret)


@token_app.command("revoke")
@handles_errors
def token_revoke(token_id: int) -> None:
    """Thu hồi mã truy cập / Revoke a token."""
    from canhgiac.services import accounts

    with db_session() as session:
        accounts.revoke_token(session, None, token_id)
    typer.echo(f"revoked token #{token_id}")


@units_app.command("list")
@handles_errors
def units_list(
    fmt: Annotated[str, typer.Option("--format", help="jsonl|table")] = "table",
) -> None:
    """Liệt kê đơn vị / List units."""
    from canhgiac.services import units

    if fmt not in ("jsonl", "table"):
        fail(f"unknown format {fmt!r} (use jsonl or table)")
    with db_session() as session:
        rows = [{"code": u.code, "name": u.name, "kind": u.kind} for u in units.list_units(session)]
    print_records(rows, fmt, ["code", "name", "kind"])


@units_app.command("add")
@handles_errors
def units_add(
    code: Annotated[str, typer.Option()],
    name: Annotated[str, typer.Option()],
    kind: Annotated[str, typer.Option(help="office|police|agency|commune|external")],
) -> None:
    """Thêm đơn vị / Add a unit."""
    from canhgiac.services import units

    with db_session() as session:
        unit = units.create_unit(session, None, code=code, name=name, kind=kind)
        typer.echo(f"added {unit.code}")


@audit_app.command("verify")
@handles_errors
def audit_verify() -> None:
    """Kiểm tra chuỗi băm của nhật ký / Verify the audit hash chain."""
    from canhgiac.services import audit

    with db_session() as session:
        checked, problem = audit.verify(session)
    if problem is not None:
        where = f"entry seq={problem.seq}" + (
            f" (id {problem.entry_id})" if problem.entry_id else ""
        )
        fail(f"audit chain broken at {where}: {problem.reason}", 1)
    typer.echo(f"ok: {checked} audit entries, chain intact")


def register(app: typer.Typer) -> None:
    """Add the set-up commands to the main app."""
    app.command("init")(init_cmd)
    app.command("serve")(serve_cmd)
    app.add_typer(db_app, name="db")
    app.add_typer(user_app, name="user")
    app.add_typer(token_app, name="token")
    app.add_typer(units_app, name="units")
    app.add_typer(audit_app, name="audit")
