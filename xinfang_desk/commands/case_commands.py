"""``xinfang-desk case …``: register a case from JSON, show one, and every workflow step, for scripts.

``case register --json FILE|-`` reads one registration (a JSON object) or several (a JSON array, all or
none) and prints each new case number on its own line.  ``case show CASE_NO [--json]`` prints the case
and its history.  ``case STEP CASE_NO …`` performs one step; a step the case's state does not allow
prints one Chinese line and exits non-zero, and nothing changes.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from xinfang_desk.commands import command_help
from xinfang_desk.commands.common import add_db_option, in_operation, parse_date
from xinfang_desk.ledger.case_details import CaseDetails
from xinfang_desk.ledger.errors import ValidationError
from xinfang_desk.ledger.operations import cases
from xinfang_desk.ledger.operations.drafts import draft_from_mapping
from xinfang_desk.ledger.vocab import EventKind, Outcome, Satisfaction, Status
from xinfang_desk.ledger.workflow import Workflow

#: Largest registration file read (a day's mailbox export is far smaller).
MAX_JSON_BYTES = 20 * 1024 * 1024


def parse_moment(text: str) -> datetime:
    """A moment typed as ``YYYY-MM-DD`` or ``YYYY-MM-DD HH:MM`` (an argparse ``type``)."""
    try:
        return datetime.fromisoformat(text.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"“{text}”不是有效时间，请用 YYYY-MM-DD 或 “YYYY-MM-DD HH:MM” 格式"
        ) from None


def _labelled(kind: Any, what: str) -> Callable[[str], Any]:
    def parse(text: str) -> Any:
        try:
            return kind.from_label(text)
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"{what}“{text}”不是可选值（可选：{'、'.join(kind.labels())}）"
            ) from None

    return parse


@dataclass(frozen=True)
class StepOption:
    """One option of a step command: its flag, the value's key in ``perform_step``, and how it is read."""

    flag: str
    key: str
    help: str
    required: bool = False
    type: Callable[[str], Any] = str


_AT = StepOption("--at", "at", "发生时间（默认现在），如 “2026-11-30 14:30”", type=parse_moment)
_NOTE = StepOption("--note", "note", "说明")

#: Every workflow step the command line performs: its name, event kind, help and options.
STEP_COMMANDS: dict[str, tuple[EventKind, str, tuple[StepOption, ...]]] = {
    "accept": (EventKind.ACCEPT, "受理", (_NOTE, _AT)),
    "decline": (
        EventKind.DECLINE,
        "不予受理",
        (StepOption("--reason", "reason", "不予受理的理由", True), _AT),
    ),
    "forward": (
        EventKind.FORWARD,
        "转送",
        (StepOption("--to", "to", "有权处理的机关或单位", True), _NOTE, _AT),
    ),
    "object": (
        EventKind.OBJECT,
        "对转来事项提出异议",
        (StepOption("--reason", "reason", "异议理由", True), _AT),
    ),
    "assign": (
        EventKind.ASSIGN,
        "交办",
        (
            StepOption("--department", "department", "承办单位", True),
            StepOption("--opinion", "opinion", "交办意见", True),
            StepOption("--due", "due_on", "交办期限 YYYY-MM-DD（不晚于办理期限）", type=parse_date),
            _AT,
        ),
    ),
    "progress": (EventKind.PROGRESS, "记录办理进展", (StepOption("--note", "note", "办理进展", True), _AT)),
    "extend": (
        EventKind.EXTEND,
        "延期",
        (
            StepOption("--days", "days", "延期天数", True, type=int),
            StepOption("--reason", "reason", "延期理由", True),
            _AT,
        ),
    ),
    "supervise": (EventKind.SUPERVISE, "督办", (StepOption("--note", "note", "督办意见", True), _AT)),
    "reply": (
        EventKind.REPLY,
        "答复信访人",
        (
            StepOption(
                "--outcome",
                "outcome",
                "处理结果：" + "、".join(Outcome.labels()),
                True,
                _labelled(Outcome, "处理结果"),
            ),
            StepOption("--text", "text", "答复内容", True),
            _AT,
        ),
    ),
    "evaluate": (
        EventKind.EVALUATE,
        "回访评价",
        (
            StepOption(
                "--satisfaction",
                "satisfaction",
                "满意度：满意、基本满意、不满意",
                True,
                _labelled(Satisfaction, "满意度"),
            ),
            _NOTE,
            _AT,
        ),
    ),
    "close": (EventKind.CLOSE, "办结", (_NOTE, _AT)),
    "reopen": (
        EventKind.REOPEN,
        "重开（复查、复核或本单位重新办理）",
        (StepOption("--reason", "reason", "重开理由", True), _AT),
    ),
}


def register(sub: argparse._SubParsersAction) -> None:
    case = sub.add_parser("case", help=command_help("case"))
    steps = case.add_subparsers(dest="step", metavar="步骤", parser_class=type(case))
    steps.required = True

    p = steps.add_parser("register", help="登记新案件（JSON，一个对象或一组）")
    p.add_argument(
        "--json", dest="json_file", required=True, metavar="文件", help="登记内容的 JSON 文件，- 为标准输入"
    )
    _common(p)
    p.set_defaults(func=cmd_register)

    p = steps.add_parser("show", help="查看案件及其办理记录")
    p.add_argument("case_no", metavar="案件编号")
    p.add_argument("--json", action="store_true", help="输出一个 JSON 对象")
    _common(p)
    p.set_defaults(func=cmd_show)

    for name, (kind, title, options) in STEP_COMMANDS.items():
        p = steps.add_parser(name, help=title)
        p.add_argument("case_no", metavar="案件编号")
        for option in options:
            p.add_argument(
                option.flag, dest=option.key, required=option.required, type=option.type, help=option.help
            )
        if kind is EventKind.REOPEN:
            p.add_argument(
                "--by-unit", action="store_true", help="本单位重新办理（默认：信访人申请复查、复核）"
            )
        _common(p)
        p.set_defaults(func=cmd_step, kind=kind, options=options)

    p = steps.add_parser("correct", help="更正登记内容（原值保留在办理记录中）")
    p.add_argument("case_no", metavar="案件编号")
    fields = "、".join(f"{k}（{v}）" for k, v in Workflow.CORRECTABLE.items())
    p.add_argument("--field", required=True, help=f"更正的字段：{fields}")
    p.add_argument("--value", required=True, help="新的值")
    p.add_argument("--reason", required=True, help="更正理由")
    _common(p)
    p.set_defaults(func=cmd_correct)


