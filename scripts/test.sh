#!/usr/bin/env bash
# Full check: system packages, venv (with the test tools), ruff, pytest, then — for the full check only —
# a second pytest pass of the ledger tests on a throw-away PostgreSQL server (scripts/test-postgresql.sh).
# Extra arguments go to the first pytest pass alone, e.g. `bash scripts/test.sh tests/test_fonts.py -x`.
# Exits non-zero on the first failing step.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO"

steps=4
[ "$#" -eq 0 ] && steps=5

echo "[1/$steps] 检查系统组件（含测试所需的 xvfb、poppler-utils）"
bash scripts/setup-system.sh test
echo "[2/$steps] 准备 Python 环境（.venv，按 requirements/test.txt 安装运行与测试组件）"
bash scripts/bootstrap.sh test

export QT_QPA_PLATFORM=offscreen

echo "[3/$steps] ruff 代码检查"
.venv/bin/python -m ruff check .

echo "[4/$steps] pytest"
.venv/bin/python -m pytest "$@"

if [ "$steps" -eq 5 ]; then
    echo "[5/5] pytest：台账测试在 PostgreSQL 服务器上再运行一遍（缺少时安装 postgresql）"
    start=$(date +%s)
    bash scripts/test-postgresql.sh
    echo "== PostgreSQL pass took $(( $(date +%s) - start )) s"
fi
