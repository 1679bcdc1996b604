"""苗头预警: sub-categories and summary words whose count rose sharply against the baseline (seed 2, 二).

The rule, stated once in ``RULE`` and shown on the page: a sub-category or a word of the summaries is
flagged when this period has at least ``MIN_COUNT`` cases of it and, taking as baseline the mean of the
previous period of the same length and the same period last year, a Poisson count with that mean would
reach this period's count with probability below ``P_THRESHOLD`` (one-sided test).  A baseline of zero
counts as ``BASELINE_FLOOR``, so a new problem with enough cases is still flagged.

Words are found from the two-character terms (Chinese words are mostly two characters) of the summaries,
counted once per case, leaving out terms every clerk writes whatever the matter (``COMMON_TERMS``); a
flagged term grows into the longest phrase most of its cases share ("实验室开放时间不足"), which is
counted and tested again.  Each flag
carries its cases as a ``CaseFilter``, so the office can open and fix the whole class at once.
"""

from __future__ import annotations

import calendar
import math
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from xinfang_desk.ledger.figures import received_between, same_range_last_year
from xinfang_desk.ledger.models import Case, Category
from xinfang_desk.ledger.search import CaseFilter

MIN_COUNT = 5
P_THRESHOLD = 0.01
BASELINE_FLOOR = 0.5
#: Terms of any summary that say nothing about the matter.
COMMON_TERMS = frozenset(
    [
        "反映",
        "希望",
        "申请",
        "要求",
        "建议",
        "问题",
        "有关",
        "相关",
        "情况",
        "处理",
        "咨询",
        "关于",
        "对于",
        "没有",
        "无人",
        "长期",
        "学生",
        "学院",
        "学校",
        "同学",
        "老师",
        "进行",
        "存在",
        "影响",
        "请求",
        "尽快",
        "解决",
        "我们",
        "目前",
        "一直",
        "多次",
        "时间",
        "部分",
        "认为",
    ]
)

RULE = (
    f"预警规则：本期件数不少于 {MIN_COUNT} 件，且以“上一期”与“上年同期”件数的平均值为基准"
    f"（为 0 时按 {BASELINE_FLOOR} 计），按泊松分布计算本期达到该件数的概率，"
    f"小于 {P_THRESHOLD:g}（单侧检验）即列为苗头。上一期与上年同期均无登记时不作判断。"
)


def poisson_tail(count: int, mean: float) -> float:
    """P(X ≥ count) for X ~ Poisson(mean), summed in log space (exact enough for any count)."""
    if count <= 0:
        return 1.0
    below = 0.0
    log_mean = math.log(mean)
    for k in range(count):
        below += math.exp(k * log_mean - mean - math.lgamma(k + 1))
    if below < 0.5:
        return 1.0 - below
    tail = 0.0  # sum the upper tail directly where 1 − below would lose precision
    k = count
    while True:
        term = math.exp(k * log_mean - mean - math.lgamma(k + 1))
        tail += term
        if k > mean and term <= tail * 1e-16:
            return tail
        k += 1


def is_sharp_rise(count: int, previous: int, last_year: int) -> tuple[bool, float, float]:
    """(flagged, baseline, p) of ``RULE`` for a count against its two baseline counts."""
    baseline = max((previous + last_year) / 2, BASELINE_FLOOR)
    p = poisson_tail(count, baseline)
    return count >= MIN_COUNT and p < P_THRESHOLD, baseline, p


