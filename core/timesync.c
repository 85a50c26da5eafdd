/* Clock sync state read from chronyc -c (CSV meant for scripts) and pmc (ptp4l's management GETs): exec, capture, parse. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "timesync.h"
#include "util.h"

/* Answers are a few lines; anything bigger is not what we asked for. */
#define ANSWER_CAP (64 * 1024)
/* pmc waits for answers that may never come; chronyc retries a dead socket for a while. */
#define ASK_TIMEOUT_MS 5000

static const char *const query_files[TQ_COUNT] = { "chronyc-tracking", "chronyc-sources", "pmc" };

const char *timesync_query_file(enum timesync_query q)
{
	return q < TQ_COUNT ? query_files[q] : NULL;
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* Only monitoring questions: nothing here changes a daemon (no chronyc command that writes, no pmc SET). */
static void query_argv(enum timesync_query q, const char *socket, const char *argv[12])
{
	memset(argv, 0, 12 * sizeof(*argv));
	if (q == TQ_PTP4L) {
		const char *a[] = { "pmc", "-u", "-b", "0", "-s", socket, "GET PORT_DATA_SET", "GET CURRENT_DATA_SET",
				    "GET TIME_STATUS_NP", "GET PARENT_DATA_SET", NULL };
		memcpy(argv, a, sizeof(a));
	} else {
		const char *a[] = { "chronyc", "-c", "-n", "-h", socket, q == TQ_CHRONY_TRACKING ? "tracking" : "sources",
				    NULL };
		memcpy(argv, a, sizeof(a));
	}
}

static void child_exec(int outfd, const char *const *argv)
{
	static const char *const dirs[] = { "/usr/sbin/", "/usr/bin/", "/sbin/", "/bin/" };
	char path[64];
	int null = open("/dev/null", O_RDONLY);

	if (null < 0 || dup2(null, 0) < 0 || dup2(outfd, 1) < 0 || dup2(outfd, 2) < 0)
		_exit(126);
	/* Nothing of ours (the root's descriptor, sockets) goes to the tool. */
	close_range(3, ~0U, 0);
	execvp(argv[0], (char *const *)argv);
	/* sbin is not on every PATH (pmc lives there). */
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		snprintf(path, sizeof(path), "%s%s", dirs[i], argv[0]);
		execv(path, (char *const *)argv);
	}
	_exit(127);
}

/* SIGTERM first: pmc removes its /var/run/pmc.PID socket on the way out; SIGKILL after 0.5 s. */
static void stop_child(pid_t pid)
{
	struct timespec tick = { 0, 10 * 1000000L };

	kill(pid, SIGTERM);
	for (int i = 0; i < 50; i++) {
		if (waitpid(pid, NULL, WNOHANG) != 0)
			return;	/* reaped (or gone): the caller's waitpid gets ECHILD */
		nanosleep(&tick, NULL);
	}
	kill(pid, SIGKILL);
}

