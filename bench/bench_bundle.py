"""The bundle against a bare PySide6 window bundled the same way: size on disk, and start-up time.

Run by hand with the bundle's venv (made by ``bash scripts/build-bundle.sh``)::

    .venv-bundle/bin/python bench/bench_bundle.py [--runs 5] [--cases 2000]

In a temporary folder it builds (1) a bare widgets window with PyInstaller's default options
(``pyinstaller bare.py``) and (2) the app from ``build.spec``, and prints both sizes and build times.
Then, offscreen, it starts each several times: the bare window until it has shown itself (the floor),
and the app on a demo ledger until its 台账 page has drawn its first rows (the app logs that moment,
``ui/app.py``); for reference also the same app installed (not bundled) in the venv that runs this.  It prints the medians and the ratio to the floor.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from startup_timing import time_until_ready

ROOT = Path(__file__).resolve().parent.parent

BARE_WINDOW = """
import sys
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QLabel, QMainWindow

app = QApplication(sys.argv)
window = QMainWindow()
window.setCentralWidget(QLabel("台账"))
window.show()


def shown():
    print("shown", flush=True)
    app.quit()


QTimer.singleShot(0, shown)
app.exec()
"""


def size_mb(folder: Path) -> float:
    return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file() and not f.is_symlink()) / 1e6


def pyinstaller(args: list[str], cwd: Path) -> float:
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "PyInstaller", "--noconfirm", "--log-level", "ERROR", *args],
        cwd=cwd,
        check=True,
    )
    return time.perf_counter() - start


def time_bare(executable: Path, env: dict[str, str]) -> float:
    start = time.perf_counter()
    out = subprocess.run([str(executable)], env=env, capture_output=True, text=True, check=True, timeout=120)
    elapsed = time.perf_counter() - start
    if "shown" not in out.stdout:
        raise RuntimeError(f"the bare window did not start: {out.stderr[-500:]}")
    return elapsed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="starts of each (median shown)")
    parser.add_argument("--cases", type=int, default=2000, help="cases in the demo ledger")
    parser.add_argument("--reuse", type=Path, help="the folder of an earlier run: measure its bundles again")
    args = parser.parse_args(argv)

    work = args.reuse or Path(tempfile.mkdtemp(prefix="bench-bundle-"))
    bare, app = work / "dist" / "bare", work / "dist" / "xinfang-desk"
    if args.reuse is None:
        (work / "bare.py").write_text(BARE_WINDOW, encoding="utf-8")
        bare_build = pyinstaller(["bare.py"], work)
        app_build = pyinstaller(
            [
                "--distpath",
                str(work / "dist"),
                "--workpath",
                str(work / "build-app"),
                str(ROOT / "build.spec"),
            ],
            ROOT,
        )
        print(f"built in {bare_build:.1f} s (bare window) and {app_build:.1f} s (xinfang-desk)")
    bare_size, app_size = size_mb(bare), size_mb(app)
    print(f"bare PySide6 window (pyinstaller defaults): {bare_size:6.1f} MB")
    print(f"xinfang-desk (build.spec):                  {app_size:6.1f} MB")
    print(f"size ratio app / bare:                      {app_size / bare_size:6.2f}  (goal ≤ 1.00)")

    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", XINFANG_DESK_LOG_DIR=str(work / "log"))
    env["XDG_CONFIG_HOME"] = str(work / "config")  # the app's QSettings: open on the 台账 page
    settings = work / "config" / "xinfang_desk" / "xinfang_desk.conf"
    settings.parent.mkdir(parents=True, exist_ok=True)
    settings.write_text("[window]\npage=2\n", encoding="utf-8")
    ledger = work / "demo.sqlite"
    ledger.unlink(missing_ok=True)
    subprocess.run(
        [str(app / "xinfang-desk"), "demo", "--db", str(ledger), "--cases", str(args.cases)],
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    log_file = work / "log" / "xinfang-desk.log"
    bundled = [str(app / "xinfang-desk"), "--db", str(ledger)]
    source = [sys.executable, "-m", "xinfang_desk.ui.app", "--db", str(ledger)]

    time_bare(bare / "bare", env)  # warm the disk cache once for each
    time_until_ready(bundled, env, log_file)
    time_until_ready(source, env, log_file, work)
    floor = statistics.median(time_bare(bare / "bare", env) for _ in range(args.runs))
    in_bundle = statistics.median(time_until_ready(bundled, env, log_file) for _ in range(args.runs))
    from_source = statistics.median(time_until_ready(source, env, log_file, work) for _ in range(args.runs))
    print(f"start-up, median of {args.runs} (offscreen, {args.cases:,}-case demo ledger):")
    print(f"  bare bundled window shown (floor):        {floor * 1000:7.0f} ms")
    print(
        f"  bundled app, first 台账 page drawn:        {in_bundle * 1000:7.0f} ms   ratio {in_bundle / floor:5.2f}"
    )
    print(
        f"  app installed, first 台账 page drawn:      {from_source * 1000:7.0f} ms   ratio {from_source / floor:5.2f}"
    )
    print(f"(build folder {work})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
