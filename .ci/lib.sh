# Helpers for .ci/run (sourced): timed steps, pytest runs that must pass, and
# the Python interpreters the README names.

CI_STEPS=()
_step_name=""
_step_start=0
_ci_start=$(date +%s)

# step NAME: close the step before (recording its time) and announce NAME.
step() {
    _end_step
    _step_name=$1
    _step_start=$(date +%s)
    printf '\n==== CI step: %s\n' "$_step_name"
}

_end_step() {
    if [ -n "$_step_name" ]; then
        CI_STEPS+=("$(printf '%5d s  %s' "$(( $(date +%s) - _step_start ))" "$_step_name")")
        _step_name=""
    fi
}

# Printed when .ci/run ends, whether it passed or not.
ci_summary() {
    local status=$?
    _end_step
    printf '\n==== CI timings\n'
    printf '%s\n' "${CI_STEPS[@]}"
    printf '%5d s  total\n' "$(( $(date +%s) - _ci_start ))"
    if [ "$status" -eq 0 ]; then echo "CI: passed"; else echo "CI: FAILED (status $status)" >&2; fi
}

# must_pass SECONDS COMMAND...: run COMMAND under a timeout (a hang fails
# loudly), show its output, and fail unless it exits 0 and pytest reports
# at least one passing test.
must_pass() {
    local seconds=$1 report status
    shift
    report=$(mktemp)
    echo "CI: $*"
    set +e
    timeout -k 30 "$seconds" "$@" 2>&1 | tee "$report"
    status=${PIPESTATUS[0]}
    set -e
    if [ "$status" -eq 124 ] || [ "$status" -eq 137 ]; then
        echo "CI: stopped after $seconds s (hung?): $*" >&2
        return 1
    fi
    if [ "$status" -ne 0 ]; then
        echo "CI: failed with status $status: $*" >&2
        return "$status"
    fi
    if ! grep -qE '[0-9]+ passed' "$report"; then
        echo "CI: pytest reported no passing test: $*" >&2
        return 1
    fi
}

# find_python X.Y: print the path of a Python X.Y (pyenv's, else one on PATH).
find_python() {
    local candidate
    for candidate in /root/.pyenv/versions/"$1".*/bin/python"$1" "$(command -v "python$1" || true)"; do
        if [ -n "$candidate" ] && [ -x "$candidate" ] && "$candidate" -c 'import sys' 2>/dev/null; then
            echo "$candidate"
            return 0
        fi
    done
    return 1
}

# new_venv DIR PYTHON REQUIREMENTS...: a virtual environment at DIR made by uv
# for PYTHON, with REQUIREMENTS installed (uv pip install arguments).
new_venv() {
    local dir=$1 python=$2
    shift 2
    "$UV" venv -q --python "$python" "$dir"
    VIRTUAL_ENV=$dir "$UV" pip install -q "$@"
}
