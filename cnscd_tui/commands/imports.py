"""``cnscd import …`` and ``cnscd template …``.

    cnscd import roster FILE [--sheet NAME] [--dry-run] [--map COL=FIELD …] [--village-map "Cũ=Mới" …]
                        [--create-villages] [--category-map "Tên=MÃ" …] [--encoding COL=tcvn3|vni|unicode …]
                        [--commune NAME] [--report FILE] [--yes]
                        [--dry-run --json]
    cnscd import phu-luc-1 FILE [--source NAME] [--accept-flagged] [--dry-run]
    cnscd import hoat-dong FILE… [--dry-run] [--yes]          (see .activities)
    cnscd import thong-ke FILE --year 2026 [--dry-run] [--yes]
    cnscd template fill TEMPLATE --out FILE [--kind KIND] [--map COL=Cột] [--save NAME] [--date dd/mm/yyyy]
    cnscd template fill --saved NAME --out FILE
    cnscd template add TEMPLATE --name NAME [--kind KIND]
    cnscd template list

A password-protected file (e.g. a hand-off this program protected): its password comes from
``CNSCD_FILE_PASSWORD``, or — with ``--passphrase-stdin`` — the first line of standard input (the
registry's passphrase on the next), otherwise it is asked for without echo. Never on the command line.

Exit codes: 0 ok · 2 bad input or errors in rows (nothing written) · 3 wrong password of the file ·
4 unreadable file.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from models import text
from models.errors import EXIT_OK, EXIT_USAGE, UsageError

from .activities import register_imports
from .common import Secrets, log, open_registry, out_json, parse_day, warn
from .kinds import TEMPLATE_KINDS


def _pairs(values: list[str] | None, what: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for v in values or []:
        if "=" not in v:
            raise UsageError(f"{what} «{v}» phải có dạng TRÁI=PHẢI.")
        k, _, val = v.partition("=")
        out[k.strip()] = val.strip()
    return out


def register(sub, common) -> None:
    imp = sub.add_parser("import", parents=[common], help="nhập danh sách thành viên, Phụ lục I từ bảng tính",
                         description="Nhập dữ liệu từ bảng tính (xlsx, xls, ods, csv).")
    isub = imp.add_subparsers(dest="import_command", parser_class=type(imp), metavar="VIỆC")
    r = isub.add_parser("roster", parents=[common], help="nhập danh sách thành viên",
                        description="Nhập danh sách thành viên Tổ CNSCĐ. Xem trước các dòng (thêm mới/cập nhật/"
                        "không đổi/lỗi) rồi mới ghi; một lần nhập là trọn gói: có lỗi thì không ghi gì. Tệp có "
                        "mật khẩu: mật khẩu của tệp lấy từ biến môi trường CNSCD_FILE_PASSWORD, hoặc dòng đầu của "
                        "--passphrase-stdin (dòng sau là mật khẩu sổ), hoặc được hỏi (không hiện chữ).")
    r.add_argument("file", metavar="TỆP")
    r.add_argument("--sheet", default=None, metavar="TRANG", help="tên hoặc số thứ tự trang (mặc định: tự tìm)")
    r.add_argument("--dry-run", action="store_true", help="chỉ xem trước, không ghi gì vào sổ")
    r.add_argument("--map", action="append", metavar="CỘT=TRƯỜNG",
                   help="ghép cột với trường, ví dụ C=phone, \"Số ĐT\"=phone, F=ignore (trường: full_name, birth, "
                   "birth_nam, birth_nu, gender, phone, cccd, role, category, other_positions, village, notes)")
    r.add_argument("--village-map", action="append", metavar="\"CŨ=MỚI\"",
                   help="thôn/TDP trong tệp = thôn/TDP trong sổ (MỚI là + để tạo mới)")
    r.add_argument("--create-villages", action="store_true", help="tạo các thôn/TDP chưa có trong sổ")
    r.add_argument("--category-map", action="append", metavar="\"TÊN=MÃ\"", help="thành phần trong tệp = mã thành phần")
    r.add_argument("--encoding", action="append", metavar="CỘT=BẢNG_MÃ",
                   help="bảng mã chữ Việt của một cột (chữ cái cột như B, hoặc trường như full_name): unicode, "
                   "tcvn3 hoặc vni (mặc định: tự nhận; cột chưa chắc thì phải chọn)")
    r.add_argument("--commune", default="", metavar="XÃ", help="xã/phường của danh sách (sổ tổng hợp nhiều xã)")
    r.add_argument("--report", default=None, metavar="TỆP", help="ghi bản xem trước/kết quả đầy đủ ra tệp văn bản")
    r.add_argument("--yes", action="store_true", help="không hỏi lại trước khi ghi")
    r.add_argument("--skip-errors", action="store_true",
                   help="nhập các dòng đúng, bỏ qua dòng có lỗi và ghi chúng (kèm lý do) ra tệp để sửa rồi nhập lại")
    r.add_argument("--skipped-file", default="", metavar="TỆP",
                   help="nơi ghi các dòng bị bỏ qua (mặc định: <tệp>_chua-nhap.xlsx cạnh tệp nhập)")
    r.add_argument("--json", action="store_true",
                   help="bản xem trước dạng JSON (cùng --dry-run): từng dòng với thành phần, số đếm, lỗi")
    r.set_defaults(func=cmd_import_roster)

    p = isub.add_parser("phu-luc-1", parents=[common], help="nhập bảng Phụ lục I của đơn vị cấp dưới (tổng hợp)")
    p.add_argument("file", metavar="TỆP")
    p.add_argument("--source", default="", metavar="ĐƠN_VỊ", help="tên đơn vị gửi bảng (mặc định: tên tệp)")
    p.add_argument("--accept-flagged", action="store_true",
                   help="vẫn nhập khi dòng tổng không khớp các dòng (kèm cảnh báo)")
    p.add_argument("--dry-run", action="store_true", help="chỉ kiểm tra, không ghi gì vào sổ")
    p.add_argument("--period", default=None, metavar="KỲ",
                   help="kỳ của bảng (2026, 2026-H1, 2026-Q2; mặc định: theo tiêu đề bảng, không có thì năm nhập)")
    p.add_argument("--replace", action="store_true",
                   help="thay bảng đã nhập trước cho cùng đơn vị và cùng kỳ (không bao giờ cộng thêm)")
    p.set_defaults(func=cmd_import_phu_luc)
    register_imports(isub, common)
    imp.set_defaults(func=lambda a, s: (imp.print_help(), EXIT_USAGE)[1])

    t = sub.add_parser("template", parents=[common], help="điền biểu mẫu Excel cấp trên gửi",
                       description="Điền biểu mẫu .xlsx của cấp trên bằng số liệu trong sổ; tệp mẫu không bị sửa.")
    tsub = t.add_subparsers(dest="template_command", parser_class=type(t), metavar="VIỆC")
    f = tsub.add_parser("fill", parents=[common], help="điền một biểu mẫu")
    f.add_argument("template", nargs="?", metavar="TỆP_MẪU")
    f.add_argument("--saved", default=None, metavar="TÊN", help="dùng mẫu đã lưu trong sổ")
    f.add_argument("--out", required=True, metavar="TỆP", help="tệp kết quả (.xlsx)")
    f.add_argument("--kind", choices=list(TEMPLATE_KINDS), default=None, help="loại biểu (mặc định: tự nhận)")
    f.add_argument("--map", action="append", metavar="CỘT=Tên cột báo cáo", help="sửa cách ghép cột, ví dụ E=\"Thành phần\"")
    f.add_argument("--save", default=None, metavar="TÊN", help="lưu mẫu (và cách ghép cột) vào sổ để lần sau dùng --saved")
    f.add_argument("--date", default=None, metavar="NGÀY", help="ngày ghi trên biểu (dd/mm/yyyy; mặc định hôm nay)")
    f.set_defaults(func=cmd_template_fill)
    a = tsub.add_parser("add", parents=[common], help="lưu một biểu mẫu vào sổ")
    a.add_argument("template", metavar="TỆP_MẪU")
    a.add_argument("--name", default="", metavar="TÊN")
    a.add_argument("--kind", choices=list(TEMPLATE_KINDS), default=None)
    a.add_argument("--map", action="append", metavar="CỘT=Tên cột báo cáo")
    a.set_defaults(func=cmd_template_add)
    ls = tsub.add_parser("list", parents=[common], help="các biểu mẫu đã lưu")
    ls.set_defaults(func=cmd_template_list)
    t.set_defaults(func=cmd_template_list)


def _confirm(question: str) -> bool:
    if not sys.stdin.isatty():
        return False
    try:
        ans = input(f"{question} [c/K] ").strip().lower()
    except EOFError:
        return False
    return ans in ("c", "co", "có", "y", "yes")


def _read_book(path: Path, secrets: Secrets, **kw):
    """The file read once; a password-protected one opened with its password (asked for if needed)."""
    from exports import importer

    try:
        return importer.read_table(path, **kw), None
    except importer.FilePasswordRequired:
        print(f"Tệp «{path.name}» có đặt mật khẩu.", file=sys.stderr)
        password = secrets.get("CNSCD_FILE_PASSWORD", f"mật khẩu của tệp «{path.name}»")
        return importer.read_table(path, password=password, **kw), password


def _write_report(path: str, content: str) -> None:
    from exports.usb import atomic_write_bytes

    atomic_write_bytes(Path(path).expanduser(), (content + "\n").encode("utf-8"))


def _preview_json(reg, pv) -> dict:
    """``import roster --dry-run --json``: the preview, each row with its category, the counts."""
    from exports import roster_plan
    from models import services

    with reg.read():
        actions = roster_plan.plan(pv)  # the rows again, with what importing each would do
    names = {c.code: c.name for c in services.list_categories(reg, include_inactive=True)}
    rows, by_category = [], {}
    for r, a in zip(pv.rows, actions, strict=True):
        code = getattr(r, "category", None) or a.category or ""
        label = names.get(code, code)
        if r.status != "error" and label:
            by_category[label] = by_category.get(label, 0) + 1
        rows.append({"row": r.row, "status": r.status, "status_label": r.status_label, "name": r.name,
                     "village": r.village, "category": label, "category_code": code, "changes": list(r.changes),
                     "errors": [{"field": e.field, "message": e.message} for e in r.errors],
                     "warnings": [{"field": w.field, "message": w.message} for w in r.warnings]})
    return {"file": Path(pv.path).name, "sheet": pv.sheet, "header_row": pv.header_row, "ok": pv.ok,
            "counts": pv.counts, "categories": by_category, "blocking": pv.blocking, "warnings": list(pv.warnings),
            "columns": [{"letter": c.letter, "header": c.header, "field": c.field} for c in pv.columns if c.field],
            "unknown_villages": {k: list(v) for k, v in pv.unknown_villages.items()},
            "unknown_categories": {k: list(v) for k, v in pv.unknown_categories.items()}, "rows": rows}


def cmd_import_roster(args, secrets: Secrets) -> int:
    from exports import importer

    path = Path(args.file).expanduser()
    opts = importer.ImportOptions(
        sheet=args.sheet, column_map=_pairs(args.map, "--map"), village_map=_pairs(args.village_map, "--village-map"),
        create_villages=args.create_villages, category_map=_pairs(args.category_map, "--category-map"),
        encodings={(k if re.fullmatch(r"[A-Z]{1,3}", k) else importer.parse_field(k) or k): v.lower()
                   for k, v in _pairs(args.encoding, "--encoding").items()},
        commune=args.commune, skip_errors=args.skip_errors, skipped_path=args.skipped_file)
    if args.json and not args.dry_run:
        raise UsageError("--json chỉ dùng cùng --dry-run (bản xem trước).")
    if not path.exists():
        raise importer.ImportFailed(f"Không tìm thấy tệp «{path}».")
    # read once, before the registry's passphrase: an unreadable file → exit 4, a wrong file password → 3
    book, _password = _read_book(path, secrets)
    with open_registry(args, secrets, writes=not args.dry_run) as reg:
        pv = importer.read_roster(reg, path, opts, book=book)
        c = pv.counts
        log().info("import roster preview: %d rows (new %d, update %d, unchanged %d, error %d)", len(pv.rows),
                   c["new"], c["update"], c["unchanged"], c["error"])
        if args.json:
            out_json(_preview_json(reg, pv))
            return EXIT_OK if pv.ok else EXIT_USAGE
        shown = importer.format_preview(pv, limit=None if args.report else 200)
        print(importer.format_preview(pv, limit=200))
        if not pv.ok and not (args.skip_errors and not pv.blocking and pv.rows):
            if args.report:
                _write_report(args.report, shown + "\nChưa nhập gì vào sổ.")
            for ci in pv.unsure_columns:
                choices = [e for e, _ in ci.candidates] or ["tcvn3", "vni", "unicode"]
                print(f"Cột {ci.letter}: chọn bảng mã bằng --encoding {ci.letter}={choices[0]} (hoặc "
                      + ", ".join(f"{ci.letter}={e}" for e in ("tcvn3", "vni", "unicode") if e != choices[0])
                      + ") rồi chạy lại.", file=sys.stderr)
            print("Có lỗi: chưa nhập gì vào sổ. Hãy sửa tệp (hoặc dùng --map, --village-map, --create-villages, "
                  "--encoding, --category-map) rồi nhập lại, hoặc dùng --skip-errors để nhập các dòng đúng.",
                  file=sys.stderr)
            return EXIT_USAGE
        if args.dry_run:
            if args.report:
                _write_report(args.report, shown + "\nChạy thử (--dry-run): chưa ghi gì vào sổ.")
            print("Chạy thử (--dry-run): chưa ghi gì vào sổ.")
            return EXIT_OK
        if c["new"] + c["update"] == 0:
            print("Không có gì thay đổi: sổ đã khớp với tệp.")
            if args.report:
                _write_report(args.report, shown + "\nKhông có gì thay đổi.")
            return EXIT_OK
        if not args.yes and not _confirm(f"Ghi vào sổ: thêm mới {c['new']}, cập nhật {c['update']}?"):
            print("Chưa ghi gì. Chạy lại với --yes để ghi không cần hỏi.", file=sys.stderr)
            return EXIT_USAGE
        res = importer.apply_roster(reg, pv)
        log().info("import roster: %d created, %d updated, %d unchanged, %d villages and %d teams created",
                   res.created, res.updated, res.unchanged, len(res.villages_created), len(res.teams_created))
        print(f"Đã nhập: thêm mới {res.created}, cập nhật {res.updated}, không đổi {res.unchanged}.")
        if res.skipped:
            print(f"Bỏ qua {res.skipped} dòng có lỗi; các dòng đó (kèm lý do) ở «{res.skipped_file}»: "
                  "sửa rồi nhập lại tệp này.")
        for v in res.villages_created:
            print(f"  Đã tạo {v}")
        for t in res.teams_created:
            print(f"  Đã lập {t} (chưa có quyết định thành lập — hãy bổ sung)")
        if args.report:
            _write_report(args.report, shown + "\n" + res.summary)
    return EXIT_OK


def cmd_import_phu_luc(args, secrets: Secrets) -> int:
    from exports import importer

    path = Path(args.file).expanduser()
    _book, password = _read_book(path, secrets)  # asks for the file's password when it has one
    tab = importer.read_phu_luc_1(path, password=password)
    print(f"Bảng Phụ lục I «{path.name}» (trang «{tab.sheet}»): {len(tab.rows)} đơn vị, "
          f"{text.format_int(tab.teams)} tổ/{text.format_int(tab.villages)} thôn, "
          f"{text.format_int(tab.members)} thành viên (cộng từ các dòng).")
    for e in tab.errors:
        print(f"  Lỗi: {e.message}")
    for fl in tab.flags:
        print(f"  CẢNH BÁO: {fl}")
    if tab.errors:
        return EXIT_USAGE
    if args.dry_run:
        print("Chạy thử (--dry-run): chưa ghi gì vào sổ.")
        return EXIT_USAGE if tab.flags and not args.accept_flagged else EXIT_OK
    with open_registry(args, secrets) as reg:
        importer.import_phu_luc_1(reg, path, source=args.source, accept_flagged=args.accept_flagged,
                                  password=password, period=args.period, replace=args.replace)
    log().info("import phu-luc-1: %d units", len(tab.rows))
    print("Đã nhập bảng vào sổ tổng hợp" + (" (kèm cảnh báo sai lệch số tổng)." if tab.flags else "."))
    return EXIT_OK


def cmd_template_fill(args, secrets: Secrets) -> int:
    from exports import templates
    from models import services

    if not args.template and not args.saved:
        raise UsageError("Cần TỆP_MẪU hoặc --saved TÊN.")
    if args.template and args.saved:
        raise UsageError("Chọn TỆP_MẪU hoặc --saved, không dùng cả hai.")
    out = Path(args.out).expanduser()
    if out.suffix.lower() != ".xlsx":
        raise UsageError("Tệp kết quả phải có đuôi .xlsx.")
    day = parse_day(args.date)
    cmap = _pairs(args.map, "--map")
    with open_registry(args, secrets, writes=bool(args.save)) as reg:  # a read-only registry fills a template too
        if args.saved:
            info, data = templates.load_template(reg, args.saved)
            res = templates.fill_template(reg, data, out, kind=args.kind or info.kind or None, day=day,
                                          column_map={**info.mapping, **cmap})
        else:
            src = Path(args.template).expanduser()
            res = templates.fill_template(reg, src, out, kind=args.kind, day=day, column_map=cmap)
            if args.save:
                templates.save_template(reg, src, name=args.save, kind=res.kind, column_map=cmap)
                print(f"Đã lưu mẫu «{args.save}» vào sổ (lần sau: cnscd template fill --saved \"{args.save}\").")
        if reg.read_only:
            warn("Sổ chỉ đọc: không ghi được biên nhận xuất tệp vào nhật ký của sổ.")
        else:
            services.log_event(reg, "xuat", "registry", f"Điền biểu mẫu ({templates.KINDS[res.kind]}) ra {res.out}")
    log().info("template filled: kind %s, %d rows", res.kind, res.rows)
    print(f"Đã điền {templates.KINDS[res.kind]} vào {res.out} (trang «{res.sheet}», {res.rows} dòng"
          + (f", chèn thêm {res.inserted} dòng" if res.inserted else "") + ").")
    print("Ghép cột: " + "; ".join(f"{k} ← {v}" for k, v in res.mapping.items()))
    if res.unmapped_template:
        print("Cột của mẫu để trống: " + ", ".join(res.unmapped_template))
    if res.unmapped_report:
        print("Số liệu không có chỗ trong mẫu: " + ", ".join(res.unmapped_report))
    if res.place_date:
        print("Đã điền dòng địa danh, ngày tháng.")
    for n in res.notes:
        print(n)
    return EXIT_OK


def cmd_template_add(args, secrets: Secrets) -> int:
    from exports import templates

    with open_registry(args, secrets) as reg:
        info = templates.save_template(reg, Path(args.template).expanduser(), name=args.name, kind=args.kind,
                                       column_map=_pairs(args.map, "--map"))
    print(f"Đã lưu mẫu «{info.name}» ({info.filename}, {info.size} byte).")
    return EXIT_OK


def cmd_template_list(args, secrets: Secrets) -> int:
    from exports import templates

    with open_registry(args, secrets, writes=False) as reg:
        items = templates.list_templates(reg)
    if not items:
        print("Chưa lưu biểu mẫu nào. Dùng «cnscd template add TỆP --name TÊN» hoặc «template fill … --save TÊN».")
        return EXIT_OK
    for t in items:
        kind = templates.KINDS.get(t.kind, "tự nhận loại")
        extra = f"; sửa ghép cột: {', '.join(f'{k}={v}' for k, v in t.mapping.items())}" if t.mapping else ""
        print(f"- {t.name}: {t.filename} ({kind}), lưu ngày {t.saved}{extra}")
    return EXIT_OK
