/*
 * apply --confirm's guarantee, kept when things go wrong: the record is armed before the first change,
 * and a run whose window was cut short (the host rebooted inside it) or outlived its timer (killed, OOM)
 * is reverted by the next apply, confirm or boot, never left applied while status says it will not be.
 */
#include "cli.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "journal.h"
#include "util.h"

#define BOOT_ID "/proc/sys/kernel/random/boot_id"

void confirm_boot_id(const struct sysroot *sr, char *buf, size_t size)
{
	if (sysroot_read_str(sr, BOOT_ID, buf, size) < 0)
		buf[0] = '\0';
}

/* A process of this host (never the tree's): alive and not a zombie. */
bool confirm_pid_alive(pid_t pid)
{
	struct sysroot live;
	char path[64], stat[512], *paren;
	bool alive;

	if (pid <= 0 || (kill(pid, 0) < 0 && errno != EPERM))
		return false;
	if (sysroot_open(&live, "/") < 0)
		return true;
	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	alive = sysroot_read_str(&live, path, stat, sizeof(stat)) < 0 || !(paren = strrchr(stat, ')')) ||
		(paren[1] != '\0' && paren[2] != 'Z');
	sysroot_close(&live);
	return alive;
}

bool confirm_run_ended(const struct sysroot *sr, const char *run)
{
	struct jlog log;
	const struct jrun *r;
	bool ended;

	if (journal_load(sr, &log) < 0)
		return true;	/* unreadable: nothing to tell, so nothing is done on it */
	r = jlog_run(&log, run);
	ended = !r || r->ended;
	jlog_free(&log);
	return ended;
}

enum confirm_fate confirm_fate(const struct sysroot *sr, const struct confirm_pending *cp)
{
	char boot[40];

	confirm_boot_id(sr, boot, sizeof(boot));
	if (cp->boot_id[0] && boot[0] && strcmp(cp->boot_id, boot))
		return CONFIRM_REBOOTED;
	/* No timer recorded: apply died arming it (with the apply alive, it is still arming). */
	if (!cp->timer || !confirm_pid_alive(cp->timer)) {
		if (cp->deadline && time(NULL) >= cp->deadline)
			return CONFIRM_OVERDUE;
		if (cp->apply && !confirm_pid_alive(cp->apply) && !confirm_run_ended(sr, cp->run))
			return CONFIRM_ORPHANED;
	}
	return CONFIRM_WAITING;
}

const char *confirm_fate_text(enum confirm_fate f)
{
	switch (f) {
	case CONFIRM_REBOOTED: return "the host rebooted inside its confirmation window";
	case CONFIRM_OVERDUE: return "its deadline passed and its timer is gone";
	case CONFIRM_ORPHANED: return "its apply was interrupted and its timer is gone";
	default: return "waiting for `tickready confirm`";
	}
}

int confirm_recover(const struct sysroot *sr, const char *who)
{
	struct confirm_pending cp;
	enum confirm_fate fate;
	pid_t holder;
	int lock, rc;

	if (confirm_pending_load(sr, &cp) < 0 || (fate = confirm_fate(sr, &cp)) == CONFIRM_WAITING)
		return 0;
	lock = cli_lock(sr, who, 60 * 1000, &holder);
	if (lock < 0)
		return -1;
	/* Confirmed, or reverted by its timer, while we waited for the lock. */
	{
		struct confirm_pending again;

		if (confirm_pending_load(sr, &again) < 0 || strcmp(again.run, cp.run)) {
			state_unlock(lock);
			return 0;
		}
	}
	printf("%s: run %s was never confirmed (%s): reverting it\n", who, cp.run, confirm_fate_text(fate));
	rc = cli_revert_run(sr, cp.run, true, true);
	if (rc == EXIT_READY) {
		confirm_pending_remove(sr);
		confirm_log(sr, "run %s reverted by `tickready %s`: %s", cp.run, who, confirm_fate_text(fate));
	} else {
		confirm_log(sr, "run %s: revert by `tickready %s` FAILED (%s); run `tickready revert` by hand", cp.run, who,
			    confirm_fate_text(fate));
	}
	state_unlock(lock);
	return rc == EXIT_READY ? 1 : -1;
}
