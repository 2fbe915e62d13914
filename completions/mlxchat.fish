# Completion for mlxchat, generated from the CLI by tools/make_completions.py: do not edit.
# Install: copy to ~/.config/fish/completions/mlxchat.fish

# The command path so far (e.g. 'profile add'), skipping options and their values.
function __mlxchat_path
    set -l words (commandline -opc)
    set -e words[1]
    set -l path ''
    set -l skip 0
    for w in $words
        if test $skip -eq 1
            set skip 0
            continue
        end
        if string match -q -- '-*' $w
            if contains -- $w (__mlxchat_value_options $path)
                set skip 1
            end
            continue
        end
        if contains -- $w (__mlxchat_subcommands $path)
            set path (string trim -- "$path $w")
        else
            set path "$path#"
        end
    end
    echo $path
end

function __mlxchat_subcommands
    switch "$argv[1]"
        case ''
            printf '%s\n' batch chat history logs profile render restart start status stop
        case 'history'
            printf '%s\n' list off on path rm search show
        case 'profile'
            printf '%s\n' add copy edit list rm show
    end
end

function __mlxchat_value_options
    switch "$argv[1]"
        case 'batch'
            printf '%s\n' -- --input -i --output -o --jobs -j --retries --system -s --max-tokens --temperature -t --idle-timeout --max-image-size
        case 'chat'
            printf '%s\n' -- --system -s --max-tokens --temperature -t --messages --idle-timeout --format -f --image -i --video --max-image-size --cid
        case 'history list'
            printf '%s\n' -- -n --count --profile -p
        case 'history search'
            printf '%s\n' -- -n --count --profile -p
        case 'history show'
            printf '%s\n' -- --turn
        case 'logs'
            printf '%s\n' -- -n --lines
        case 'profile add'
            printf '%s\n' -- --server --model-path --model --model-type --host --port --reasoning-parser --tool-call-parser --context-length --extra-args --command --url --api-key-env --system-prompt --max-tokens --temperature --max-image-size --batch-jobs
        case 'profile copy'
            printf '%s\n' -- --port
        case 'profile edit'
            printf '%s\n' -- --server --model-path --model --model-type --host --port --reasoning-parser --tool-call-parser --context-length --extra-args --command --url --api-key-env --system-prompt --max-tokens --temperature --max-image-size --batch-jobs --unset
        case 'render'
            printf '%s\n' -- --format -f
        case 'restart'
            printf '%s\n' -- --timeout --grace
        case 'start'
            printf '%s\n' -- --timeout
        case 'stop'
            printf '%s\n' -- --grace
    end
end

