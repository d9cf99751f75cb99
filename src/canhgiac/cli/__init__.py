"""The `canhgiac` command line: one Typer app, each command group in its own module."""

from __future__ import annotations

import importlib

import typer

app = typer.Typer(
    name="canhgiac",
    help="Cảnh Giác — phòng, chống lừa đảo và thông tin xấu độc trên không gian mạng.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)

# Each module exposes `register(app: typer.Typer) -> None`; a module that is not there yet is skipped.
_COMMAND_MODULES = (
    "canhgiac.cli.setup",
    "canhgiac.cli.scan",
    "canhgiac.cli.ingest",
    "canhgiac.cli.sources",
    "canhgiac.cli.worker",
    "canhgiac.cli.cases",
    "canhgiac.cli.actions",
    "canhgiac.cli.plan",
    "canhgiac.cli.ops",
    "canhgiac.cli.webhooks",
)


def _register_all() -> None:
    for name in _COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:
                continue
            raise
        module.register(app)


_register_all()


def main() -> None:
    """Console-script entry point."""
    app()
