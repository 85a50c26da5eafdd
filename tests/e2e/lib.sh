# Helpers for the end-to-end tests: counters, assertions, temp dirs removed on exit.
BUILD=${BUILD:-build}
TR=${TR:-$PWD/$BUILD/tickready}
SRC=$PWD
PASSED=0 FAILED=0
TMPS=()
# mktmp runs in $(...), a subshell, so its dirs live under one root made here, removed on exit.
TMPROOT=$(mktemp -d /tmp/tickready-e2e-XXXXXX)
cleanup_tmps() { for d in "${TMPS[@]}" "$TMPROOT"; do rm -rf --one-file-system "$d"; done; }
trap cleanup_tmps EXIT
mktmp() { mktemp -d "$TMPROOT/XXXXXX"; }
ok() { PASSED=$((PASSED + 1)); echo "ok - $*"; }
not_ok() { FAILED=$((FAILED + 1)); echo "not ok - $*"; }
# expect_status WANT DESC CMD...: runs CMD (stdout to $OUT, stderr to $ERR), checks its exit status.
OUT=$(mktemp "$TMPROOT/out.XXXXXX"); ERR=$(mktemp "$TMPROOT/err.XXXXXX")
expect_status() {
	local want=$1 desc=$2; shift 2
	timeout 60 "$@" >"$OUT" 2>"$ERR"; local rc=$?
	if [ "$rc" = "$want" ]; then ok "$desc"; else not_ok "$desc (exit $rc, wanted $want)"; sed 's/^/    /' "$ERR" | head -5; fi
}
# expect_status_in "0 1" DESC CMD...: a verdict either way is fine where the VM's noise decides it.
expect_status_in() {
	local want=$1 desc=$2; shift 2
	timeout 60 "$@" >"$OUT" 2>"$ERR"; local rc=$?
	case " $want " in *" $rc "*) ok "$desc (exit $rc)" ;; *) not_ok "$desc (exit $rc, wanted one of $want)"; sed 's/^/    /' "$ERR" | head -5 ;; esac
}
expect_grep() { # expect_grep DESC PATTERN FILE
	if grep -qE -- "$2" "$3"; then ok "$1"; else not_ok "$1 (no /$2/ in $3)"; head -5 "$3" | sed 's/^/    /'; fi
}
json() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))" "$@"; }
finish() { echo "$PASSED passed, $FAILED failed"; [ "$FAILED" = 0 ]; }
