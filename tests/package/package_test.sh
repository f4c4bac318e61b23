#!/usr/bin/env bash
# The Debian packages, as an operator meets them: builds mend and mendd with
# scripts/package, checks them with lintian (no errors), installs both with
# apt-get, checks what they hold, runs the installed /usr/bin/mendd (not
# through systemd) on a temp directory and a loopback port with the packaged
# /etc/mend/mendd.toml, every default in it uncommented, drives the installed
# /usr/bin/mend through a pairing, a check-in and a clean `mend doctor`
# against it, then purges both and checks that nothing of them is left.
#
#   tests/package/package_test.sh [BUILD_DIR]      (default: build)
#
# Exits 0 with "package test: skipped: REASON" where this machine cannot
# install packages (not root and no passwordless sudo; no dpkg or apt-get) or
# already has mend or mendd installed (not this test's to remove); 1 with
# "package test: FAIL: ..." when a check fails.
set -euo pipefail
cd "$(dirname "$0")/../.."
build_dir=${1:-build}

say() { echo "package test: $*"; }
skip() { say "skipped: $*"; exit 0; }
fail() { say "FAIL: $*" >&2; exit 1; }

command -v dpkg >/dev/null && command -v apt-get >/dev/null || skip "no dpkg or apt-get on this machine"
sudo=()
if [ "$(id -u)" -ne 0 ]; then
  sudo -n true 2>/dev/null || skip "installing packages needs root or passwordless sudo"
  sudo=(sudo -n)
