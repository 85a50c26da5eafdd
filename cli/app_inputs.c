/* The application given to audit or report: its configuration (--app-config/--app-eal, else the profile's [app]) and the running process. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "util.h"

void app_inputs_option(struct app_inputs *in, int which, const char *arg)
{
	const char **slot[] = { &in->config, &in->eal, &in->telemetry, &in->pid, &in->window, &in->running };

	*slot[which] = arg;
}

void app_inputs_free(struct app_inputs *in)
{
	app_config_free(&in->cfg);
	app_live_free(&in->live);
	free(in->profile_path);
	in->profile_path = NULL;
}

/* Where the profile sets key: "FILE:LINE: [app] KEY = 'VALUE'", for messages. */
static void profile_where(const struct profile *prof, enum profile_key k, char *buf, size_t size)
{
	const struct profile_value *v = &prof->v[k];

	snprintf(buf, size, "%s:%d: [app] %s = '%s'", v->file ? v->file : prof->source, v->line, profile_keys[k].key,
		 profile_str(prof, k));
}

/* [app] config or eal, when the command line names no configuration; a relative config is the profile file's sibling. */
static int from_profile(struct app_inputs *in, const struct profile *prof, const char *who)
{
	const char *config = profile_str(prof, PK_APP_CONFIG), *eal = profile_str(prof, PK_APP_EAL);
	const char *file = prof->v[PK_APP_CONFIG].file, *slash;
	char where[600];

	if (in->config || in->eal || (!config && !eal))
		return 0;
	if (config && eal) {
		profile_where(prof, PK_APP_EAL, where, sizeof(where));
		cli_error("%s: %s: [app] config and eal name one configuration: set one", who, where);
		return EXIT_ERROR;
	}
	in->profile_key = config ? PK_APP_CONFIG : PK_APP_EAL;
	if (eal) {
		in->eal = eal;
		return 0;
	}
	if (config[0] != '/' && file && strncmp(file, "builtin:", 8) && (slash = strrchr(file, '/')))
		in->profile_path = xasprintf("%.*s/%s", (int)(slash - file), file, config);
	in->config = in->profile_path ? in->profile_path : config;
	return 0;
}

/*
 * --app PID|auto: the process's EAL arguments (its command line, else what its telemetry answers for /eal/params)
 * unless a configuration is named, its telemetry socket when it has one, its threads. Read only.
 */
