# Kernel-splat detection shared by scripts/uml-run.sh and scripts/vm-run.sh:
# the one list of patterns and check_log. Sourced, not run; the caller
# defines log() (its own "NAME: message" to stderr).

SPLAT_RC=97

# Patterns of kernel splats, one extended regex each. Keep in sync with the
# negative test samples in tests/uml/splat-samples/ (run by
# tests/uml/test-splat-detector.sh).
splat_patterns=(
	'WARNING:'                                   # WARN_ON, lockdep, RCU, ODEBUG
	'BUG:'                                       # BUG: KASAN, sleeping in atomic, NULL deref, soft lockup
	'kernel BUG at'
	'Oops[:(]'
	'general protection fault'
	'Kernel panic'
	'possible circular locking dependency'
	'inconsistent lock state'
	'possible recursive locking'
	'suspicious RCU usage'
	'INFO: task .* blocked for more than'        # hung task
	'rcu.*detected stalls?'                      # RCU stall (TREE_RCU kernels)
	'INFO: rcu'
	'kmemleak: [0-9]+ new suspected memory leak'
	'unreferenced object 0x'
	'UBSAN:'
	'list_(add|del) corruption'
	'Call Trace:'                                # any stack dump at all
	'turning off the locking correctness validator'
	'INFO: lockdep is turned off'
)

# check_log FILE... — print each splat line with a little context; return 0
# when clean and 1 when a splat was found.
check_log() {
	local re f found=0
	re=$(IFS='|'; echo "${splat_patterns[*]}")
	for f in "$@"; do
		[ -r "$f" ] || { log "cannot read log '$f'"; found=1; continue; }
		if grep -qE "$re" "$f"; then
			found=1
			log "kernel splat in $f:"
			grep -nE -A8 "$re" "$f" | head -n 60 | sed 's/^/    /' >&2
		fi
	done
	return $found
}
