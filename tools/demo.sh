#!/usr/bin/env bash
# `make demo`: the main job of mlxchat on the tiny model that ships in the package.
# Uses a throw-away MLXCHAT_HOME so your own profiles are left alone.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.venv/bin:$PATH"

MLXCHAT_HOME="$(mktemp -d "${TMPDIR:-/tmp}/mlxchat-demo.XXXXXX")"
export MLXCHAT_HOME
cleanup() {
    mlxchat stop tiny >/dev/null 2>&1 || true
    rm -rf "$MLXCHAT_HOME"
}
trap cleanup EXIT

bold=$(tput bold 2>/dev/null || true)
plain=$(tput sgr0 2>/dev/null || true)
run() {
    printf '\n%s$ %s%s\n' "$bold" "$*" "$plain"
    "$@"
}

MODEL="$(python -c 'from mlxchat.paths import tiny_model_dir; print(tiny_model_dir())')"

run mlxchat --version
run mlxchat profile add tiny --model-path "$MODEL"
run mlxchat start tiny
run mlxchat status
run mlxchat chat tiny "What is 2+2?" --temperature 0 --format pretty --stats
# The same stream as NDJSON events for scripts: the events around the text, then the answer alone.
QUESTION="What is the capital of France?"
jq_or_cat() { if command -v jq >/dev/null 2>&1; then jq "$@"; else cat; fi; }
printf '\n%s$ mlxchat chat tiny "%s" --temperature 0 --json | jq -c '"'"'select(.type != "thinking" and .type != "response")'"'"'%s\n' "$bold" "$QUESTION" "$plain"
mlxchat chat tiny "$QUESTION" --temperature 0 --json | jq_or_cat -c 'select(.type != "thinking" and .type != "response")'
printf '\n%s$ mlxchat chat tiny "%s" --temperature 0 --json | jq -j '"'"'select(.type == "response") | .content'"'"'%s\n' "$bold" "$QUESTION" "$plain"
mlxchat chat tiny "$QUESTION" --temperature 0 --json | jq_or_cat -j 'select(.type == "response") | .content'
echo
run mlxchat stop tiny
