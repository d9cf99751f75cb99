"""`canhgiac ingest sms|eml`: bulk intake of operators' CSV exports and forwarded e-mails."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from canhgiac.cli.common import db_session, fail, handles_errors
from canhgiac.settings import get_settings

ingest_app = typer.Typer(help="Nhập dữ liệu hàng loạt / Bulk intake.", no_args_is_help=True)

MAX_EML_FILES = 10_000


def _rejected_path(source: Path) -> Path:
    """FILE.rejected.csv next to the input, or in the data directory when that is read-only."""
    beside = source.with_name(source.name + ".rejected.csv")
    if source.parent.exists() and _writable(source.parent):
        return beside
    folder = get_settings().data_dir / "rejected"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / beside.name


def _writable(folder: Path) -> bool:
    import os

    return os.access(folder, os.W_OK)


@ingest_app.command("sms")
@handles_errors
def ingest_sms(
    file: Annotated[Path, typer.Argument(help="Tệp CSV của nhà mạng / operator's CSV export")],
    source: Annotated[str, typer.Option("--source", help="Tên nguồn, vd. Viettel")],
    column: Annotated[str | None, typer.Option(help="Cột nội dung (mặc định: tự nhận)")] = None,
    sender_column: Annotated[str | None, typer.Option(help="Cột số gửi")] = None,
    time_column: Annotated[str | None, typer.Option(help="Cột thời gian")] = None,
) -> None:
    """Nhập tệp CSV tin nhắn rác/lừa đảo / Import an SMS complaint CSV."""
    from canhgiac.ingest.evidence import EvidenceStore
    from canhgiac.ingest.sms_csv import rejected_csv
    from canhgiac.services import intake

    if not file.is_file():
        fail(f"không có tệp {file}")
    data = file.read_bytes()
    settings = get_settings()
    with db_session() as session:
        result = intake.import_sms_csv(
            session, EvidenceStore(settings.evidence_dir), data, filename=file.name,
            source_name=source, column=column, sender_column=sender_column,
            time_column=time_column, actor="cli",
        )  # fmt: skip
    typer.echo(result.summary())
    if result.rejected:
        target = _rejected_path(file)
        target.write_text(rejected_csv(result.rejected), encoding="utf-8")
        typer.echo(f"rejected rows: {target}")


@ingest_app.command("eml")
@handles_errors
def ingest_eml(
    path: Annotated[Path, typer.Argument(help="Tệp .eml hoặc thư mục / .eml file or folder")],
) -> None:
    """Nhập e-mail được chuyển tiếp / Import forwarded e-mails (file or folder)."""
    from canhgiac.ingest.evidence import EvidenceStore
    from canhgiac.ingest.sms_csv import rejected_csv
    from canhgiac.services import intake

    if path.is_dir():
        paths = sorted(p for p in path.rglob("*.eml") if p.is_file())
    elif path.is_file():
        paths = [path]
    else:
        fail(f"không có tệp hoặc thư mục {path}")
    if len(paths) > MAX_EML_FILES:
        fail(f"quá {MAX_EML_FILES} tệp .eml; hãy chia nhỏ thư mục")
    settings = get_settings()
    files = [(str(p.relative_to(path)) if path.is_dir() else p.name, p.read_bytes()) for p in paths]
    with db_session() as session:
        result = intake.import_eml_files(
            session, EvidenceStore(settings.evidence_dir), files, actor="cli"
        )
    typer.echo(result.summary())
    if result.rejected:
        target = _rejected_path(path)
        target.write_text(rejected_csv(result.rejected), encoding="utf-8")
        typer.echo(f"rejected files: {target}")


def register(app: typer.Typer) -> None:
    """Add the `ingest` command group."""
    app.add_typer(ingest_app, name="ingest")