def previous_period(start: date, end: date) -> tuple[date, date]:
    """The period of the same length just before: the previous month(s) for whole months, else days."""
    whole_months = start.day == 1 and end.day == calendar.monthrange(end.year, end.month)[1]
    if whole_months:
        months = (end.year - start.year) * 12 + end.month - start.month + 1
        index = start.year * 12 + start.month - 1 - months
        first = date(index // 12, index % 12 + 1, 1)
        last = start - timedelta(days=1)
        return first, last
    length = (end - start).days + 1
    return start - timedelta(days=length), start - timedelta(days=1)


@dataclass(frozen=True)
class EarlyWarning:
    """One sharp rise: what rose, the counts, the baseline and p, and its cases."""

    kind: str  # "子类别" or "关键词"
    term: str
    count: int
    previous: int
    last_year: int
    baseline: float
    p: float
    case_filter: CaseFilter


def p_value_text(p: float) -> str:
    """The probability as an office reads it: 0.0011, or "< 0.0001" (not 1.1e-03)."""
    return "< 0.0001" if p < 0.0001 else f"{p:.4f}"


def summary_terms(summary: str) -> set[str]:
    """The two-character terms of a summary (Chinese characters only), common ones left out."""
    terms = set()
    for a, b in zip(summary, summary[1:], strict=False):
        if _is_han(a) and _is_han(b):
            term = a + b
            if term not in COMMON_TERMS:
                terms.add(term)
    return terms


def _is_han(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf"


def early_warnings(
    session: Session, start: date, end: date, *, unit_code: str | None = None, words: int = 15
) -> list[EarlyWarning]:
    """The sub-categories, then the (at most ``words``) summary phrases, that rose sharply in the period."""
    periods = (
        (start, end),
        previous_period(start, end),
        same_range_last_year(start, end),
    )
    subcategories: list[Counter[str]] = []
    summaries: list[list[str]] = []
    for first, last in periods:
        query = (
            select(Category.name, Case.summary)
            .outerjoin(Category, Category.id == Case.subcategory_id)
            .where(received_between(first, last))
        )
        if unit_code:
            query = query.where(Case.unit_code == unit_code)
        rows = session.execute(query).all()
        subcategories.append(Counter(name for name, _summary in rows if name))
        summaries.append([summary or "" for _name, summary in rows])
    if not summaries[1] and not summaries[2]:
        return []  # no baseline at all (the ledger's first period): nothing can be said to have risen

    def base(**fields: object) -> CaseFilter:
        return CaseFilter(received_from=start, received_to=end, unit_code=unit_code or "", **fields)  # type: ignore[arg-type]

    flagged = _flag("子类别", subcategories, lambda name: base(subcategory=name))
    terms = [terms_of(texts) for texts in summaries]
    phrases: list[EarlyWarning] = []
    for term in _flag("关键词", terms, lambda t: base(summary_contains=t)):
        phrase = _grow(term.term, [text for text in summaries[0] if term.term in text])
        if any(phrase in w.term or w.term in phrase for w in phrases):
            continue
        count, before, last_year = (sum(phrase in text for text in texts) for texts in summaries)
        sharp, baseline, p = is_sharp_rise(count, before, last_year)
        if sharp:
            phrases.append(
                EarlyWarning(
                    "关键词", phrase, count, before, last_year, baseline, p, base(summary_contains=phrase)
                )
            )
        if len(phrases) >= words:
            break
    return flagged + phrases


def _grow(term: str, texts: list[str], keep: float = 0.8) -> str:
    """The longest phrase around ``term`` that most (``keep``) of the texts containing it share."""
    need = max(MIN_COUNT, math.ceil(len(texts) * keep))
    phrase = term
    while True:
        longer: Counter[str] = Counter()
        for text in texts:
            at = text.find(phrase)
            while at >= 0:
                if at > 0 and _is_han(text[at - 1]):
                    longer[text[at - 1] + phrase] += 1
                end = at + len(phrase)
                if end < len(text) and _is_han(text[end]):
                    longer[phrase + text[end]] += 1
                at = text.find(phrase, at + 1)
        best = longer.most_common(1)
        if not best or best[0][1] < need:
            return _unglued(phrase, texts, need)
        phrase = best[0][0]


def _unglued(phrase: str, texts: list[str], need: int) -> str:
    """``phrase`` without an end character that belongs to a number or code beside it in the texts:
    "2024级国家助学金评定结果有异议" and "2025级…" share "级国家助学金…", shown as "国家助学金…"."""

    def glued(at_start: bool) -> bool:
        """Whether in ``need`` texts a Latin letter or digit touches that end of the phrase."""
        texts_glued = 0
        for text in texts:
            at = text.find(phrase)
            while at >= 0:
                neighbour = at - 1 if at_start else at + len(phrase)
                if 0 <= neighbour < len(text) and text[neighbour].isascii() and text[neighbour].isalnum():
                    texts_glued += 1
                    break
                at = text.find(phrase, at + 1)
        return texts_glued >= need

    while len(phrase) > 2 and glued(at_start=True):
        phrase = phrase[1:]
    while len(phrase) > 2 and glued(at_start=False):
        phrase = phrase[:-1]
    return phrase


def _flag(
    kind: str, counts: list[Counter[str]], make_filter: Callable[[str], CaseFilter]
) -> list[EarlyWarning]:
    now, before, last_year = counts
    found = []
    for term, count in now.items():
        if count < MIN_COUNT:
            continue
        sharp, baseline, p = is_sharp_rise(count, before[term], last_year[term])
        if sharp:
            found.append(
                EarlyWarning(kind, term, count, before[term], last_year[term], baseline, p, make_filter(term))
            )
    found.sort(key=lambda w: (w.p, -w.count, w.term))
    return found


def terms_of(summaries: Iterable[str]) -> Counter[str]:
    """Cases per term over ``summaries`` (each case counts a term once)."""
    counter: Counter[str] = Counter()
    for summary in summaries:
        counter.update(summary_terms(summary))
    return counter
