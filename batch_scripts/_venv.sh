# Sourced by the other scripts: create the virtualenv if needed, install the
# pinned requirements and put the virtualenv first on PATH.
# Usage: . batch_scripts/_venv.sh [requirements file]
TRAVELHUB_VENV="${TRAVELHUB_VENV:-.venv}"
if [ ! -x "$TRAVELHUB_VENV/bin/python" ]; then
  "${PYTHON:-python3}" -m venv "$TRAVELHUB_VENV"
fi
"$TRAVELHUB_VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r "${1:-requirements.txt}"
export PATH="$PWD/$TRAVELHUB_VENV/bin:$PATH"