fi
installed() { [ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null)" = installed ]; }
for p in mend mendd; do
  ! installed "$p" || skip "package $p is already installed here; this test would remove it"
done
for d in /var/lib/mend /var/lib/private/mend; do
  [ ! -e "$d" ] && [ ! -L "$d" ] || skip "$d exists here; purging mendd would delete it"
done
command -v lintian >/dev/null || fail "lintian is missing (scripts/setup installs it)"

work=$(mktemp -d "${TMPDIR:-/tmp}/mend-package-test.XXXXXX")
chmod 755 "$work"
server_pid=""
installed_by_us=0
made_private=0
cleanup() {
  local rc=$?
  if [ -n "$server_pid" ]; then
    kill -TERM "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  if [ "$installed_by_us" = 1 ]; then
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq mend mendd >/dev/null 2>&1 || true
  fi
  # /var/lib/private, if this test made it for the purge check.
  [ "$made_private" = 0 ] || "${sudo[@]}" rmdir /var/lib/private 2>/dev/null || true
  [ "$rc" = 0 ] || { [ ! -s "$work/mendd.log" ] || { echo "--- mendd's log:"; tail -20 "$work/mendd.log"; } >&2; }
  rm -rf "$work"
}
trap cleanup EXIT

# Files that carry the packages' names, outside the source tree: those there
# now are not the packages' (compared after the purge). man-db's cache of
# formatted pages (systemd-analyze reads mendd(8)) is man-db's.
leftovers() {
  find /etc /usr /var /opt /srv -xdev -path /var/cache/man -prune -o \( -name mend -o -name mendd -o -name 'mend.*' -o -name 'mendd.*' \
    -o -name _mend -o -name 'mend_*' -o -name 'mendd_*' \) -print 2>/dev/null | sort
}
leftovers >"$work/before"

say "building the packages"
scripts/package "$build_dir" >"$work/packages" 2>"$work/package.log" \
  || { cat "$work/package.log" >&2; fail "scripts/package failed"; }
mend_deb=$(awk '$1 ~ /\/mend_[^\/]*\.deb$/ { print $1 }' "$work/packages")
mendd_deb=$(awk '$1 ~ /\/mendd_[^\/]*\.deb$/ { print $1 }' "$work/packages")
[ -f "$mend_deb" ] && [ -f "$mendd_deb" ] || fail "scripts/package did not name both packages: $(cat "$work/packages")"
sed 's/^/  /' "$work/packages"

say "lintian"
lintian --fail-on error "$mend_deb" "$mendd_deb" >"$work/lintian" 2>&1 \
  || { cat "$work/lintian" >&2; fail "lintian reports errors"; }
sed 's/^/  /' "$work/lintian"

# Runtime dependencies come from dpkg-shlibdeps: Debian's library packages.
for deb in "$mend_deb" "$mendd_deb"; do
  depends=$(dpkg-deb -f "$deb" Depends)
  [[ "$depends" == *libc6* && "$depends" == *libsodium* ]] \
    || fail "$(basename "$deb"): Depends is not computed from its libraries: '$depends'"
done

say "installing"
installed_by_us=1
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -o DPkg::Lock::Timeout=120 \
  "$(realpath "$mend_deb")" "$(realpath "$mendd_deb")" >"$work/apt.log" 2>&1 \
  || { cat "$work/apt.log" >&2; fail "apt-get install failed"; }
for p in mend mendd; do installed "$p" || fail "$p is not installed after apt-get install"; done

for f in /usr/bin/mend /usr/share/man/man1/mend.1.gz /usr/share/bash-completion/completions/mend \
  /usr/share/zsh/vendor-completions/_mend /usr/share/fish/vendor_completions.d/mend.fish \
  /usr/share/doc/mend/copyright /usr/bin/mendd /usr/share/man/man8/mendd.8.gz \
  /lib/systemd/system/mendd.service /etc/mend/mendd.toml /usr/share/doc/mendd/copyright; do
  [ -f "$f" ] || fail "$f is not installed"
done
dpkg-query -W -f='${Conffiles}\n' mendd | grep -q '^ /etc/mend/mendd.toml ' \
  || fail "/etc/mend/mendd.toml is not a conffile of mendd"
grep -qx 'ExecStart=/usr/bin/mendd serve --config /etc/mend/mendd.toml' /lib/systemd/system/mendd.service \
  || fail "the unit does not start /usr/bin/mendd with /etc/mend/mendd.toml"
[ -L /etc/systemd/system/multi-user.target.wants/mendd.service ] \
  || fail "installing mendd did not enable mendd.service"
if command -v systemd-analyze >/dev/null; then
  systemd-analyze verify --man=no /lib/systemd/system/mendd.service >"$work/verify" 2>&1 \
    || { cat "$work/verify" >&2; fail "systemd-analyze verify rejects mendd.service"; }
fi
zcat /usr/share/man/man1/mend.1.gz | grep -q '^\.SS "mend pair invite"' || fail "mend(1) has no section for mend pair invite"
zcat /usr/share/man/man8/mendd.8.gz | grep -q '^\.SS "mendd admin registration-code"' \
  || fail "mendd(8) has no section for mendd admin registration-code"
grep -q 'pair' /usr/share/bash-completion/completions/mend || fail "the bash completion does not name pair"
[ "$(/usr/bin/mend --version)" = "$("$build_dir/client/mend" --version)" ] || fail "/usr/bin/mend is not the build's mend"
[ "$(/usr/bin/mendd --version)" = "$("$build_dir/server/mendd" --version)" ] || fail "/usr/bin/mendd is not the build's mendd"

say "running /usr/bin/mendd with the packaged settings"
# The shipped file with each "# key = value" default made a setting: mendd
# must accept every one of them. Only where it listens and keeps its data
# change.
sed -e 's/^# \([a-z_]* = .*\)$/\1/' \
  -e 's|^listen = .*|listen = "127.0.0.1:0"|' -e "s|^data = .*|data = \"$work/data\"|" \
  /etc/mend/mendd.toml >"$work/mendd.toml"
settings=$(grep -c '^[a-z_]* = ' "$work/mendd.toml")
[ "$settings" -ge 20 ] || fail "only $settings settings in /etc/mend/mendd.toml; the defaults are not '# key = value' lines"
/usr/bin/mendd serve --config "$work/mendd.toml" >"$work/mendd.log" 2>&1 </dev/null &
server_pid=$!
port=""
for _ in $(seq 100); do
  port=$(sed -n 's/.*(port \([0-9]*\),.*/\1/p' "$work/mendd.log" | tail -1)
  [ -n "$port" ] && [ -S "$work/data/admin.sock" ] && break
  kill -0 "$server_pid" 2>/dev/null || fail "mendd exited: $(tail -3 "$work/mendd.log")"
  sleep 0.1
done
[ -n "$port" ] && [ -S "$work/data/admin.sock" ] || fail "mendd did not start within 10 s"

say "pairing two profiles and writing a check-in with /usr/bin/mend"
export MEND_HOME=$work/home
echo "alex's long passphrase for the package test" >"$work/alex.pass"
echo "sam's long passphrase for the package test" >"$work/sam.pass"
# Passphrases and words come from files and standard input, never argv.
mend_as() { local who=$1; shift; /usr/bin/mend --profile "$who" --passphrase-file "$work/$who.pass" "$@"; }
registration=$(/usr/bin/mendd admin --data "$work/data" registration-code)
mend_as alex init --name Alex --server "127.0.0.1:$port" >/dev/null
mend_as sam init --name Sam --server "127.0.0.1:$port" >/dev/null
code=$(jq -cn --arg registration_code "$registration" '$ARGS.named' \
  | mend_as alex --json pair invite --input - | jq -r .code)
[[ "$code" == mend-* ]] || fail "pair invite printed no invite code"
jq -cn --arg code "$code" '$ARGS.named' | mend_as sam pair join --input - >/dev/null
mend_as alex sync >/dev/null
mend_as sam --json pair verify --confirm | jq -e .confirmed >/dev/null || fail "sam could not confirm"
mend_as alex --json pair verify --confirm | jq -e .confirmed >/dev/null || fail "alex could not confirm"
mend_as sam sync >/dev/null
printf '%s' '{"note": "installed from the packages"}' | mend_as alex checkin --mood 7 --input - >/dev/null
seen=$(mend_as sam --json log | jq -r '.[] | .payload.check_in.note // empty')
[ "$seen" = "installed from the packages" ] || fail "sam does not see alex's check-in (got '$seen')"
say "mend doctor against the installed server"
mend_as sam sync >/dev/null
mend_as sam doctor >"$work/doctor.txt" 2>&1 || fail "mend doctor is not clean: $(cat "$work/doctor.txt")"
grep -q '^all is well$' "$work/doctor.txt" || fail "mend doctor did not say all is well: $(cat "$work/doctor.txt")"
kill -TERM "$server_pid"
wait "$server_pid" || fail "mendd did not stop cleanly on SIGTERM"
server_pid=""

say "purging"
# What systemd makes for StateDirectory=mend with DynamicUser=yes, which the
# purge must delete with everything else of the packages.
[ -d /var/lib/private ] || made_private=1
"${sudo[@]}" install -d -m 700 /var/lib/private/mend
"${sudo[@]}" touch /var/lib/private/mend/CURRENT
"${sudo[@]}" ln -s private/mend /var/lib/mend
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq -o DPkg::Lock::Timeout=120 mend mendd \
  >"$work/apt.log" 2>&1 || { cat "$work/apt.log" >&2; fail "apt-get purge failed"; }
installed_by_us=0
for p in mend mendd; do
  status=$(dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null || true)
  [ -z "$status" ] || [ "$status" = "un " ] || fail "dpkg still knows $p after the purge: '$status'"
done
for f in /usr/bin/mend /usr/bin/mendd /etc/mend /lib/systemd/system/mendd.service /var/lib/mend \
  /var/lib/private/mend /usr/share/doc/mend /usr/share/doc/mendd; do
  [ ! -e "$f" ] && [ ! -L "$f" ] || fail "$f is left after the purge"
done
leftovers >"$work/after"
left=$(comm -13 "$work/before" "$work/after")
[ -z "$left" ] || fail "left after the purge: $left"
say "ok"
