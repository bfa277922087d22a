#!/usr/bin/env bash
# Rebuilds examples/ukraine/log.jsonl: the life of the Sumy–Poltava corridor
# of the exercise, signed with the exercise keys in keys/ (never use them for
# real). Run from the repository root after `cargo build --release`.
set -euo pipefail
C=${CORRIDOR:-./target/release/corridor}
# Times are in order: the log refuses an entry earlier than the last.
D=examples/ukraine
S=$D/scenario.toml
L=$D/log.jsonl
rm -f "$L" "$D/heads.jsonl"
act() { "$C" act "$S" --log "$L" --as "$1" --key "$D/keys/$2.key" "$3" "$4" --time "$5" "${@:6}"; }
act ua ua propose irpin-gomel 2022-03-07T08:00:00+02:00
act ua ua reject irpin-gomel 2022-03-07T08:05:00+02:00
act ua ua propose sumy-poltava 2022-03-07T18:00:00+02:00
act ru ru accept sumy-poltava 2022-03-07T19:10:00+02:00
act ua ua accept sumy-poltava 2022-03-07T19:25:00+02:00
act icrc icrc countersign sumy-poltava 2022-03-07T20:00:00+02:00
act zp-admin zp-admin open sumy-poltava 2022-03-08T08:30:00+02:00
act ru ru suspend sumy-poltava 2022-03-08T12:40:00+02:00 --reason "shelling reported near Lokhvytsia"
act icrc icrc reopen sumy-poltava 2022-03-08T13:30:00+02:00
act icrc icrc close sumy-poltava 2022-03-08T21:05:00+02:00
"$C" log head "$L" --scenario "$S" --as icrc --key "$D/keys/icrc.key" --out "$D/heads.jsonl" --time 2022-03-08T21:10:00+02:00
"$C" log verify "$L" --scenario "$S" --heads "$D/heads.jsonl"
