#!/usr/bin/env bash
# Full check: system packages, venv (with the test tools), ruff, then pytest (extra arguments go to
# pytest, e.g. `bash scripts/test.sh tests/test_fonts.py -x`). Exits non-zero on the first failing step.
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO"

echo "[1/4] 检查系统组件（含测试所需的 xvfb、poppler-utils）"
bash scripts/setup-system.sh test
echo "[2/4] 准备 Python 环境（.venv，按 requirements/test.txt 安装运行与测试组件）"
bash scripts/bootstrap.sh test

export QT_QPA_PLATFORM=offscreen

echo "[3/4] ruff 代码检查"
.venv/bin/python -m ruff check .

echo "[4/4] pytest"
.venv/bin/python -m pytest "$@"
