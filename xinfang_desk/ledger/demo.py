"""A realistic demo ledger: Chinese names, categories, channels and outcomes distributed like seed 2.

Cases are received over last year and this year (fewer this year, as in seed 2's −18.6 %), and each one
lives its life through the real ``Workflow`` with a simulated clock, so deadlines fall over real
holidays, some cases are repeats, some are extended, supervised, reopened, and some are overdue today.
The same seed and the same ``today`` give the same ledger.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path

from xinfang_desk.ledger.db import Ledger
from xinfang_desk.ledger.demo_ledger import DEMO_UNIT
from xinfang_desk.ledger.errors import LedgerError, LedgerFileError, LedgerInUseError
from xinfang_desk.ledger.identity import check_digit
from xinfang_desk.ledger.instance_lock import refuse_if_held
from xinfang_desk.ledger.models import Case
from xinfang_desk.ledger.operations.context import Changes, OpContext, OpResult
from xinfang_desk.ledger.permissions import Permission, requires
from xinfang_desk.ledger.reference import DEFAULT_CATEGORIES, create_ledger
from xinfang_desk.ledger.vocab import Channel, IdentityType, Nature, Outcome, Satisfaction, Source
from xinfang_desk.ledger.workflow import CaseDraft, PetitionerInput, Workflow

ProgressCallback = Callable[[int, int], bool | None]


SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾萧田董潘袁蔡蒋余于杜叶程魏苏吕丁任卢姚沈钟姜崔谭陆范汪廖石金韦贾夏付方邹熊白孟秦邱侯江尹薛闫段雷龙黎史陶贺毛郝顾龚邵万覃武钱戴严欧莫孔向常汤"
GIVEN = "伟芳娜敏静丽强磊洋艳勇军杰娟涛明超秀霞平刚桂英华玉萍红娥玲菊兰凤洁梅琳素云莲真环雪荣爱妹香月莺媛瑞凡佳嘉琼勤珍贞莉桂娣叶璧璐娅琦晶妍茜秋珊莎锦黛青倩婷姣婉娴瑾颖露瑶怡婵雁蓓纨仪荷丹蓉眉君琴蕊薇菁梦岚苑婕馨瑗琰韵融园艺咏卿聪澜纯毓悦昭冰爽琬茗羽希宁欣飘育滢馥筠柔竹霭凝晓欢霄枫芸菲寒伊亚宜可姬舒影荔枝思丽博文浩然子轩宇航"
RARE = "喆堃昇玥䶮"
REGIONS = ("340104", "340111", "340123", "110105", "320102", "330106", "370102", "420111", "510107", "610113")
AFFILIATIONS = (
    "土木工程学院",
    "建筑与规划学院",
    "机械与电气工程学院",
    "环境与能源工程学院",
    "经济与管理学院",
    "外国语学院",
    "数理学院",
    "艺术学院",
    "后勤集团",
    "图书馆",
    "校外",
)
LEADERS = ("王副校长", "李书记", "张副书记", "陈副校长")

AREAS = ("南区", "北区", "东苑", "西苑")
COLLEGES = ("土木学院", "建筑学院", "机电学院", "经管学院", "外国语学院", "数理学院")
COHORTS = ("2025级", "2024级", "2023级")
MAJORS = ("土木工程", "建筑学", "机械工程", "工商管理", "英语", "应用数学")
COURSES = ("高等数学", "大学英语", "工程力学", "线性代数", "大学物理", "工程制图")
LANDMARKS = ("图书馆", "大学生活动中心", "体育馆", "南区东门", "北区食堂", "3号教学楼")

#: Summaries by sub-category, each with the places or subjects that make sense in it ({n}).
SUMMARIES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "课程设置": (
        ("反映{n}课程安排重复，希望调整选修课设置", "建议{n}增设实践类课程", "对{n}课程学分认定有异议"),
        COLLEGES + COHORTS,
    ),
    "考试安排": (
        ("{n}期末考试时间与实习冲突，申请调整", "反映{n}补考安排通知过晚", "对{n}期末考试考场安排有异议"),
        COHORTS + COLLEGES,
    ),
    "成绩复核": (
        ("申请复核{n}课程期末成绩", "反映{n}平时成绩登记错误", "对{n}成绩评定标准有疑问"),
        COURSES,
    ),
    "学籍管理": (
        ("咨询{n}专业转专业政策", "反映{n}专业学生学籍信息登记有误", "咨询{n}专业休学复学手续办理"),
        MAJORS,
    ),
    "实验室与自习室": (
        ("反映{n}自习室开放时间过短", "{n}实验室设备老化影响教学", "建议{n}自习室增加座位"),
        ("图书馆", "3号教学楼", "7号教学楼", "实验楼"),
    ),
    "宿舍条件与维修": (
        ("反映{n}宿舍空调损坏长期无人维修", "{n}宿舍楼热水供应不稳定", "{n}宿舍屋顶漏水请求维修"),
        AREAS,
    ),
    "食堂价格与卫生": (
        ("反映{n}食堂饭菜价格上涨过快", "{n}食堂卫生状况差，发现异物", "建议{n}食堂延长营业时间"),
        AREAS,
    ),
    "校园环境": (
        ("反映{n}附近道路积水严重", "{n}周边施工噪音影响休息", "建议在{n}附近增设路灯"),
        LANDMARKS + AREAS,
    ),
    "水电网络": (
        ("{n}宿舍校园网频繁断线", "反映{n}宿舍电费计费异常", "{n}宿舍楼停水未提前通知"),
        AREAS,
    ),
    "奖助学金评定": (
        ("对{n}国家助学金评定结果有异议", "反映{n}奖学金评审程序不公开", "咨询{n}助学贷款办理进度"),
        COLLEGES + COHORTS,
    ),
    "实习权益与安全": (
        ("反映{n}实习单位拖欠实习补贴", "{n}学生实习期间安全保障不到位", "实习单位要求{n}学生超时加班"),
        COLLEGES + COHORTS,
    ),
    "职称评聘": (
        ("对{n}职称评审结果有异议", "反映{n}职称评聘条件设置不合理", "咨询{n}职称申报材料要求"),
        COLLEGES + ("图书馆",),
    ),
    "劳动与薪酬(津贴发放)": (
        ("反映{n}岗位津贴未按时发放", "{n}加班费计算有误", "反映{n}绩效工资分配不公"),
        COLLEGES + ("后勤集团", "图书馆"),
    ),
    "违纪处分申诉": (
        ("对{n}作出的违纪处分决定不服提出申诉", "申请撤销{n}作出的警告处分", "对{n}考试作弊认定有异议"),
        COLLEGES,
    ),
    "": (
        ("反映{n}有关问题，请求协调解决", "对{n}工作提出意见建议", "检举{n}工作人员存在违规行为"),
        COLLEGES + ("后勤集团", "图书馆", "保卫处"),
    ),
}


def _weighted(rng: random.Random, table: dict) -> object:
    return rng.choices(list(table), weights=list(table.values()))[0]


@dataclass
class _Person:
    petitioner: PetitionerInput
    category: str


class _SimClock:
    """The clock the workflow sees: set to each simulated moment before the step."""

    def __init__(self) -> None:
        self.now = datetime(2000, 1, 1)

    def __call__(self) -> datetime:
        return self.now


class _DemoBuilder:
    def __init__(self, ledger: Ledger, seed: int, today: date, actor: str, now: datetime | None) -> None:
        self.ledger = ledger
        self.rng = random.Random(seed)
        self.today = today
        #: Nothing happens after this moment: the current time (end of office hours for a given day).
        self.end = now.replace(microsecond=0) if now is not None else datetime.combine(today, time(17, 0))
        self.actor = actor
        self.clock = _SimClock()
        self.closed: list[tuple[str, datetime, _Person]] = []
        #: case numbers not yet flushed in this batch (a repeat of one needs a flush first)
        self.unflushed: set[str] = set()

    # -- people ---------------------------------------------------------------------------
    def person_name(self) -> str:
        rng = self.rng
        given = rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.7 else "")
        if rng.random() < 0.03:
            given = given[:-1] + rng.choice(RARE)
        return rng.choice(SURNAMES) + given

    def id_number(self) -> str:
        rng = self.rng
        born = date(1960, 1, 1) + timedelta(days=rng.randrange(0, 47 * 365))
        first17 = f"{rng.choice(REGIONS)}{born:%Y%m%d}{rng.randrange(0, 1000):03d}"
        return first17 + check_digit(first17)

    def phone(self) -> str:
        return f"1{self.rng.choice('3578')}{self.rng.randrange(0, 10**9):09d}"

    def new_person(self, category: str) -> _Person:
        rng = self.rng
        identity = _weighted(
            rng,
            {
                IdentityType.STUDENT: 60,
                IdentityType.STAFF: 22,
                IdentityType.RETIRED: 5,
                IdentityType.PARENT: 8,
                IdentityType.OUTSIDER: 5,
            },
        )
        anonymous = rng.random() < 0.03
        return _Person(
            PetitionerInput(
                name="" if anonymous else self.person_name(),
                id_number="" if anonymous or rng.random() < 0.3 else self.id_number(),
                phone="" if anonymous else self.phone(),
                identity_type=IdentityType.ANONYMOUS if anonymous else identity,
                affiliation="校外" if identity is IdentityType.OUTSIDER else rng.choice(AFFILIATIONS[:-1]),
                anonymous=anonymous,
            ),
            category,
        )

    # -- one case ------------------------------------------------------------------------
    def draft(self, received: datetime) -> tuple[CaseDraft, _Person]:
        rng = self.rng
        repeat_of = ""
        if self.closed and rng.random() < 0.06:
            case_no, closed_at, person = self.closed[rng.randrange(len(self.closed))]
            if closed_at < received:
                repeat_of = case_no
        if not repeat_of:
            person = self.new_person(
                str(_weighted(rng, {"教学管理类": 31, "后勤服务类": 28, "权益保障类": 22, "其他类": 19}))
            )
        subs = [s[0] for s in DEFAULT_CATEGORIES[person.category][1]]
        sub = rng.choice(subs) if subs else ""
        channel = Channel(
            _weighted(
                rng,
                {
                    Channel.VISIT: 25,
                    Channel.LETTER: 8,
                    Channel.PHONE: 15,
                    Channel.SMS: 4,
                    Channel.WEB: 30,
                    Channel.MAILBOX: 18,
                },
            )
        )
        if channel is Channel.MAILBOX:
            source = Source.PRESIDENT_MAILBOX if rng.random() < 0.7 else Source.OWN
        else:
            source = Source(_weighted(rng, {Source.OWN: 85, Source.SUPERIOR: 6, Source.OTHER_UNIT: 9}))
        nature = Nature(_weighted(rng, {Nature.SUGGESTION: 30, Nature.ACCUSATION: 10, Nature.CLAIM: 60}))
        people = 1 if rng.random() < 0.95 else rng.choice((2, 3, 4, 5, 6, 8, 12, 20))
        templates, subjects = SUMMARIES[sub]
        summary = rng.choice(templates).format(n=rng.choice(subjects))
        superior_due = (
            received.date() + timedelta(days=rng.choice((15, 20, 30))) if source is Source.SUPERIOR else None
        )
        draft = CaseDraft(
            channel=channel,
            source=source,
            nature=nature,
            category=person.category,
            subcategory=sub,
            summary=summary,
            content=f"{summary}。信访人称此问题已持续一段时间，希望学校尽快核实处理并予以答复。",
            petitioner=person.petitioner,
            people_count=people,
            received_at=received,
            bypassed_level=rng.random() < 0.004,
            repeat_of=repeat_of,
            superior_ref=f"皖教信转〔{received.year}〕{rng.randrange(1, 200)}号" if superior_due else "",
            superior_due_on=superior_due,
            owner_leader=rng.choice(LEADERS) if people >= 5 or rng.random() < 0.01 else "",
        )
        return draft, person

    def at(self, moment: datetime) -> datetime | None:
        """Set the simulated clock; None when the moment is still in the future (the case stops there)."""
        if moment > self.end:
            return None
        self.clock.now = moment
        return moment

    def live(self, wf: Workflow, received: datetime) -> None:
        rng = self.rng
        draft, person = self.draft(received)
        self.at(received)
        if draft.repeat_of in self.unflushed:
            wf.session.flush()
            self.unflushed.clear()
        case = wf.register(draft)
        self.unflushed.add(case.case_no)
        step = received + timedelta(days=rng.choice((0, 1, 1, 2, 3, 5)), hours=rng.randrange(1, 6))
        r = rng.random()
        if r < 0.03:
            if self.at(step):
                wf.decline(case, "不属于本单位职责范围，已告知信访人向有权处理的单位提出。")
            return
        if r < 0.07:
            if self.at(step):
                wf.forward(
                    case,
                    rng.choice(("保卫处", "校医院", "属地派出所", "市教育局")),
                    "依规定转送有权处理机关。",
                )
            return
        if not self.at(step):
            return
        wf.accept(case)
        assert case.handle_due_on is not None
        # a few recent cases are left open past their deadline; older ones were finished long ago
        overdue_case = rng.random() < 0.04 and (self.end - received).days < 150
        span = max((case.handle_due_on - step.date()).days, 1)
        department = case.subcategory.default_department if case.subcategory else None
        department = department or case.category.default_department
        step += timedelta(hours=rng.randrange(2, 30))
        if not self.at(step):
            return
        wf.assign(
            case,
            department.name if department else "学生工作处",
            "请核实情况，依规依纪处理并按期答复信访人。",
        )
        if rng.random() < 0.5 and self.at(step + timedelta(days=max(span // 3, 1))):
            wf.progress(case, "已约谈信访人，正在核实有关情况。")
        if rng.random() < 0.05 and self.at(step + timedelta(days=max(span // 2, 1))):
            wf.extend(case, rng.choice((10, 15, 30)), "涉及多个部门，需进一步调查核实。")
            span += 15
        if rng.random() < 0.08 and self.at(step + timedelta(days=max(span * 2 // 3, 1))):
            wf.supervise(case, "请承办单位加快办理进度，按期答复。")
        if overdue_case:
            return  # left open: overdue once its deadline passes
        late = rng.random() < 0.06
        reply_at = step + timedelta(days=rng.randrange(1, max(span * 3 // 4, 1) + 1) + (span if late else 0))
        if not self.at(reply_at):
            return
        outcome = Outcome(
            _weighted(rng, {Outcome.SOLVED: 62, Outcome.EXPLAINED: 24, Outcome.HELPED: 9, Outcome.LAWFUL: 5})
        )
        wf.reply(case, outcome, "经核实，已按规定处理，并当面向信访人作出答复。")
        evaluate_at = reply_at + timedelta(hours=rng.randrange(2, 48))
        if rng.random() < 0.88:
            if not self.at(evaluate_at):
                return
            satisfaction = _weighted(
                rng, {Satisfaction.SATISFIED: 80, Satisfaction.BASIC: 16, Satisfaction.UNSATISFIED: 4}
            )
            wf.evaluate(case, Satisfaction(satisfaction))
        close_at = evaluate_at + timedelta(hours=rng.randrange(1, 8))
        if not self.at(close_at):
            return
        wf.close(case)
        if rng.random() < 0.03:
            reopen_at = close_at + timedelta(days=rng.randrange(2, 20))
            if not self.at(reopen_at):
                return
            wf.reopen(case, "信访人对答复不满意，申请复查。")
            close_at = reopen_at + timedelta(days=rng.randrange(5, 25))
            if not self.at(close_at):
                return
            wf.reply(case, outcome, "经复查，维持原处理意见，并向信访人说明理由。")
            wf.close(case)
        self.closed.append((case.case_no, close_at, person))

    def received_times(self, count: int) -> list[datetime]:
        rng = self.rng
        last_year_start = date(self.today.year - 1, 1, 1)
        this_year_start = date(self.today.year, 1, 1)
        elapsed = (self.today - this_year_start).days + 1
        # seed 2: this year's count is about 81 % of last year's, prorated for the part of the year elapsed
        this_weight = 0.81 * elapsed / 365
        this_count = round(count * this_weight / (1 + this_weight))
        times = []
        for i in range(count):
            start, days = (this_year_start, elapsed) if i < this_count else (last_year_start, 365)
            day = start + timedelta(days=rng.randrange(days))
            moment = datetime.combine(day, time(rng.randrange(8, 18), rng.randrange(60), rng.randrange(60)))
            times.append(min(moment, self.end - timedelta(minutes=rng.randrange(5, 60))))
        times.sort()
        return times


def build_demo(
    ledger: Ledger,
    *,
    cases: int = 2000,
    seed: int = 2025,
    today: date | None = None,
    now: datetime | None = None,
    actor: str = "演示数据",
    progress: ProgressCallback | None = None,
    batch: int = 5000,
) -> int:
    """Fill ``ledger`` with ``cases`` demo cases; returns how many were made.

    Nothing is dated after ``now`` (the current time; without it, 17:00 of ``today``, so that a given
    day always gives the same ledger).

    ``progress(done, total)`` is called after every batch; returning ``False`` stops early (the
    batches already committed stay).
    """
    if now is not None:
        today = now.date()
    builder = _DemoBuilder(ledger, seed, today or date.today(), actor, now)
    times = builder.received_times(cases)
    done = 0
    with ledger.backend.bulk_loading(ledger.engine):
        done = _build(ledger, builder, times, actor, progress, batch)
    return done


def _build(
    ledger: Ledger,
    builder: _DemoBuilder,
    times: list[datetime],
    actor: str,
    progress: ProgressCallback | None,
    batch: int,
) -> int:
    done = 0
    while done < len(times):
        chunk = times[done : done + batch]
        with ledger.session() as session, session.no_autoflush:
            wf = Workflow(session, actor, clock=builder.clock)
            for received in chunk:
                builder.live(wf, received)
        builder.unflushed.clear()
        done += len(chunk)
        if progress is not None and progress(done, len(times)) is False:
            break
    return done


def demo_case_count(ledger: Ledger) -> int:
    from sqlalchemy import func, select

    with ledger.session() as s:
        return int(s.scalar(select(func.count(Case.id))) or 0)


def new_demo_ledger(
    path: Path, unit_code: str = DEMO_UNIT[0], unit_name: str = DEMO_UNIT[1], *, office: bool = False
) -> Ledger:
    """An empty ledger marked as a demo (so ``demo --replace`` may later replace it), the demo unit's
    unless another is named; with ``office``, an office ledger for merged demo units."""
    return create_ledger(path, unit_code, unit_name, office=office, demo=True)


def remove_demo_file(path: Path) -> None:
    """Delete the demo ledger at ``path`` before it is made again; refuse anything else.

    A file that is not a demo ledger (a unit's real 台账, another program's file) and a file in
    use (the app, a command, any program) are refused and left exactly as they are.
    """
    refuse_if_held(path)
    try:
        existing = Ledger.open(path, check=False)
    except LedgerError as exc:
        raise LedgerFileError(f"“{path}”不是演示台账（{exc}），不会被替换。") from exc
    try:
        is_demo = existing.is_demo
    finally:
        existing.close()
    if not is_demo:
        raise LedgerFileError(
            f"“{path}”是一个正式台账，不是演示台账；--replace 只能替换演示台账，文件未作任何改动。"
        )
    if existing.backend.in_use(path):
        raise LedgerInUseError(f"演示台账“{path}”正被其他程序使用，请先关闭后再替换。")
    for suffix in ("", "-wal", "-shm", ".lock"):
        path.with_name(path.name + suffix).unlink(missing_ok=True)


@requires(Permission.IMPORT)
def fill_demo_ledger(
    ctx: OpContext, *, cases: int, batch: int = 5000, progress: ProgressCallback | None = None
) -> OpResult[int]:
    """The operation behind 打开演示台账: ``build_demo`` into the context's ledger, dated up to today."""
    assert ctx.ledger is not None, "a demo is built into an open ledger"
    ctx.session.commit()  # the permission check began a write; the batches below commit on their own
    made = build_demo(ctx.ledger, cases=cases, now=ctx.now(), progress=progress, batch=batch)
    return OpResult(made, Changes(everything=True))
