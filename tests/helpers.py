"""Helpers shared by the ledger tests: a controllable clock and a quick way to make a case."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.orm import Session

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
