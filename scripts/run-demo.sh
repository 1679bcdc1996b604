#!/usr/bin/env bash
# Open the app on a ready demo ledger: installs what running needs (system libraries for Qt, the venv with
# the locked runtime libraries), builds the demo ledger in the user's data folder on first use, then starts
# the window.  Extra arguments go to the app (e.g. `bash scripts/run-demo.sh --db /path/to/ledger.sqlite`).
set -euo pipefail

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$REPO"

echo "[1/3] 检查系统组件（Qt 所需的系统库）"
bash scripts/setup-system.sh run
echo "[2/3] 准备 Python 环境（.venv，按 requirements/run.txt 安装运行所需组件）"
bash scripts/bootstrap.sh run
echo "[3/3] 打开演示台账（首次使用时生成示例案件）"
exec .venv/bin/xinfang-desk-gui --demo "$@"
