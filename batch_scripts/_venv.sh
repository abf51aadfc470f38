# Sourced by the other scripts: create the virtualenv if needed, install the
# pinned requirements and put the virtualenv first on PATH.
# Usage: . batch_scripts/_venv.sh [requirements file]
# PYTHON chooses the interpreter the virtualenv is made with (default python3).
TRAVELHUB_VENV="${TRAVELHUB_VENV:-.venv}"
if [ ! -x "$TRAVELHUB_VENV/bin/python" ]; then
  if ! "${PYTHON:-python3}" -m venv "$TRAVELHUB_VENV"; then
    rm -rf "$TRAVELHUB_VENV"
    echo >&2
    echo "Could not create the virtualenv $TRAVELHUB_VENV with '${PYTHON:-python3}'." >&2
    echo "TravelHub needs Python 3.11 with venv (on Debian/Ubuntu: apt-get install python3.11-venv)," >&2
    echo "or point PYTHON at another interpreter: PYTHON=/usr/bin/python3.11 $0" >&2
    exit 1
  fi
fi
"$TRAVELHUB_VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r "${1:-requirements.txt}"
export PATH="$PWD/$TRAVELHUB_VENV/bin:$PATH"
