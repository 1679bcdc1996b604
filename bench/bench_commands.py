"""Command start-up: ``--version``, ``--help`` and ``stats --json`` as whole processes, against bare floors.

Usage: python bench/bench_commands.py [--runs 10] [DB]   (default DB: /tmp/bench-10k.sqlite, copied first)

Each run is its own process (``python -m xinfang_desk …``).  The floors, measured in the same run
between them (interleaved): a bare interpreter (``python -c pass``) for ``--version`` and ``--help``
(goal ≤ 1.2), and a bare ``python -c "import sqlalchemy.orm"`` for ``stats --json`` (goal ≤ 1.5, plus
the command's own work: a year's figures of the ledger).  Prints medians, ratios and ``os.getloadavg()``.
Python may write its bytecode caches (``PYTHONDONTWRITEBYTECODE`` is dropped), as an installed program has
them; the warm-up run writes them, and upgrades the copied ledger if its schema is older.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

from startup_timing import bench_folder

ROOT = Path(__file__).resolve().parent.parent


def seconds(command: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, env=env, cwd=ROOT, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    return time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10, help="runs of each (median shown)")
    parser.add_argument("db", nargs="?", type=Path, default=Path("/tmp/bench-10k.sqlite"))
    args = parser.parse_args(argv)

    with bench_folder("bench-commands-") as work:
        env = dict(os.environ, XINFANG_DESK_LOG_DIR=str(work / "log"))
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPATH"] = os.pathsep.join([str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])])
        ledger = work / args.db.name
        shutil.copyfile(args.db, ledger)
        python = sys.executable
        measured = {
            "bare interpreter (python -c pass)": [python, "-c", "pass"],
            "bare import sqlalchemy.orm": [python, "-c", "import sqlalchemy.orm"],
            "xinfang-desk --version": [python, "-m", "xinfang_desk", "--version"],
            "xinfang-desk --help": [python, "-m", "xinfang_desk", "--help"],
            "xinfang-desk stats --json (a year)": [
                *(python, "-m", "xinfang_desk", "stats", "--json", "--year", "2025", "--db", str(ledger))
            ],
        }
        for command in measured.values():  # warm the disk cache once for each
            seconds(command, env)
        times: dict[str, list[float]] = {name: [] for name in measured}
        for _ in range(args.runs):
            for name, command in measured.items():
                times[name].append(seconds(command, env))
        median = {name: statistics.median(values) * 1000 for name, values in times.items()}
        interpreter, orm = median["bare interpreter (python -c pass)"], median["bare import sqlalchemy.orm"]
        print(f"median of {args.runs} interleaved runs; ledger {args.db}")
        for name, ms in median.items():
            if name.startswith("bare"):
                print(f"  {name:<38}{ms:7.0f} ms")
            elif "stats" in name:
                print(
                    f"  {name:<38}{ms:7.0f} ms   ratio {ms / orm:5.2f} to import sqlalchemy.orm (goal ≤ 1.5 + work)"
                )
            else:
                print(
                    f"  {name:<38}{ms:7.0f} ms   ratio {ms / interpreter:5.2f} to the interpreter (goal ≤ 1.2)"
                )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
