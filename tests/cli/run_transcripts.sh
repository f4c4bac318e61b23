#!/usr/bin/env bash
# CLI transcripts: what a person sees, byte for byte. In the manner of age's
# cmd/age/testdata, each transcript runs `mend` (and, when it asks, a real
# `mendd`) and checks every step's exit code, standard output and standard
# error exactly.
#
# Usage: run_transcripts.sh MEND_BINARY MENDD_BINARY TRANSCRIPT_DIR|TRANSCRIPT.txt...
# Prints one line per transcript and a unified diff for the first failing step
# of each; exits 1 when any transcript fails, 2 on a usage error. Transcripts
# run $MEND_TRANSCRIPT_JOBS at a time (default: the number of CPUs), each
# with its own directories and server; the report is in the order given.
#
# The format (one transcript per *.txt file), line by line:
#
#   # a comment                     ignored, as are blank lines
#   file NAME                       a file in the work directory, with the
#   | line                          `| ` lines that follow as its content
#   server [MENDD SERVE FLAGS]      starts mendd: plaintext on 127.0.0.1, port 0,
#                                   a fresh data dir; sets $PORT and $DATA
#   mask NAME ERE                   from here on, every match of the extended
#                                   regular expression in stdout and stderr
#                                   becomes <NAME> before comparing
#   $ COMMAND                       a step: COMMAND runs with `bash -o pipefail -c`
#   < line                          its standard input, one line each (none:
#                                   /dev/null; stdin is never a terminal)
#   > exit N                        the expected exit code
#   > stdout:                       the expected standard output, one `| ` line
#   | line                          each, after it (none: empty)
#   > stderr:                       the expected standard error, likewise
#   | line
#
# Every step states all three of `> exit`, `> stdout:` and `> stderr:`, in that
# order. A `| ` or `< ` line is the text after the two-character prefix plus a
# newline; a bare `|` or `<` is an empty line. Trailing spaces count.
#
# Each transcript gets a fresh directory, $WORK, which is the current
# directory, HOME, and holds MEND_HOME ($WORK/mend); TZ=UTC, LANG=C.UTF-8;
# PATH starts with a directory holding only `mend` and `mendd` (so usage lines
# say `mend`). Nothing else of the caller's environment reaches a step but the
# sanitizers' *SAN_OPTIONS. Steps must not leave processes behind; each is
# stopped after $MEND_TRANSCRIPT_STEP_TIMEOUT seconds (default 60).
#
# Substitutions, applied to the actual output only, in this order:
#   the server's data directory  ->  $DATA
#   the work directory           ->  $WORK
#   127.0.0.1:<the server port>  ->  127.0.0.1:$PORT
#   then each `mask` of the transcript, in the order declared.
# Commands may use $WORK, $DATA and $PORT themselves: they are in the
# environment.
set -uo pipefail

