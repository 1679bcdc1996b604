"""Command-line commands, one module per concern; each module has ``register(subparsers)``."""

from xinfang_desk.commands import calendar_commands, export_commands, ledger_commands, office_commands

COMMAND_MODULES = [ledger_commands, export_commands, office_commands, calendar_commands]
