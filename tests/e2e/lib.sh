# Helpers for the end-to-end scripts: a real mendd on 127.0.0.1 with a temp
# RocksDB dir, serving TLS with a certificate from a throwaway CA made here
# (clients trust it with `mend init --tls-ca`), and two mend profiles under a
# temp MEND_HOME.
# Usage: source lib.sh MEND_BIN MENDD_BIN
set -Eeuo pipefail
# set -e ends a script silently: say which command failed, and where.
trap 'echo "FAIL: ${BASH_SOURCE[0]:-$0}:$LINENO: $BASH_COMMAND (exit $?)" >&2' ERR
exec </dev/null  # never a terminal: every prompt must be answered by --input
MEND_BIN=$1
MENDD_BIN=$2
WORK=$(mktemp -d /tmp/mend-e2e.XXXXXX)
export MEND_HOME=$WORK/home
mkdir -p "$MEND_HOME"
DATA=$WORK/data
SERVER_PID=""
echo "alex's long passphrase" > "$WORK/alex.pass"
echo "sam's long passphrase" > "$WORK/sam.pass"

cleanup() {
  [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null
  rm -rf "$WORK"
}
trap cleanup EXIT

fail() {
  echo "FAIL: $*" >&2
  echo "--- server log ---" >&2
  tail -20 "$WORK/server.log" >&2 || true
  exit 1
}

# A CA and a certificate for localhost, as an operator with a private CA would have.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj "/CN=mend e2e CA" \
  -keyout "$WORK/ca.key" -out "$WORK/ca.pem" 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=localhost" \
  -keyout "$WORK/server.key" -out "$WORK/server.csr" 2>/dev/null
printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' > "$WORK/san.ext"
openssl x509 -req -in "$WORK/server.csr" -CA "$WORK/ca.pem" -CAkey "$WORK/ca.key" -CAcreateserial -days 2 \
  -extfile "$WORK/san.ext" -out "$WORK/server.pem" 2>/dev/null
# What clients pass to `mend init`: the server by name, over TLS, trusting only the e2e CA.
server_flags() { echo --server "localhost:$PORT" --tls-ca "$WORK/ca.pem"; }

# start_server [extra flags]: starts mendd (TLS) and sets PORT (reused across restarts).
start_server() {
  local listen="127.0.0.1:${PORT:-0}"
  "$MENDD_BIN" serve --listen "$listen" --data "$DATA" --tls-cert "$WORK/server.pem" --tls-key "$WORK/server.key" \
    "$@" >>"$WORK/server.log" 2>&1 &
  SERVER_PID=$!
  for _ in $(seq 100); do
    if [ -z "${PORT:-}" ]; then
      PORT=$(sed -n 's/.*(port \([0-9]*\),.*/\1/p' "$WORK/server.log" | tail -1)
    fi
    [ -n "${PORT:-}" ] && [ -S "$DATA/admin.sock" ] && return 0
    sleep 0.1
  done
  fail "mendd did not start"
}

stop_server() {
  kill "$SERVER_PID"
  wait "$SERVER_PID" || true
  SERVER_PID=""
}

# words --arg FIELD TEXT ...: writes the text fields as a JSON object to a
# private file and prints its path, for `--input`: nothing a partner writes
# goes on a command line.
words() {
  local f
  f=$(mktemp "$WORK/words.XXXXXX")
  jq -cn "$@" '$ARGS.named' > "$f"
  echo "$f"
}

alex() { "$MEND_BIN" --profile alex --passphrase-file "$WORK/alex.pass" "$@"; }
sam() { "$MEND_BIN" --profile sam --passphrase-file "$WORK/sam.pass" "$@"; }

# expect CODE "needle" cmd...: runs cmd, checks its exit code and that stderr+stdout contain needle.
expect() {
  local want=$1 needle=$2
  shift 2
  local out rc=0
  out=$("$@" 2>&1) || rc=$?
  [ "$rc" -eq "$want" ] || fail "expected exit $want from '$*', got $rc: $out"
  case "$out" in *"$needle"*) ;; *) fail "expected '$needle' in output of '$*': $out" ;; esac
  printf '%s\n' "$out"
}

# inert FILE WHAT: fails when FILE holds a byte a terminal or a renderer would
# act on: C0 controls but newline, DEL, C1 controls, bidirectional controls.
inert() {
  if LC_ALL=C grep -aqP '[\x00-\x09\x0b-\x1f\x7f]|\xc2[\x80-\x9f]|\xe2\x80[\x8e\x8f\xaa-\xae]|\xe2\x81[\xa6-\xa9]|\xd8\x9c' "$1"; then
    fail "$2 passes a control or bidi character through: $(LC_ALL=C grep -aoP '.{0,20}[\x00-\x09\x0b-\x1f\x7f].{0,20}' "$1" | head -3 | od -c | head -5)"
  fi
}
