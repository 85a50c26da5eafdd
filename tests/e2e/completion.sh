#!/usr/bin/env bash
# End-to-end: the bash completion (contrib/completion/tickready.bash), sourced in a bash without
# bash-completion and driven as bash drives it (COMP_WORDS, COMP_CWORD) against this build's tickready.
# Also: every option row of every command's table (cli/cmd_*.c) is offered, so none can go missing.
cd "$(dirname "$0")/../.." || exit 2
. tests/e2e/lib.sh
D=$(mktmp) C=$(mktmp)
SCRIPT=$SRC/contrib/completion/tickready.bash

# candidates WORD...: the completions of the last WORD in "tickready WORD...", one a line, sorted, run in $D.
candidates() {
	(cd "$D" && bash --norc --noprofile -c '
		. "$1"; shift
		COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
		_tickready; printf "%s\n" "${COMPREPLY[@]}"' _ "$SCRIPT" "$TR" "$@") | sed '/^$/d' | sort
}
# expect_cands DESC WANT WORD...: the candidates are exactly WANT (space-separated, any order).
expect_cands() {
	local desc=$1 want got; want=$(printf '%s\n' $2 | sort); shift 2
	got=$(candidates "$@")
	[ "$got" = "$want" ] && ok "$desc" || not_ok "$desc: got [$(echo $got)], wanted [$(echo $want)]"
}
# expect_has DESC "W1 W2..." WORD...: the candidates include every W.
expect_has() {
	local desc=$1 w missing=; shift
	local want=$1; shift
	candidates "$@" >"$C/cands"
	for w in $want; do grep -qxF -- "$w" "$C/cands" || missing="$missing $w"; done
	[ -z "$missing" ] && ok "$desc" || not_ok "$desc: missing$missing (got $(wc -l <"$C/cands"))"
}

bash -n "$SCRIPT" && ok "the script parses" || not_ok "bash -n"
expect_cands "commands" "apply audit capture checks confirm diff profile report revert status verify watch --help --version" ""
expect_has "watch options, from its --help" "--interval --count --duration --prometheus --profile" watch --
expect_cands "commands by prefix" "capture checks confirm" c
expect_cands "help COMMAND" "report revert" help re
expect_cands "audit --pro<TAB>" "--profile" audit --pro
expect_has "audit --profile <TAB>: the shipped profiles" "hft-strict hft-balanced dev market-data" audit --profile ""
expect_cands "audit --profile hft-s<TAB>" "hft-strict" audit --profile hft-s
expect_cands "audit -p hft-b<TAB> (short spelling)" "hft-balanced" audit -p hft-b
expect_cands "audit --profile=hft-s<TAB> (bash splits at =)" "hft-strict" audit --profile = hft-s
expect_has "audit --profile=<TAB>" "hft-strict dev" audit --profile =
: >"$D/mine.ini"
expect_cands "a profile file by path" "mine.ini" audit --profile mi
expect_has "audit --only <TAB>: check ids and areas" "cpu.isolated nic.chain irq.affinity cpu irq nic" audit --only ""
expect_cands "audit --only cpu,irq.a<TAB>: the last item of the list" "cpu,irq.affinity" audit --only cpu,irq.a
expect_cands "audit --format <TAB>" "json none text" audit --format ""
expect_cands "audit --color <TAB> (spelling wider than its help column)" "always auto never" audit --color ""
expect_cands "checks --format <TAB>" "ids json text" checks --format ""
expect_cands "report --verify-d<TAB>" "--verify-duration" report --verify-d
expect_cands "report --verify-duration <TAB>: a number, no guesses" "" report --verify-duration ""
expect_has "verify --mode <TAB>" "loopback idle kernel-vs-bypass" verify --mode ""
expect_has "report --verify <TAB>: verify's modes" "loopback idle" report --verify ""
expect_cands "a value is not an option: audit --profile dev --o<TAB>" "--only" audit --profile dev --o
expect_cands "a flag takes no value: audit --strict --f<TAB>" "--format" audit --strict --f
expect_cands "profile <TAB>: its actions" "check keys list show" profile ""
expect_cands "profile show hft-b<TAB>" "hft-balanced" profile show hft-b
expect_cands "profile list <TAB>: nothing more" "" profile list ""
mkdir "$D/tree"; : >"$D/nyc4.tar.gz"; : >"$D/notes.txt"
expect_cands "audit --root <TAB>: trees and capture archives" "nyc4.tar.gz tree" audit --root ""
expect_cands "diff A B: files" "notes.txt nyc4.tar.gz" diff n
expect_cands "unknown command: nothing" "" frob --
expect_cands "verify -- EAL args: left alone" "" verify -- --

# Every option row of every command's table is offered after "--".
total=0 missing=
for f in cli/cmd_*.c; do
	cmd=$(basename "$f" .c); cmd=${cmd#cmd_}
	opts=$(sed -n '/struct cli_opt [a-z_]*\[\] = {/,/^};/p' "$f" | sed -n 's/^[[:space:]]*{ "\([a-z0-9-]*\)",.*/--\1/p')
	[ -n "$opts" ] || { missing="$missing $cmd:(no table read)"; continue; }
	got=$(candidates "$cmd" -)
	for o in $opts; do
		total=$((total + 1))
		grep -qxF -- "$o" <<<"$got" || missing="$missing $cmd:$o"
	done
done
[ -z "$missing" ] && [ "$total" -gt 50 ] && ok "every option of every table is completed ($total)" ||
	not_ok "options not completed:$missing (of $total)"

finish
