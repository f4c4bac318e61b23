#!/usr/bin/env bash
# Two partners go through every command against a real mendd.
# Usage: two_partners.sh MEND_BIN MENDD_BIN
source "$(dirname "$0")/lib.sh"

start_server --registration code
REG=$("$MENDD_BIN" admin --data "$DATA" registration-code)

echo "== init and pairing"
alex init --name Alex $(server_flags) >/dev/null
sam init --name Sam $(server_flags) >/dev/null
expect 1 "refusing to overwrite" alex init --name Alex $(server_flags) >/dev/null
expect 1 "registration code" alex pair invite < /dev/null >/dev/null
CODE=$(alex --json pair invite --input "$(words --arg registration_code "$REG")" | jq -r .code)
[[ "$CODE" == mend-* ]] || fail "no invite code: $CODE"
MISTYPED="${CODE:0:8}$([ "${CODE:8:1}" = "7" ] && echo 8 || echo 7)${CODE:9}"
expect 1 "mistyped" sam pair join --input "$(words --arg code "$MISTYPED")" >/dev/null
expect 0 "joined Alex" sam pair join --input "$(words --arg code "$CODE")" >/dev/null
expect 1 "not confirmed you yet" sam checkin --mood 5 >/dev/null
expect 0 "Compare the safety number" alex sync >/dev/null
expect 0 "waiting for your partner to confirm" sam sync >/dev/null
SN_A=$(alex --json pair verify | jq -r .safety_number)
SN_B=$(sam --json pair verify | jq -r .safety_number)
[ "$SN_A" = "$SN_B" ] || fail "safety numbers differ: $SN_A vs $SN_B"
alex pair verify --confirm >/dev/null
[ "$(alex --json status | jq -r .safety_confirmed)" = true ] || fail "safety confirmation not recorded"
sam sync >/dev/null
expect 1 "safety number has not been compared" sam checkin --mood 5 >/dev/null
sam pair verify --confirm >/dev/null

echo "== nothing a person writes goes through argv"
expect 2 "shell history" alex checkin --mood 5 --note "secret" >/dev/null
expect 2 "shell history" alex ask "a question" >/dev/null
expect 2 "--input -" sam pair join "$CODE" >/dev/null
expect 1 "is needed" alex ask < /dev/null >/dev/null
expect 1 "does not take" alex checkin --mood 5 --input "$(words --arg notes "typo")" >/dev/null

echo "== check-ins"
alex checkin --mood 7 --feel hopeful --feel tired --input "$(words --arg needs "a walk together" --arg gratitude "dinner" --arg note "good talk")" >/dev/null
sam checkin --mood 4 --feel anxious --input "$(words --arg note "hard day")" >/dev/null
expect 1 "mood must be 1 to 10" sam checkin --mood 11 >/dev/null
expect 1 "unknown feeling" sam checkin --mood 5 --feel grumpy >/dev/null

echo "== commitments"
P=$(alex --json commitment propose --input "$(words --arg title "No contact with X")" --bound me --cadence weekly --review 2027-01-31 | jq .seq)
expect 1 "not its proposer" alex commitment accept "$P" >/dev/null
sam commitment accept "$P" --input "$(words --arg note "thank you")" >/dev/null
alex commitment outcome "$P" --kept >/dev/null
alex commitment outcome "$P" --slipped --input "$(words --arg note "X messaged; I replied once and told you")" >/dev/null
expect 1 "bound by the commitment" sam commitment outcome "$P" --kept >/dev/null
LIST=$(alex --json commitment list)
[ "$(echo "$LIST" | jq ".[] | select(.seq == $P) | .kept")" = 1 ] || fail "kept count: $LIST"
[ "$(echo "$LIST" | jq ".[] | select(.seq == $P) | .slipped")" = 1 ] || fail "slipped count: $LIST"
A=$(sam --json commitment amend "$P" --input "$(words --arg title "No contact with X, and tell me if X writes")" --bound me | jq .seq)
alex commitment accept "$A" >/dev/null
[ "$(alex --json commitment list | jq -r ".[] | select(.seq == $P) | .state")" = superseded ] || fail "amend did not supersede"
R=$(alex --json commitment retire "$A" --input "$(words --arg note "done")" | jq .seq)
sam commitment accept "$R" >/dev/null
[ "$(sam --json commitment list | jq -r ".[] | select(.seq == $A) | .state")" = retired ] || fail "retire did not retire"

