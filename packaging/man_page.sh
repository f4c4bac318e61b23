#!/usr/bin/env bash
# Writes a program's man page, gzipped as Debian wants it, with help2man: the
# NAME, SYNOPSIS, DESCRIPTION and OPTIONS from `PROGRAM --help` and
# `--version`, a COMMANDS section with the --help of every subcommand (found by
# walking the "Subcommands:" lists, so it follows the command table), and the
# hand-written sections of INCLUDE.h2m.
#
#   man_page.sh BINARY SECTION INCLUDE.h2m OUTPUT.gz
set -euo pipefail
if [ $# -ne 4 ]; then
  echo "usage: $0 BINARY SECTION INCLUDE.h2m OUTPUT.gz" >&2
  exit 2
fi
binary=$(realpath "$1") section=$2 include=$3 out=$4
name=$(basename "$binary")
command -v help2man >/dev/null || { echo "$0: error: help2man is missing (scripts/setup installs it)" >&2; exit 1; }
work=$(mktemp -d "${TMPDIR:-/tmp}/mend-man.XXXXXX")
trap 'rm -rf "$work"' EXIT
# Run through PATH, so that the usage lines say `mend`, not the build path.
mkdir "$work/bin"
ln -s "$binary" "$work/bin/$name"
export PATH="$work/bin:$PATH" LC_ALL=C.UTF-8 COLUMNS=80

# The words under "Subcommands:" in the help of the command "$@".
subcommands() {
  "$name" "$@" --help | awk '/^Subcommands:/ { on = 1; next } on && /^  [^ ]/ { print $1 } on && /^$/ { on = 0 }'
}

# CLI11's help text as man(7): items (an option, a positional, a subcommand)
# become .TP paragraphs, headings italic, the rest plain paragraphs.
to_roff() {
  awk '
    function esc(s) { gsub(/\\/, "\\e", s); return s }
    function line(s) { s = esc(s); if (s ~ /^[.'"'"']/) s = "\\&" s; print s }
    function dashes(s) { s = esc(s); gsub(/-/, "\\-", s); return s }
    NR == 1 { line($0); next }
    /^Usage: / { print ".PP"; line($0); next }
    /^[A-Z][a-z]+:$/ { print ".PP"; print "\\fI" $0 "\\fR"; next }
    /^  [^ ]/ {
      item = substr($0, 3); text = ""
      if (match(item, /   +/)) { text = substr(item, RSTART + RLENGTH); item = substr(item, 1, RSTART - 1) }
      print ".TP"; print "\\fB" dashes(item) "\\fR"
      if (text != "") line(text)
      next
    }
    /^      +[^ ]/ { sub(/^ +/, ""); line($0); next }
    /^$/ { blank = 1; next }
    { if (blank) print ".PP"; blank = 0; line($0) }
  '
}

walk() {
  local sub
  for sub in $(subcommands "$@"); do
    printf '.SS "%s"\n' "$name $* $sub" | sed 's/  */ /g'
    "$name" "$@" "$sub" --help | to_roff
    walk "$@" "$sub"
  done
}

{
  echo "[COMMANDS]"
  echo "Each command with its own options and arguments."
  walk
} >"$work/commands.h2m"

description=$("$name" --help | head -1 | sed "s/^$name: //")
help2man --no-info --no-discard-stderr --section="$section" --name="$description" \
  --include="$work/commands.h2m" --include="$include" "$name" >"$work/page"
gzip -9n <"$work/page" >"$out.tmp"
mv "$out.tmp" "$out"