complete -c mlxchat -f
complete -c mlxchat -n 'test (__mlxchat_path) = \'\'' -a batch
complete -c mlxchat -n 'test (__mlxchat_path) = \'\'' -a chat
complete -c mlxchat -n 'test (__mlxchat_path) = \'\'' -a history
complete -c mlxchat -n 'test (__mlxchat_path) = \'\'' -a logs
complete -c mlxchat -n 'test (__mlxchat_path) = \'\'' -a profile
complete -c mlxchat -n 'test (__mlxchat_path) = \'\'' -a render
complete -c mlxchat -n 'test (__mlxchat_path) = \'\'' -a restart
complete -c mlxchat -n 'test (__mlxchat_path) = \'\'' -a start
complete -c mlxchat -n 'test (__mlxchat_path) = \'\'' -a status
complete -c mlxchat -n 'test (__mlxchat_path) = \'\'' -a stop
complete -c mlxchat -n 'test (__mlxchat_path) = \'\'' -s h
complete -c mlxchat -n 'test (__mlxchat_path) = \'\'' -l help
complete -c mlxchat -n 'test (__mlxchat_path) = \'\'' -l version -d 'Print the version and exit.'
complete -c mlxchat -n 'test (__mlxchat_path) = \'\'' -s V -d 'Print the version and exit.'
complete -c mlxchat -n 'test (__mlxchat_path) = \'batch\'' -s h
complete -c mlxchat -n 'test (__mlxchat_path) = \'batch\'' -l help
complete -c mlxchat -n 'test (__mlxchat_path) = \'batch\'' -l events -d 'Write the protocol\'s events (each with custom_id), not resul'
complete -c mlxchat -n 'test (__mlxchat_path) = \'batch\'' -l ordered -d 'Results in input order (default: as they end).'
complete -c mlxchat -n 'test (__mlxchat_path) = \'batch\'' -l resume -d 'Continue -o FILE: skip ids it has a successful result for.'
complete -c mlxchat -n 'test (__mlxchat_path) = \'batch\'' -l overwrite -d 'Replace -o FILE if it exists.'
complete -c mlxchat -n 'test (__mlxchat_path) = \'batch\'' -l text -d 'Each input line is a prompt (not JSON).'
complete -c mlxchat -n 'test (__mlxchat_path) = \'batch\'' -l strict -d 'Refuse the whole input if any line is bad, before sending.'
complete -c mlxchat -n 'test (__mlxchat_path) = \'batch\'' -l start -d 'Start the profiles\' servers first if they are not running.'
complete -c mlxchat -n 'test (__mlxchat_path) = \'batch\'' -l profile-model -d 'Send each profile\'s model, whatever the OpenAI lines name.'
complete -c mlxchat -n 'test (__mlxchat_path) = \'batch\'' -l progress -d 'Progress on stderr (default: only when stderr is a terminal)'
complete -c mlxchat -n 'test (__mlxchat_path) = \'batch\'' -l no-progress -d 'Progress on stderr (default: only when stderr is a terminal)'
complete -c mlxchat -n 'test (__mlxchat_path) = \'batch\'' -l quiet -d 'No summary on stderr at the end.'
complete -c mlxchat -n 'test (__mlxchat_path) = \'batch\'' -s q -d 'No summary on stderr at the end.'
complete -c mlxchat -n 'test (__mlxchat_path) = \'batch\'' -l no-think -d 'Ask the model not to reason first.'
complete -c mlxchat -n 'test (__mlxchat_path) = \'batch\'' -l fetch-images -d 'Download image URLs and prepare them here.'
complete -c mlxchat -n 'test (__mlxchat_path) = \'batch\'' -l log -d 'Keep each request in the conversation history (docs/history.'
complete -c mlxchat -n 'test (__mlxchat_path) = \'batch\'' -l input -r -d 'Request lines (default: stdin).'
complete -c mlxchat -n 'test (__mlxchat_path) = \'batch\'' -s i -r -F -d 'Request lines (default: stdin).'
complete -c mlxchat -n 'test (__mlxchat_path) = \'batch\'' -l output -r -d 'Result lines (default: stdout).'
complete -c mlxchat -n 'test (__mlxchat_path) = \'batch\'' -s o -r -d 'Result lines (default: stdout).'
complete -c mlxchat -n 'test (__mlxchat_path) = \'batch\'' -l jobs -r -d 'Requests in flight per profile (default: the profile\'s batch'
complete -c mlxchat -n 'test (__mlxchat_path) = \'batch\'' -s j -r -d 'Requests in flight per profile (default: the profile\'s batch'
complete -c mlxchat -n 'test (__mlxchat_path) = \'batch\'' -l retries -r -d 'Retries after connection errors, 429, 5xx.'
complete -c mlxchat -n 'test (__mlxchat_path) = \'batch\'' -l system -r -d 'System prompt (else the profile\'s).'
complete -c mlxchat -n 'test (__mlxchat_path) = \'batch\'' -s s -r -d 'System prompt (else the profile\'s).'
complete -c mlxchat -n 'test (__mlxchat_path) = \'batch\'' -l max-tokens -r -d 'Most tokens to generate.'
complete -c mlxchat -n 'test (__mlxchat_path) = \'batch\'' -l temperature -r -d 'Sampling temperature.'
complete -c mlxchat -n 'test (__mlxchat_path) = \'batch\'' -s t -r -d 'Sampling temperature.'
complete -c mlxchat -n 'test (__mlxchat_path) = \'batch\'' -l idle-timeout -r -d 'Give up after this long without a byte.'
complete -c mlxchat -n 'test (__mlxchat_path) = \'batch\'' -l max-image-size -r -d 'Shrink images to this long edge (default: the profile\'s, els'
complete -c mlxchat -n 'test (__mlxchat_path) = \'chat\'' -s h
complete -c mlxchat -n 'test (__mlxchat_path) = \'chat\'' -l help
complete -c mlxchat -n 'test (__mlxchat_path) = \'chat\'' -l no-think -d 'Ask the model not to reason first.'
complete -c mlxchat -n 'test (__mlxchat_path) = \'chat\'' -l json -d 'NDJSON events (same as --format ndjson).'
complete -c mlxchat -n 'test (__mlxchat_path) = \'chat\'' -l hide-thinking -d 'Do not show the model\'s reasoning.'
complete -c mlxchat -n 'test (__mlxchat_path) = \'chat\'' -l show-thinking -d 'Pretty output: keep the reasoning on screen when it is done.'
complete -c mlxchat -n 'test (__mlxchat_path) = \'chat\'' -l stats -d 'Pretty output: a footer with tokens, tokens/s and latency.'
complete -c mlxchat -n 'test (__mlxchat_path) = \'chat\'' -s v -d 'Pretty output: a footer with tokens, tokens/s and latency.'
complete -c mlxchat -n 'test (__mlxchat_path) = \'chat\'' -l start -d 'Start the profile\'s server first if it is not running.'
complete -c mlxchat -n 'test (__mlxchat_path) = \'chat\'' -l fetch-images -d 'Download image URLs and prepare them here (else the server f'
complete -c mlxchat -n 'test (__mlxchat_path) = \'chat\'' -l strict -d 'Attachments for a text-only profile are an error, not a warn'
complete -c mlxchat -n 'test (__mlxchat_path) = \'chat\'' -l continue -d 'Continue the latest conversation with PROFILE (docs/history.'
complete -c mlxchat -n 'test (__mlxchat_path) = \'chat\'' -s c -d 'Continue the latest conversation with PROFILE (docs/history.'
complete -c mlxchat -n 'test (__mlxchat_path) = \'chat\'' -l no-log -d 'Keep this chat out of the history.'
complete -c mlxchat -n 'test (__mlxchat_path) = \'chat\'' -l log-attachments -d 'Keep the bytes of images and videos in the history too.'
complete -c mlxchat -n 'test (__mlxchat_path) = \'chat\'' -l system -r -d 'System prompt (else the profile\'s).'
complete -c mlxchat -n 'test (__mlxchat_path) = \'chat\'' -s s -r -d 'System prompt (else the profile\'s).'
complete -c mlxchat -n 'test (__mlxchat_path) = \'chat\'' -l max-tokens -r -d 'Most tokens to generate.'
complete -c mlxchat -n 'test (__mlxchat_path) = \'chat\'' -l temperature -r -d 'Sampling temperature.'
complete -c mlxchat -n 'test (__mlxchat_path) = \'chat\'' -s t -r -d 'Sampling temperature.'
complete -c mlxchat -n 'test (__mlxchat_path) = \'chat\'' -l messages -r -F -d 'Earlier messages: a JSON array or NDJSON of OpenAI messages '
complete -c mlxchat -n 'test (__mlxchat_path) = \'chat\'' -l idle-timeout -r -d 'Give up after this long without a byte.'
complete -c mlxchat -n 'test (__mlxchat_path) = \'chat\'' -l format -r -a 'text pretty ndjson' -d 'Output: pretty (default on a terminal), text, or ndjson.'
complete -c mlxchat -n 'test (__mlxchat_path) = \'chat\'' -s f -r -a 'text pretty ndjson' -d 'Output: pretty (default on a terminal), text, or ndjson.'
complete -c mlxchat -n 'test (__mlxchat_path) = \'chat\'' -l image -r -F -d 'Attach an image (repeatable); \'-\' reads its bytes from stdin'
complete -c mlxchat -n 'test (__mlxchat_path) = \'chat\'' -s i -r -F -d 'Attach an image (repeatable); \'-\' reads its bytes from stdin'
complete -c mlxchat -n 'test (__mlxchat_path) = \'chat\'' -l video -r -d 'Attach a video: mp4, mov or avi (repeatable).'
complete -c mlxchat -n 'test (__mlxchat_path) = \'chat\'' -l max-image-size -r -d 'Shrink images to this long edge (default: the profile\'s, els'
complete -c mlxchat -n 'test (__mlxchat_path) = \'chat\'' -l cid -r -a '(mlxchat history ids 2>/dev/null)' -d 'Continue the conversation ID of the history.'
complete -c mlxchat -n 'test (__mlxchat_path) = \'chat\'' -a '(mlxchat profile names 2>/dev/null)'
complete -c mlxchat -n 'test (__mlxchat_path) = \'history\'' -a list
complete -c mlxchat -n 'test (__mlxchat_path) = \'history\'' -a off
complete -c mlxchat -n 'test (__mlxchat_path) = \'history\'' -a on
complete -c mlxchat -n 'test (__mlxchat_path) = \'history\'' -a path
complete -c mlxchat -n 'test (__mlxchat_path) = \'history\'' -a rm
complete -c mlxchat -n 'test (__mlxchat_path) = \'history\'' -a search
complete -c mlxchat -n 'test (__mlxchat_path) = \'history\'' -a show
complete -c mlxchat -n 'test (__mlxchat_path) = \'history\'' -s h
complete -c mlxchat -n 'test (__mlxchat_path) = \'history\'' -l help
complete -c mlxchat -n 'test (__mlxchat_path) = \'history list\'' -s h
complete -c mlxchat -n 'test (__mlxchat_path) = \'history list\'' -l help
complete -c mlxchat -n 'test (__mlxchat_path) = \'history list\'' -l json -d 'JSON (docs/history.md has the schema).'
complete -c mlxchat -n 'test (__mlxchat_path) = \'history list\'' -s n -r -d 'At most this many.'
complete -c mlxchat -n 'test (__mlxchat_path) = \'history list\'' -l count -r -d 'At most this many.'
complete -c mlxchat -n 'test (__mlxchat_path) = \'history list\'' -l profile -r -d 'Only this profile\'s.'
complete -c mlxchat -n 'test (__mlxchat_path) = \'history list\'' -s p -r -d 'Only this profile\'s.'
complete -c mlxchat -n 'test (__mlxchat_path) = \'history off\'' -s h
complete -c mlxchat -n 'test (__mlxchat_path) = \'history off\'' -l help
complete -c mlxchat -n 'test (__mlxchat_path) = \'history on\'' -s h
complete -c mlxchat -n 'test (__mlxchat_path) = \'history on\'' -l help
complete -c mlxchat -n 'test (__mlxchat_path) = \'history path\'' -s h
complete -c mlxchat -n 'test (__mlxchat_path) = \'history path\'' -l help
complete -c mlxchat -n 'test (__mlxchat_path) = \'history rm\'' -s h
complete -c mlxchat -n 'test (__mlxchat_path) = \'history rm\'' -l help
complete -c mlxchat -n 'test (__mlxchat_path) = \'history rm\'' -a '(mlxchat history ids 2>/dev/null)'
complete -c mlxchat -n 'test (__mlxchat_path) = \'history search\'' -s h
complete -c mlxchat -n 'test (__mlxchat_path) = \'history search\'' -l help
complete -c mlxchat -n 'test (__mlxchat_path) = \'history search\'' -l json -d 'JSON (docs/history.md has the schema).'
complete -c mlxchat -n 'test (__mlxchat_path) = \'history search\'' -l fts -d 'QUERY is FTS5 query syntax (OR, NOT, "phrases", prefix*).'
complete -c mlxchat -n 'test (__mlxchat_path) = \'history search\'' -s n -r -d 'At most this many.'
complete -c mlxchat -n 'test (__mlxchat_path) = \'history search\'' -l count -r -d 'At most this many.'
complete -c mlxchat -n 'test (__mlxchat_path) = \'history search\'' -l profile -r -d 'Only this profile\'s.'
complete -c mlxchat -n 'test (__mlxchat_path) = \'history search\'' -s p -r -d 'Only this profile\'s.'
complete -c mlxchat -n 'test (__mlxchat_path) = \'history show\'' -s h
complete -c mlxchat -n 'test (__mlxchat_path) = \'history show\'' -l help
complete -c mlxchat -n 'test (__mlxchat_path) = \'history show\'' -l json -d 'JSON (docs/history.md has the schema).'
complete -c mlxchat -n 'test (__mlxchat_path) = \'history show\'' -l messages -d 'As NDJSON messages, what \'chat --messages\' reads.'
complete -c mlxchat -n 'test (__mlxchat_path) = \'history show\'' -l events -d 'A turn\'s NDJSON events, what \'mlxchat render\' replays.'
complete -c mlxchat -n 'test (__mlxchat_path) = \'history show\'' -l show-thinking -d 'Include the reasoning.'
complete -c mlxchat -n 'test (__mlxchat_path) = \'history show\'' -l turn -r -d 'Only turn N (--messages: up to turn N; --events: default the'
complete -c mlxchat -n 'test (__mlxchat_path) = \'history show\'' -a '(mlxchat history ids 2>/dev/null)'
complete -c mlxchat -n 'test (__mlxchat_path) = \'logs\'' -s h
complete -c mlxchat -n 'test (__mlxchat_path) = \'logs\'' -l help
complete -c mlxchat -n 'test (__mlxchat_path) = \'logs\'' -s f -d 'Keep printing new lines (Ctrl-C ends).'
complete -c mlxchat -n 'test (__mlxchat_path) = \'logs\'' -l follow -d 'Keep printing new lines (Ctrl-C ends).'
complete -c mlxchat -n 'test (__mlxchat_path) = \'logs\'' -s n -r -d 'How many last lines.'
complete -c mlxchat -n 'test (__mlxchat_path) = \'logs\'' -l lines -r -d 'How many last lines.'
complete -c mlxchat -n 'test (__mlxchat_path) = \'logs\'' -a '(mlxchat profile names 2>/dev/null)'
complete -c mlxchat -n 'test (__mlxchat_path) = \'profile\'' -a add
complete -c mlxchat -n 'test (__mlxchat_path) = \'profile\'' -a copy
complete -c mlxchat -n 'test (__mlxchat_path) = \'profile\'' -a edit
complete -c mlxchat -n 'test (__mlxchat_path) = \'profile\'' -a list
complete -c mlxchat -n 'test (__mlxchat_path) = \'profile\'' -a rm
complete -c mlxchat -n 'test (__mlxchat_path) = \'profile\'' -a show
complete -c mlxchat -n 'test (__mlxchat_path) = \'profile\'' -s h
complete -c mlxchat -n 'test (__mlxchat_path) = \'profile\'' -l help
complete -c mlxchat -n 'test (__mlxchat_path) = \'profile add\'' -s h
complete -c mlxchat -n 'test (__mlxchat_path) = \'profile add\'' -l help
complete -c mlxchat -n 'test (__mlxchat_path) = \'profile add\'' -l thinking-prefilled -d 'The chat template opens <think> itself (default: detected fr'
complete -c mlxchat -n 'test (__mlxchat_path) = \'profile add\'' -l no-thinking-prefilled -d 'The chat template opens <think> itself (default: detected fr'
complete -c mlxchat -n 'test (__mlxchat_path) = \'profile add\'' -l server -r -a 'mlx-openai-server mlx-lm mlx-vlm command remote' -d 'Server kind: mlx-openai-server (default), mlx-lm, mlx-vlm, c'
complete -c mlxchat -n 'test (__mlxchat_path) = \'profile add\'' -l model-path -r -F -d 'Local model directory.'
complete -c mlxchat -n 'test (__mlxchat_path) = \'profile add\'' -l model -r -d 'Model name sent in requests (default per kind).'
complete -c mlxchat -n 'test (__mlxchat_path) = \'profile add\'' -l model-type -r -a 'lm multimodal' -d 'Detected from config.json if not given.'
complete -c mlxchat -n 'test (__mlxchat_path) = \'profile add\'' -l host -r -d 'Listen address (default 127.0.0.1).'
complete -c mlxchat -n 'test (__mlxchat_path) = \'profile add\'' -l port -r -d 'Port (default: a free one, assigned now).'
complete -c mlxchat -n 'test (__mlxchat_path) = \'profile add\'' -l reasoning-parser -r -d 'mlx-openai-server reasoning parser.'
complete -c mlxchat -n 'test (__mlxchat_path) = \'profile add\'' -l tool-call-parser -r -d 'mlx-openai-server tool-call parser.'
complete -c mlxchat -n 'test (__mlxchat_path) = \'profile add\'' -l context-length -r -d 'Context length.'
complete -c mlxchat -n 'test (__mlxchat_path) = \'profile add\'' -l extra-args -r -d 'More server arguments, split like a shell: \'--a 1 --b\'.'
complete -c mlxchat -n 'test (__mlxchat_path) = \'profile add\'' -l command -r -d 'command kind: server command with {host} {port} {model_path}'
complete -c mlxchat -n 'test (__mlxchat_path) = \'profile add\'' -l url -r -d 'remote kind: base URL ending in /v1.'
complete -c mlxchat -n 'test (__mlxchat_path) = \'profile add\'' -l api-key-env -r -d 'Name of the env var holding the API key (never the key).'
complete -c mlxchat -n 'test (__mlxchat_path) = \'profile add\'' -l system-prompt -r -d 'Default system prompt.'
complete -c mlxchat -n 'test (__mlxchat_path) = \'profile add\'' -l max-tokens -r -d 'Default max_tokens.'
complete -c mlxchat -n 'test (__mlxchat_path) = \'profile add\'' -l temperature -r -d 'Default temperature.'
complete -c mlxchat -n 'test (__mlxchat_path) = \'profile add\'' -l max-image-size -r -d 'Shrink images to this longer side.'
complete -c mlxchat -n 'test (__mlxchat_path) = \'profile add\'' -l batch-jobs -r -d 'Requests `mlxchat batch` keeps in flight (default 4).'
complete -c mlxchat -n 'test (__mlxchat_path) = \'profile add\'' -a '(mlxchat profile names 2>/dev/null)'
complete -c mlxchat -n 'test (__mlxchat_path) = \'profile copy\'' -s h
complete -c mlxchat -n 'test (__mlxchat_path) = \'profile copy\'' -l help
complete -c mlxchat -n 'test (__mlxchat_path) = \'profile copy\'' -l port -r -d 'Port (default: a free one, assigned now).'
complete -c mlxchat -n 'test (__mlxchat_path) = \'profile copy\'' -a '(mlxchat profile names 2>/dev/null)'
complete -c mlxchat -n 'test (__mlxchat_path) = \'profile edit\'' -s h
complete -c mlxchat -n 'test (__mlxchat_path) = \'profile edit\'' -l help
complete -c mlxchat -n 'test (__mlxchat_path) = \'profile edit\'' -l thinking-prefilled -d 'The chat template opens <think> itself (default: detected fr'
complete -c mlxchat -n 'test (__mlxchat_path) = \'profile edit\'' -l no-thinking-prefilled -d 'The chat template opens <think> itself (default: detected fr'
complete -c mlxchat -n 'test (__mlxchat_path) = \'profile edit\'' -l server -r -a 'mlx-openai-server mlx-lm mlx-vlm command remote' -d 'Server kind: mlx-openai-server (default), mlx-lm, mlx-vlm, c'
complete -c mlxchat -n 'test (__mlxchat_path) = \'profile edit\'' -l model-path -r -F -d 'Local model directory.'
complete -c mlxchat -n 'test (__mlxchat_path) = \'profile edit\'' -l model -r -d 'Model name sent in requests (default per kind).'
complete -c mlxchat -n 'test (__mlxchat_path) = \'profile edit\'' -l model-type -r -a 'lm multimodal' -d 'Detected from config.json if not given.'
complete -c mlxchat -n 'test (__mlxchat_path) = \'profile edit\'' -l host -r -d 'Listen address (default 127.0.0.1).'
complete -c mlxchat -n 'test (__mlxchat_path) = \'profile edit\'' -l port -r -d 'Port (default: a free one, assigned now).'
complete -c mlxchat -n 'test (__mlxchat_path) = \'profile edit\'' -l reasoning-parser -r -d 'mlx-openai-server reasoning parser.'
complete -c mlxchat -n 'test (__mlxchat_path) = \'profile edit\'' -l tool-call-parser -r -d 'mlx-openai-server tool-call parser.'
complete -c mlxchat -n 'test (__mlxchat_path) = \'profile edit\'' -l context-length -r -d 'Context length.'
complete -c mlxchat -n 'test (__mlxchat_path) = \'profile edit\'' -l extra-args -r -d 'More server arguments, split like a shell: \'--a 1 --b\'.'
complete -c mlxchat -n 'test (__mlxchat_path) = \'profile edit\'' -l command -r -d 'command kind: server command with {host} {port} {model_path}'
complete -c mlxchat -n 'test (__mlxchat_path) = \'profile edit\'' -l url -r -d 'remote kind: base URL ending in /v1.'
complete -c mlxchat -n 'test (__mlxchat_path) = \'profile edit\'' -l api-key-env -r -d 'Name of the env var holding the API key (never the key).'
complete -c mlxchat -n 'test (__mlxchat_path) = \'profile edit\'' -l system-prompt -r -d 'Default system prompt.'
complete -c mlxchat -n 'test (__mlxchat_path) = \'profile edit\'' -l max-tokens -r -d 'Default max_tokens.'
complete -c mlxchat -n 'test (__mlxchat_path) = \'profile edit\'' -l temperature -r -d 'Default temperature.'
complete -c mlxchat -n 'test (__mlxchat_path) = \'profile edit\'' -l max-image-size -r -d 'Shrink images to this longer side.'
complete -c mlxchat -n 'test (__mlxchat_path) = \'profile edit\'' -l batch-jobs -r -d 'Requests `mlxchat batch` keeps in flight (default 4).'
complete -c mlxchat -n 'test (__mlxchat_path) = \'profile edit\'' -l unset -r -a 'model_path model model_type host port reasoning_parser tool_call_parser context_length extra_args command url api_key_env system_prompt max_tokens temperature thinking_prefilled max_image_size batch_jobs' -d 'Clear a field (back to its default); repeatable.'
complete -c mlxchat -n 'test (__mlxchat_path) = \'profile edit\'' -a '(mlxchat profile names 2>/dev/null)'
complete -c mlxchat -n 'test (__mlxchat_path) = \'profile list\'' -s h
complete -c mlxchat -n 'test (__mlxchat_path) = \'profile list\'' -l help
complete -c mlxchat -n 'test (__mlxchat_path) = \'profile list\'' -l json -d 'Print JSON (stable keys, docs/profiles.md).'
complete -c mlxchat -n 'test (__mlxchat_path) = \'profile rm\'' -s h
complete -c mlxchat -n 'test (__mlxchat_path) = \'profile rm\'' -l help
complete -c mlxchat -n 'test (__mlxchat_path) = \'profile rm\'' -a '(mlxchat profile names 2>/dev/null)'
complete -c mlxchat -n 'test (__mlxchat_path) = \'profile show\'' -s h
complete -c mlxchat -n 'test (__mlxchat_path) = \'profile show\'' -l help
complete -c mlxchat -n 'test (__mlxchat_path) = \'profile show\'' -l json -d 'Print JSON (stable keys, docs/profiles.md).'
complete -c mlxchat -n 'test (__mlxchat_path) = \'profile show\'' -a '(mlxchat profile names 2>/dev/null)'
complete -c mlxchat -n 'test (__mlxchat_path) = \'render\'' -s h
complete -c mlxchat -n 'test (__mlxchat_path) = \'render\'' -l help
complete -c mlxchat -n 'test (__mlxchat_path) = \'render\'' -l show-thinking -d 'Keep the reasoning on screen when it is done.'
complete -c mlxchat -n 'test (__mlxchat_path) = \'render\'' -l hide-thinking -d 'Do not show the reasoning.'
complete -c mlxchat -n 'test (__mlxchat_path) = \'render\'' -l stats -d 'A footer with tokens and timing.'
complete -c mlxchat -n 'test (__mlxchat_path) = \'render\'' -s v -d 'A footer with tokens and timing.'
complete -c mlxchat -n 'test (__mlxchat_path) = \'render\'' -l format -r -a 'text pretty ndjson' -d 'Output: pretty (default on a terminal), text, or ndjson.'
complete -c mlxchat -n 'test (__mlxchat_path) = \'render\'' -s f -r -a 'text pretty ndjson' -d 'Output: pretty (default on a terminal), text, or ndjson.'
complete -c mlxchat -n 'test (__mlxchat_path) = \'restart\'' -s h
complete -c mlxchat -n 'test (__mlxchat_path) = \'restart\'' -l help
complete -c mlxchat -n 'test (__mlxchat_path) = \'restart\'' -l no-wait -d 'Return once the server is launched.'
complete -c mlxchat -n 'test (__mlxchat_path) = \'restart\'' -l timeout -r -d 'How long to wait for the server to be ready.'
complete -c mlxchat -n 'test (__mlxchat_path) = \'restart\'' -l grace -r -d 'Wait after SIGINT, and again after SIGTERM, before SIGKILL.'
complete -c mlxchat -n 'test (__mlxchat_path) = \'restart\'' -a '(mlxchat profile names 2>/dev/null)'
complete -c mlxchat -n 'test (__mlxchat_path) = \'start\'' -s h
complete -c mlxchat -n 'test (__mlxchat_path) = \'start\'' -l help
complete -c mlxchat -n 'test (__mlxchat_path) = \'start\'' -l no-wait -d 'Return once the server is launched.'
complete -c mlxchat -n 'test (__mlxchat_path) = \'start\'' -l timeout -r -d 'How long to wait for the server to be ready.'
complete -c mlxchat -n 'test (__mlxchat_path) = \'start\'' -a '(mlxchat profile names 2>/dev/null)'
complete -c mlxchat -n 'test (__mlxchat_path) = \'status\'' -s h
complete -c mlxchat -n 'test (__mlxchat_path) = \'status\'' -l help
complete -c mlxchat -n 'test (__mlxchat_path) = \'status\'' -l json -d 'Print a JSON array (stable keys, docs/servers.md).'
complete -c mlxchat -n 'test (__mlxchat_path) = \'status\'' -a '(mlxchat profile names 2>/dev/null)'
complete -c mlxchat -n 'test (__mlxchat_path) = \'stop\'' -s h
complete -c mlxchat -n 'test (__mlxchat_path) = \'stop\'' -l help
complete -c mlxchat -n 'test (__mlxchat_path) = \'stop\'' -l all -d 'Stop every profile\'s server.'
complete -c mlxchat -n 'test (__mlxchat_path) = \'stop\'' -l grace -r -d 'Wait after SIGINT, and again after SIGTERM, before SIGKILL.'
complete -c mlxchat -n 'test (__mlxchat_path) = \'stop\'' -a '(mlxchat profile names 2>/dev/null)'
