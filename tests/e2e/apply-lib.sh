# Helpers for the apply tests: fixture copies and a tree comparison that ignores tickready's own state.
FX=$SRC/tests/fixtures
APROF=$FX/apply-profiles/untuned.ini

# fresh_tree DIR: a copy of tests/fixtures/untuned, and its snapshot DIR.orig to compare against.
fresh_tree() {
	rm -rf "$1" "$1.orig"
	cp -a "$FX/untuned" "$1"
	cp -a "$FX/untuned" "$1.orig"
}

# The tree's listing with modes and types, without the journal and lock (tickready's state, kept on purpose).
listing() {
	(cd "$1" && find . -printf '%p %m %y %l\n' | sort |
		grep -Ev '^\./(run|var|var/lib)( |$)|^\./run/tickready( |/)|^\./var/lib/tickready( |/)')
}

# same_tree A B: contents (no symlink following) and modes equal.
same_tree() {
	diff -r --no-dereference -x tickready -x tickready.lock -x run -x var "$1" "$2" >/dev/null &&
		[ "$(listing "$1")" = "$(listing "$2")" ]
}
