"""`canhgiac webhook`: add, list and disable the signed webhooks that receive case events."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from canhgiac.cli.common import db_session, fail, handles_errors, print_records

__all__ = ["register"]

webhook_app = typer.Typer(
    help="Webhook ký HMAC nhận sự kiện vụ việc / Signed webhooks for case events.",
    no_args_is_help=True,
)

WEBHOOK_COLUMNS = ["id", "url", "events", "active", "created_at"]


@webhook_app.command("add")
@handles_errors
def webhook_add(
    url: Annotated[str, typer.Option("--url", help="Địa chỉ nhận http(s) / receiver URL")],
    events: Annotated[
        str,
        typer.Option(
            "--events",
            help="Sự kiện, phân tách bằng dấu phẩy / comma-separated events: * | case.* | "
            "case.created, case.<state>, case.overdue",
        ),
    ],
    secret_stdin: Annotated[
        bool,
        typer.Option(
            "--secret-stdin",
            help="Đọc khoá bí mật (≥ 16 ký tự) từ stdin, nếu không sẽ tạo và in ra một lần / "
            "read the secret from stdin, else one is generated and printed once",
        ),
    ] = False,
) -> None:
    """Thêm webhook / Add a webhook (signed with X-CanhGiac-Signature)."""
    import secrets

    from canhgiac.services import notifications

    if secret_stdin:
        secret = sys.stdin.readline().rstrip("\r\n")
        if not secret:
            fail("chưa có khoá bí mật trên stdin / no secret on stdin")
    else:
        secret = secrets.token_urlsafe(32)
    with db_session() as session:
        hook = notifications.create_webhook(session, "cli", url=url, secret=secret, events=events)
        typer.echo(f"added webhook #{hook.id} {hook.url} events {hook.events}")
    if not secret_stdin:
        typer.echo(f"khoá bí mật / secret: {secret}")


@webhook_app.command("list")
@handles_errors
def webhook_list(
    fmt: Annotated[str, typer.Option("--format", help="table|jsonl")] = "table",
    active_only: Annotated[
        bool, typer.Option("--active", help="Chỉ webhook đang bật / active ones only")
    ] = False,
) -> None:
    """Liệt kê webhook (không in khoá bí mật) / List webhooks (secrets never shown)."""
    from canhgiac.services import notifications

    if fmt not in ("table", "jsonl"):
        fail(f"unknown format {fmt!r} (use jsonl or table)")
    with db_session() as session:
        records = [
            {"id": h.id, "url": h.url, "events": h.events, "active": h.active,
             "created_at": h.created_at}
            for h in notifications.list_webhooks(session, "cli", include_inactive=not active_only)
        ]  # fmt: skip
    print_records(records, fmt, WEBHOOK_COLUMNS)


@webhook_app.command("remove")
@handles_errors
def webhook_remove(
    webhook_id: Annotated[int, typer.Argument(metavar="ID", help="Mã webhook / webhook id")],
) -> None:
    """Tắt webhook, giữ lịch sử / Disable a webhook (its row and audit trail are kept)."""
    from canhgiac.services import notifications

    with db_session() as session:
        hook, changed = notifications.disable_webhook(session, "cli", webhook_id)
    if changed:
        typer.echo(f"disabled webhook #{hook.id}")
    else:
        typer.echo(f"webhook #{hook.id} was already disabled")


def register(app: typer.Typer) -> None:
    """Add `webhook` to the command line."""
    app.add_typer(webhook_app, name="webhook")