def _common(parser: argparse.ArgumentParser) -> None:
    add_db_option(parser)


def _read_json(name: str) -> Any:
    if name == "-":
        text = sys.stdin.read(MAX_JSON_BYTES + 1)
    else:
        path = Path(name)
        if not path.is_file():
            raise ValidationError(f"找不到文件：{path}。")
        if path.stat().st_size > MAX_JSON_BYTES:
            raise ValidationError(f"文件“{path.name}”超过 20MB，请分批登记。")
        text = path.read_text(encoding="utf-8-sig", errors="replace")
    if len(text) > MAX_JSON_BYTES:
        raise ValidationError("输入超过 20MB，请分批登记。")
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValidationError(
            f"JSON 格式有误（第{exc.lineno}行第{exc.colno}列）：请检查引号、逗号和括号。"
        ) from None


def cmd_register(args: argparse.Namespace) -> int:
    data = _read_json(args.json_file)
    items = data if isinstance(data, list) else [data]
    if not items:
        raise ValidationError("没有要登记的案件。")
    drafts = []
    for number, item in enumerate(items, start=1):
        try:
            drafts.append(draft_from_mapping(item))
        except ValidationError as exc:
            where = f"第{number}件：" if len(items) > 1 else ""
            raise ValidationError(f"{where}{exc}") from None

    def register_all(ctx: Any) -> list[cases.CaseRef]:
        registered = []
        for number, draft in enumerate(drafts, start=1):
            try:
                registered.append(cases.register_case(ctx, draft).value)
            except ValidationError as exc:
                where = f"第{number}件：" if len(drafts) > 1 else ""
                raise ValidationError(f"{where}{exc}" + ("（均未登记）" if where else "")) from None
        return registered

    for ref in in_operation(args, register_all):
        print(ref.case_no)
    return 0


def cmd_step(args: argparse.Namespace) -> int:
    values = {o.key: getattr(args, o.key) for o in args.options if getattr(args, o.key) is not None}
    if args.kind is EventKind.REOPEN:
        values["review"] = not args.by_unit
    ref = in_operation(args, lambda ctx: cases.perform_step(ctx, args.case_no, args.kind, values).value)
    print(f"{ref.case_no}：已{args.kind.label}，当前状态：{Status(ref.status).label}")
    return 0


def cmd_correct(args: argparse.Namespace) -> int:
    field = _correctable_field(args.field)
    value: Any = args.value
    if field == "people_count":
        value = _whole(value)
    elif field == "bypassed_level":
        value = _yes_no(value)
    ref = in_operation(
        args, lambda ctx: cases.correct_case(ctx, args.case_no, field, value, args.reason).value
    )
    print(f"{ref.case_no}：已更正{Workflow.CORRECTABLE[field]}")
    return 0


def _correctable_field(text: str) -> str:
    for key, label in Workflow.CORRECTABLE.items():
        if text.strip() in (key, label):
            return key
    names = "、".join(f"{k}（{v}）" for k, v in Workflow.CORRECTABLE.items())
    raise ValidationError(f"“{text}”不能更正。可更正的字段：{names}。")


def _whole(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise ValidationError(f"“{text}”不是整数。") from None


def _yes_no(text: str) -> bool:
    answers = {"是": True, "否": False, "true": True, "false": False, "1": True, "0": False}
    if text.strip().lower() not in answers:
        raise ValidationError(f"“{text}”应为 是 或 否。")
    return answers[text.strip().lower()]


def cmd_show(args: argparse.Namespace) -> int:
    details = in_operation(args, lambda ctx: cases.case_details(ctx, args.case_no), reads_only=True)
    if args.json:
        print(json.dumps(details_json(details), ensure_ascii=False, indent=1))
        return 0
    print(f"{details.case_no}　{details.status.label}　{details.summary}")
    for group in details.groups:
        print(f"【{group.title}】")
        for f in group.fields:
            print(f"  {f.label}：{f.masked if f.personal else f.value}")
    print("【办理记录】")
    for entry in details.timeline:
        extra = "　".join(part for part in (entry.detail, entry.note) if part)
        print(f"  {entry.at:%Y-%m-%d %H:%M}　{entry.actor}　{entry.kind_label}　{extra}".rstrip())
    return 0


def details_json(details: CaseDetails) -> dict[str, Any]:
    """The case as one JSON object (personal data masked, as the case view shows it)."""
    raw = asdict(details)
    for group in raw["groups"]:
        for f in group["fields"]:
            masked = f.pop("masked")
            if masked is not None:
                f["value"] = masked
    raw["status"] = details.status.label
    raw["actions"] = [kind.label for kind in details.actions]
    return json.loads(json.dumps(raw, ensure_ascii=False, default=_plain))


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bytes):
        return None
    return str(value)
