#!/usr/bin/env bash
# The layers, lowest first: an object may take symbols only from its own folder or a lower one.
#   core < tuners < checks < cli;  verify may use core only.
# Reads the built objects with nm: every symbol a folder's objects need, found defined in a higher folder, is an error.
set -u
BUILD=${BUILD:-build}
rank() {
	case $1 in
	core | gen) echo 0 ;;
	tuners) echo 1 ;;
	checks) echo 2 ;;
	verify) echo 1 ;;
	cli) echo 3 ;;
	*) echo -1 ;;
	esac
}
defs=$(mktemp) && trap 'rm -f "$defs"' EXIT
# Objects of sources that exist now (a moved file leaves its old object behind in build/).
current() { local s=${1#"$BUILD"/}; [ -e "${s%.o}.c" ] || [ "${s%%/*}" = gen ]; }
for o in "$BUILD"/{core,tuners,checks,verify,cli,gen}/*.o; do
	[ -e "$o" ] && current "$o" || continue
	d=${o#"$BUILD"/}
	d=${d%%/*}
	nm --defined-only -g "$o" | awk -v d="$d" -v o="$o" '{print $3, d, o}'
done | sort -k1,1 >"$defs"
bad=0
n=0
for o in "$BUILD"/{core,tuners,checks,verify,cli}/*.o; do
	[ -e "$o" ] && current "$o" || continue
	d=${o#"$BUILD"/}
	d=${d%%/*}
	r=$(rank "$d")
	while read -r sym; do
		line=$(grep -m1 "^$sym " "$defs") || continue
		set -- $line
		n=$((n + 1))
		if [ "$d" = verify ] && [ "$2" != core ] && [ "$2" != gen ] && [ "$2" != verify ]; then
			echo "layering: $o (verify) takes '$sym' from $3 ($2): verify may use core only"
			bad=1
		elif [ "$(rank "$2")" -gt "$r" ] || { [ "$2" = verify ] && [ "$d" != verify ] && [ "$d" != cli ]; }; then
			echo "layering: $o ($d) takes '$sym' from $3 ($2), a higher layer"
			bad=1
		fi
	done < <(nm --undefined-only "$o" | awk '{print $2}')
done
[ "$bad" = 0 ] && echo "layering: $n cross-object symbol uses, none from a higher layer"
exit $bad
