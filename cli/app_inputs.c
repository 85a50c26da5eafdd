/* The application given to audit or report: its configuration (--app-config/--app-eal) and the running process. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "util.h"

void app_inputs_option(struct app_inputs *in, int which, const char *arg)
{
	const char **slot[] = { &in->config, &in->eal, &in->telemetry, &in->pid, &in->window };

	*slot[which] = arg;
}

bool app_inputs_given(const struct app_inputs *in)
{
	return in->config || in->eal || in->telemetry || in->pid;
}

void app_inputs_free(struct app_inputs *in)
{
	app_config_free(&in->cfg);
	app_live_free(&in->live);
}

int app_inputs_load(struct app_inputs *in, const struct sysroot *sr)
{
	struct app_error err;
	long pid = 0;
	double window = 1.0;
	char *end;

	if (in->config && in->eal) {
		cli_error("audit: --app-config and --app-eal name one configuration: give one");
		return EXIT_ERROR;
	}
	if (in->pid && (parse_long(in->pid, &pid) < 0 || pid <= 0)) {
		cli_error("audit: invalid --app-pid '%s' (a process id)", in->pid);
		return EXIT_ERROR;
	}
	if (in->window) {
		window = strtod(in->window, &end);
		if (end == in->window || *end || !(window >= 0 && window <= 600)) {
			cli_error("audit: invalid --app-window '%s' (seconds, 0 to 600)", in->window);
			return EXIT_ERROR;
		}
	}
	if ((in->config && app_config_load(&in->cfg, in->config, &err) < 0) ||
	    (in->eal && app_config_from_eal(&in->cfg, in->eal, &err) < 0)) {
		cli_error("audit: %s", err.msg);
		return EXIT_ERROR;
	}
	if (in->config || in->eal)
		in->app.cfg = &in->cfg;
	if (in->telemetry || in->pid) {
		if (app_live_read(&in->live, sr, in->telemetry, pid, window, &err) < 0) {
			cli_error("audit: %s", err.msg);
			app_config_free(&in->cfg);
			return EXIT_ERROR;
		}
		in->app.live = &in->live;
	}
	return 0;
}

