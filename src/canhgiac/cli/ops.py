"""Operations: backup and restore, and a reporter's data on request (export, delete, retention)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from canhgiac.cli.common import db_session, handles_errors
from canhgiac.settings import get_settings

data_app = typer.Typer(
    help="Dữ liệu cá nhân của người phản ánh / A reporter's personal data.", no_args_is_help=True
)


@handles_errors
def backup_cmd(
    out: Annotated[Path, typer.Option("--out", help="Tệp .tar.gz đích / archive to write")],
) -> None:
    """Sao lưu CSDL, kho chứng cứ và mã băm / Back up database, evidence store and hashes."""
    from canhgiac.services.backup import create_backup

    manifest = create_backup(get_settings(), out)
    typer.echo(
        f"ok: {out} ({manifest.database}, revision {manifest.revision}, "
        f"{manifest.evidence_count} evidence files, {len(manifest.files)} files hashed)"
    )


@handles_errors
def restore_cmd(
    archive: Annotated[Path, typer.Argument(help="Tệp sao lưu .tar.gz / backup archive")],
    force: Annotated[
        bool, typer.Option("--force", help="Ghi đè dữ liệu hiện có / overwrite existing data")
    ] = False,
) -> None:
    """Khôi phục từ bản sao lưu (kiểm tra mọi mã băm) / Restore a backup after checking hashes."""
    from canhgiac.services.backup import restore_backup

    if not archive.is_file():
        raise FileNotFoundError(f"không có tệp {archive}")
    manifest = restore_backup(get_settings(), archive, force=force)
    typer.echo(
        f"ok: restored {manifest.database} (revision {manifest.revision}, created "
        f"{manifest.created_at}), {manifest.evidence_count} evidence files verified"
    )


@data_app.command("export")
@handles_errors
def data_export(
    contact: Annotated[str, typer.Option("--contact", help="E-mail hoặc số điện thoại")],
    out: Annotated[Path, typer.Option("--out", help="Tệp JSON đích / JSON file to write")],
) -> None:
    """Xuất dữ liệu của một người phản ánh / Export a reporter's data (Decree 13/2023)."""
    from canhgiac.services.data_subject import export_reporter_data

    with db_session() as session:
        data = export_reporter_data(session, "cli", contact)
    out.write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    out.chmod(0o600)
    typer.echo(f"ok: {len(data['reports'])} reports written to {out}")


@data_app.command("delete")
@handles_errors
def data_delete(
    contact: Annotated[str, typer.Option("--contact", help="E-mail hoặc số điện thoại")],
) -> None:
    """Xóa thông tin liên hệ của một người phản ánh / Delete a reporter's contact data."""
    from canhgiac.services.data_subject import delete_reporter_data

    with db_session() as session:
        codes = delete_reporter_data(session, "cli", contact)
    typer.echo(f"ok: contact removed from {len(codes)} reports" +
               (f" ({', '.join(codes)})" if codes else ""))  # fmt: skip


@data_app.command("retention")
@handles_errors
def data_retention() -> None:
    """Xóa ngay thông tin liên hệ đã hết hạn lưu giữ / Run the contact retention now."""
    from canhgiac.services.personal_data import purge_expired_contacts

    settings = get_settings()
    total = 0
    while True:  # the service purges one batch per call
        with db_session() as session:
            purged = purge_expired_contacts(session, retention_days=settings.contact_retention_days)
        total += purged
        if not purged:
            break
    typer.echo(f"ok: {total} expired contacts deleted")


def register(app: typer.Typer) -> None:
    """Add the operations commands to the main app."""
    app.command("backup")(backup_cmd)
    app.command("restore")(restore_cmd)
    app.add_typer(data_app, name="data")
