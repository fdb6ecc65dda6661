"""The period pack (bao-cao-ky) at province scale (issue 19): built without the cyclic collector's
full passes over the rows already made, each team's state worked out once, and the summary's
figures the same as the summary made on its own."""

from __future__ import annotations

import datetime as dt
import gc

DAY = dt.date(2026, 7, 5)  # after the quarter: its whole state


def test_the_period_pack_is_built_without_collector_passes(demo, monkeypatch):
    """Building the pack's sheets runs no pass of the cyclic collector (each walked every row already
    made: at 16× the province 39 full passes, 5 s of the build), and the collector is on again after,
    as it was; even with the collector set to run at every chance."""
    from exports import fund, report
    from exports.layout import parse_period

    passes: list[tuple[str, int]] = []
    inside: list[str] = []

    def seen(phase, info):
        if phase == "start" and inside:
            passes.append((inside[-1], info["generation"]))

    def watched(name, real):
        def run(*args, **kw):
            inside.append(name)
            try:
                return real(*args, **kw)
            finally:
                inside.pop()
        return run

    for mod, names in ((report, ("danh_sach", "tap_huan", "thiet_bi", "phu_luc_1", "thanh_phan", "summary")),
                       (fund, ("payment_report", "estimate_report"))):
        for name in names:
            monkeypatch.setattr(mod, name, watched(name, getattr(mod, name)))

    threshold = gc.get_threshold()
    gc.set_threshold(1, 1, 1)
    gc.callbacks.append(seen)
    try:
        pack = report.bao_cao_ky(demo, parse_period("2026-Q2"), day=DAY)
    finally:
        gc.callbacks.remove(seen)
        gc.set_threshold(*threshold)
    assert len(pack.reports) > 8
    assert passes == []
    assert gc.isenabled()


def test_the_collector_stays_off_when_it_was_off_and_resumes_after_nested_pauses():
    from exports.layout import collector_paused

    assert gc.isenabled()
    with collector_paused():
        with collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()
    gc.disable()
    try:
        with collector_paused():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_the_pack_summary_is_the_summary_made_on_its_own(demo):
    """The summary sheet takes its figures from the pack's sheets (training, equipment, payments) and
    the teams' states worked out once: the same sheet as the summary made on its own."""
    from exports import report
    from exports.layout import parse_period

    for code in ("2026-Q2", "2026"):
        period = parse_period(code)
        head = report.bao_cao_ky(demo, period, day=DAY).reports[0]
        alone = report.summary(demo, period, day=DAY)
        assert head.key == alone.key == "tong-hop"
        assert len(head.rows) > 5
        # the payment line is there only when the pack gives the payment list
        assert [r for r in head.rows if "Kinh phí" not in r[1]] == [r[:1] + r[1:] for r in alone.rows
                                                                       if "Kinh phí" not in r[1]]
        assert head.notes == alone.notes
        assert head.meta == alone.meta


def test_the_payment_list_reads_the_teams_as_plain_rows(demo, monkeypatch):
    """«Danh sách ký nhận»: the active teams are read as plain rows, not as a model object per team
    and per unit (at 16× the province 20,000 pairs, the list's passing need of memory); the lines are
    the teams of ``services.list_teams``, in its order, each with its unit and its members now."""
    from models import services
    from models.schema import Team, Unit

    from exports import fund
    from exports.layout import parse_period

    teams = [t for t in services.list_teams(demo) if t.level == "thon"]
    assert len(teams) > 5
    made = []
    for model in (Team, Unit):
        real = model.__init__

        def counted(self, *args, _real=real, **kw):
            made.append(type(self).__name__)
            _real(self, *args, **kw)

        monkeypatch.setattr(model, "__init__", counted)
    policy, _ = fund.registry_policy(demo, "quang-nam")
    pays = fund.payments(demo, policy, parse_period("2026-Q2"))
    assert made == []
    assert [(p.team_id, p.team_name, p.village, p.members) for p in pays] == [
        (t.id, t.name, t.unit_name[:1].upper() + t.unit_name[1:], t.member_count) for t in teams]
