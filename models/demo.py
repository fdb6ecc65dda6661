"""Demo registries, deterministic for a given random state.

- ``commune``: like the Trần Hưng Đạo report — Phường Trần Hưng Đạo (Hải Phòng), merged in 2025
  from xã Lê Lợi (8 thôn), xã Hưng Đạo (10 thôn) and phường Cộng Hoà (10 khu
  dân cư) into 28 tổ dân phố; a ward-level team of 50 (Quyết định
  597/QĐ-UBND ngày 05/9/2025) and 28 village teams with 139 members (Quyết định
  598/QĐ-UBND ngày 05/9/2025); trainings in 2026 and the equipment of the
  digital culture houses.
- ``province``: like the Quảng Nam assessment's Phụ lục I — Quảng Nam's 17 districts with
  exactly its team/village and member counts (rows add up to 1,238 teams in
  1,240 villages and 7,446 members), members by composition in the shares of
  the Quảng Nam assessment's composition table.

Everything is written through the same models in one transaction, then saved
once by the Registry.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

import peewee as pw

from . import demo_activities, text, validate
from .schema import (
    Attendance,
    AuditLog,
    Category,
    Course,
    Decision,
    Equipment,
    EquipmentNeed,
    Membership,
    Person,
    Team,
    Unit,
)

DEMO_PASSPHRASE = "demo-cnscd-2026"

FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ",
          "Ngô", "Dương", "Lý", "Đinh", "Đào", "Trịnh", "Mai", "Lương", "Cao", "Tạ", "Đoàn", "Vương"]
FAMILY_W = [38, 11, 9, 7, 5, 4, 4, 4, 3, 2, 2, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]
MIDDLE_M = ["Văn", "Hữu", "Đức", "Minh", "Quang", "Công", "Thanh", "Xuân", "Ngọc", "Tiến", "Trọng", "Duy", "Anh"]
MIDDLE_F = ["Thị", "Thị", "Thị", "Ngọc", "Thu", "Thanh", "Minh", "Hồng", "Kim", "Thùy", "Phương", "Bích", "Mỹ"]
GIVEN_M = ["An", "Bình", "Cường", "Dũng", "Đạt", "Hải", "Hùng", "Huy", "Khánh", "Long", "Nam", "Phong", "Quân",
           "Sơn", "Thắng", "Tuấn", "Việt", "Vinh", "Hoàng", "Trung", "Tùng", "Đức", "Lâm", "Lợi", "Hiếu", "Toàn",
           "Thành", "Phúc", "Ưng", "Ước", "Định", "Kiên", "Mạnh", "Nghĩa", "Tâm", "Thịnh"]
GIVEN_F = ["Anh", "Chi", "Dung", "Hà", "Hạnh", "Hằng", "Hoa", "Hương", "Lan", "Liên", "Linh", "Loan", "Mai",
           "Ngọc", "Nhung", "Oanh", "Phương", "Quyên", "Thảo", "Trang", "Uyên", "Vân", "Yến", "Ánh", "Đào", "Giang",
           "Huyền", "Lý", "Ơn", "Thủy", "Tuyết", "Xuân"]

PHONE_PREFIXES = ["086", "096", "097", "098", "032", "033", "034", "035", "036", "037", "038", "039",
                  "088", "091", "094", "081", "082", "083", "084", "085", "089", "090", "093", "070",
                  "076", "077", "078", "079", "092", "056", "058"]

OTHER_POSITIONS = {
    "CB_XA": ["Công chức Văn hóa - Xã hội", "Công chức Văn phòng - Thống kê", "Phó Chủ tịch UBND"],
    "BI_THU": ["Bí thư chi bộ"],
    "TRUONG_THON": ["Trưởng thôn", "Bí thư chi bộ"],
    "MTTQ": ["Trưởng ban công tác Mặt trận"],
    "DOAN_TN": ["Bí thư chi đoàn"],
    "PHU_NU": ["Chi hội trưởng phụ nữ"],
    "NONG_DAN": ["Chi hội trưởng nông dân"],
    "CCB": ["Chi hội trưởng cựu chiến binh"],
    "CONG_AN": ["Công an viên"],
    "GIAO_VIEN": ["Hiệu trưởng trường Tiểu học", "Giáo viên"],
    "TNV": [""],
    "KHAC": ["", "Nhân viên bưu điện", "Hộ kinh doanh"],
}


@dataclass
class _Ctx:
    rng: random.Random
    province_code: str
    cccd_serial: int = 0
    used_phones: set | None = None
    keys: dict | None = None  # (family, given) → (search key, sort key): names repeat


def _name_keys(ctx: _Ctx, family: str, given: str) -> tuple[str, str]:
    if ctx.keys is None:
        ctx.keys = {}
    k = ctx.keys.get((family, given))
    if k is None:
        k = ctx.keys[(family, given)] = (text.search_key(family, given), text.name_sort_key_str(family, given))
    return k


def _person(ctx: _Ctx, village: Unit | None, *, gender: str | None = None, age: tuple[int, int] = (22, 62)) -> dict:
    rng = ctx.rng
    gender = gender or rng.choice(["nam", "nu"])
    fam = rng.choices(FAMILY, FAMILY_W)[0]
    mid = rng.choice(MIDDLE_M if gender == "nam" else MIDDLE_F)
    giv = rng.choice(GIVEN_M if gender == "nam" else GIVEN_F)
    family = f"{fam} {mid}"
    year = 2026 - rng.randint(*age)
    birth_date = None
    if rng.random() < 0.7:
        birth_date = dt.date(year, rng.randint(1, 12), rng.randint(1, 28))
    ctx.cccd_serial += 1
    cccd = validate.make_cccd(ctx.province_code, gender, year, ctx.cccd_serial) if rng.random() < 0.8 else ""
    phone = ""
    if rng.random() < 0.95:
        while True:
            phone = rng.choice(PHONE_PREFIXES) + f"{rng.randint(0, 9999999):07d}"
            if phone not in ctx.used_phones:
                ctx.used_phones.add(phone)
                break
    search_key, sort_key = _name_keys(ctx, family, giv)
    return dict(family_name=family, given_name=giv, gender=gender, birth_date=birth_date,
                birth_year=None if birth_date else year, phone=phone, cccd=cccd, cccd_legacy=False,
                village=village.id if village else None, notes="", search_key=search_key, sort_key=sort_key)


def _next_id(model) -> int:
    return (model.select(model.id).order_by(model.id.desc()).scalar() or 0) + 1


def _bulk_insert(model, rows: list[dict]) -> None:
    """``model.insert_many(rows)`` without peewee's per-row SQL building (the province demo
    at 16× inserts over a million rows): every field's ``db_value`` (so text is cleaned
    the same way; repeated values converted once), its default when a row leaves it out,
    one ``executemany``."""
    if not rows:
        return
    fields = [f for f in model._meta.sorted_fields if f.name != "id" or "id" in rows[0]]
    cols = ", ".join(f'"{f.column_name}"' for f in fields)
    sql = f'INSERT INTO "{model._meta.table_name}" ({cols}) VALUES ({", ".join("?" * len(fields))})'
    plain = (pw.AutoField, pw.IntegerField, pw.FloatField)  # BigIntegerField is an IntegerField
    convs = []
    for f in fields:
        default = f.default() if callable(f.default) else f.default
        if isinstance(f, plain) or type(f) is pw.CharField:
            convs.append((f.name, default, None))
        else:
            convs.append((f.name, default, {}))

    def value(row, name, default, cache):
        v = row.get(name, default)
        if v is None or cache is None:
            return v
        try:
            return cache[v]
        except KeyError:
            c = cache[v] = model._meta.fields[name].db_value(v)
            return c

    model._meta.database.connection().executemany(
        sql, [tuple(value(r, n, d, c) for n, d, c in convs) for r in rows])


def _insert_people(rows: list[dict]) -> list[int]:
    first = _next_id(Person)
    _bulk_insert(Person, rows)
    return list(range(first, first + len(rows)))


def _categories() -> dict[str, int]:
    return {c.code: c.id for c in Category.select()}


# ---------------------------------------------------------------------------
# Commune demo (the Trần Hưng Đạo report)
# ---------------------------------------------------------------------------
FORMER = [
    ("xã Lê Lợi (trước sáp nhập)", "thôn", ["An Lợi", "Đông Lợi", "Tây Lợi", "Nam Lợi", "Bắc Lợi", "Lợi Hòa",
                                           "Lợi Thành", "Lợi Xuân"]),
    ("xã Hưng Đạo (trước sáp nhập)", "thôn", ["Hưng Thịnh", "Hưng Phú", "Hưng Long", "Hưng Yên", "Đạo Tú",
                                             "Đạo Lý", "Kim Sơn", "Ngọc Lâm", "Ưng Hòa", "Đông Hưng"]),
    ("phường Cộng Hoà (trước sáp nhập)", "khu dân cư", ["Cộng Hòa 1", "Cộng Hòa 2", "Cộng Hòa 3", "Trần Phú",
                                                       "Lê Hồng Phong", "Bạch Đằng", "Quang Trung", "Hoàng Văn Thụ",
                                                       "Nguyễn Trãi", "Điện Biên"]),
]

# Team sizes adding up to 139 (the Trần Hưng Đạo report), a few teams off the 5–7 rule on purpose.
COMMUNE_TEAM_SIZES = [5, 5, 5, 4, 5, 6, 5, 6, 5, 5, 5, 5, 5, 4, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 4]


def build_commune(reg, random_state: int = 2026) -> None:
    """Fill a freshly created registry (Phường Trần Hưng Đạo) like the Trần Hưng Đạo report."""
    assert sum(COMMUNE_TEAM_SIZES) == 139
    rng = random.Random(random_state)
    ctx = _Ctx(rng, "031", used_phones=set())
    from .services import update_settings

    with reg.write():
        update_settings(reg, place_name="Trần Hưng Đạo", issuing_body_parent="UBND THÀNH PHỐ HẢI PHÒNG",
                        issuing_body="ỦY BAN NHÂN DÂN PHƯỜNG TRẦN HƯNG ĐẠO", signer_prefix="KT. CHỦ TỊCH",
                        signer_title="PHÓ CHỦ TỊCH", signer_name="Phạm Thị Ly", village_team_min=5,
                        village_team_max=7, commune_team_min=5, commune_team_max=60)
        cats = _categories()
        ward = Unit.select().where(Unit.level == "xa").get()
        villages: list[Unit] = []
        order = 0
        for former, _kind, names in FORMER:
            for name in names:
                order += 1
                villages.append(Unit.create(level="thon", kind="tổ dân phố", name=name, parent=ward,
                                            former_unit=former, sort_order=order))
        d597 = dt.date(2025, 9, 5)
        issuer = "UBND phường Trần Hưng Đạo"
        ward_team = Team.create(unit=ward, level="xa", name="Tổ CNSCĐ phường Trần Hưng Đạo", founded_on=d597)
        dec597 = Decision.create(team=ward_team, kind="thanh_lap", number="597/QĐ-UBND", date=d597, issuer=issuer)
        ward_rows = [_person(ctx, None, age=(28, 58)) for _ in range(50)]
        ward_ids = _insert_people(ward_rows)
        ms = []
        for i, pid in enumerate(ward_ids):
            code = "GIAO_VIEN" if i >= 44 else ("CB_XA" if i < 40 else "CONG_AN")
            role = "to_truong" if i == 0 else ("to_pho" if i in (1, 2) else "thanh_vien")
            pos = "Phó Chủ tịch UBND" if i == 0 else ("Hiệu trưởng trường " + ["Mầm non", "Tiểu học", "THCS"][i % 3]
                                                       if code == "GIAO_VIEN" else rng.choice(OTHER_POSITIONS[code]))
            ms.append(dict(person=pid, team=ward_team.id, role=role, category=cats[code], other_positions=pos,
                           start_date=d597, decision=dec597.id))
        for i, v in enumerate(villages):
            t = Team.create(unit=v, level="thon", name=f"Tổ CNSCĐ tổ dân phố {v.name}", founded_on=d597)
            dec = Decision.create(team=t, kind="thanh_lap", number="598/QĐ-UBND", date=d597, issuer=issuer)
            size = COMMUNE_TEAM_SIZES[i]
            codes = ["TRUONG_THON", "DOAN_TN", "MTTQ", "PHU_NU"]
            if i % 9 == 4:
                codes[2] = "CCB"  # a team missing the Front, to be fixed
            extra = ["CONG_AN", "CB_XA", "NONG_DAN", "CCB", "TNV", "BI_THU", "KHAC"]
            while len(codes) < size:
                codes.append(rng.choice(extra))
            codes = codes[:size]
            rows = []
            for code in codes:
                g = "nu" if code == "PHU_NU" else None
                age = (19, 30) if code == "DOAN_TN" else (25, 65)
                rows.append(_person(ctx, v, gender=g, age=age))
            ids = _insert_people(rows)
            for j, (pid, code) in enumerate(zip(ids, codes, strict=True)):
                role = "to_truong" if j == 0 else ("to_pho" if j == 1 else "thanh_vien")
                ms.append(dict(person=pid, team=t.id, role=role, category=cats[code],
                               other_positions=rng.choice(OTHER_POSITIONS[code]), start_date=d597, decision=dec.id))
        Membership.insert_many(ms).execute()
        _one_member_replaced(ctx, villages[0], issuer)
        _courses(ctx, [p for p in _active_people()], year=2026, per_year=[
            ("Tập huấn kỹ năng số cho Tổ CNSCĐ", dt.date(2026, 3, 18), "Phòng Văn hóa - Xã hội", "truc_tiep", 8,
             ["CHINH_SACH", "DVCTT", "VNEID"], 0.62),
            ("Hướng dẫn thanh toán không dùng tiền mặt", dt.date(2026, 6, 10), "Ngân hàng Agribank", "truc_tiep", 4,
             ["KHONG_TIEN_MAT", "LUA_DAO"], 0.35),
            ("An toàn thông tin và phòng chống lừa đảo trực tuyến", dt.date(2026, 9, 22), "Công an phường",
             "ket_hop", 4, ["ATTT", "LUA_DAO", "MXH"], 0.3),
        ])
        _courses(ctx, _active_people(), year=2025, per_year=[
            ("Tập huấn ra mắt Tổ CNSCĐ", dt.date(2025, 9, 20), "Sở Khoa học và Công nghệ", "truc_tuyen", 3,
             ["CHINH_SACH", "KY_NANG_SO"], 0.9),
        ])
        _equipment(ctx, villages, ward)
        _commune_work(reg, rng)
        _mark_demo(reg, "commune", random_state)


def _one_member_replaced(ctx: _Ctx, village: Unit, issuer: str) -> None:
    """One member of the first village team left and was replaced (history kept)."""
    first_village_team = Team.select().where(Team.level == "thon").order_by(Team.id).first()
    m = (Membership.select().where((Membership.team == first_village_team) & (Membership.role == "thanh_vien"))
         .order_by(Membership.id.desc()).first())
    m.end_date = dt.date(2026, 3, 1)
    m.leave_reason = "Chuyển công tác"
    m.save()
    newcomer = _insert_people([_person(ctx, village)])[0]
    reform = Decision.create(team=first_village_team, kind="kien_toan", number="112/QĐ-UBND",
                             date=dt.date(2026, 3, 5), issuer=issuer)
    Membership.create(person=newcomer, team=first_village_team, role="thanh_vien", category=m.category_id,
                      other_positions="", start_date=dt.date(2026, 3, 5), decision=reform)


def _commune_work(reg, rng: random.Random) -> None:
    """The year of work: the Trần Hưng Đạo report's 35.932 residents, a duty rota at its public
    administration centre, Đông Lợi behind, Điện Biên without a household count yet."""
    demo_activities.set_demo_settings(reg, support_point="Trung tâm Phục vụ hành chính công phường Trần Hưng Đạo")
    demo_activities.add_year_of_work(reg, rng, residents_total=35_932, low={"Đông Lợi": 0.5},
                                     no_households=("Điện Biên",))
    demo_activities.add_meetings(reg, rng, [dt.date(2026, 4, 24), dt.date(2026, 7, 17), dt.date(2026, 10, 9)])
    demo_activities.add_duty_rota(reg, rng)


def _active_people() -> list[int]:
    return [m.person_id for m in Membership.select(Membership.person).where(Membership.end_date.is_null())]


def _courses(ctx: _Ctx, people: list[int], *, year: int, per_year: list) -> None:
    rng = ctx.rng
    for title, start, org, form, hours, topics, share in per_year:
        c = Course.create(title=title, start_date=start, end_date=start, organiser=org, form=form, hours=hours,
                          topics=";".join(topics), location="Hội trường UBND" if form != "truc_tuyen" else "Trực tuyến")
        chosen = sorted({p for p in people if rng.random() < share})
        _bulk_insert(Attendance, [dict(course=c.id, person=p, certificate_no="") for p in chosen])


def _equipment(ctx: _Ctx, villages: list[Unit], commune: Unit | None) -> None:
    rng = ctx.rng
    rows, needs = [], []
    for v in villages:
        place = f"Nhà văn hóa {v.kind} {v.name}"
        rows.append(dict(unit=v.id, place=place, kind="MAY_TINH", description="Máy tính để bàn kết nối mạng",
                         quantity=rng.choice([1, 1, 2]), condition=rng.choices(["tot", "hong", "can_thay"], [8, 1, 1])[0],
                         funding=rng.choice(["ngan_sach", "xa_hoi_hoa"]), funding_note="",
                         acquired_on=dt.date(rng.choice([2022, 2023, 2024, 2025]), rng.randint(1, 12), 1),
                         value=rng.choice([9_500_000, 11_000_000, 12_500_000]), note=""))
        rows.append(dict(unit=v.id, place=place, kind="WIFI", description="Wi-Fi miễn phí", quantity=1,
                         condition="tot", funding="xa_hoi_hoa", funding_note="Viettel", acquired_on=dt.date(2024, 5, 1),
                         value=0, note=""))
        rows.append(dict(unit=v.id, place=place, kind="BANG_QR", description="Bảng mã QR dịch vụ công", quantity=1,
                         condition=rng.choices(["tot", "can_thay"], [9, 1])[0], funding="ngan_sach", funding_note="",
                         acquired_on=dt.date(2025, 10, 1), value=350_000, note=""))
        if rng.random() < 0.3:
            rows.append(dict(unit=v.id, place=place, kind="LOA", description="Loa truyền thanh thông minh",
                             quantity=1, condition=rng.choices(["tot", "hong"], [3, 1])[0], funding="ngan_sach",
                             funding_note="", acquired_on=dt.date(2023, 8, 1), value=4_200_000, note=""))
        if rng.random() < 0.6:
            needs.append(dict(unit=v.id, kind="MAY_SCAN", description="Máy scan tài liệu", quantity=1,
                              estimated_value=4_500_000, reason="Chưa có máy scan để hỗ trợ người dân nộp hồ sơ trực tuyến",
                              proposed_on=dt.date(2026, 4, 10), status="de_xuat"))
    if commune is not None:
        rows.append(dict(unit=commune.id, place="Trung tâm Phục vụ hành chính công", kind="BANG_TIN",
                         description="Bảng tin điện tử", quantity=1, condition="tot", funding="ngan_sach",
                         funding_note="", acquired_on=dt.date(2025, 11, 1), value=28_000_000, note=""))
    _bulk_insert(Equipment, rows)
    _bulk_insert(EquipmentNeed, needs)


def _mark_demo(reg, scale: str, random_state: int, times: int = 1) -> None:
    where = "cấp tỉnh" if scale == "province" else "cấp xã"
    if times > 1:
        where += f", {times} bản"
    AuditLog.create(at=dt.datetime.now().replace(microsecond=0), actor=reg.actor, action="he_thong",
                    entity="registry", summary=f"Tạo dữ liệu mẫu ({where}, mã ngẫu nhiên {random_state})",
                    field="", old="", new="")


# ---------------------------------------------------------------------------
# Province demo (the Quảng Nam assessment, Phụ lục I)
# ---------------------------------------------------------------------------
# (district, kind, teams, villages, members) — the Quảng Nam assessment's Phụ lục I, row by row.
PHU_LUC_I = [
    ("Tam Kỳ", "thành phố", 85, 85, 480),
    ("Hội An", "thành phố", 54, 54, 276),
    ("Thăng Bình", "huyện", 106, 106, 687),
    ("Điện Bàn", "thị xã", 140, 140, 1003),
    ("Duy Xuyên", "huyện", 78, 78, 402),
    ("Đại Lộc", "huyện", 113, 113, 904),
    ("Quế Sơn", "huyện", 103, 103, 621),
    ("Phú Ninh", "huyện", 51, 51, 268),
    ("Núi Thành", "huyện", 103, 103, 574),
    ("Tiên Phước", "huyện", 85, 85, 446),
    ("Phước Sơn", "huyện", 41, 42, 260),
    ("Bắc Trà My", "huyện", 46, 46, 252),
    ("Nam Trà My", "huyện", 35, 35, 228),
    ("Tây Giang", "huyện", 62, 63, 360),
    ("Đông Giang", "huyện", 40, 40, 235),
    ("Nam Giang", "huyện", 50, 50, 200),
    ("Hiệp Đức", "huyện", 46, 46, 250),
]
PHU_LUC_I_STATED_TOTAL = (1238, 7448)  # the source's total row (members: 7,448 ≠ 7,446 from the rows)

# The Quảng Nam assessment's composition table (of 6,157 reported).
COMPOSITION_QUANG_NAM = [("CB_XA", 1194), ("DOAN_TN", 1248), ("TRUONG_THON", 935), ("PHU_NU", 800), ("CONG_AN", 413),
                   ("NONG_DAN", 321), ("BI_THU", 263), ("KHAC", 983)]

COMMUNE_SYLLABLES = ["An", "Bình", "Hòa", "Phú", "Tân", "Thạnh", "Xuân", "Hiệp", "Phước", "Sơn", "Trà", "Quế",
                     "Đại", "Điện", "Duy", "Tam", "Thăng", "Hưng", "Lộc", "Ninh", "Thành", "Mỹ", "Đông", "Tây",
                     "Nghĩa", "Trung", "Cẩm", "Hải", "Lãnh", "Ngọc"]


def largest_remainder(total: int, weights: list[int]) -> list[int]:
    """Split ``total`` in proportion to ``weights`` so the parts add up exactly."""
    s = sum(weights)
    raw = [total * w / s for w in weights]
    parts = [int(x) for x in raw]
    rest = total - sum(parts)
    for i in sorted(range(len(raw)), key=lambda i: (raw[i] - parts[i], -i), reverse=True)[:rest]:
        parts[i] += 1
    return parts


@dataclass(frozen=True)
class _Place:
    """A unit made by the province demo (what the later steps read of it)."""

    id: int
    kind: str
    name: str


class _Rows:
    """The province demo's units, teams, decisions, people and memberships, with ids given here
    (in the order the rows are made, as ``create`` would give them), inserted in one go."""

    def __init__(self):
        self.next = {m: _next_id(m) for m in (Unit, Team, Decision)}
        self.rows: dict = {Unit: [], Team: [], Decision: []}
        self.people: list[dict] = []
        self.ms: list[dict] = []

    def add(self, model, **row) -> int:
        row["id"] = self.next[model]
        self.next[model] += 1
        self.rows[model].append(row)
        return row["id"]

    def unit(self, **row) -> _Place:
        return _Place(self.add(Unit, **row), row["kind"], row["name"])

    def insert(self) -> None:
        for model in (Unit, Team, Decision):
            _bulk_insert(model, self.rows[model])
        ids = _insert_people(self.people)
        for pid, m in zip(ids, self.ms, strict=True):
            m["person"] = pid
        _bulk_insert(Membership, self.ms)


def _copy_names(k: int, di: int, ci: int, dname: str) -> tuple[str, str, str]:
    """District name, commune name and commune code of copy ``k`` (0: the province as it is;
    a copy's district and communes carry its number, «Tam Kỳ 2», «Phú Quế 2», its communes
    drawn from other syllables), so no name of one copy is a name of another."""
    syl = COMMUNE_SYLLABLES
    n = len(syl)
    cname = f"{syl[(di * 7 + ci + 11 * k) % n]} {syl[(ci * 3 + di + 7 * k) % n]}"
    if k == 0:
        return dname, cname, f"{di + 1:02d}{ci + 1:02d}"
    return f"{dname} {k + 1}", f"{cname} {k + 1}", f"{k + 1:02d}{di + 1:02d}{ci + 1:02d}"


def _province_copy(ctx: _Ctx, rows: _Rows, k: int, province_id: int, cats: dict[str, int]) -> list[_Place]:
    """One copy of Phụ lục I's 17 districts (``k``: which copy); returns its villages."""
    rng = ctx.rng
    total_members = sum(r[4] for r in PHU_LUC_I)
    counts = largest_remainder(total_members, [n for _, n in COMPOSITION_QUANG_NAM])
    pool: dict[str, int] = {code: n for (code, _), n in zip(COMPOSITION_QUANG_NAM, counts, strict=True)}

    def take(preferred: str | None) -> str:
        if preferred and pool.get(preferred, 0) > 0:
            pool[preferred] -= 1
            return preferred
        left = [c for c, n in pool.items() if n > 0]
        c = rng.choices(left, [pool[c] for c in left])[0]
        pool[c] -= 1
        return c

    d = dt.date(2022, 9, 15)
    all_villages: list[_Place] = []
    for di, (dname0, dkind, n_teams, n_villages, n_members) in enumerate(PHU_LUC_I):
        dname = _copy_names(k, di, 0, dname0)[0]
        district = rows.unit(level="huyen", kind=dkind, name=dname, parent=province_id,
                             sort_order=k * len(PHU_LUC_I) + di + 1)
        n_communes = max(3, round(n_villages / 8))
        communes = []
        for ci in range(n_communes):
            ckind = "phường" if dkind != "huyện" and ci % 2 == 0 else "xã"
            _, cname, code = _copy_names(k, di, ci, dname0)
            communes.append(rows.unit(level="xa", kind=ckind, name=cname, parent=district.id, sort_order=ci + 1,
                                      code=code))
        vkind = "tổ dân phố" if dkind != "huyện" else "thôn"
        villages = [rows.unit(level="thon", kind=vkind, name=f"{vi // n_communes + 1}",
                              parent=communes[vi % n_communes].id, sort_order=vi + 1) for vi in range(n_villages)]
        all_villages.extend(villages)
        sizes = largest_remainder(n_members, [1] * n_teams)
        for ti in range(n_teams):
            v, c = villages[ti], communes[ti % n_communes]
            t = rows.add(Team, unit=v.id, level="thon", name=f"Tổ CNSCĐ {vkind} {v.name}, {c.kind} {c.name}",
                         founded_on=d)
            dec = rows.add(Decision, team=t, kind="thanh_lap", number=f"{100 + ti}/QĐ-UBND", date=d,
                           issuer=f"UBND {c.kind} {c.name}")
            for j in range(sizes[ti]):
                code = take("TRUONG_THON" if j == 0 else "DOAN_TN" if j == 1 else None)
                rows.people.append(_person(ctx, v, gender="nu" if code == "PHU_NU" else None))
                rows.ms.append(dict(team=t, role="to_truong" if j == 0 else "to_pho" if j == 1 else "thanh_vien",
                                    category=cats[code], other_positions=rng.choice(OTHER_POSITIONS[code]),
                                    start_date=d, decision=dec))
    return all_villages


