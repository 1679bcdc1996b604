"""Helpers shared by the tests: a controllable clock, a quick way to make a case, and hand-built ledgers."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy.orm import Session

from xinfang_desk.ledger.db import Ledger
from xinfang_desk.ledger.models import Case
from xinfang_desk.ledger.vocab import Channel, IdentityType, Nature, Source
from xinfang_desk.ledger.workflow import CaseDraft, PetitionerInput, Workflow


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> datetime:
        self.now += timedelta(**kwargs)
        return self.now


def draft(**overrides: object) -> CaseDraft:
    fields: dict[str, object] = {
        "channel": Channel.VISIT,
        "source": Source.OWN,
        "nature": Nature.CLAIM,
        "category": "后勤服务类",
        "subcategory": "宿舍条件与维修",
        "summary": "宿舍热水器损坏两周未修",
        "petitioner": PetitionerInput(name="李玥", phone="13812345678", identity_type=IdentityType.STUDENT),
    }
    fields.update(overrides)
    return CaseDraft(**fields)  # type: ignore[arg-type]


def register(session: Session, clock: Clock, actor: str = "接待员", **overrides: object) -> Case:
    case = Workflow(session, actor, clock=clock).register(draft(received_at=clock.now, **overrides))
    session.flush()
    return case


class Registrar:
    """Registers cases through one workflow and remembers each case number under a short name."""

    def __init__(self, session: Session, workflow: Workflow) -> None:
        self.session = session
        self.workflow = workflow
        self.made: dict[str, str] = {}

    def __call__(self, name: str, when: datetime, **overrides: object) -> Case:
        case = self.workflow.register(draft(received_at=when, **overrides))
        self.session.flush()
        self.made[name] = case.case_no
        return case


LAB = {"category": "教学管理类", "subcategory": "实验室与自习室"}
CANTEEN = {"category": "后勤服务类", "subcategory": "食堂价格与卫生"}


def register_rising_lab_hours(ledger: Ledger) -> None:
    """A real rise and noise: the lab's opening hours 2 cases in October 2024, 2 in September 2025 and 9 in
    October 2025; the canteen's prices 4, 4 and 6."""
    with ledger.session() as s:
        reg = Registrar(s, Workflow(s, "接待员", clock=Clock(datetime(2025, 11, 1, 9))))
        plan = [
            (datetime(2024, 10, 9, 9), 2, LAB, "实验室开放时间不足，晚上无法做实验"),
            (datetime(2025, 9, 9, 9), 2, LAB, "实验室开放时间不足，晚上无法做实验"),
            (datetime(2025, 10, 9, 9), 9, LAB, "实验室开放时间不足，晚上无法做实验"),
            (datetime(2024, 10, 12, 9), 4, CANTEEN, "食堂饭菜价格偏高"),
            (datetime(2025, 9, 12, 9), 4, CANTEEN, "食堂饭菜价格偏高"),
            (datetime(2025, 10, 12, 9), 6, CANTEEN, "食堂饭菜价格偏高"),
        ]
        for when, count, category, summary in plan:
            for i in range(count):
                reg(
                    f"{summary}{when:%Y%m}{i}",
                    when.replace(hour=9 + i),
                    summary=f"{summary}（{i + 1}）",
                    **category,
                )


def older_demo_ledger(path: Path, cases: int, revision: str) -> list[str]:
    """A demo ledger file of ``cases`` cases, taken back to schema ``revision`` as an older program left it
    (in WAL mode, as the program keeps a file); returns its case numbers."""
    from alembic import command
    from sqlalchemy import select

    from xinfang_desk.ledger import db
    from xinfang_desk.ledger.demo import build_demo
    from xinfang_desk.ledger.reference import create_ledger

    ledger = create_ledger(path, "JWC", "教务处", demo=True)  # a demo: no sign-in in the window's way
    build_demo(ledger, cases=cases, seed=3, today=datetime(2026, 6, 30).date())
    with ledger.reading() as s:
        numbers = list(s.scalars(select(Case.case_no).order_by(Case.id)))
    config = db.alembic_config()
    with ledger.engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, revision)
    ledger.close()
    return numbers


def revision_and_cases(location: str | Path) -> tuple[str, list[str]]:
    """The schema revision a ledger (a file or a server's URL) is at, and its case numbers in order."""
    from sqlalchemy import create_engine, text

    url = str(location) if "://" in str(location) else f"sqlite:///{location}"
    engine = create_engine(url)
    with engine.connect() as conn:
        found = (
            conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one(),
            list(conn.execute(text("SELECT case_no FROM cases ORDER BY id")).scalars()),
        )
    engine.dispose()
    return found
