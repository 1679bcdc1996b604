#!/bin/sh
# Build the three demo ledgers the benchmarks share, once: /tmp/bench-10k, -100k, -300k.sqlite.
# An existing ledger is kept (delete it to rebuild). Run from the repository root.
set -e
PYTHON="${PYTHON:-.venv/bin/python}"
DIR="${BENCH_DIR:-/tmp}"
for size in 10 100 300; do
    db="$DIR/bench-${size}k.sqlite"
    if [ -s "$db" ]; then
        echo "已有：$db"
        continue
    fi
    echo "正在生成：$db（${size},000 件）"
    PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}" "$PYTHON" -m xinfang_desk demo --db "$db" \
        --cases "${size}000" --seed 1 --today 2026-06-30
done
