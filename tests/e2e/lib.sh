# Helpers for the end-to-end tests: counters, assertions, temp dirs removed on exit.
BUILD=${BUILD:-build}
TR=${TR:-$PWD/$BUILD/tickready}
SRC=$PWD
PASSED=0 FAILED=0
TMPS=()
# mktmp runs in $(...) subshells, whose TMPS+= the parent never sees: the list lives in a file.
TMPLIST=$(mktemp /tmp/tickready-e2e-list.XXXXXX)
cleanup_tmps() {
	local d
	while read -r d; do rm -rf --one-file-system "$d"; done <"$TMPLIST"
	for d in "${TMPS[@]}"; do rm -rf --one-file-system "$d"; done
	rm -f "$TMPLIST"
}
trap cleanup_tmps EXIT
mktmp() { local d; d=$(mktemp -d /tmp/tickready-e2e-XXXXXX); echo "$d" >>"$TMPLIST"; echo "$d"; }
ok() { PASSED=$((PASSED + 1)); echo "ok - $*"; }
not_ok() { FAILED=$((FAILED + 1)); echo "not ok - $*"; }
# expect_status WANT DESC CMD...: runs CMD (stdout to $OUT, stderr to $ERR), checks its exit status.
OUT=$(mktemp /tmp/tickready-e2e-out.XXXXXX); ERR=$(mktemp /tmp/tickready-e2e-err.XXXXXX); TMPS+=("$OUT" "$ERR")
expect_status() {
	local want=$1 desc=$2; shift 2
	timeout 60 "$@" >"$OUT" 2>"$ERR"; local rc=$?
	if [ "$rc" = "$want" ]; then ok "$desc"; else not_ok "$desc (exit $rc, wanted $want)"; sed 's/^/    /' "$ERR" | head -5; fi
}
expect_grep() { # expect_grep DESC PATTERN FILE
	if grep -qE -- "$2" "$3"; then ok "$1"; else not_ok "$1 (no /$2/ in $3)"; head -5 "$3" | sed 's/^/    /'; fi
}
json() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))" "$@"; }
finish() { echo "$PASSED passed, $FAILED failed"; [ "$FAILED" = 0 ]; }
