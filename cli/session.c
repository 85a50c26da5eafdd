/* Opening a root, loading its host model and resolving the profile: the start of most subcommands. */
#include "cli.h"

#include <errno.h>
#include <string.h>

#include "journal.h"

int cli_open_root(struct sysroot *sr, const char *root)
{
	int rc;

	if (cli_refuse_archive(root, NULL))
		return -EINVAL;
	rc = sysroot_open(sr, root);
	if (rc < 0) {
		cli_error("cannot use root '%s': %s", root, strerror(-rc));
		return rc;
	}
	/* Resolved once, by the fd: a root that is "/" after its links is the live host, and we say so. */
	if (sr->aliased)
		cli_warn("root '%s' is '/' once its links are resolved: this is the live host", root);
	return 0;
}

int cli_lock(const struct sysroot *sr, const char *who, unsigned wait_ms, pid_t *holder)
{
	int fd = wait_ms ? state_lock_wait(sr, holder, wait_ms) : state_lock(sr, holder);

	if (fd == -EWOULDBLOCK)
		cli_error("%s: another apply or revert holds '%s' (pid %ld): try again when it is done", who, JOURNAL_LOCK,
			  (long)*holder);
	else if (fd < 0)
		cli_error("%s: cannot take the lock '%s': %s", who, JOURNAL_LOCK, state_strerror(fd));
	return fd;
}

static int session_housekeeping(const struct host *h, void *arg, struct cpuset *out)
{
	return profile_housekeeping(arg, h, out);
}

int session_open_root(struct session *s, const char *root)
{
	int rc;

	memset(s, 0, sizeof(*s));
	s->root = root ? root : "/";
	if (cli_root_is_archive(s->root)) {
		if ((rc = cli_archive_unpack(s->root, &s->unpacked)) < 0) {
			if (rc == -EMEDIUMTYPE)
				cli_error("refusing the capture archive '%s': '%s' in it is a device, FIFO or socket (a "
					  "capture holds only files, directories and links; nothing was opened)", s->root,
					  s->unpacked.special);
			else if (rc == -EFBIG)
				cli_error("refusing the capture archive '%s': it holds %s (a capture holds far less; nothing "
					  "was unpacked)", s->root, s->unpacked.special);
			else
				cli_error("cannot unpack the capture archive '%s': %s", s->root,
					  rc == -EINVAL ? "tar failed (not a gzip'd tar?)" :
					  rc == -ENOENT ? "it holds no /proc or /sys (not a tickready capture)" : strerror(-rc));
			return EXIT_ERROR;
		}
		if ((rc = sysroot_open(&s->sr, s->unpacked.dir)) < 0) {
			cli_error("cannot use the capture archive '%s': %s", s->root, strerror(-rc));
			cli_archive_release(&s->unpacked);
			return EXIT_ERROR;
		}
		s->shown_root = s->root;
	} else if (cli_open_root(&s->sr, s->root) < 0) {
		return EXIT_ERROR;
	} else {
		s->shown_root = s->sr.path;
	}
	return 0;
}

static int load_session(struct session *s, const char *profile, bool record, const char *cgroup, unsigned load_flags)
{
	struct profile_error err;
	char *active = NULL;
	int rc;

	if (record)
		sysroot_record_start(&s->sr);
	/* No profile named: the one apply last brought this root to, else the default. */
	snprintf(s->profile_origin, sizeof(s->profile_origin), "named");
	if (!profile) {
		char run[64];

		if (active_profile_read(&s->sr, &active, run, sizeof(run)) == 0) {
			profile = active;
			snprintf(s->profile_origin, sizeof(s->profile_origin), "active, applied by run %s", run);
		} else {
			snprintf(s->profile_origin, sizeof(s->profile_origin), "builtin default");
		}
	}
	/* The profile first: a broken profile must not cost a host scan. */
	rc = profile_load(&s->prof, profile ? profile : PROFILE_DEFAULT, &err);
	free(active);
	if (rc < 0) {
		cli_error("%s", err.msg);
		session_close(s);
		return EXIT_ERROR;
	}
	s->has_prof = true;
	host_load_with(&s->host, &s->sr, load_flags, &(struct host_confine){ session_housekeeping, &s->prof });
	s->has_host = true;
	if (cgroup && (rc = host_load_allowed(&s->host, cgroup)) < 0) {
		cli_error("--cgroup '%s': %s", cgroup,
			  rc == -EINVAL ? "not an absolute cgroup path without '..'" : "no cpuset.cpus.effective (v2) or "
			  "cpuset.effective_cpus (v1) found for it under /sys/fs/cgroup");
		session_close(s);
		return EXIT_ERROR;
	}
	rc = profile_resolve(&s->prof, &s->host, &err);
	if (rc < 0) {
		cli_error("%s", err.msg);
		session_close(s);
		return EXIT_ERROR;
	}
	return 0;
}

int session_open(struct session *s, const char *root, const char *profile, bool record)
{
	int rc = session_open_root(s, root);

	return rc ? rc : load_session(s, profile, record, NULL, 0);
}

int session_load_checks(struct session *s, const char *profile, const char *cgroup, const bool *selected)
{
	return load_session(s, profile, false, cgroup, checks_read_procs(selected) ? HOST_PROCS_AHEAD : 0);
}

int session_open_checks(struct session *s, const char *root, const char *profile, const char *cgroup,
			const bool *selected)
{
	int rc = session_open_root(s, root);

	if (rc)
		return rc;
	sysroot_memo_start(&s->sr);	/* audit and report only read: a check and its plan read a knob once */
	return session_load_checks(s, profile, cgroup, selected);
}

void session_close(struct session *s)
{
	if (s->has_prof)
		profile_free(&s->prof);
	if (s->has_host)
		host_free(&s->host);
	sysroot_close(&s->sr);
	s->has_prof = s->has_host = false;
	cli_archive_release(&s->unpacked);
}