if [ $# -lt 3 ]; then
  echo "usage: $0 MEND_BINARY MENDD_BINARY TRANSCRIPT_DIR|TRANSCRIPT.txt..." >&2
  exit 2
fi
MEND=$(realpath "$1")
MENDD=$(realpath "$2")
shift 2
for bin in "$MEND" "$MENDD"; do
  [ -x "$bin" ] || { echo "$0: not an executable: $bin" >&2; exit 2; }
done
TRANSCRIPTS=()
for arg in "$@"; do
  if [ -d "$arg" ]; then
    TRANSCRIPTS+=("$arg"/*.txt)
  else
    TRANSCRIPTS+=("$arg")
  fi
done
for t in "${TRANSCRIPTS[@]}"; do
  [ -f "$t" ] || { echo "$0: no transcript: $t" >&2; exit 2; }
done

STEP_TIMEOUT=${MEND_TRANSCRIPT_STEP_TIMEOUT:-60}
ROOT=$(mktemp -d "${TMPDIR:-/tmp}/mend-cli.XXXXXX")
BIN=$ROOT/bin
mkdir "$BIN"
ln -s "$MEND" "$BIN/mend"
ln -s "$MENDD" "$BIN/mendd"
SERVER_PID=""

stop_server() {
  [ -n "$SERVER_PID" ] || return 0
  kill -TERM "$SERVER_PID" 2>/dev/null
  for _ in $(seq 50); do
    kill -0 "$SERVER_PID" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL "$SERVER_PID" 2>/dev/null
  wait "$SERVER_PID" 2>/dev/null
  rm -f "$T/server.pid"
  SERVER_PID=""
}

# On exit: stop the transcripts still running and every mendd they started
# (each runner stops its own; the pid files are for a runner that cannot).
cleanup() {
  local f pid
  for f in "$ROOT"/t/*/runner.pid; do
    [ -f "$f" ] && kill -TERM "$(cat "$f")" 2>/dev/null
  done
  for f in "$ROOT"/t/*/server.pid; do
    [ -f "$f" ] || continue
    pid=$(cat "$f")
    kill -TERM "$pid" 2>/dev/null
    sleep 0.5
    kill -KILL "$pid" 2>/dev/null
  done
  wait 2>/dev/null
  rm -rf "$ROOT"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Escapes $1 for use as a literal in a sed regular expression.
literal() { printf '%s' "$1" | sed 's#[][\\/.^$*+?(){}|]#\\&#g'; }

# Per transcript (each runs in its own subshell).
NAME="" T="" WORK="" DATA="" PORT="" MASKS=()
FAILED=0

# fail LINE MESSAGE: reports a failure of the current transcript.
fail() {
  echo "FAIL $NAME:$1: $2"
  FAILED=1
}

start_server() {  # start_server LINE [FLAGS...]
  local line=$1
  shift
  if [ -n "$SERVER_PID" ]; then
    fail "$line" "a transcript starts at most one server"
    return 1
  fi
  mkdir -p "$DATA"
  "$MENDD" serve --listen 127.0.0.1:0 --data "$DATA" "$@" >>"$T/server.log" 2>&1 </dev/null &
  SERVER_PID=$!
  echo "$SERVER_PID" >"$T/server.pid"
  for _ in $(seq 300); do
    PORT=$(sed -n 's/.*(port \([0-9]*\),.*/\1/p' "$T/server.log" | tail -1)
    [ -n "$PORT" ] && [ -S "$DATA/admin.sock" ] && return 0
    kill -0 "$SERVER_PID" 2>/dev/null || break
    sleep 0.1
  done
  fail "$line" "mendd did not start: $(tail -5 "$T/server.log")"
  return 1
}

# The step being read.
STEP_LINE=0 STEP_CMD="" PHASE="" STDIN_GIVEN=0

begin_step() {
  STEP_LINE=$1
  STEP_CMD=$2
  PHASE=stdin
  STDIN_GIVEN=0
  WANT_EXIT=""
  : >"$T/stdin"
  : >"$T/want.stdout"
  : >"$T/want.stderr"
}

# Runs the step read so far and compares; returns 1 on a mismatch.
run_step() {
  if [ "$PHASE" != stderr ]; then
    fail "$STEP_LINE" "format: a step needs '> exit N', '> stdout:' and '> stderr:', in that order"
    return 1
  fi
  local stdin=/dev/null
  [ "$STDIN_GIVEN" = 1 ] && stdin=$T/stdin
  local env=(PATH="$BIN:/usr/local/bin:/usr/bin:/bin" HOME="$WORK" MEND_HOME="$WORK/mend" TZ=UTC LANG=C.UTF-8
             WORK="$WORK" DATA="$DATA" PORT="$PORT")
  local v
  for v in ASAN_OPTIONS LSAN_OPTIONS UBSAN_OPTIONS TSAN_OPTIONS; do
    [ -n "${!v:-}" ] && env+=("$v=${!v}")
  done
  local rc=0
  (cd "$WORK" && exec env -i "${env[@]}" timeout -k 5 "$STEP_TIMEOUT" bash --noprofile --norc -o pipefail -c "$STEP_CMD") \
    <"$stdin" >"$T/got.stdout" 2>"$T/got.stderr" || rc=$?
  local subst=(-e "s/$(literal "$DATA")/\$DATA/g" -e "s/$(literal "$WORK")/\$WORK/g")
  [ -n "$PORT" ] && subst+=(-e "s/127\\.0\\.0\\.1:$PORT\\b/127.0.0.1:\$PORT/g")
  local mask
  for mask in "${MASKS[@]}"; do
    subst+=(-e "s${mask}g")
  done
  local stream ok=1
  for stream in stdout stderr; do
    sed -E "${subst[@]}" "$T/got.$stream" >"$T/got.$stream.subst" || { fail "$STEP_LINE" "a mask is not a valid ERE"; return 1; }
  done
  if [ "$rc" != "$WANT_EXIT" ]; then ok=0; fi
  cmp -s "$T/want.stdout" "$T/got.stdout.subst" || ok=0
  cmp -s "$T/want.stderr" "$T/got.stderr.subst" || ok=0
  [ "$ok" = 1 ] && return 0
  fail "$STEP_LINE" "\$ $STEP_CMD"
  [ "$rc" != "$WANT_EXIT" ] && echo "  exit: want $WANT_EXIT, got $rc"
  for stream in stdout stderr; do
    diff -u --label "want $stream" --label "got $stream" "$T/want.$stream" "$T/got.$stream.subst" | sed 's/^/  /'
  done
  if [ -n "$SERVER_PID" ] && [ -s "$T/server.log" ]; then
    echo "  --- mendd log (last 5 lines) ---"
    tail -5 "$T/server.log" | sed 's/^/  /'
  fi
  return 1
}

# finish: completes whatever block is open (a step runs now).
finish() {
  case "$PHASE" in
    "") return 0 ;;
    file) PHASE=""; return 0 ;;
    *) local r=0; run_step || r=$?; PHASE=""; return $r ;;
  esac
}