echo "== trigger and acknowledgement"
T=$(sam --json trigger --intensity 8 --input "$(words --arg what_happened "saw a message notification")" --feel hurt --help-with reassurance | jq .seq)
expect 1 "not its author" sam ack "$T" >/dev/null
[ "$(alex --json status | jq -r '.owed_by_me[0]')" = "acknowledge trigger #$T" ] || fail "status does not show the owed ack"
alex ack "$T" --input "$(words --arg message "I understand why that hurt. I'm here.")" >/dev/null

echo "== question, letter, disclosure"
Q=$(sam --json ask --input "$(words --arg text "Have you deleted the old chats?")" | jq .seq)
alex answer "$Q" --input "$(words --arg text "Yes, on Sunday; I can show you.")" >/dev/null
cat > "$WORK/editor.sh" <<'EDITOR'
#!/bin/sh
printf 'Dear Sam,\n\nI am sorry. <script>alert(1)</script>\n' > "$1"
EDITOR
chmod +x "$WORK/editor.sh"
EDITOR="$WORK/editor.sh" alex letter --input "$(words --arg subject "For Sunday")" >/dev/null
ls -a "$MEND_HOME/alex" | grep -q draft && fail "the letter's draft was left in the profile"
expect 1 "EDITOR" env -u EDITOR "$MEND_BIN" --profile alex --passphrase-file "$WORK/alex.pass" letter < /dev/null >/dev/null
alex disclose --input "$(words --arg text "X emailed me today; I did not answer.")" --commitment "$P" >/dev/null

echo "== space"
TOMORROW=$(date -d tomorrow +%F)
sam space --until "$TOMORROW" --contact none --input "$(words --arg note "I need a couple of days")" >/dev/null
expect 1 "asked for space" alex ask --input "$(words --arg text "Can we talk tonight?")" >/dev/null
alex --despite-space ask --input "$(words --arg text "Can we talk tonight?")" >/dev/null
alex status | grep -q "Sam asked for space until $TOMORROW" || fail "status does not show the space request"
sam space end >/dev/null
alex checkin --mood 6 >/dev/null

echo "== log and show"
LOG=$(sam --json log)
[ "$(echo "$LOG" | jq 'length')" -ge 20 ] || fail "log too short"
[ "$(echo "$LOG" | jq '[.[] | select(.kind == "checkin")] | length')" = 3 ] || fail "check-in count: $LOG"
[ "$(echo "$LOG" | jq '[.[] | select(.valid == false)] | length')" = 0 ] || fail "invalid entries in the log"
[ "$(echo "$LOG" | jq -r '.[] | select(.kind == "letter") | .payload.letter.body' | grep -c 'script')" = 1 ] || fail "letter body"
[ "$(sam --json log --kind trigger --author me | jq 'length')" = 1 ] || fail "filtered log"
sam show "$T" | grep -q "saw a message notification" || fail "show"
expect 1 "no entry #999" sam show 999 >/dev/null
sam --offline log >/dev/null

echo "== global options after the subcommand, as the README writes them"
[ "$(sam log --json | jq 'length')" = "$(echo "$LOG" | jq 'length')" ] || fail "mend log --json"
[ "$(alex status --json | jq -r .safety_confirmed)" = true ] || fail "mend status --json"
[ "$(alex commitment list --json | jq 'length')" -ge 1 ] || fail "mend commitment list --json"
sam log --offline --kind trigger >/dev/null
"$MEND_BIN" sync --profile sam --passphrase-file "$WORK/sam.pass" >/dev/null || fail "mend sync --profile sam"

