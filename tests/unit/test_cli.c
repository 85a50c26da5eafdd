/* The CLI's option tables: a table at the cap parses its last option; one past it is refused, never cut short. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "cli.h"

static struct cli_opt *table(int n, char names[][16])
{
	struct cli_opt *o = calloc((size_t)n + 1, sizeof(*o));

	for (int i = 0; i < n; i++) {
		snprintf(names[i], 16, "o%d", i);
		o[i] = (struct cli_opt){ names[i], NULL, 1000 + i, "an option" };
	}
	return o;
}

static void test_options_at_cap(void **state)
{
	char names[CLI_MAX_OPTS][16], last[16];
	struct cli_opt *o = table(CLI_MAX_OPTS, names);
	char *argv[] = { "t", last, NULL };
	struct cli_parser p;
	const char *arg;

	(void)state;
	snprintf(last, sizeof(last), "--o%d", CLI_MAX_OPTS - 1);
	cli_parser_init(&p, "t", "t [options]", NULL, o, 2, argv);
	assert_int_equal(cli_parser_next(&p, &arg), 1000 + CLI_MAX_OPTS - 1);
	assert_int_equal(cli_parser_next(&p, &arg), -1);
	free(o);
}

static void test_options_past_cap(void **state)
{
	char names[CLI_MAX_OPTS + 1][16];
	struct cli_opt *o = table(CLI_MAX_OPTS + 1, names);
	char *argv[] = { "t", NULL };
	int status;
	pid_t pid;

	(void)state;
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct cli_parser p;

		freopen("/dev/null", "w", stderr);
		cli_parser_init(&p, "t", "t [options]", NULL, o, 1, argv);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), EXIT_ERROR);
	free(o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_options_at_cap),
		cmocka_unit_test(test_options_past_cap),
	};

	return cmocka_run_group_tests_name("cli", tests, NULL, NULL);
}
