"""Command-line commands, one module per concern; each module has ``register(subparsers)``.

``COMMANDS`` names every command's module and one-line help, so that the command line lists the
commands (``--help``) and answers ``--version`` without importing them: only the module of the
command given is imported, with the ledger and whatever its work needs (``cli.build_parser``).
"""

from __future__ import annotations

#: Each command: the module (in this package) that registers and runs it, and its one-line help.
COMMANDS: dict[str, tuple[str, str]] = {
    "init": ("ledger_commands", "创建新的台账"),
    "demo": ("ledger_commands", "创建演示台账（含示例案件）"),
    "stats": ("ledger_commands", "统计数据（受理量、办结率、满意度等）"),
    "cases": ("ledger_commands", "列出符合条件的案件"),
    "case": ("case_commands", "案件：登记、查看和办理各步骤（供脚本使用）"),
    "export-ledger": ("export_commands", "导出 Excel 信访台账（含统计表和交换信息）"),
    "slip": ("export_commands", "打印交办单、督办单或告知书（PDF）"),
    "merge": ("office_commands", "合并各单位导出的台账（信访与督办室）"),
    "export-office": ("office_commands", "导出全校汇总台账（含各单位统计）"),
    "import-ledger": ("office_commands", "导入本单位原有的 Excel 台账（连同办理过程）"),
    "calendar": ("calendar_commands", "节假日安排：导入国务院通知、录入单日、查看某年"),
    "deadline": ("calendar_commands", "计算期限：先印日期，再说明理由（顺延、估算）"),
    "users": ("user_commands", "用户管理（管理员）"),
    "passwd": ("user_commands", "修改自己的密码"),
    "verify": ("trust_commands", "核验台账历史记录是否被篡改（哈希链、办理步骤、保护触发器）"),
    "audit": ("trust_commands", "查看或导出审计日志（管理员、单位负责人）"),
    "backup": ("backup_commands", "备份台账（一致的副本，含附件；仅本人可读）"),
    "restore": ("backup_commands", "用备份文件恢复台账（先备份被替换的台账）"),
    "migrate-to": ("transfer_commands", "把台账完整复制到另一个空数据库（如 PostgreSQL 服务器）并核对"),
    "server-role": (
        "transfer_commands",
        "输出 SQL：为服务器上的台账建立不能修改、删除历史记录的数据库账号（供办理人员使用）",
    ),
}


def command_help(name: str) -> str:
    """The one-line help of command ``name`` (as ``--help`` lists it)."""
    return COMMANDS[name][1]
