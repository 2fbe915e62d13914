#compdef mlxchat
# Completion for mlxchat, generated from the CLI by tools/make_completions.py: do not edit.
# Install: copy to a directory on $fpath as _mlxchat (then compinit),
# or source it after compinit.

__mlxchat_subcommands() {
    case "$1" in
        "") echo "batch chat history logs profile render restart start status stop" ;;
        "history") echo "list off on path rm search show" ;;
        "profile") echo "add copy edit list rm show" ;;
    esac
}

__mlxchat_options() {
    case "$1" in
        "") echo "-h --help --version -V" ;;
        "batch") echo "-h --help --events --ordered --resume --overwrite --text --strict --start --profile-model --progress --no-progress --quiet -q --no-think --fetch-images --log --input -i --output -o --jobs -j --retries --system -s --max-tokens --temperature -t --idle-timeout --max-image-size" ;;
        "chat") echo "-h --help --no-think --json --hide-thinking --show-thinking --stats -v --start --fetch-images --strict --continue -c --no-log --log-attachments --system -s --max-tokens --temperature -t --messages --idle-timeout --format -f --image -i --video --max-image-size --cid" ;;
        "history") echo "-h --help" ;;
        "history list") echo "-h --help --json -n --count --profile -p" ;;
        "history off") echo "-h --help" ;;
        "history on") echo "-h --help" ;;
        "history path") echo "-h --help" ;;
        "history rm") echo "-h --help" ;;
        "history search") echo "-h --help --json --fts -n --count --profile -p" ;;
        "history show") echo "-h --help --json --messages --events --show-thinking --turn" ;;
        "logs") echo "-h --help -f --follow -n --lines" ;;
        "profile") echo "-h --help" ;;
        "profile add") echo "-h --help --thinking-prefilled --no-thinking-prefilled --server --model-path --model --model-type --host --port --reasoning-parser --tool-call-parser --context-length --extra-args --command --url --api-key-env --system-prompt --max-tokens --temperature --max-image-size --batch-jobs" ;;
        "profile copy") echo "-h --help --port" ;;
        "profile edit") echo "-h --help --thinking-prefilled --no-thinking-prefilled --server --model-path --model --model-type --host --port --reasoning-parser --tool-call-parser --context-length --extra-args --command --url --api-key-env --system-prompt --max-tokens --temperature --max-image-size --batch-jobs --unset" ;;
        "profile list") echo "-h --help --json" ;;
        "profile rm") echo "-h --help" ;;
        "profile show") echo "-h --help --json" ;;
        "render") echo "-h --help --show-thinking --hide-thinking --stats -v --format -f" ;;
        "restart") echo "-h --help --no-wait --timeout --grace" ;;
        "start") echo "-h --help --no-wait --timeout" ;;
        "status") echo "-h --help --json" ;;
        "stop") echo "-h --help --all --grace" ;;
    esac
}

__mlxchat_value_options() {
    case "$1" in
        "batch") echo "--input -i --output -o --jobs -j --retries --system -s --max-tokens --temperature -t --idle-timeout --max-image-size" ;;
        "chat") echo "--system -s --max-tokens --temperature -t --messages --idle-timeout --format -f --image -i --video --max-image-size --cid" ;;
        "history list") echo "-n --count --profile -p" ;;
        "history search") echo "-n --count --profile -p" ;;
        "history show") echo "--turn" ;;
        "logs") echo "-n --lines" ;;
        "profile add") echo "--server --model-path --model --model-type --host --port --reasoning-parser --tool-call-parser --context-length --extra-args --command --url --api-key-env --system-prompt --max-tokens --temperature --max-image-size --batch-jobs" ;;
        "profile copy") echo "--port" ;;
        "profile edit") echo "--server --model-path --model --model-type --host --port --reasoning-parser --tool-call-parser --context-length --extra-args --command --url --api-key-env --system-prompt --max-tokens --temperature --max-image-size --batch-jobs --unset" ;;
        "render") echo "--format -f" ;;
        "restart") echo "--timeout --grace" ;;
        "start") echo "--timeout" ;;
        "stop") echo "--grace" ;;
    esac
}

__mlxchat_option_values() {
    case "$1" in
        "chat|--format") echo "text pretty ndjson" ;;
        "chat|-f") echo "text pretty ndjson" ;;
        "profile add|--server") echo "mlx-openai-server mlx-lm mlx-vlm command remote" ;;
        "profile add|--model-type") echo "lm multimodal" ;;
        "profile edit|--server") echo "mlx-openai-server mlx-lm mlx-vlm command remote" ;;
        "profile edit|--model-type") echo "lm multimodal" ;;
        "profile edit|--unset") echo "model_path model model_type host port reasoning_parser tool_call_parser context_length extra_args command url api_key_env system_prompt max_tokens temperature thinking_prefilled max_image_size batch_jobs" ;;
        "render|--format") echo "text pretty ndjson" ;;
        "render|-f") echo "text pretty ndjson" ;;
    esac
}

