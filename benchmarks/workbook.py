"""How long the canevas workbook takes: export, untouched import, and the import of one edit per action.

    python -m benchmarks.workbook 360          # a synthetic plan of 360 actions (benchmarks.synth)

Prints the seconds of each step, measured in this process (the CLI adds about a second of imports).
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

from openpyxl import load_workbook

from benchmarks.synth import generate
from publisher import workbook
from publisher.check import load_checked


def _timed(label: str, step):
    started = time.perf_counter()
    result = step()
    print(f"{label:<40} {time.perf_counter() - started:>6.2f} s", flush=True)
    return result


def main(argv: list[str] | None = None) -> None:
    """Time export and import on a synthetic plan of the size asked."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("actions", type=int, nargs="?", default=360)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-workbook-") as tmp:
        plan = generate(args.actions, Path(tmp) / "plan")
        xlsx = Path(tmp) / "canevas.xlsx"
        print(f"plan of {len(load_checked(plan).plan.actions)} actions")
        _timed("export (check + workbook)", lambda: workbook.export_file(plan, xlsx))
        print(f"{'workbook size':<40} {xlsx.stat().st_size / 1000:>6.0f} kB")
        report = _timed("import, untouched (nothing written)", lambda: workbook.import_file(xlsx, plan))
        assert not report.written
        edited = Path(tmp) / "edited.xlsx"
        wb = load_workbook(xlsx)
        column = workbook.COL[("budget.montant", "")]
        for name in wb.sheetnames[2:]:
            if name == workbook.EXPORTED:
                continue  # the values as exported, which the import compares with
            ws = wb[name]
            for row in range(workbook.FIRST_ROW, ws.max_row + 1):
                cell = ws.cell(row=row, column=column)
                if isinstance(cell.value, (int, float)) or type(cell.value).__name__ == "Decimal":
                    cell.value = int(cell.value) + 1
        wb.save(edited)
        copy = Path(shutil.copytree(plan, Path(tmp) / "copy"))
        report = _timed("import, every budget edited", lambda: workbook.import_file(edited, copy))
        print(f"{'changes applied':<40} {len(report.changes):>6}")


if __name__ == "__main__":
    main()
