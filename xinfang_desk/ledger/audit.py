"""The audit log: who saw, changed, exported or printed what, and when; its action codes declared once.

A full export (unmasked ID and phone numbers) concerns many cases at once; recording it as a case
event would raise every case's revision and make the office see a "newer" version of each.  So it
goes to the ledger-level ``audit_log`` table instead, with the acting user, the time and what left.
Settings changes, user administration, sign-ins and the program's own findings go there too.  Every
entry is sealed into the hash chain (``ledger.chain``) with the case events.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from xinfang_desk.ledger.errors import ValidationError
from xinfang_desk.ledger.vocab import EventKind

if TYPE_CHECKING:
    from xinfang_desk.ledger.models import AuditEntry

# -- personal data leaving the ledger or shown --------------------------------------------------------
EXPORT_FULL = EventKind.EXPORT_FULL.value
EXPORT_MASKED = "export_masked"
EXPORT_OFFICE = "export_office"
EXPORT_AUDIT = "export_audit"
PRINT_DOCUMENTS = "print_documents"
#: Someone pressed 显示 to read a petitioner's unmasked ID number or phone.
REVEAL_PERSONAL_DATA = "reveal_personal_data"
# -- many cases in at once ----------------------------------------------------------------------------------
IMPORT_LEDGER = "import_ledger"
MERGE_LEDGER = "merge_ledger"
# -- settings ---------------------------------------------------------------------------------------------
SAVE_SETTINGS = "save_settings"
ADD_DEPARTMENT = "add_department"
SET_DEPARTMENT_ACTIVE = "set_department_active"
ADD_CATEGORY = "add_category"
SAVE_CATEGORY = "save_category"
# -- users and signing in ---------------------------------------------------------------------------------
CREATE_ADMIN = "create_admin"
ADD_USER = "add_user"
RESET_PASSWORD = "reset_password"
CHANGE_PASSWORD = "change_password"
SET_USER_ACTIVE = "set_user_active"
ISSUE_TOKEN = "issue_token"
LOGIN = "login"
LOGIN_FAILED = "login_failed"
# -- the program's own findings ---------------------------------------------------------------------------
GUARDS_RESTORED = "guards_restored"

BACKUP_LEDGER = "backup_ledger"
RESTORE_LEDGER = "restore_ledger"

CALENDAR_IMPORT = "calendar_import"
CALENDAR_SET = "calendar_set"
CALENDAR_REMOVE = "calendar_remove"

#: What the audit page shows for each code.
ACTION_LABELS: dict[str, str] = {
    EXPORT_FULL: "完整导出（含个人信息）",
    EXPORT_MASKED: "脱敏导出",
    EXPORT_OFFICE: "导出全校汇总台账",
    EXPORT_AUDIT: "导出审计日志",
    PRINT_DOCUMENTS: "打印文书",
    REVEAL_PERSONAL_DATA: "查看完整个人信息",
    IMPORT_LEDGER: "导入原有台账",
    MERGE_LEDGER: "合并各单位台账",
    SAVE_SETTINGS: "修改设置",
    ADD_DEPARTMENT: "添加承办单位",
    SET_DEPARTMENT_ACTIVE: "启用/停用承办单位",
    ADD_CATEGORY: "添加类别",
    SAVE_CATEGORY: "修改类别",
    CREATE_ADMIN: "创建管理员",
    ADD_USER: "添加用户",
    RESET_PASSWORD: "重置密码",
    CHANGE_PASSWORD: "修改密码",
    SET_USER_ACTIVE: "启用/停用用户",
    ISSUE_TOKEN: "签发脚本令牌",
    LOGIN: "登录",
    LOGIN_FAILED: "登录失败",
    GUARDS_RESTORED: "发现并恢复被删除的保护触发器",
    BACKUP_LEDGER: "备份台账",
    RESTORE_LEDGER: "从备份恢复台账",
    CALENDAR_IMPORT: "按通知录入节假日",
    CALENDAR_SET: "录入一天的节假日安排",
    CALENDAR_REMOVE: "撤销节假日录入",
}


def action_label(code: str) -> str:
    return ACTION_LABELS.get(code, code)


def require_actor(actor: str) -> str:
    """The acting user's name, refusing an empty one."""
    actor = (actor or "").strip()
    if not actor:
        raise ValidationError("未指明操作人。")
    return actor


def record_audit(
    session: Session,
    actor: str,
    action: str,
    detail: dict[str, Any],
    *,
    clock: Callable[[], datetime] = datetime.now,
) -> AuditEntry:
    """Append one entry to the audit log (the caller's session commits; the chain seals it then)."""
    # the ORM classes load with the first entry, not with the action codes every start-up reads
    from xinfang_desk.ledger.models import AuditEntry

    entry = AuditEntry(
        at=clock().replace(microsecond=0), actor=require_actor(actor), action=action, detail=detail
    )
    session.add(entry)
    session.flush()
    return entry