/* Runs argv with stdout and stderr into *out; kills it (our child, by pid) past the timeout. Returns its status or -errno. */
static int run_capture(const char *const *argv, char **out, size_t *len, bool *timed_out)
{
	struct strbuf sb = { 0 };
	long deadline = now_ms() + ASK_TIMEOUT_MS;
	int fds[2], status = 0;
	pid_t pid;

	*timed_out = false;
	if (pipe2(fds, O_CLOEXEC) < 0)
		return -errno;
	pid = fork();
	if (pid < 0) {
		int e = -errno;

		close(fds[0]);
		close(fds[1]);
		return e;
	}
	if (pid == 0)
		child_exec(fds[1], argv);
	close(fds[1]);
	for (;;) {
		struct pollfd p = { .fd = fds[0], .events = POLLIN };
		long left = deadline - now_ms();
		char buf[4096];
		ssize_t n;
		int r;

		if (left <= 0) {
			*timed_out = true;
			break;
		}
		r = poll(&p, 1, (int)left);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			*timed_out = r == 0;
			break;
		}
		n = read(fds[0], buf, sizeof(buf) - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		buf[n] = 0;
		if (sb.len + (size_t)n > ANSWER_CAP)
			break;
		strbuf_add(&sb, buf);
	}
	close(fds[0]);
	if (*timed_out)
		stop_child(pid);
	while (waitpid(pid, &status, 0) < 0) {
		if (errno == ECHILD && *timed_out)
			break;	/* stop_child reaped it */
		if (errno != EINTR) {
			strbuf_free(&sb);
			return -errno;
		}
	}
	*len = sb.len;
	*out = sb.s ? strbuf_detach(&sb) : xstrdup("");
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

bool timesync_socket_valid(const char *socket)
{
	size_t len = socket ? strlen(socket) : 0;

	if (len < 2 || len >= TIMESYNC_SOCKET_MAX || socket[0] != '/' || socket[len - 1] == '/')
		return false;
	for (const char *c = socket; *c; c++)
		if ((unsigned char)*c <= ' ' || *c == 127)
			return false;
	/* Each component plain: no "", "." or "..", so the capture's copy stays under its directory. */
	for (const char *c = socket; c; c = strchr(c + 1, '/')) {
		size_t n = strcspn(c + 1, "/");

		if (n == 0 || (n == 1 && c[1] == '.') || (n == 2 && c[1] == '.' && c[2] == '.'))
			return false;
	}
	return true;
}

/* First line of the tool's words, printable, for a message. */
static void first_line(const char *text, char *buf, size_t size)
{
	size_t i = 0;

	for (; *text && *text != '\n' && i + 1 < size; text++)
		buf[i++] = (*text >= ' ' && *text < 127) ? *text : '?';
	buf[i] = 0;
}

/* A capture keeps a failed question as "error: WHY" so audit of it fails the same way. */
#define ERROR_PREFIX "error: "

int timesync_ask(const struct sysroot *sr, enum timesync_query q, const char *socket, char **out, char *err,
		 size_t errsize)
{
	const char *argv[12];
	char path[256], line[200];
	size_t len = 0;
	bool timed_out;
	int rc;

	*out = NULL;
	err[0] = 0;
	if (q >= TQ_COUNT)
		return -EINVAL;
	if (!timesync_socket_valid(socket)) {
		first_line(socket ? socket : "", line, sizeof(line));
		snprintf(err, errsize, "socket '%s' is not an absolute path of plain components", line);
		return -EINVAL;
	}
	/* Keyed by the socket: profiles asking different daemons keep apart in one capture. */
	snprintf(path, sizeof(path), SYSROOT_TIME_DIR "%s/%s", socket, query_files[q]);
	if (!sr->live) {
		rc = sysroot_read_alloc(sr, path, ANSWER_CAP, out, &len);
		if (rc < 0) {
			snprintf(err, errsize, "the tree keeps no answer in '%s': %s", path, strerror(-rc));
			return rc;
		}
		if (!strncmp(*out, ERROR_PREFIX, strlen(ERROR_PREFIX))) {
			first_line(*out + strlen(ERROR_PREFIX), err, errsize);
			free(*out);
			*out = NULL;
			return -EIO;
		}
		return 0;
	}
	query_argv(q, socket, argv);
	rc = run_capture(argv, out, &len, &timed_out);
	if (rc < 0)
		snprintf(err, errsize, "cannot run %s: %s", argv[0], strerror(-rc));
	else if (timed_out)
		snprintf(err, errsize, "%s gave no answer within %d s", argv[0], ASK_TIMEOUT_MS / 1000);
	else if (rc == 127)
		snprintf(err, errsize, "%s is not installed", argv[0]);
	else if (rc != 0) {
		first_line(*out, line, sizeof(line));
		snprintf(err, errsize, "%s exited with %d%s%s", argv[0], rc, line[0] ? ": " : "", line);
	}
	if (err[0]) {
		if (sr->rec) {
			char *rec = xasprintf(ERROR_PREFIX "%s\n", err);

			sysroot_record_synthetic(sr, path, rec, strlen(rec));
			free(rec);
		}
		free(*out);
		*out = NULL;
		return rc < 0 ? rc : -EIO;
	}
	if (sr->rec)
		sysroot_record_synthetic(sr, path, *out, len);
	return 0;
}

/* ---- chronyc -c ---- */

/* Splits one CSV line in place (chronyc quotes nothing: names hold no commas). Returns the field count. */
static int csv_split(char *line, char **fields, int max)
{
	int n = 0;

	fields[n++] = line;
	for (char *p = line; *p && n < max; p++)
		if (*p == ',') {
			*p = 0;
			fields[n++] = p + 1;
		}
	return n;
}

static int parse_double(const char *s, double *out)
{
	char *end;

	errno = 0;
	*out = strtod(s, &end);
	return (end == s || *end || errno) ? -EINVAL : 0;
}

static int parse_int(const char *s, int *out)
{
	long v;

	if (parse_long(s, &v) < 0 || v < -1000000 || v > 1000000)
		return -EINVAL;
	*out = (int)v;
	return 0;
}

int chrony_parse_tracking(const char *csv, struct chrony_tracking *t, char *err, size_t errsize)
{
	static const char *const names[] = { "reference id", "reference name", "stratum", "ref time", "system time",
					     "last offset", "rms offset", "frequency", "residual frequency", "skew",
					     "root delay", "root dispersion", "update interval", "leap status" };
	char *copy = xstrdup(csv), *f[16], *nl = strchr(copy, '\n');
	double *d[] = { &t->ref_time, &t->system_time, &t->last_offset, &t->rms_offset, &t->freq_ppm,
			&t->resid_freq_ppm, &t->skew_ppm, &t->root_delay, &t->root_dispersion, &t->update_interval };
	int n, rc = 0, bad = -1;

	memset(t, 0, sizeof(*t));
	if (nl)
		*nl = 0;
	n = csv_split(copy, f, 16);
	if (n != 14) {
		snprintf(err, errsize, "%d fields in chronyc's tracking line, expected 14", n);
		free(copy);
		return -EINVAL;
	}
	if (strlen(f[0]) >= sizeof(t->ref_id) || !f[0][0] || strspn(f[0], "0123456789abcdefABCDEF") != strlen(f[0]))
		bad = 0;
	else if (parse_int(f[2], &t->stratum) < 0)
		bad = 2;
	for (int i = 0; bad < 0 && i < 10; i++)
		if (parse_double(f[3 + i], d[i]) < 0)
			bad = 3 + i;
	if (bad >= 0) {
		char v[40];

		first_line(f[bad], v, sizeof(v));
		snprintf(err, errsize, "bad %s '%s' in chronyc's tracking line", names[bad], v);
		rc = -EINVAL;
	} else {
		snprintf(t->ref_id, sizeof(t->ref_id), "%s", f[0]);
		first_line(f[1], t->ref_name, sizeof(t->ref_name));
		first_line(f[13], t->leap, sizeof(t->leap));
	}
	free(copy);
	return rc;
}

bool chrony_local_reference(const struct chrony_tracking *t)
{
	return !strcasecmp(t->ref_id, "7F7F0101") || !strcmp(t->ref_name, "LOCAL");
}

int chrony_parse_sources(const char *csv, struct chrony_sources *s, char *err, size_t errsize)
{
	char *copy = xstrdup(csv), *save = NULL, *line;
	int lineno = 0, rc = 0;

	memset(s, 0, sizeof(*s));
	s->selected = -1;
	for (line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *f[12];
		long reach;
		int n = csv_split(line, f, 12);

		lineno++;
		/* mode,state,name,stratum,poll,reach,lastrx,offset,measured offset,error */
		if (n != 10 || strlen(f[0]) != 1 || strlen(f[1]) != 1 || parse_long(f[5], &reach) < 0) {
			snprintf(err, errsize, "line %d of chronyc's sources is not mode,state,name,stratum,poll,reach,...",
				 lineno);
			rc = -EINVAL;
			break;
		}
		s->total++;
		if (reach != 0)
			s->reachable++;
		if (f[1][0] == '*' && s->selected < 0) {
			s->selected = s->total - 1;
			s->selected_mode = f[0][0];
			first_line(f[2], s->selected_name, sizeof(s->selected_name));
			if (parse_int(f[3], &s->selected_stratum) < 0)
				s->selected_stratum = -1;
		}
	}
	free(copy);
	return rc;
}

/* ---- pmc ---- */

/* "\t\tname   value" -> value of name, within one response block. */
static const char *pmc_field(const char *line, const char *name)
{
	size_t n = strlen(name);

	while (*line == ' ' || *line == '\t')
		line++;
	if (strncmp(line, name, n) || (line[n] != ' ' && line[n] != '\t'))
		return NULL;
	line += n;
	while (*line == ' ' || *line == '\t')
		line++;
	return line;
}

int ptp_parse_pmc(const char *text, struct ptp_state *p)
{
	char *copy = xstrdup(text), *save = NULL, *line;
	enum { NONE, PORT, CURRENT, TSTATUS, PARENT } in = NONE;
	int answers = 0;

	memset(p, 0, sizeof(*p));
	p->gm_clock_class = -1;
	for (line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		const char *v;
		double d;

		if (strstr(line, " RESPONSE MANAGEMENT ")) {
			answers++;
			in = strstr(line, "MANAGEMENT PORT_DATA_SET") ? PORT
			   : strstr(line, "MANAGEMENT CURRENT_DATA_SET") ? CURRENT
			   : strstr(line, "MANAGEMENT TIME_STATUS_NP") ? TSTATUS
			   : strstr(line, "MANAGEMENT PARENT_DATA_SET") ? PARENT : NONE;
			if (in == PORT && p->nports < PTP_MAX_PORTS)
				p->nports++;
			else if (in == PORT)
				in = NONE;
			p->has_current |= in == CURRENT;
			p->has_time_status |= in == TSTATUS;
			p->has_parent |= in == PARENT;
			continue;
		}
		if (in == PORT) {
			if ((v = pmc_field(line, "portIdentity")))
				first_line(v, p->port[p->nports - 1].identity, sizeof(p->port[0].identity));
			else if ((v = pmc_field(line, "portState")))
				first_line(v, p->port[p->nports - 1].state, sizeof(p->port[0].state));
		} else if (in == CURRENT) {
			if ((v = pmc_field(line, "offsetFromMaster")) && parse_double(v, &d) == 0)
				p->offset_ns = d;
			else if ((v = pmc_field(line, "meanPathDelay")) && parse_double(v, &d) == 0)
				p->mean_path_delay_ns = d;
			else if ((v = pmc_field(line, "stepsRemoved")))
				parse_int(v, &p->steps_removed);
		} else if (in == TSTATUS) {
			if ((v = pmc_field(line, "master_offset")))
				p->master_offset_ns = strtoll(v, NULL, 10);
			else if ((v = pmc_field(line, "gmPresent")))
				p->gm_present = !strcmp(v, "true");
			else if ((v = pmc_field(line, "gmIdentity")))
				first_line(v, p->gm_identity, sizeof(p->gm_identity));
		} else if (in == PARENT) {
			if ((v = pmc_field(line, "gm.ClockClass")))
				parse_int(v, &p->gm_clock_class);
		}
	}
	free(copy);
	return answers ? 0 : -ENODATA;
}

/* ---- linuxptp command lines ---- */

/* The option letters that take an argument, as each program's getopt string has them. */
#define PTP4L_ARG_OPTS "fipl"
#define PHC2SYS_ARG_OPTS "cdfsEPISFRNOLMiunzlt"

typedef int (*opt_fn)(void *arg, char opt, const char *name, const char *value);

/*
 * getopt's reading of argv[1..n): clustered short options ("-ar", "-ieth0"), "--name=value" or
 * "--name value" (linuxptp's long options are config keys, each with a value); "--" ends them,
 * other words are skipped. fn gets opt (0 for a long option, then name) and the value or NULL.
 */
static int walk_opts(char *const *argv, size_t n, const char *arg_opts, opt_fn fn, void *arg)
{
	for (size_t i = 1; i < n; i++) {
		const char *a = argv[i];
		int rc;

		if (!strcmp(a, "--"))
			break;
		if (!strncmp(a, "--", 2)) {
			char name[64];
			const char *eq = strchr(a + 2, '='), *value;
			size_t len = eq ? (size_t)(eq - a - 2) : strlen(a + 2);

			if (len >= sizeof(name))
				return -EINVAL;
			memcpy(name, a + 2, len);
			name[len] = 0;
			if (eq)
				value = eq + 1;
			else if (i + 1 < n)
				value = argv[++i];
			else
				return -EINVAL;
			if ((rc = fn(arg, 0, name, value)) < 0)
				return rc;
			continue;
		}
		if (a[0] != '-' || !a[1])
			continue;
		for (const char *c = a + 1; *c; c++) {
			const char *value = NULL;

			if (strchr(arg_opts, *c)) {
				if (c[1])
					value = c + 1;
				else if (i + 1 < n)
					value = argv[++i];
				else
					return -EINVAL;
			}
			if ((rc = fn(arg, *c, NULL, value)) < 0)
				return rc;
			if (value)
				break;
		}
	}
	return 0;
}

static int copy_field(char *dst, size_t size, const char *src)
{
	if (strlen(src) >= size)
		return -EINVAL;
	snprintf(dst, size, "%s", src);
	return 0;
}

static int add_iface(struct ptp4l_conf *c, const char *name)
{
	for (int i = 0; i < c->nifaces; i++)
		if (!strcmp(c->iface[i], name))
			return 0;
	if (c->nifaces == PTP_MAX_IFACES || !*name)
		return -EINVAL;
	return copy_field(c->iface[c->nifaces++], sizeof(c->iface[0]), name);
}

/* A config key ptp4l also takes as --key=value. */
static int ptp4l_key(struct ptp4l_conf *c, const char *key, const char *value, bool cli)
{
	if (!strcmp(key, "time_stamping") && (cli || !c->cli_stamping)) {
		c->cli_stamping |= cli;
		return copy_field(c->time_stamping, sizeof(c->time_stamping), value);
	}
	if (!strcmp(key, "uds_address") && (cli || !c->cli_uds)) {
		c->cli_uds |= cli;
		return copy_field(c->uds_address, sizeof(c->uds_address), value);
	}
	if (!strcmp(key, "free_running") && (cli || !c->cli_free)) {
		c->cli_free |= cli;
		c->free_running = strcmp(value, "0") != 0;
	}
	return 0;
}

static int ptp4l_opt(void *arg, char opt, const char *name, const char *value)
{
	struct ptp4l_conf *c = arg;

	switch (opt) {
	case 0:
		return ptp4l_key(c, name, value, true);
	case 'i':
		return add_iface(c, value);
	case 'f':
		return copy_field(c->config, sizeof(c->config), value);
	case 'p':
		return copy_field(c->phc_device, sizeof(c->phc_device), value);
	case 'H':
	case 'S':
	case 'L':
		c->cli_stamping = true;
		snprintf(c->time_stamping, sizeof(c->time_stamping), "%s",
			 opt == 'H' ? "hardware" : opt == 'S' ? "software" : "legacy");
		return 0;
	default:
		return 0;
	}
}

int ptp4l_parse_argv(char *const *argv, size_t n, struct ptp4l_conf *c)
{
	memset(c, 0, sizeof(*c));
	snprintf(c->time_stamping, sizeof(c->time_stamping), "hardware");
	snprintf(c->uds_address, sizeof(c->uds_address), "%s", TIMESYNC_PTP4L_SOCKET);
	return walk_opts(argv, n, PTP4L_ARG_OPTS, ptp4l_opt, c);
}

int ptp4l_parse_config(const char *text, struct ptp4l_conf *c, char *err, size_t errsize)
{
	char section[64] = "global";
	int lineno = 0;

	err[0] = 0;
	for (const char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
		char line[512], *s, *key, *value;
		size_t len = strcspn(l, "\n");

		lineno++;
		if (len >= sizeof(line)) {
			snprintf(err, errsize, "line %d: longer than %zu bytes", lineno, sizeof(line) - 1);
			return -EINVAL;
		}
		memcpy(line, l, len);
		line[len] = 0;
		if ((s = strchr(line, '#')))
			*s = 0;
		s = trim(line);
		if (!*s)
			continue;
		if (*s == '[') {
			char *end = strchr(s, ']');

			if (!end || end[1] || end - s - 1 <= 0 || (size_t)(end - s - 1) >= sizeof(section)) {
				snprintf(err, errsize, "line %d: bad section", lineno);
				return -EINVAL;
			}
			*end = 0;
			snprintf(section, sizeof(section), "%s", trim(s + 1));
			/* Every section but these names a port, as ptp4l reads it. */
			if (strcmp(section, "global") && strcmp(section, "unicast_master_table") && add_iface(c, section) < 0) {
				snprintf(err, errsize, "line %d: more than %d ports", lineno, PTP_MAX_IFACES);
				return -EINVAL;
			}
			continue;
		}
		if (strcmp(section, "global"))
			continue;
		key = s;
		value = key + strcspn(key, " \t");
		if (*value)
			*value++ = 0;
		value = trim(value);
		if (ptp4l_key(c, key, value, false) < 0) {
			snprintf(err, errsize, "line %d: %s value too long", lineno, key);
			return -EINVAL;
		}
	}
	return 0;
}

bool ptp4l_uses_phc(const struct ptp4l_conf *c)
{
	/* Software and legacy stamps are in system time: ptp4l steers the system clock itself (-p is ignored). */
	return strcmp(c->time_stamping, "software") && strcmp(c->time_stamping, "legacy");
}

static int phc2sys_opt(void *arg, char opt, const char *name, const char *value)
{
	struct phc2sys_args *a = arg;

	(void)name;
	switch (opt) {
	case 'a':
		a->automatic = true;
		return 0;
	case 'r':
		a->realtime++;
		return 0;
	case 's':
	case 'i':
		return copy_field(a->source, sizeof(a->source), value);
	case 'c':
		return copy_field(a->sink, sizeof(a->sink), value);
	case 'z':
		return copy_field(a->uds, sizeof(a->uds), value);
	default:
		return 0;
	}
}

int phc2sys_parse_argv(char *const *argv, size_t n, struct phc2sys_args *a)
{
	memset(a, 0, sizeof(*a));
	snprintf(a->sink, sizeof(a->sink), PTP_CLOCK_REALTIME);
	snprintf(a->uds, sizeof(a->uds), "%s", TIMESYNC_PTP4L_SOCKET);
	return walk_opts(argv, n, PHC2SYS_ARG_OPTS, phc2sys_opt, a);
}