run_transcript() {
  local file=$1
  NAME=$(basename "$file")
  WORK=$T/work
  DATA=$T/data
  PORT=""
  MASKS=()
  PHASE=""
  mkdir -p "$WORK"
  local started=$(date +%s%N)
  FAILED=0
  local lines n i line lineno target=""
  mapfile -t lines <"$file"
  n=${#lines[@]}
  for ((i = 0; i < n; i++)); do
    line=${lines[i]}
    lineno=$((i + 1))
    case "$line" in
      '| '* | '|')
        local text=${line#|}
        text=${text# }
        case "$PHASE" in
          stdout) printf '%s\n' "$text" >>"$T/want.stdout" ;;
          stderr) printf '%s\n' "$text" >>"$T/want.stderr" ;;
          file) printf '%s\n' "$text" >>"$target" ;;
          *) fail "$lineno" "format: a '|' line outside '> stdout:', '> stderr:' or 'file'"; break ;;
        esac
        ;;
      '|'*) fail "$lineno" "format: '|' is followed by a space or nothing"; break ;;
      '< '* | '<')
        if [ "$PHASE" != stdin ]; then fail "$lineno" "format: a '<' line belongs right after its '\$' line"; break; fi
        local input=${line#<}
        printf '%s\n' "${input# }" >>"$T/stdin"
        STDIN_GIVEN=1
        ;;
      '> exit '*)
        if [ "$PHASE" != stdin ]; then fail "$lineno" "format: '> exit' belongs after a '\$' line and its input"; break; fi
        WANT_EXIT=${line#> exit }
        [[ "$WANT_EXIT" =~ ^[0-9]+$ ]] || { fail "$lineno" "format: '> exit N' takes a number"; break; }
        PHASE=exit
        ;;
      '> stdout:')
        if [ "$PHASE" != exit ]; then fail "$lineno" "format: '> stdout:' belongs after '> exit N'"; break; fi
        PHASE=stdout
        ;;
      '> stderr:')
        if [ "$PHASE" != stdout ]; then fail "$lineno" "format: '> stderr:' belongs after '> stdout:'"; break; fi
        PHASE=stderr
        ;;
      '$ '*)
        finish || break
        begin_step "$lineno" "${line#\$ }"
        ;;
      'file '*)
        finish || break
        target=$WORK/${line#file }
        mkdir -p "$(dirname "$target")"
        : >"$target"
        PHASE=file
        ;;
      'server' | 'server '*)
        finish || break
        local flags=()
        read -ra flags <<<"${line#server}"
        start_server "$lineno" "${flags[@]}" || break
        ;;
      'mask '*)
        finish || break
        local rest=${line#mask } mname mere
        mname=${rest%% *}
        mere=${rest#* }
        if ! [[ "$mname" =~ ^[A-Z][A-Z0-9_]*$ ]] || [ "$mere" = "$rest" ] || [[ "$mere" == *$'\x01'* ]]; then
          fail "$lineno" "format: 'mask NAME ERE', NAME in capitals"
          break
        fi
        MASKS+=($'\x01'"$mere"$'\x01'"<$mname>"$'\x01')
        ;;
      '#'* | '') ;;
      *) fail "$lineno" "format: unknown line: $line"; break ;;
    esac
  done
  [ "$FAILED" = 1 ] || finish
  stop_server
  local ms=$(( ($(date +%s%N) - started) / 1000000 ))
  if [ "$FAILED" = 0 ]; then
    printf 'ok   %-36s %d.%03ds\n' "$NAME" $((ms / 1000)) $((ms % 1000))
  fi
  return "$FAILED"
}

