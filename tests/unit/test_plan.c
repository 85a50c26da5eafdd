/* The plan's boot unit: runtime changes are re-applied at boot, so the plan enables the unit or says how. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "checktest.h"
#include "tuners.h"

/* A plan with one runtime write, given the unit. */
static void boot_unit(struct fx *fx, bool live, struct plan *p)
{
	memset(p, 0, sizeof(*p));
	assert_non_null(plan_add(p, "kernel.timer_migration", CK_WRITE, "kernel.timer_migration",
				 "/proc/sys/kernel/timer_migration", "1", "0"));
	assert_int_equal(sysroot_open(&fx->sr, fx->dir), 0);
	fx->sr.live = live;	/* only the decision is under test: nothing is executed */
	plan_boot_unit(p, &fx->sr);
	sysroot_close(&fx->sr);
}

static const struct change *unit_change(const struct plan *p)
{
	for (size_t i = 0; i < p->n; i++)
		if (p->v[i].kind == CK_SERVICE && !strcmp(p->v[i].target, BOOT_UNIT))
			return &p->v[i];
	return NULL;
}

static void test_boot_unit(void **state)
{
	struct fx *fx = *state;
	const struct change *c;
	struct plan p;

	/* A tree: nothing to enable there, the operator is told. */
	boot_unit(fx, false, &p);
	assert_null(unit_change(&p));
	assert_non_null(strstr(p.persist, "systemctl enable " BOOT_UNIT));
	plan_free(&p);
	/* systemd runs, the unit is not installed: install it first. */
	fx_write(fx, "/run/systemd/system/.keep", "");
	boot_unit(fx, true, &p);
	assert_null(unit_change(&p));
	assert_non_null(strstr(p.persist, "make install"));
	plan_free(&p);
	/* Installed, not enabled: the plan enables it, and revert disables it. */
	fx_write(fx, "/lib/systemd/system/" BOOT_UNIT, "[Unit]\n");
	boot_unit(fx, true, &p);
	c = unit_change(&p);
	assert_non_null(c);
	assert_null(p.persist);
	assert_true(c->live_only);
	assert_string_equal(c->argv_do + strlen(c->argv_do) + 1, "enable");
	assert_string_equal(c->argv_undo + strlen(c->argv_undo) + 1, "disable");
	plan_free(&p);
	/* Enabled already: nothing. */
	fx_write(fx, BOOT_UNIT_WANTS, "[Unit]\n");
	boot_unit(fx, true, &p);
	assert_null(unit_change(&p));
	assert_null(p.persist);
	plan_free(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_boot_unit, fx_setup_base, fx_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
