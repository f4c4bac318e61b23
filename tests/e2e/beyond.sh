#!/usr/bin/env bash
# The features beyond other couples tools, through the CLI against a real
# mendd: the weekly talk, sealed reflections, disclosure preferences,
# what is owed, and reminders.
# Usage: beyond.sh MEND_BIN MENDD_BIN
source "$(dirname "$0")/lib.sh"
start_server --registration open
export XDG_CONFIG_HOME=$WORK/xdg

alex init --name Alex $(server_flags) >/dev/null
sam init --name Sam $(server_flags) >/dev/null
CODE=$(alex --json pair invite | jq -r .code)
sam pair join --input "$(words --arg code "$CODE")" >/dev/null
alex sync >/dev/null
alex pair verify --confirm >/dev/null
sam pair verify --confirm >/dev/null
sam sync >/dev/null

echo "== weekly talk"
alex checkin --mood 6 >/dev/null
T=$(sam --json trigger --intensity 6 --input "$(words --arg what_happened "a late reply")" | jq .seq)
alex talk | grep -q "NOT YET ACKNOWLEDGED" || fail "agenda does not show the open trigger"
[ "$(alex --json talk | jq '.prompts | length')" = 3 ] || fail "agenda prompts"
alex ack "$T" --input "$(words --arg message "I'm sorry; I'll text when I'm late.")" >/dev/null
sam talk --format md | grep -q "acknowledged in" || fail "agenda does not show time to acknowledge"
alex talk notes --input "$(words --arg agreed "Text when running late" --argjson follow_ups '["Walk on Thursday"]')" >/dev/null
NEXT=$(date -d '+7 days' +%F)
sam talk --week "$NEXT" | grep -q "Walk on Thursday" || fail "next week's agenda lacks the follow-up"

echo "== sealed reflection"
alex reflect --prompt-id hardest --input "$(words --arg prompt "What was hardest this week?" --arg answer "When you went quiet.")" >/dev/null
sam reflect show hardest | grep -q "Alex has answered; sealed until both have answered" || fail "sealed state"
! sam --json log | grep -q "When you went quiet" || fail "Sam's client can read the sealed reflection"
[ "$(sam --json status | jq -r '.owed_by_me | map(select(test("reflection"))) | length')" = 1 ] || fail "reflection not owed"
sam reflect --prompt-id hardest --input "$(words --arg answer "Not knowing where you were.")" >/dev/null
alex sync >/dev/null   # brings Sam's answer; Alex's reveal waits for the next sync
[ "$(alex --offline --json reflect show hardest | jq -r '.answers[] | select(.name == "Alex") | .revealed')" = false ] \
  || fail "Alex's reveal was written by the sync that fetched Sam's answer"
[ "$(alex --offline --json reflect show hardest | jq -r '.answers[] | select(.name == "Sam") | has("answer")')" = false ] \
  || fail "Alex sees Sam's answer before revealing"
alex sync >/dev/null
sam sync >/dev/null
SHOW=$(sam --json reflect show hardest)
[ "$(echo "$SHOW" | jq -r '.answers[] | select(.name == "Alex") | .answer')" = "When you went quiet." ] || fail "reveal: $SHOW"
[ "$(echo "$SHOW" | jq -r '.answers[] | select(.name == "Sam") | .answer')" = "Not knowing where you were." ] || fail "reveal: $SHOW"

echo "== disclosure preferences"
sam prefs disclose "contact with X" --mode ask-first >/dev/null
alex prefs show | grep -q "contact with X: ask me first" || fail "prefs show"
expect 1 "asked to be asked first" alex disclose --input "$(words --arg text "X wrote to me")" --topic "contact with X" >/dev/null
alex disclose --input "$(words --arg text "X wrote to me")" --topic "contact with X" --confirm >/dev/null
Q=$(sam --json ask --input "$(words --arg text "Did X call?")" --topic "contact with X" | jq .seq)
expect 1 "--confirm" alex answer "$Q" --input "$(words --arg text "No.")" >/dev/null
alex answer "$Q" --input "$(words --arg text "No.")" --confirm >/dev/null

echo "== status and reminders"
P=$(alex --json commitment propose --input "$(words --arg title "Phone face up at dinner")" --cadence daily --review "$(date +%F)" | jq .seq)
[ "$(sam --json status | jq -r '.owed_by_me[0]')" = "respond to proposal #$P" ] || fail "status owed"
sam commitment accept "$P" >/dev/null
alex status | grep -qE "review commitment #$P \".*\" together" || fail "review due not shown"
[ -z "$(sam status --notify | grep -v review || true)" ] || fail "--notify prints when Sam owes nothing else"
sam trigger --intensity 3 --input "$(words --arg what_happened "a song")" >/dev/null
alex sync >/dev/null
# A reminder needs no passphrase: it reads the summary the last sync left.
"$MEND_BIN" --profile alex status --notify | grep -q "acknowledge trigger" || fail "--notify silent though something is owed"
! grep -q "a song" "$MEND_HOME/alex/owed.json" || fail "the reminder summary holds entry text"
[ "$(stat -c %a "$MEND_HOME/alex/owed.json")" = 600 ] || fail "the reminder summary is not private"
alex remind --daily 09:30 --print | grep -q "^30 9 \* \* \* .*status --notify" || fail "crontab line"
! alex remind --daily 09:30 --print | grep -q "passphrase" || fail "the reminder names a passphrase file"
alex remind --daily 09:30 >/dev/null
[ -f "$XDG_CONFIG_HOME/systemd/user/mend-remind-alex.timer" ] || fail "timer not written"
grep -q "OnCalendar=\*-\*-\* 09:30:00" "$XDG_CONFIG_HOME/systemd/user/mend-remind-alex.timer" || fail "timer schedule"
alex remind --off >/dev/null
[ ! -f "$XDG_CONFIG_HOME/systemd/user/mend-remind-alex.timer" ] || fail "timer not removed"

echo "== the export includes the talk"
alex export --format md | grep -q "Weekly talk notes" || fail "talk notes not in the export"
echo "ok"