def build_province(reg, random_state: int = 2026, times: int = 1) -> None:
    """Fill a freshly created province-level registry like the Quảng Nam assessment; ``times``
    copies of its 17 districts (distinct names: «Tam Kỳ», «Tam Kỳ 2», …) stand in for a
    larger roll-up (16×: 119.136 members). The same ``random_state`` gives the same registry."""
    if times < 1:
        raise ValueError(f"times must be ≥ 1, not {times}")
    rng = random.Random(random_state)
    ctx = _Ctx(rng, "049", used_phones=set())
    from .services import update_settings

    with reg.write():
        update_settings(reg, place_name="Tam Kỳ", issuing_body_parent="UBND TỈNH QUẢNG NAM",
                        issuing_body="SỞ KHOA HỌC VÀ CÔNG NGHỆ", signer_prefix="KT. GIÁM ĐỐC",
                        signer_title="PHÓ GIÁM ĐỐC", signer_name="Nguyễn Văn Hùng", village_team_min=4,
                        village_team_max=8, required_categories=["TRUONG_THON", "DOAN_TN"])
        cats = _categories()
        province = Unit.select().where(Unit.level == "tinh").get()
        rows = _Rows()
        all_villages: list[_Place] = []
        for k in range(times):
            all_villages.extend(_province_copy(ctx, rows, k, province.id, cats))
        rows.insert()
        del rows
        active = _active_people()
        _courses(ctx, active, year=2026, per_year=[
            ("Bồi dưỡng kỹ năng số cho Tổ CNSCĐ năm 2026", dt.date(2026, 4, 8), "Sở Khoa học và Công nghệ",
             "truc_tuyen", 4, ["CHINH_SACH", "DVCTT", "CHU_KY_SO"], 0.7),
            ("Phòng chống lừa đảo trực tuyến", dt.date(2026, 8, 12), "Công an tỉnh", "truc_tuyen", 3,
             ["LUA_DAO", "ATTT"], 0.45),
        ])
        _equipment(ctx, all_villages[::5], None)
        demo_activities.set_demo_settings(reg, app_name="Smart Quảng Nam")
        demo_activities.add_year_of_work(reg, rng, missing_households=25 * times, no_fraud_teams=40 * times,
                                         all_services=True, every_month=True, needs_share=0.05)
        _mark_demo(reg, "province", random_state, times)


def create_demo(path, *, scale: str = "commune", random_state: int = 2026, passphrase: str = DEMO_PASSPHRASE,
                kdf=None, times: int = 1):
    """Create a demo registry file, the same for the same ``random_state``; returns (Registry, recovery_key).

    ``times`` (province only): that many copies of the province's districts, with distinct names."""
    if times < 1 or (times != 1 and scale != "province"):
        raise ValueError(f"times={times}: the province demo is built in 1 or more copies, the commune demo once")
    from .db import Registry

    if scale == "province":
        reg, rk = Registry.create(path, passphrase, province="Tỉnh Quảng Nam", commune="", kdf=kdf)
        build_province(reg, random_state, times)
    elif scale == "commune":
        reg, rk = Registry.create(path, passphrase, province="Thành phố Hải Phòng", commune="Trần Hưng Đạo",
                                  commune_kind="phường", kdf=kdf)
        build_commune(reg, random_state)
    else:
        raise ValueError(scale)
    return reg, rk
