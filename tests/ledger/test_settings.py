"""Every declared setting changes what the ledger does, and refuses values outside its declared range."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

import pytest

from tests.helpers import Clock, register
from xinfang_desk.ledger.calendar import WorkCalendar
from xinfang_desk.ledger.db import Ledger
from xinfang_desk.ledger.errors import LedgerError, ValidationError
from xinfang_desk.ledger.settings import DEADLINE_RULES, GENERAL, DeadlineRule, Settings, store
from xinfang_desk.ledger.vocab import Channel, Outcome, Source
from xinfang_desk.ledger.workflow import Workflow

START = datetime(2025, 3, 3, 9, 0)  # a Monday with no holiday within 60 days but 清明


def deadline_after(rule_key: str, ledger: Ledger) -> Callable[[], date | str]:
    """A scenario whose outcome depends on ``rule_key``: the deadline it sets, or the refusal it meets."""

    def run() -> date | str:
        clock = Clock(START)
        with ledger.session() as s:
            wf = Workflow(s, "主任", clock=clock)
            source = Source.SUPERIOR if rule_key == "rule.object" else Source.OWN
            extra = {"superior_due_on": date(2025, 6, 30)} if source is Source.SUPERIOR else {}
            channel = Channel.MAILBOX if rule_key == "rule.mailbox" else Channel.VISIT
            if rule_key == "rule.handle":  # a category of its own deadline would take precedence
                extra.update(category="其他类", subcategory="")
            case = register(s, clock, channel=channel, source=source, **extra)
            if rule_key == "rule.decide":
                return case.decide_due_on
            if rule_key == "rule.object":
                return case.objection_due_on
            wf.accept(case)
            if rule_key in ("rule.handle", "rule.mailbox"):
                return case.handle_due_on
            if rule_key == "rule.extend_max":
                try:
                    wf.extend(case, 20, "需要调查")
                except LedgerError as refused:
                    return str(refused)
                return case.handle_due_on
            wf.reply(case, Outcome.SOLVED, "已处理")
            wf.close(case)
            clock.advance(days=20)
            try:
                wf.reopen(case, "信访人申请复查")
            except LedgerError as refused:
                return str(refused)
            return case.handle_due_on

    return run


@pytest.mark.parametrize("rule_key", sorted(DEADLINE_RULES))
def test_every_deadline_rule_changes_the_outcome(ledger: Ledger, rule_key: str) -> None:
    scenario = deadline_after(rule_key, ledger)
    before = scenario()
    changed = DeadlineRule(10) if rule_key != "rule.object" else DeadlineRule(2, "workday")
    with ledger.session() as s:
        store(s, rule_key, changed)
    after = scenario()
    assert after != before
    if isinstance(after, date) and rule_key not in ("rule.extend_max",):
        start = START.date() if rule_key in ("rule.decide", "rule.object", "rule.mailbox") else None
        if start is not None:
            with ledger.session() as s:
                assert after == WorkCalendar.load(s).deadline(start, changed)


def test_due_soon_days_decides_what_counts_as_due_soon() -> None:
    assert Settings().due_soon_days == GENERAL["due_soon_days"].default
    assert Settings({"due_soon_days": {"value": 7}}).due_soon_days == 7


def test_multiple_extensions_only_when_allowed(ledger: Ledger) -> None:
    clock = Clock(START)
    with ledger.session() as s:
        case = register(s, clock)
        wf = Workflow(s, "主任", clock=clock)
        wf.accept(case)
        wf.extend(case, 5, "调查")
        with pytest.raises(LedgerError, match="已延期一次"):
            wf.extend(case, 5, "再调查")
        store(s, "allow_multiple_extensions", True)
        Workflow(s, "主任", clock=clock).extend(case, 5, "再调查")
        assert case.extension_count == 2


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("due_soon_days", -1),
        ("due_soon_days", 61),
        ("due_soon_days", "3"),
        ("repeat_window_days", 0),
        ("allow_multiple_extensions", 1),
        ("rule.handle", DeadlineRule(366)),
        ("rule.handle", DeadlineRule(0)),
        ("rule.handle", 60),
        ("no.such.setting", 1),
    ],
)
def test_values_outside_the_declaration_are_refused(ledger: Ledger, key: str, value: object) -> None:
    with pytest.raises(ValidationError), ledger.session() as s:
        store(s, key, value)


def test_every_general_setting_declares_its_range() -> None:
    for spec in GENERAL.values():
        if not isinstance(spec.default, bool):
            assert spec.minimum <= spec.default <= spec.maximum, spec.key
            assert spec.unit
