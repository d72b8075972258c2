# Sourced by the scripts that need every Python: `pythons` prints each CPython >= 3.9
# on the machine, one per minor version, oldest first (pyenv's newest patch release of
# that minor, else python3.X on PATH).
pythons() {
  local minor cand py
  for minor in 9 10 11 12 13 14; do
    py=""
    for cand in "$HOME"/.pyenv/versions/3.$minor.*/bin/python3.$minor; do
      if [ -x "$cand" ]; then py="$cand"; fi
    done
    if [ -z "$py" ]; then py="$(command -v "python3.$minor" || true)"; fi
    if [ -n "$py" ]; then echo "$py"; fi
  done
}

# The minor version of one of pythons' lines (.../python3.11 -> 11).
python_minor() {
  echo "${1##*python3.}"
}