# Runs one transcript in the background: its report goes to $T/report and
# its verdict (0 or 1) to $T/status.
start_transcript() {
  local index=$1 file=$2
  T=$ROOT/t/$index
  mkdir -p "$T"
  (
    trap stop_server EXIT
    trap 'exit 143' TERM
    trap 'exit 130' INT
    rc=0
    run_transcript "$file" >"$T/report" 2>&1 || rc=$?
    echo "$rc" >"$T/status"
  ) &
  echo $! >"$T/runner.pid"
}

JOBS=${MEND_TRANSCRIPT_JOBS:-$(nproc 2>/dev/null || echo 2)}
[[ "$JOBS" =~ ^[1-9][0-9]*$ ]] || JOBS=2
STARTED=$(date +%s%N)
# Those that start a server take longest: they go first, so that the run
# ends sooner; the report keeps the order given.
ORDER=()
for i in "${!TRANSCRIPTS[@]}"; do
  grep -q '^server' "${TRANSCRIPTS[i]}" && ORDER+=("$i")
done
for i in "${!TRANSCRIPTS[@]}"; do
  grep -q '^server' "${TRANSCRIPTS[i]}" || ORDER+=("$i")
done
running=0
for i in "${ORDER[@]}"; do
  if [ "$running" -ge "$JOBS" ]; then
    wait -n 2>/dev/null
    running=$((running - 1))
  fi
  start_transcript "$i" "${TRANSCRIPTS[i]}"
  running=$((running + 1))
done
wait
BAD=0
for i in "${!TRANSCRIPTS[@]}"; do
  cat "$ROOT/t/$i/report" 2>/dev/null
  [ "$(cat "$ROOT/t/$i/status" 2>/dev/null)" = 0 ] || BAD=$((BAD + 1))
done
MS=$(( ($(date +%s%N) - STARTED) / 1000000 ))
printf '%d transcripts, %d failed, %d.%03ds\n' "${#TRANSCRIPTS[@]}" "$BAD" $((MS / 1000)) $((MS % 1000))
[ "$BAD" = 0 ]
