"""Issue 12: the import wizard names the rows whose control characters were taken out (the preview step)."""

from __future__ import annotations

from cnscd_tui.app import CnscdApp
from tests.test_tui_import import SIZE, _csv, pick_file
from tests.tui_helpers import open_demo, press, screen_name, screen_text, settle


async def test_wizard_preview_names_rows_cleaned_of_control_characters(demo_path, tmp_path):
    f = _csv(tmp_path / "ky-tu-la.csv", [(1, "Nguyễn\x07 Thị Hoa", 1990, "0912345678", "An Lợi", ""),
                                         (2, "Trần Văn Bình", 1985, "0987654321", "Đông Lợi", "ghi\x1b chú")])
    app = CnscdApp(demo_path)
    async with app.run_test(size=SIZE) as pilot:
        await open_demo(pilot)
        app.open_import()
        await settle(pilot)
        await pick_file(pilot, f)
        assert screen_name(app) == "ImportScreen"
        await press(pilot, "ctrl+n")
        assert app.screen.step == "preview"
        text = " ".join(screen_text(app).split())
        assert "Đã bỏ ký tự điều khiển" in text and "dòng 2 (cột B); dòng 3 (cột F)" in text, text[:3000]
        assert "Nguyễn Thị Hoa" in text
