#!/usr/bin/env bash
# The layers, lowest first: an object may take symbols only from its own folder or a lower one.
#   core < tuners < checks < cli;  verify and report sit on core alone, and only cli (and themselves) use them.
# Reads the built objects with nm: every symbol a folder's objects need, found defined in a higher folder, is an error.
set -u
BUILD=${BUILD:-build}
LAYERS="core tuners checks verify report cli"
rank() {
	case $1 in
	core | gen) echo 0 ;;
	tuners | verify | report) echo 1 ;;
	checks) echo 2 ;;
	cli) echo 3 ;;
	*) echo -1 ;;
	esac
}
# A side layer uses core only, and is used by cli only.
side() { [ "$1" = verify ] || [ "$1" = report ]; }
defs=$(mktemp) && trap 'rm -f "$defs"' EXIT
# Objects of sources that exist now (a moved file leaves its old object behind in build/).
current() { local s=${1#"$BUILD"/}; [ -e "${s%.o}.c" ] || [ "${s%%/*}" = gen ]; }
objs=0
declare -A seen=()
for l in $LAYERS gen; do
	for o in "$BUILD/$l"/*.o; do
		[ -e "$o" ] && current "$o" || continue
		seen[$l]=1
		nm --defined-only -g "$o" | awk -v d="$l" -v o="$o" '{print $3, d, o}'
	done
done | sort -k1,1 >"$defs"
bad=0
n=0
for l in $LAYERS; do
	for o in "$BUILD/$l"/*.o; do
		[ -e "$o" ] && current "$o" || continue
		objs=$((objs + 1))
		seen[$l]=1
		r=$(rank "$l")
		while read -r sym; do
			line=$(grep -m1 "^$sym " "$defs") || continue
			set -- $line
			n=$((n + 1))
			if side "$l" && [ "$2" != core ] && [ "$2" != gen ] && [ "$2" != "$l" ]; then
				echo "layering: $o ($l) takes '$sym' from $3 ($2): $l may use core only"
				bad=1
			elif [ "$(rank "$2")" -gt "$r" ] || { side "$2" && [ "$l" != "$2" ] && [ "$l" != cli ]; }; then
				echo "layering: $o ($l) takes '$sym' from $3 ($2), a higher layer"
				bad=1
			fi
		done < <(nm --undefined-only "$o" | awk '{print $2}')
	done
done
# Every layer must have been read: a folder whose objects are missing would pass unchecked.
for l in $LAYERS; do
	[ -n "${seen[$l]:-}" ] || { echo "layering: no objects of $l/ under $BUILD (build first)"; bad=1; }
done
[ "$bad" = 0 ] && echo "layering: $n cross-object symbol uses in $objs objects of $LAYERS, none from a higher layer"
exit $bad
