"""``verify``: name every case whose history was edited, deleted, reordered or written around the program,
and every case whose current state no longer follows from its events.

Checks, all from the stored rows: the hash chain (each row's hash and its link to the row before),
the chain's head in ``ledger_info`` (rows cut from its end), each case's steps numbered 1…revision
without a gap, and each case's status against the one its last step leaves it in.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, text

from xinfang_desk.ledger.chain import GENESIS, link, ordered_chain, read_head
from xinfang_desk.ledger.vocab import EventKind, Status

#: The status each step leaves a case in (steps not listed leave it as it was).
STATUS_AFTER: dict[str, str] = {
    EventKind.REGISTER.value: Status.REGISTERED.value,
    EventKind.ACCEPT.value: Status.ACCEPTED.value,
    EventKind.DECLINE.value: Status.DECLINED.value,
    EventKind.FORWARD.value: Status.FORWARDED.value,
    EventKind.OBJECT.value: Status.FORWARDED.value,
    EventKind.ASSIGN.value: Status.ASSIGNED.value,
    EventKind.PROGRESS.value: Status.IN_PROGRESS.value,
    EventKind.REPLY.value: Status.REPLIED.value,
    EventKind.EVALUATE.value: Status.EVALUATED.value,
    EventKind.CLOSE.value: Status.CLOSED.value,
    EventKind.REOPEN.value: Status.IN_PROGRESS.value,
}


@dataclass(frozen=True)
class Finding:
    """One thing wrong: the case it concerns ("" for the audit log or the ledger) and what, in Chinese."""

    case_no: str
    text: str

    def line(self) -> str:
        return f"案件 {self.case_no}：{self.text}" if self.case_no else self.text


def verify_ledger(connection: Connection) -> list[Finding]:
    """Everything ``verify`` finds wrong with the ledger's history (empty: intact)."""
    case_nos = {int(i): str(n) for i, n in connection.execute(text("SELECT id, case_no FROM cases"))}
    findings, chain_gap = _chain_findings(connection, case_nos)
    step_findings, steps_missing = _step_findings(connection, case_nos)
    findings += step_findings
    if chain_gap > steps_missing:
        findings.append(Finding("", f"审计日志至少有 {chain_gap - steps_missing} 条记录已被删除。"))
    unique: list[Finding] = []
    for finding in findings:
        if finding not in unique:
            unique.append(finding)
    return unique


def _where(table: str, row: dict[str, Any], case_nos: dict[int, str]) -> tuple[str, str]:
    """(case number, how the row is named) of a chained row."""
    if table == "case_events":
        case_no = case_nos.get(int(row["case_id"]), f"（编号 {row['case_id']}，已不存在）")
        try:
            kind = EventKind(row["kind"]).label
        except ValueError:
            kind = str(row["kind"])
        return case_no, f"第 {row['seq']} 步（{kind}）"
    case_no = _audit_case(row)
    return case_no, f"审计日志第 {row['id']} 条（{row['action']}，{row['at']}）"


def _audit_case(row: dict[str, Any]) -> str:
    try:
        detail = json.loads(row["detail"] or "{}")
    except (TypeError, ValueError):
        return ""
    return str(detail.get("case_no", "")) if isinstance(detail, dict) else ""


def _chain_findings(connection: Connection, case_nos: dict[int, str]) -> tuple[list[Finding], int]:
    """What the chain shows, and how many of its rows are gone."""
    findings: list[Finding] = []
    gone = 0
    prev, expected_seq = GENESIS, 1
    for table, row in ordered_chain(connection):
        case_no, name = _where(table, row, case_nos)
        if row["chain_hash"] is None:
            findings.append(Finding(case_no, f"{name}不是由本程序写入的（未纳入哈希链），可能是伪造的记录。"))
            continue
        if row["chain_seq"] > expected_seq:
            missing = int(row["chain_seq"]) - expected_seq
            gone += missing
            findings.append(
                Finding(
                    "",
                    f"哈希链中 {missing} 条记录（案件步骤或审计日志）已被删除，位于{_place(case_no, name)}之前。",
                )
            )
        elif row["chain_prev"] is not None and row["chain_prev"] != prev:
            findings.append(Finding(case_no, f"{name}与前一条记录的链接不符：记录被调换顺序或替换。"))
        elif row["chain_prev"] is None and row["chain_seq"] < expected_seq:
            findings.append(Finding(case_no, f"{name}在哈希链中的位置重复：记录被调换顺序或替换。"))
        follows = _follows(row, prev, expected_seq)
        if follows is not None and link(follows, table, row) != row["chain_hash"]:
            findings.append(Finding(case_no, f"{name}的内容在记录后被修改（哈希不符）。"))
        prev, expected_seq = row["chain_hash"], int(row["chain_seq"]) + 1
    head_seq, head_hash = read_head(connection)
    last_seq = expected_seq - 1
    if head_seq > last_seq:
        gone += head_seq - last_seq
        findings.append(
            Finding("", f"哈希链末尾的 {head_seq - last_seq} 条记录（案件步骤或审计日志）已被删除。")
        )
    elif head_seq == last_seq and head_seq and head_hash != prev:
        findings.append(Finding("", "哈希链的末尾与台账记录的链头不符：最后的记录被改写。"))
    return findings, gone


def _follows(row: dict[str, Any], prev: str, expected_seq: int) -> str | None:
    """The hash ``row``'s own was made from: the one stored with it, else (a ledger file keeps none) the
    hash of the row before it in the chain; None when that row is gone or the position is taken twice
    (already named)."""
    if row["chain_prev"] is not None:
        return str(row["chain_prev"])
    return prev if row["chain_seq"] == expected_seq else None


def _place(case_no: str, name: str) -> str:
    return f"案件 {case_no} {name}" if case_no else name


def _step_findings(connection: Connection, case_nos: dict[int, str]) -> tuple[list[Finding], int]:
    """Each case's steps numbered 1…revision, and its status the one its last step leaves; and how many
    steps are missing."""
    findings: list[Finding] = []
    missing_total = 0
    steps: dict[int, list[tuple[int, str]]] = {}
    for case_id, seq, kind in connection.execute(
        text("SELECT case_id, seq, kind FROM case_events ORDER BY case_id, seq")
    ):
        steps.setdefault(int(case_id), []).append((int(seq), str(kind)))
    for case_id, revision, status in connection.execute(text("SELECT id, revision, status FROM cases")):
        events = steps.get(int(case_id))
        if not events:
            continue  # a case merged from a unit's export carries no steps of its own
        case_no = case_nos[int(case_id)]
        numbers = [seq for seq, _ in events]
        missing = sorted(set(range(1, int(revision) + 1)) - set(numbers))
        missing_total += len(missing)
        if missing:
            listed = "、".join(str(n) for n in missing[:10])
            findings.append(Finding(case_no, f"第 {listed} 步的记录已被删除。"))
        expected = None
        for _seq, kind in events:
            expected = STATUS_AFTER.get(kind, expected)
        if expected is not None and expected != status:
            findings.append(
                Finding(
                    case_no,
                    f"当前状态“{_status_label(status)}”与办理记录不符（按记录应为“{_status_label(expected)}”）。",
                )
            )
    return findings, missing_total


def _status_label(value: str) -> str:
    try:
        return Status(value).label
    except ValueError:
        return str(value)