echo "== a partner's text cannot drive the other's terminal or a report"
HOSTILE=$(printf 'fine\033[2K\033[1A\033[31mFORGED: all acknowledged\r\a\302\233\342\200\256evil\342\201\246x')
alex checkin --mood 5 --input "$(words --arg note "$HOSTILE")" >/dev/null
alex commitment propose --input "$(words --arg title "$(printf 'Title\033[1A')")" >/dev/null
H=$(sam --json log | jq '.[-1].seq')
sam log > "$WORK/out.log" 2>&1;            inert "$WORK/out.log" "mend log"
grep -q 'x1b\[2K' "$WORK/out.log" || fail "mend log does not show the escape visibly: $(cat "$WORK/out.log" | tail -3)"
sam show "$((H - 1))" > "$WORK/out.show" 2>&1; inert "$WORK/out.show" "mend show"
sam log --json > "$WORK/out.json" 2>&1;     inert "$WORK/out.json" "mend log --json"
[ "$(jq -r '.[-2].payload.check_in.note' "$WORK/out.json")" = "$HOSTILE" ] || fail "mend log --json does not round-trip the text"
sam status > "$WORK/out.status" 2>&1;       inert "$WORK/out.status" "mend status"
sam commitment list > "$WORK/out.commitments" 2>&1; inert "$WORK/out.commitments" "mend commitment list"
for format in md json html; do
  sam export --format "$format" > "$WORK/out.$format" 2>&1; inert "$WORK/out.$format" "mend export --format $format"
done
sam export --format md > "$WORK/out2.md"
printf '![x](http://example.com/beacon.png) <img src=http://example.com/b>' > "$WORK/beacon"
alex checkin --mood 5 --input "$(words --rawfile note "$WORK/beacon")" >/dev/null
sam export --format md > "$WORK/out3.md"
! grep -qE '(^|[^\\])!\[|(^|[^\\])<img' "$WORK/out3.md" || fail "the Markdown report passes an image or raw HTML through"

echo "== watch"
sam watch --count 1 --timeout 30 > "$WORK/watch.out" &
WATCH=$!
sleep 1.5
MEND_PID=$(pgrep -P "$WATCH" -x mend || echo "$WATCH")
grep -qE "Max core file size +0 +0" "/proc/$MEND_PID/limits" || fail "mend may write a core dump: $(grep core "/proc/$MEND_PID/limits")"
alex checkin --mood 8 --input "$(words --arg note "seen live")" >/dev/null
wait $WATCH || fail "watch failed"
grep -q "seen live" "$WORK/watch.out" || fail "watch did not print the new entry: $(cat "$WORK/watch.out")"

echo "== rotation"
alex rotate >/dev/null
sam checkin --mood 6 --input "$(words --arg note "after rotation")" >/dev/null
alex log | grep -q "after rotation" || fail "entry after rotation unreadable"
alex log | grep -q "rotated the couple key to epoch 1" || fail "rotation not in log"

echo "== export"
alex export --format html -o "$WORK/report.html"
grep -q "<svg" "$WORK/report.html" || fail "no chart in the HTML report"
grep -q "&lt;script&gt;" "$WORK/report.html" || fail "letter text not escaped"
# Partners' text may mention addresses (escaped, as text); no element may load one.
! grep -qiE '<(img|script|link|iframe|object|embed|image|audio|video|source|a)[ >]|url\(|@import' "$WORK/report.html" \
  || fail "HTML report refers to something outside itself"