static int load_running(struct app_inputs *in, const struct sysroot *sr, const struct host *h, double window,
			const char *who)
{
	struct app_error err, cmdline_err = { { 0 } };
	struct app_found found;
	bool want_cfg = !in->config && !in->eal, have_cfg = false;
	char dir[48];
	long pid;
	int rc;

	if (in->pid || in->telemetry) {
		cli_error("%s: --app names the running application: leave out --app-pid and --app-telemetry", who);
		return EXIT_ERROR;
	}
	if (!strcmp(in->running, "auto")) {
		if ((rc = app_find(sr, h, &found)) < 0) {
			cli_error("%s: --app auto: cannot list '/proc': %s", who, strerror(-rc));
			return EXIT_ERROR;
		}
		if (!found.n) {
			in->app.absent = "--app auto found no running DPDK application (no telemetry socket under /var/run/dpdk "
					 "answers; no process maps hugepages or EAL memory, or holds /dev/vfio)";
			return 0;
		}
		if (found.n > 1) {
			struct strbuf sb = { 0 };

			for (size_t i = 0; i < found.n; i++)
				strbuf_addf(&sb, "%s%ld (%s)", i ? ", " : "", found.pids[i], found.why[i]);
			cli_error("%s: --app auto: %zu DPDK applications run: %s; name one with --app PID", who, found.n, sb.s);
			strbuf_free(&sb);
			return EXIT_ERROR;
		}
		pid = found.pids[0];
	} else if (parse_long(in->running, &pid) < 0 || pid <= 0) {
		cli_error("%s: invalid --app '%s' (a process id, or auto)", who, in->running);
		return EXIT_ERROR;
	}
	snprintf(dir, sizeof(dir), "/proc/%ld", pid);
	if (!sysroot_is_dir(sr, dir)) {
		cli_error("%s: --app %s: no process %ld ('%s' is absent)", who, in->running, pid, dir);
		return EXIT_ERROR;
	}
	if (want_cfg)
		have_cfg = app_config_from_process(&in->cfg, sr, pid, &cmdline_err) == 0;
	app_telemetry_of(sr, pid, have_cfg ? in->cfg.file_prefix : "", in->telemetry_found, sizeof(in->telemetry_found));
	if (app_live_read(&in->live, sr, in->telemetry_found[0] ? in->telemetry_found : NULL, pid, window, &err) < 0) {
		cli_error("%s: --app %s: %s", who, in->running, err.msg);
		app_config_free(&in->cfg);
		return EXIT_ERROR;
	}
	in->app.live = &in->live;
	/* An app that builds its EAL arguments itself: telemetry still says what EAL took. */
	if (want_cfg && !have_cfg && in->live.eal_params[0]) {
		if (app_config_from_eal(&in->cfg, in->live.eal_params, &err) < 0) {
			cli_error("%s: --app %s: telemetry /eal/params: %s", who, in->running, err.msg);
			return EXIT_ERROR;
		}
		snprintf(in->cfg.source, sizeof(in->cfg.source), "process %ld's EAL arguments (telemetry /eal/params)", pid);
		have_cfg = true;
	}
	if (want_cfg && !have_cfg) {
		cli_error("%s: --app %s: %s; give them with --app-eal or [app] eal", who, in->running, cmdline_err.msg);
		return EXIT_ERROR;
	}
	if (have_cfg)
		in->app.cfg = &in->cfg;
	return 0;
}

int app_inputs_load(struct app_inputs *in, const struct sysroot *sr, const struct host *h, const struct profile *prof,
		    const char *who)
{
	struct app_error err;
	long pid = 0;
	double window = 1.0;
	char *end, where[600];

	if (in->config && in->eal) {
		cli_error("%s: --app-config and --app-eal name one configuration: give one", who);
		return EXIT_ERROR;
	}
	in->profile_key = PK_COUNT;
	if (prof && from_profile(in, prof, who))
		return EXIT_ERROR;
	if (in->pid && (parse_long(in->pid, &pid) < 0 || pid <= 0)) {
		cli_error("%s: invalid --app-pid '%s' (a process id)", who, in->pid);
		return EXIT_ERROR;
	}
	if (in->window) {
		window = strtod(in->window, &end);
		if (end == in->window || *end || !(window >= 0 && window <= 600)) {
			cli_error("%s: invalid --app-window '%s' (seconds, 0 to 600)", who, in->window);
			return EXIT_ERROR;
		}
	}
	if ((in->config && app_config_load(&in->cfg, in->config, &err) < 0) ||
	    (in->eal && app_config_from_eal(&in->cfg, in->eal, &err) < 0)) {
		if (in->profile_key != PK_COUNT) {
			profile_where(prof, in->profile_key, where, sizeof(where));
			cli_error("%s: %s: %s", who, where, err.msg);
		} else {
			cli_error("%s: %s", who, err.msg);
		}
		return EXIT_ERROR;
	}
	if (in->profile_key == PK_APP_EAL)
		snprintf(in->cfg.source, sizeof(in->cfg.source), "[app] eal");
	if (in->config || in->eal)
		in->app.cfg = &in->cfg;
	if (in->running)
		return load_running(in, sr, h, window, who);
	if (in->telemetry || in->pid) {
		if (app_live_read(&in->live, sr, in->telemetry, pid, window, &err) < 0) {
			cli_error("%s: %s", who, err.msg);
			app_config_free(&in->cfg);
			return EXIT_ERROR;
		}
		in->app.live = &in->live;
	}
	return 0;
}
