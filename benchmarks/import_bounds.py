"""How long, and how much memory, reading a hostile or very large XLSX takes (issue #12 point 7, #13 point 3).

Builds the files of the issues and reads each with `parse_file` in a fresh subprocess: wall and CPU
seconds, then (in a second run, as tracemalloc slows it) the peak of the memory Python allocated:

- xfd:        ~12 KB, every row one cell in the last column (XFD)
- rows150k:   ~20 KB, 150,000 identical rows of one small cell
- rows990k:   ~7 MB, 990,000 rows of four cells (inflating ~18x)
- far_row:    one cell at row 1,000,000 (openpyxl yields every row before it)
- long_row:   one row of 1,000,000 cells without coordinates (openpyxl parses a row before yielding it)
- edge:       an ordinary history just under the cell budget (the slowest file still read)

    python -m benchmarks.import_bounds [--only xfd,edge] [--runs 1]
"""

from __future__ import annotations

import argparse
import io
import subprocess
import sys
import zipfile
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from data.importing.read import MAX_XLSX_CELLS  # noqa: E402

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>')
_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
    'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>')
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/'
    'main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>'
    '<sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>')
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
    'relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>')
_SHEET_HEAD = ('<?xml version="1.0" encoding="UTF-8"?><worksheet '
               'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">{dimension}<sheetData>')


def raw_xlsx(rows: Iterator[str], dimension: str | None = None) -> bytes:
    """A minimal workbook whose one sheet's <sheetData> is `rows` (XML text), streamed into the zip:
    openpyxl would take minutes to write the large ones."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("_rels/.rels", _RELS)
        archive.writestr("xl/workbook.xml", _WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            head = _SHEET_HEAD.format(dimension=f'<dimension ref="{dimension}"/>' if dimension else "")
            sheet.write(head.encode())
            batch: list[str] = []
            for row in rows:
                batch.append(row)
                if len(batch) >= 10_000:
                    sheet.write("".join(batch).encode())
                    batch.clear()
            sheet.write(("".join(batch) + "</sheetData></worksheet>").encode())
    return buffer.getvalue()


def _cell(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def xfd_file(rows: int = 1_500) -> bytes:
    return raw_xlsx(f'<row r="{r}">{_cell(f"XFD{r}", "x")}</row>' for r in range(1, rows + 1))


def rows_file(rows: int, cells: int = 1) -> bytes:
    letters = "ABCDEFG"
    return raw_xlsx(f'<row r="{r}">' + "".join(f'<c r="{letters[i]}{r}"><v>{i}</v></c>' for i in range(cells))
                    + "</row>" for r in range(1, rows + 1))


def far_row_file() -> bytes:
    return raw_xlsx(iter([f'<row r="1000000">{_cell("A1000000", "x")}</row>']))


def long_row_file(cells: int = 1_000_000) -> bytes:
    return raw_xlsx(iter(['<row r="1">' + "<c><v>1</v></c>" * cells + "</row>"]))


def history_file(rows: int) -> bytes:
    """An ordinary carrier history (openpyxl writes it, with a dimension, as Excel does)."""
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["결제일시", "이용업체명", "결제대행사", "구매상품", "이용서비스", "금액", "상태"])
    moment = datetime(2025, 1, 1, 9, 0)
    for index in range(rows):
        moment += timedelta(minutes=17)
        amount = 1_100 * (1 + index % 9)
        sheet.append([moment, "넷마블", "KG모빌리언스", f"다이아 {index % 50}개", "게임", amount, "승인"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


FILES: dict[str, Callable[[], bytes]] = {
    "xfd": xfd_file,
    "rows150k": lambda: raw_xlsx("<row><c><v>1</v></c></row>" for _ in range(150_000)),
    "rows990k": lambda: rows_file(990_000, cells=4),
    "far_row": far_row_file,
    "long_row": long_row_file,
    "edge": lambda: history_file(MAX_XLSX_CELLS // 7 - 2),
}

_CHILD = """
import sys, time
sys.path.insert(0, {root!r})
from data.importing import parse_file
content = open({path!r}, "rb").read()
if {traced!r}:
    import tracemalloc
    tracemalloc.start()
cpu, start = time.process_time(), time.perf_counter()
result = parse_file(content, "a.xlsx")
seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
peak = tracemalloc.get_traced_memory()[1] / 2**20 if {traced!r} else 0
said = result.errors[0].key if result.errors and not result.rows else f"{{len(result.rows)}} rows read"
print(f"{{seconds:.2f}}\\t{{cpu:.2f}}\\t{{peak:.0f}}\\t{{said}}")
"""


def measure(path: Path, traced: bool) -> list[str]:
    """Wall and CPU seconds of parse_file in a fresh process; with `traced`, the peak of the memory Python
    allocated meanwhile (tracemalloc slows the run, so it is timed in a run of its own)."""
    code = _CHILD.format(root=str(ROOT), path=str(path), traced=traced)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    return out.strip().splitlines()[-1].split("\t")


def main() -> None:
    import tempfile

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", default=",".join(FILES))
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args()
    print(f"{'file':<10} {'size':>10} {'inflated':>12}  {'wall s':>6} {'cpu s':>6} {'peak MB':>7}  outcome")
    with tempfile.TemporaryDirectory() as folder:
        for name in args.only.split(","):
            content = FILES[name]()
            inflated = sum(i.file_size for i in zipfile.ZipFile(io.BytesIO(content)).infolist())
            path = Path(folder) / f"{name}.xlsx"
            path.write_bytes(content)
            for _ in range(args.runs):
                seconds, cpu, _, said = measure(path, traced=False)
                peak = measure(path, traced=True)[2]
                print(f"{name:<10} {len(content):>10,} {inflated:>12,}  {seconds:>6} {cpu:>6} {peak:>7}  {said}",
                      flush=True)


if __name__ == "__main__":
    main()
