#!/usr/bin/env bash
# The man pages name only pages that exist, and tickready(8) names every page there is.
cd "$(dirname "$0")/.." || exit 2
bad=0
pages=$(cd man && ls tickready*.[0-9] | sort)
# Every tickready-X(N) reference, in any page or the README, is a page of man/.
for ref in $(grep -ohE 'tickready(\\-|-)[a-z]+ ?\(?[0-9]\)' man/* README.md | sed -E 's/\\-/-/; s/ ?\(([0-9])\)/.\1/' | sort -u); do
	[ -f "man/$ref" ] || { echo "man-refs: names $ref, which man/ does not have"; bad=1; }
done
# tickready(8)'s SEE ALSO names every other page.
see=$(sed -n '/^\.SH SEE ALSO/,/^\.SH/p' man/tickready.8 | grep -oE 'tickready\\-[a-z]+ \([0-9]\)' | sed -E 's/\\-/-/; s/ \(([0-9])\)/.\1/' | sort)
want=$(echo "$pages" | grep -vx 'tickready.8')
[ "$see" = "$want" ] || { echo "man-refs: tickready(8) SEE ALSO names [$(echo $see)], the pages are [$(echo $want)]"; bad=1; }
# Its COMMANDS section has an entry for each command main.c dispatches.
for c in $(sed -n 's/^[[:space:]]*{ "\([a-z]*\)", cmd_[a-z]*.*/\1/p' cli/main.c); do
	sed -n '/^\.SH COMMANDS/,/^\.SH/p' man/tickready.8 | grep -qx "\.B $c" || { echo "man-refs: tickready(8) COMMANDS has no entry for '$c'"; bad=1; }
done
[ "$bad" = 0 ] && echo "man-refs: $(echo "$pages" | wc -l) pages, every reference resolves, tickready(8) names them all"
exit $bad
