# Shared by scripts/demo and scripts/test: a virtual environment with the library (editable,
# from pyproject.toml), the site's requirements.txt and the tests' requirements-test.txt.
# shellcheck shell=bash
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
PY="$VENV/bin/python"

find_python() {
  for candidate in python3.11 python3; do
    if command -v "$candidate" >/dev/null 2>&1 &&
       "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' 2>/dev/null; then
      echo "$candidate"; return 0
    fi
  done
  echo "Python 3.11 is needed (Django 5.2 LTS and the torch 2.13.0 wheel); none found." >&2
  return 1
}

ensure_venv() {
  local stamp="$VENV/.requirements.sha256" want
  # Any change to a file that declares dependencies reinstalls.
  want="$(cat "$ROOT/pyproject.toml" "$ROOT/requirements.txt" "$ROOT/requirements-test.txt" "$ROOT/requirements-inspect.txt" |
    sha256sum | cut -d' ' -f1)"
  if [ ! -x "$PY" ]; then
    echo "==> Creating the virtual environment in .venv"
    "$(find_python)" -m venv "$VENV"
  fi
  if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    echo "==> Installing requirements (first run takes a few minutes)"
    "$PY" -m pip install --quiet --upgrade pip
    (cd "$ROOT" && "$PY" -m pip install --quiet -r requirements.txt -r requirements-test.txt \
      -r requirements-inspect.txt)
    echo "$want" > "$stamp"
  fi
}
