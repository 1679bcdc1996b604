"""The words offices use in their own Excel 台账, declared once: header synonyms and value words.

``HEADER_SYNONYMS`` maps a header an office writes to the ledger's column; ``VALUE_WORDS`` maps, per
ledger column, a value an office writes to the ledger's label.  ``IMPORT_ONLY_COLUMNS`` are columns
an old 台账 has that the export does not (是否办结).  ``outcome_named_in`` finds the outcome of
三到位一处理 a free-text result names.
"""

from __future__ import annotations

from xinfang_desk.export.exchange.columns import COLUMNS_BY_HEADER, Column, Kind
from xinfang_desk.ledger.vocab import Outcome

#: Columns only an old 台账 has: read at import, never exported.
IMPORT_ONLY_COLUMNS: tuple[Column, ...] = (Column("是否办结", "closed_flag", Kind.YES_NO, 10, merge=False),)
IMPORT_ONLY_BY_HEADER: dict[str, Column] = {c.header: c for c in IMPORT_ONLY_COLUMNS}

#: office's header → the ledger's header.
HEADER_SYNONYMS: dict[str, str] = {
    **dict.fromkeys(
        ("来访日期", "来信日期", "日期", "登记时间", "收件日期", "来访时间", "信访日期"), "登记日期"
    ),
    **dict.fromkeys(("反映问题", "反映事项", "信访事项", "诉求", "主要诉求", "事由", "问题摘要"), "内容摘要"),
    **dict.fromkeys(("姓名", "来访人", "信访人姓名", "反映人"), "信访人"),
    **dict.fromkeys(("联系方式", "电话", "手机", "手机号", "联系电话号码"), "联系电话"),
    **dict.fromkeys(("身份", "人员类别"), "身份类别"),
    **dict.fromkeys(("身份证号", "身份证号码", "证件号"), "证件号码"),
    **dict.fromkeys(("责任单位", "承办部门", "办理单位", "处理单位", "责任部门"), "承办单位"),
    **dict.fromkeys(("问题类型", "类别", "事项类别"), "问题类别"),
    **dict.fromkeys(("来访形式", "信访方式", "方式", "形式"), "信访形式"),
    **dict.fromkeys(("性质", "事项类型"), "事项性质"),
    **dict.fromkeys(("办理结果", "办理情况", "处理情况", "答复情况", "处理意见"), "答复内容"),
    **dict.fromkeys(("办结情况", "是否结案"), "是否办结"),
    **dict.fromkeys(("办结时间", "结案日期", "结案时间"), "办结日期"),
    **dict.fromkeys(("办理期限", "期限", "时限"), "办理时限"),
    **dict.fromkeys(("编号", "案件号", "案号"), "案件编号"),
    **dict.fromkeys(("受理时间",), "受理日期"),
    **dict.fromkeys(("答复时间",), "答复日期"),
    **dict.fromkeys(("交办时间",), "交办日期"),
    **dict.fromkeys(("回访结果", "满意度评价"), "满意度"),
    **dict.fromkeys(("结果类型",), "处理结果"),
}
#: Headers that number the rows of a sheet kept by hand; not a case number, never imported.
ROW_NUMBER_HEADERS = frozenset(("序号", "行号", "No", "NO", "no", "编码序号"))

_YES = ("是", "√", "✓", "✔", "Y", "y", "YES", "Yes", "yes", "已办结", "办结", "已结", "结案", "1")
_NO = ("否", "×", "✗", "✘", "N", "n", "NO", "No", "no", "未办结", "未结", "在办", "0")

#: ledger column key → {office's word → the ledger's label}.
VALUE_WORDS: dict[str, dict[str, str]] = {
    "decision": {"受理": "已受理", "不受理": "不予受理", "转送": "已转送", "未受理": "待受理"},
    "identity_type": {
        "家长": "学生家长",
        **dict.fromkeys(("教师", "职工", "教工", "老师", "在职教职工"), "教职工"),
        **dict.fromkeys(("校外", "社会人员", "群众", "校外群众"), "校外人员"),
        **dict.fromkeys(("退休", "离休", "退休人员", "离退休"), "离退休人员"),
        **dict.fromkeys(("本科生", "研究生", "学生本人"), "学生"),
    },
    "channel": {
        **dict.fromkeys(("微信", "QQ", "邮件", "电子邮件", "邮箱", "网站", "网上", "网络平台"), "网络"),
        **dict.fromkeys(("校长信箱", "书记信箱", "信箱"), "领导信箱"),
        **dict.fromkeys(("信", "信件", "书信"), "来信"),
        **dict.fromkeys(("走访", "来人", "当面"), "来访"),
        **dict.fromkeys(("来电", "电话反映", "热线"), "电话"),
    },
    "source": {"本单位": "本单位受理", "上级交办": "上级转办", "校长信箱": "校长信箱转办"},
    "nature": {
        "建议": "建议意见类",
        "意见": "建议意见类",
        "检举": "检举控告类",
        "控告": "检举控告类",
        "申诉": "申诉求决类",
        "求决": "申诉求决类",
        "诉求": "申诉求决类",
        "举报": "检举控告类",
    },  # fmt: skip
    "status": {"办结": "已办结", "已结": "已办结", "结案": "已办结", "在办": "办理中", "受理": "已受理"},
    "satisfaction": {"非常满意": "满意", "较满意": "基本满意", "一般": "基本满意"},
    "closed_flag": {**dict.fromkeys(_YES, "是"), **dict.fromkeys(_NO, "否")},
    "is_repeat": {**dict.fromkeys(_YES, "是"), **dict.fromkeys(_NO, "否")},
    "bypassed_level": {**dict.fromkeys(_YES, "是"), **dict.fromkeys(_NO, "否")},
    "closed_on_time": {**dict.fromkeys(_YES, "是"), **dict.fromkeys(_NO, "否")},
}

#: Words in a free-text result that name an outcome of 三到位一处理 (the label itself counts too).
_OUTCOME_WORDS: tuple[tuple[Outcome, tuple[str, ...]], ...] = (
    (Outcome.SOLVED, ("解决到位", "已解决", "问题解决")),
    (Outcome.EXPLAINED, ("解释疏导到位", "解释疏导", "已解释", "说明解释", "解释说明")),
    (Outcome.HELPED, ("帮扶救助到位", "帮扶救助", "已救助", "帮扶")),
    (Outcome.LAWFUL, ("依法处理到位", "依法处理", "依规处理")),
)


def ledger_header(header: str) -> str | None:
    """The ledger column an office's ``header`` names, or None."""
    if header in COLUMNS_BY_HEADER or header in IMPORT_ONLY_BY_HEADER:
        return header
    return HEADER_SYNONYMS.get(header)


def outcome_named_in(text: str) -> Outcome | None:
    """The outcome a free-text result names (the first found), or None."""
    for outcome, words in _OUTCOME_WORDS:
        if any(word in text for word in words):
            return outcome
    return None
