"""English of the Hoạt động tab (F10), Cài đặt (F9), the tab names and the keys' tooltips shown in
F1 help — merged into :data:`cnscd_tui.i18n.EN` (kept apart so that neither file grows past the
project's size limit)."""

from __future__ import annotations

EN_MORE: dict[str, str] = {
    # the tabs (F2–F10) and their tooltips in help
    "Hoạt động": "Activity",
    **{f"Mở {vi} (F2–F10: chuyển trang)": f"Open {en} (F2–F10: change tab)" for vi, en in [
        ("Tổng quan", "Overview"), ("Thôn/Tổ", "Villages"), ("Thành viên", "People"), ("Tập huấn", "Training"),
        ("Thiết bị", "Equipment"), ("Báo cáo", "Reports"), ("Nhật ký", "Audit log"), ("Cài đặt", "Settings"),
        ("Hoạt động", "Activity")]},
    "Đọc lại dữ liệu": "Read the data again",
    # help (F1)
    "Chung: F1 trợ giúp · Ctrl+P bảng lệnh (gõ để tìm lệnh) · Ctrl+L khóa sổ · Ctrl+Q thoát · Tab/Shift+Tab chuyển "
    "ô · F2–F10 chuyển trang. Mọi thay đổi được lưu (mã hóa) ngay khi bấm Lưu; không cần «lưu tệp».":
        "General: F1 help · Ctrl+P commands (type to find one) · Ctrl+L lock · Ctrl+Q quit · Tab/Shift+Tab next/"
        "previous field · F2–F10 change tab. Every change is saved (encrypted) as soon as you press Save; there "
        "is no «save file».",
    "Đóng trợ giúp": "Close help",
    "Khóa sổ ngay": "Lock the registry now",
    "Thoát chương trình": "Quit the program",
    "Bảng lệnh": "Command palette",
    "Phím tắt và hướng dẫn của cửa sổ này": "Keys and how-to of this window",
    "Khóa sổ ngay; những gì đang nhập dở vẫn được giữ": "Lock now; what is being typed is kept",
    # lists and forms
    "Mở dòng đang chọn": "Open the selected row",
    "Đánh dấu / bỏ đánh dấu": "Mark / unmark",
    "Đánh dấu (hoặc bỏ dấu) dòng đang chọn rồi xuống dòng dưới": "Mark (or unmark) the selected row, then move down",
    "Lựa chọn dưới": "Next choice",
    "Lựa chọn trên": "Previous choice",
    "Đóng danh sách": "Close the list",
    "Kiểm tra và lưu vào sổ": "Check and save to the registry",
    "Đóng biểu mẫu, không lưu (đã nhập gì thì hỏi trước)": "Close the form without saving (asks first if "
                                                            "anything was typed)",
    "Sang ô sau; ở ô cuối thì lưu": "Next field; on the last one, save",
    "Đồng ý": "Yes",
    "Không đồng ý": "No",
    "Đóng thông báo": "Close the message",
    "Enter hoặc Tab: sang ô sau (Enter ở ô cuối: lưu) · Shift+Tab: ô trước · Ctrl+S: lưu · Esc: hủy (đã nhập gì "
    "thì hỏi trước khi bỏ). Ô chọn: gõ vài chữ (không cần dấu) rồi Enter; ↑↓ xem danh sách.":
        "Enter or Tab: next field (Enter on the last one: save) · Shift+Tab: previous field · Ctrl+S: save · Esc: "
        "cancel (asks first if anything was typed). Choice fields: type a few letters (no accents needed), then "
        "Enter; ↑↓ show the list.",
    # Hoạt động (F10)
    "Hoạt động của các tổ theo tháng. B: bảng nhập — mỗi tổ hai dòng (số người, số hộ), mỗi dịch vụ một cột; gõ "
    "số thẳng vào ô, mũi tên/Tab/Enter để sang ô khác, Backspace xóa một chữ số, Delete xóa ô, Esc bỏ số đang gõ; "
    "Ctrl+S lưu (ô đã sửa có dấu *, ô lỗi có dấu !), X bỏ các ô chưa lưu. M: chọn tháng. T: tiến độ từng thôn so "
    "với mục tiêu (✓ đạt, ▼ chưa đạt; «chưa có» khi thiếu số hộ/số dân), E: sửa số hộ của thôn, C: sửa chỉ tiêu. "
    "N: nhu cầu, khó khăn người dân (Enter để xem đủ). L: lịch trực tại điểm hỗ trợ (A thêm, D xóa). H: số hộ, "
    "số dân từng thôn theo năm (Enter hoặc E để sửa; tổng của xã tự tính).":
        "The teams' activity by month. B: the grid — two lines per team (people, households), one column per "
        "service; type figures straight into a cell, arrows/Tab/Enter move to another cell, Backspace deletes a "
        "digit, Delete clears the cell, Esc drops what is being typed; Ctrl+S saves (a changed cell is marked *, "
        "a wrong one !), X drops the unsaved cells. M: choose the month. T: each village's progress against the "
        "targets (✓ met, ▼ behind; «n/a» without household/resident counts), E: edit a village's households, C: "
        "edit the targets. N: residents' needs and difficulties (Enter reads one in full). L: the duty rota at "
        "the support point (A add, D delete). H: households and residents of each village by year (Enter or E "
        "to edit; the commune's total is computed).",
    "Tháng": "Month",
    "Sửa số hộ": "Households",
    "Chỉ tiêu": "Targets",
    "Bảng nhập": "Grid",
    "Tiến độ": "Progress",
    "Nhu cầu": "Needs",
    "Lịch trực": "Duty rota",
    "Lưu các ô đã sửa của bảng nhập tháng": "Save the changed cells of the month's grid",
    "Chọn tháng": "Choose the month",
    "Sửa số hộ, số dân của thôn đang chọn (năm của tháng đang xem)":
        "Edit the selected village's households and residents (the year of the month on view)",
    "Sửa chỉ tiêu hoạt động": "Edit the activity targets",
    "Thêm người vào lịch trực": "Add a person to the duty rota",
    "Xóa ca trực đang chọn (hỏi xác nhận)": "Delete the selected duty slot (asks first)",
    "Bỏ mọi ô đã sửa mà chưa lưu (hỏi xác nhận)": "Drop every changed cell not saved yet (asks first)",
    "Bảng nhập số người, số hộ được hỗ trợ của từng tổ theo dịch vụ trong tháng":
        "The grid: people and households each team helped, by service, in the month",
    "Tỷ lệ đã đạt của từng thôn so với chỉ tiêu năm": "Each village's share reached against the year's targets",
    "Nhu cầu, khó khăn của người dân các tổ ghi lại": "Residents' needs and difficulties the teams noted",
    "Lịch trực tại điểm hỗ trợ theo thứ trong tuần": "The duty rota at the support point by weekday",
    "Số hộ, số dân, người trong độ tuổi lao động, hộ kinh doanh của từng thôn theo năm":
        "Households, residents, working-age residents and business households of each village by year",
    # the Hoạt động forms
    "Số liệu của thôn trong năm: số hộ, số dân, số người trong độ tuổi lao động, số hộ kinh doanh, số hồ sơ TTHC "
    "phát sinh. Để trống ô chưa có số. Tổng của xã được tính tự động từ các thôn. Ctrl+S: lưu · Esc: hủy.":
        "The village's figures for the year: households, residents, working-age residents, business households, "
        "administrative dossiers arising. Leave a box blank when there is no figure. The commune's total is "
        "computed from the villages. Ctrl+S: save · Esc: cancel.",
    "Chọn thứ và ca trực của người này tại điểm hỗ trợ. Ctrl+S: lưu · Esc: hủy.":
        "Choose this person's weekday and shift at the support point. Ctrl+S: save · Esc: cancel.",
    "Chỉ tiêu năm, tính bằng phần trăm; để trống: không đặt chỉ tiêu đó. Hoặc chọn một bộ chỉ tiêu theo kế hoạch "
    "mẫu. Ctrl+S: lưu · Esc: hủy.":
        "The year's targets, in percent; blank: no such target. Or choose the targets of a model plan. Ctrl+S: "
        "save · Esc: cancel.",
    "Số hộ": "Households",
    "Số dân": "Residents",
    "Số người trong độ tuổi lao động": "Working-age residents",
    "Số hộ kinh doanh": "Business households",
    "Số hồ sơ TTHC phát sinh": "Administrative dossiers arising",
    "Nguồn số liệu, ghi chú": "Source of the figures, note",
    "ví dụ: theo thống kê của công an xã": "e.g. from the commune police's count",
    "Người trực": "On duty",
    "Thứ": "Weekday",
    "Ca": "Shift",
    "Bộ chỉ tiêu theo kế hoạch mẫu": "Targets of a model plan",
    "để trống: không đặt": "blank: no target",
    **{f"{vi}{tail}": f"{en}{tail_en}" for vi, en in [
        ("Hộ dân đã được hỗ trợ", "Households helped"),
        ("Người trong độ tuổi lao động đã được hướng dẫn", "Working-age residents guided"),
        ("Hộ kinh doanh dùng thanh toán không dùng tiền mặt", "Business households paying cashless"),
        ("Tổ đã tuyên truyền phòng chống lừa đảo", "Teams running anti-fraud guidance"),
        ("Hồ sơ TTHC nộp trực tuyến", "Administrative dossiers filed online")]
       for tail, tail_en in [(" (%)", " (%)"), (" — trên (%)", " — above (%)")]},
    # Cài đặt (F9)
    "Cài đặt của sổ. E: sửa thông tin xã, người ký, số thành viên tối thiểu/tối đa, thành phần bắt buộc, thời gian "
    "tự khóa, ngôn ngữ, màu giao diện (sáng, tối, tương phản cao — lưu trên máy này). C: thêm thành phần; Enter "
    "trên một thành phần để sửa. P: đổi mật khẩu. K: làm mới khóa khôi phục (mã cũ hết hiệu lực). B: sao lưu ngay; "
    "O: chép bản sao ra USB; R: khôi phục bản sao đang chọn (bằng mật khẩu lúc tạo bản sao, hoặc mã khôi phục).":
        "The registry's settings. E: edit the commune, the signer, the minimum/maximum team size, the required "
        "categories, the auto-lock time, the language, the theme (light, dark, high contrast — kept on this "
        "computer). C: add a category; Enter on a category edits it. P: change the passphrase. K: renew the "
        "recovery key (the old one stops working). B: back up now; O: copy a backup to USB; R: restore the "
        "selected backup (with the passphrase it was made with, or the recovery key).",
    "Nhập mật khẩu hiện tại để cấp mã khôi phục mới. Mã cũ hết hiệu lực ngay (dùng khi mã cũ bị lộ hoặc bị mất). "
    "Mã mới chỉ hiện một lần: chép ra giấy và gõ lại nhóm cuối để xác nhận.":
        "Type the current passphrase to get a new recovery key. The old key stops working at once (use this when "
        "it was seen by others or lost). The new key is shown once: write it on paper and type its last group "
        "to confirm.",
    "Làm mới khóa khôi phục": "Renew recovery key",
    "Cấp mã khôi phục mới; mã cũ hết hiệu lực": "Issue a new recovery key; the old one stops working",
    "Sửa thông tin xã, người ký, quy định, tự khóa": "Edit the commune, the signer, the rules, auto-lock",
    "Thêm thành phần mới": "Add a new category",
    "Sửa thành phần / khôi phục bản sao đang chọn": "Edit the category / restore the selected backup",
    "Đổi mật khẩu của sổ": "Change the registry's passphrase",
    "Tạo bản sao lưu mã hóa ngay": "Make an encrypted backup now",
    "Chép bản sao lưu mã hóa ra USB/thư mục": "Copy an encrypted backup to USB/a folder",
    "Khôi phục bản sao lưu đang chọn": "Restore the selected backup",
    "Số văn bản": "Document number",
    "ví dụ: 125 hoặc 125/BC-UBND": "e.g. 125 or 125/BC-UBND",
    "Ký hiệu văn bản (sau «BC-» trên dòng số)": "Document symbol (after «BC-» on the number line)",
    "Ký hiệu văn bản": "Document symbol",
    "Nơi nhận (các dòng cách nhau bằng dấu ;)": "Recipients (lines separated by ;)",
    "ví dụ: Như trên; UBND huyện; Lưu: VT.": "e.g. Như trên; UBND huyện; Lưu: VT.",
    "Người lập biểu (danh sách ký nhận kinh phí)": "Prepared by (fund receipt list)",
    "Kế toán (danh sách ký nhận kinh phí)": "Accountant (fund receipt list)",
    "Chưa chọn (để trống số tiền trên các biểu kinh phí)": "Not chosen (amounts left blank on the fund forms)",
    "Theo tỉnh, thành phố của sổ: {name}": "The registry's province/city: {name}",
    "mặc định": "default",
    "{n} dòng": "{n} lines",
    "(ký tay)": "(signed by hand)",
    "Nơi nhận": "Recipients",
    "Lập biểu": "Prepared by",
    "Kế toán": "Accountant",
    "Bản sao": "Backup",
    "Mật khẩu (của sổ lúc tạo bản sao lưu đó)": "Passphrase (the registry's when that backup was made)",
    "…hoặc mã khôi phục": "…or the recovery key",
    "ví dụ: Duy Tiên": "e.g. Duy Tiên",
    "Mức hỗ trợ kinh phí (dự toán, danh sách ký nhận, báo cáo kỳ)":
        "Support-fund rate (estimate, receipt list, period report)",
    "Căn cứ mức hỗ trợ (số, ngày của nghị quyết)": "Basis of the rate (number, date of the resolution)",
    "ví dụ: Nghị quyết số 12/2025/NQ-HĐND ngày 10/7/2025": "e.g. Nghị quyết số 12/2025/NQ-HĐND ngày 10/7/2025",
    "Màu giao diện (của máy này)": "Theme (of this computer)",
    "để trống: chừa chỗ ghi số bằng tay": "blank: room left to write the number by hand",
    "để trống: {symbol}": "blank: {symbol}",
    "«{label}» ghi chữ số (ví dụ 125), hoặc cả số và ký hiệu (ví dụ 125/BC-UBND), không có dấu cách; để trống để "
    "ghi tay (đang là «{v}»).":
        "«{label}» takes digits (e.g. 125), or the number and the symbol (e.g. 125/BC-UBND), without spaces; "
        "blank to write it by hand (now «{v}»).",
    "«{label}» chỉ gồm chữ, chữ số và dấu gạch nối, không có dấu cách hay dấu «/» (ví dụ UBND, VHXH; đang là "
    "«{v}»).": "«{label}» takes letters, digits and hyphens only, no spaces or «/» (e.g. UBND, VHXH; now «{v}»).",
    "«{label}» có nhiều nhất 15 dòng (đang có {k}).": "«{label}» has at most 15 lines (now {k}).",
    "«{label}»: mỗi dòng dài nhiều nhất 150 ký tự («{v}…» dài hơn).":
        "«{label}»: each line at most 150 characters («{v}…» is longer).",
    "«{label}» dài quá {n} ký tự (đang có {k}).": "«{label}» is longer than {n} characters (now {k}).",
    "«{label}» là họ tên người, không có chữ số (đang là «{v}»).": "«{label}» is a person's name, without digits "
                                                                   "(now «{v}»).",
    # the Reports tab's activity kinds and the Settings tab's document fields
    "Kết quả hoạt động của các Tổ CNSCĐ": "Teams' results",
    "Lịch trực hỗ trợ người dân tại điểm hỗ trợ": "Duty rota at the support point",
    "Cả thời gian hỗ trợ (không theo kỳ)": "Whole support period (no reporting period)",
    "Tháng {month}/{year}": "Month {month}/{year}",
    "Người lập biểu": "Prepared by",
    "Căn cứ mức hỗ trợ": "Support-fund basis",
}
