"""Command-line commands, one module per concern; each module has ``register(subparsers)``."""

from xinfang_desk.commands import (
    backup_commands,
    calendar_commands,
    case_commands,
    export_commands,
    ledger_commands,
    office_commands,
    transfer_commands,
    trust_commands,
    user_commands,
)

COMMAND_MODULES = [
    ledger_commands,
    case_commands,
    export_commands,
    office_commands,
    calendar_commands,
    user_commands,
    trust_commands,
    backup_commands,
    transfer_commands,
]
