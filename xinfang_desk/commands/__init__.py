"""Command-line commands, one module per concern; each module has ``register(subparsers)``."""

from xinfang_desk.commands import (
    export_commands,
    ledger_commands,
    office_commands,
    trust_commands,
    user_commands,
)

COMMAND_MODULES = [ledger_commands, export_commands, office_commands, user_commands, trust_commands]