__mlxchat_file_option() {
    case "$1" in
        "batch|-i") echo "1" ;;
        "chat|--messages") echo "1" ;;
        "chat|--image") echo "1" ;;
        "chat|-i") echo "1" ;;
        "profile add|--model-path") echo "1" ;;
        "profile edit|--model-path") echo "1" ;;
    esac
}

__mlxchat_takes_profile() {
    case "$1" in
        "chat") echo "1" ;;
        "logs") echo "1" ;;
        "profile add") echo "1" ;;
        "profile copy") echo "1" ;;
        "profile edit") echo "1" ;;
        "profile rm") echo "1" ;;
        "profile show") echo "1" ;;
        "restart") echo "1" ;;
        "start") echo "1" ;;
        "status") echo "1" ;;
        "stop") echo "1" ;;
    esac
}

__mlxchat_takes_conversation() {
    case "$1" in
        "history rm") echo "*" ;;
        "history show") echo "1" ;;
    esac
}

__mlxchat_conversation_option() {
    case "$1" in
        "chat|--cid") echo "1" ;;
    esac
}

_mlxchat() {
    local -a __words
    local cur="${words[CURRENT]}"
    # bash-style 0-based copy of the words up to the cursor
    __words=("${(@)words[1,CURRENT]}")
    __words=("" "${(@)__words[2,-1]}")
    __mlxchat_locate_zsh
    if [[ -n "$_mlxchat_prev_value_option" ]]; then
        local values
        values="$(__mlxchat_option_values "$_mlxchat_path|$_mlxchat_prev_value_option")"
        if [[ -n "$values" ]]; then
            compadd -- ${=values}
        elif [[ -n "$(__mlxchat_conversation_option "$_mlxchat_path|$_mlxchat_prev_value_option")" ]]; then
            compadd -- ${(f)"$(${words[1]} history ids 2>/dev/null)"}
        elif [[ -n "$(__mlxchat_file_option "$_mlxchat_path|$_mlxchat_prev_value_option")" ]]; then
            _files
        fi
        return
    fi
    if [[ "$cur" == -* ]]; then
        compadd -- ${=$(__mlxchat_options "$_mlxchat_path")}
        return
    fi
    local subs
    subs="$(__mlxchat_subcommands "$_mlxchat_path")"
    if [[ -n "$subs" ]]; then
        compadd -- ${=subs}
    elif [[ $_mlxchat_npos -eq 0 && -n "$(__mlxchat_takes_profile "$_mlxchat_path")" ]]; then
        compadd -- ${(f)"$(${words[1]} profile names 2>/dev/null)"}
    elif [[ "$(__mlxchat_takes_conversation "$_mlxchat_path")" == "*" || \
            ( "$(__mlxchat_takes_conversation "$_mlxchat_path")" == "1" && $_mlxchat_npos -eq 0 ) ]]; then
        compadd -- ${(f)"$(${words[1]} history ids 2>/dev/null)"}
    else
        _files
    fi
}

# Where on the command line are we? Sets _mlxchat_path (e.g. "profile add"), _mlxchat_npos
# (positional arguments seen) and _mlxchat_prev_value_option (an option waiting for its value).
__mlxchat_locate_zsh() {
    local i w
    _mlxchat_path=""
    _mlxchat_npos=0
    _mlxchat_prev_value_option=""
    for ((i = 2; i < ${#__words}; i++)); do
        w="${__words[i]}"
        if [[ -n "$_mlxchat_prev_value_option" ]]; then
            _mlxchat_prev_value_option=""
            continue
        fi
        if [[ "$w" == -* ]]; then
            if [[ "$w" != *=* && " $(__mlxchat_value_options "$_mlxchat_path") " == *" $w "* ]]; then
                _mlxchat_prev_value_option="$w"
            fi
            continue
        fi
        if [[ " $(__mlxchat_subcommands "$_mlxchat_path") " == *" $w "* ]]; then
            _mlxchat_path="${_mlxchat_path:+$_mlxchat_path }$w"
        else
            _mlxchat_npos=$((_mlxchat_npos + 1))
        fi
    done
}

compdef _mlxchat mlxchat