[ "$(stat -c %a "$WORK/report.html")" = 600 ] || fail "report file is not private"
age-keygen -o "$WORK/therapist.key" 2>/dev/null
RECIPIENT=$(sed -n 's/^# public key: //p' "$WORK/therapist.key")
alex export --format md -o "$WORK/plain.md"
alex export --format md --age-recipient "$RECIPIENT" -o "$WORK/report.md.age"
age -d -i "$WORK/therapist.key" "$WORK/report.md.age" > "$WORK/decrypted.md"
diff <(grep -v "Exported by" "$WORK/plain.md") <(grep -v "Exported by" "$WORK/decrypted.md") || fail "age export differs"
expect 1 "age1" alex export --age-recipient nonsense -o "$WORK/x" >/dev/null
[ ! -e "$WORK/x" ] || fail "a failed export left a file"
[ "$(alex --json export --format json | jq -r .schema)" = "mend-export/1" ] || fail "json export schema"
expect 0 "No entries in this period" alex export --since 2001-01-01 --until 2001-01-31 >/dev/null

echo "== exit codes"
expect 2 "mend: error" "$MEND_BIN" checkin --mood >/dev/null
echo wrong > "$WORK/wrong.pass"
expect 1 "wrong passphrase" "$MEND_BIN" --profile alex --passphrase-file "$WORK/wrong.pass" status >/dev/null

echo "== local files are authenticated"
cp "$MEND_HOME/alex/state.json" "$WORK/state.bak"
sed -i 's/"safety_confirmed": true/"safety_confirmed": false/' "$MEND_HOME/alex/state.json"
expect 3 "state.json" alex status >/dev/null
cp "$WORK/state.bak" "$MEND_HOME/alex/state.json"
alex status >/dev/null

echo "== passphrases"
echo "password1" > "$WORK/weak.pass"
expect 1 "could be guessed" "$MEND_BIN" --profile weak --passphrase-file "$WORK/weak.pass" init --name Weak $(server_flags) >/dev/null
[ ! -e "$MEND_HOME/weak/key" ] || fail "a refused init wrote a key file"
echo "alex's new and even longer passphrase" > "$WORK/alex.new"
expect 1 "could be guessed" alex passphrase --new-passphrase-file "$WORK/weak.pass" >/dev/null
alex passphrase --new-passphrase-file "$WORK/alex.new" | grep -q "still open with the old" || fail "passphrase change"
expect 1 "wrong passphrase" alex status >/dev/null
cp "$WORK/alex.new" "$WORK/alex.pass"
alex status >/dev/null

echo "== a rolled-back server is caught (exit 3) and the replica is kept"
stop_server
cp -a "$DATA" "$WORK/old-data"
start_server --registration code
alex checkin --mood 5 --input "$(words --arg note "after the snapshot")" >/dev/null
sam sync >/dev/null
stop_server
mv "$DATA" "$WORK/new-data" && mv "$WORK/old-data" "$DATA"
start_server --registration code
BEFORE=$(sha256sum "$MEND_HOME/sam/replica")
expect 3 "rollback" sam sync >/dev/null
[ "$BEFORE" = "$(sha256sum "$MEND_HOME/sam/replica")" ] || fail "replica changed after a failed sync"
sam --offline log | grep -q "after the snapshot" || fail "offline log lost the verified entry"
stop_server
rm -rf "$DATA" && mv "$WORK/new-data" "$DATA"
start_server --registration code
sam sync >/dev/null

echo "== leave"
sam leave --yes --input "$(words --arg reason "I need to stop for now")" >/dev/null
expect 1 "closed" alex checkin --mood 5 >/dev/null
alex sync >/dev/null
[ "$(alex --json status | jq -r .closed)" = true ] || fail "log not closed after leave"
alex --offline log | grep -q "left: I need to stop for now" || fail "leave not in log"
sam --offline log >/dev/null   # the one who left keeps their copy
sam purge --yes >/dev/null
expect 1 "" alex sync >/dev/null

echo "== forget"
expect 1 "--yes" sam forget >/dev/null
sam forget --yes >/dev/null
[ ! -e "$MEND_HOME/sam" ] || fail "forget left the profile directory"
! grep -q "sam" "$MEND_HOME/config.toml" || fail "forget left the profile in config.toml"
expect 1 "no profile" "$MEND_BIN" --profile sam forget --yes >/dev/null
alex --offline log >/dev/null   # the other profile is untouched
echo "ok"
