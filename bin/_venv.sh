# Shared by bin/serve and bin/test: make sure .venv exists with requirements.txt installed.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p var   # in git; made again if someone removed it
PYTHON_BIN="${PYTHON:-python3.11}"
command -v "$PYTHON_BIN" >/dev/null 2>&1 || PYTHON_BIN=python3
if [ ! -x .venv/bin/python ]; then
    "$PYTHON_BIN" -m venv .venv
fi
if ! cmp -s requirements.txt .venv/.installed-requirements 2>/dev/null; then
    .venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
    cp requirements.txt .venv/.installed-requirements
fi
