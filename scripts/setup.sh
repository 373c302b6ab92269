#!/usr/bin/env bash
# Set up the pack on a fresh Debian machine with Python 3.11+: bubblewrap, torch (CPU), the pack.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v bwrap >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq bubblewrap >/dev/null
  else
    echo "setup: bubblewrap is missing; the grader will fall back to weaker isolation" >&2
  fi
fi

# torch first and pinned: the pinned version is the CPU build; a bare requirement may pull CUDA.
python3 -m pip install -q --disable-pip-version-check "torch==2.13.0"
python3 -m pip install -q --disable-pip-version-check -e ".[dev]"
# Byte-compile the grader, checks and solutions once: every grading run imports them afresh.
python3 -m compileall -q autograder exercises solutions >/dev/null
