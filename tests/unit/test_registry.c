/*
 * The registry holds each knob's two halves together: ids unique, every profile key judged by some check,
 * and every key a check or its plan reads declared in its .keys (tracked through profile_key_reads while
 * each check and plan runs, on the fixture trees, with every shipped profile).
 */
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
#include "util.h"

static const char *const trees[] = { "base", "untuned" };

static bool declared(const struct check *c, enum profile_key k)
{
	for (const enum profile_key *p = c->keys; p && *p != PK_COUNT; p++)
		if (*p == k)
			return true;
	return false;
}

static void test_ids_unique(void **state)
{
	(void)state;
	for (size_t i = 0; i < checks_count; i++) {
		assert_non_null(checks[i]->run);
		assert_true((unsigned)checks[i]->area < AREA_COUNT);
		assert_ptr_equal(check_find(checks[i]->id), checks[i]);
		for (size_t j = i + 1; j < checks_count; j++)
			assert_string_not_equal(checks[i]->id, checks[j]->id);
		/* A plan says when it acts; a check without one claims neither. */
		if (checks[i]->plan)
			assert_true(checks[i]->flags & (CF_RUNTIME | CF_BOOT));
		else
			assert_int_equal(checks[i]->flags & (CF_RUNTIME | CF_BOOT), 0);
	}
}

static void test_every_key_judged(void **state)
{
	int missing = 0;

	(void)state;
	for (int k = 0; k < PK_COUNT; k++) {
		bool hit = false;

		if (!strcmp(profile_keys[k].section, "profile") || !strcmp(profile_keys[k].section, "targets"))
			continue;
		for (size_t i = 0; i < checks_count && !hit; i++)
			hit = declared(checks[i], (enum profile_key)k);
		if (!hit) {
			fprintf(stderr, "registry: [%s] %s is judged by no check's .keys\n", profile_keys[k].section,
				profile_keys[k].key);
			missing++;
		}
	}
	assert_int_equal(missing, 0);
}

/* Runs every check (and the plan of each failing one) on root with profile text, tracking key reads. */
static int keys_on(const char *root, const char *name, const char *text)
{
	bool reads[PK_COUNT];
	struct sysroot sr;
	struct host h;
	struct profile prof;
	struct profile_error err;
	int bad = 0;

	assert_int_equal(sysroot_open(&sr, root), 0);
	host_load(&h, &sr);
	if (profile_load_string(&prof, text, name, &err) < 0 || profile_resolve(&prof, &h, &err) < 0) {
		fprintf(stderr, "registry: profile %s: %s\n", name, err.msg);
		fail();
	}
	for (size_t i = 0; i < checks_count; i++) {
		const struct check *c = checks[i];
		struct finding f;

		memset(reads, 0, sizeof(reads));
		profile_key_reads = reads;
		check_run(c, &(struct check_ctx){ &h, &prof, &sr, NULL }, &f);
		if (c->plan && (f.verdict == V_FAIL || f.verdict == V_WARN)) {
			struct tune_ctx ctx;
			struct plan p = { 0 };

			tune_ctx_init(&ctx, &h, &prof, &sr, &f, 1);
			c->plan(&ctx, &f, &p);
			plan_free(&p);
			tune_ctx_free(&ctx);
		}
		profile_key_reads = NULL;
		for (int k = 0; k < PK_COUNT; k++)
			if (reads[k] && !declared(c, (enum profile_key)k)) {
				fprintf(stderr, "registry: %s reads [%s] %s (profile %s, tree %s) but does not declare it\n",
					c->id, profile_keys[k].section, profile_keys[k].key, name, root);
				bad++;
			}
		finding_clear(&f);
	}
	profile_free(&prof);
	host_free(&h);
	sysroot_close(&sr);
	return bad;
}

static void test_keys_declared(void **state)
{
	int bad = 0;

	(void)state;
	for (size_t t = 0; t < sizeof(trees) / sizeof(trees[0]); t++) {
		char root[512];

		snprintf(root, sizeof(root), "%s/tests/fixtures/%s", TEST_SRCDIR, trees[t]);
		for (const struct builtin_profile *b = builtin_profiles; b->name; b++)
			bad += keys_on(root, b->name, b->text);
	}
	assert_int_equal(bad, 0);
}

/*
 * fixed_by, the manual list and the plan agree, for every shipped profile on every fixture tree: the plan's
 * manual list is exactly the failing checks whose fixed_by is manual, and each failing check that says
 * apply has a change (or a bind that settles it) in the plan.
 */
static void test_manual_list_agrees(void **state)
{
	static const char *const all_trees[] = { "base", "untuned", "stack-kernel", "stack-rdma", "stack-onload",
						 "stack-dpdk", "stack-af_xdp", "stack-vma" };
	int bad = 0;

	(void)state;
	for (size_t t = 0; t < sizeof(all_trees) / sizeof(all_trees[0]); t++)
		for (const struct builtin_profile *b = builtin_profiles; b->name; b++) {
			char root[512];
			struct sysroot sr;
			struct host h;
			struct profile prof;
			struct profile_error err;
			struct finding *f;
			struct tune_ctx ctx;
			struct plan p;
			size_t n;

			snprintf(root, sizeof(root), "%s/tests/fixtures/%s", TEST_SRCDIR, all_trees[t]);
			assert_int_equal(sysroot_open(&sr, root), 0);
			host_load(&h, &sr);
			assert_int_equal(profile_load_string(&prof, b->text, b->name, &err), 0);
			assert_int_equal(profile_resolve(&prof, &h, &err), 0);
			f = checks_run(&(struct check_ctx){ &h, &prof, &sr, NULL }, NULL, &n);
			tune_ctx_init(&ctx, &h, &prof, &sr, f, n);
			assert_int_equal(plan_build(&p, &ctx), 0);
			plan_mark_findings(&p, &sr, f, n);
			for (size_t i = 0; i < n; i++) {
				bool listed = false, changed = false;

				if (!f[i].check || (f[i].verdict != V_FAIL && f[i].verdict != V_WARN) || f[i].pending_reboot)
					continue;
				for (size_t k = 0; k < p.nmanual; k++)
					listed |= !strcmp(p.manual[k].check, f[i].check->id);
				for (size_t k = 0; k < p.n; k++)
					changed |= !strcmp(p.v[k].check, f[i].check->id);
				for (size_t k = 0; k < p.nmoot; k++)
					changed |= p.moot[k].pci && !strcmp(p.moot[k].check, f[i].check->id);
				for (size_t k = 0; k < p.ncovered; k++)
					changed |= !strcmp(p.covered[k].check, f[i].check->id);
				if (listed != !!(f[i].fix_by & FIX_MANUAL) || (!(f[i].fix_by & FIX_MANUAL) && !changed)) {
					fprintf(stderr, "registry: %s on %s, profile %s: fixed_by %s, %s the manual list, %s\n",
						f[i].check->id, all_trees[t], b->name, fix_by_name(f[i].fix_by),
						listed ? "in" : "not in", changed ? "changes planned" : "no change planned");
					bad++;
				}
			}
			plan_free(&p);
			tune_ctx_free(&ctx);
			for (size_t i = 0; i < n; i++)
				finding_clear(&f[i]);
			free(f);
			profile_free(&prof);
			host_free(&h);
			sysroot_close(&sr);
		}
	assert_int_equal(bad, 0);
}

/*
 * CF_PROCS is what starts the process table's read-ahead: a check without it must never read the table
 * (its audit would wait for a lazy walk), and each with it must read it somewhere in the matrix. Each
 * check runs alone on a fresh host, for every shipped profile on both trees.
 */
static void test_procs_flag(void **state)
{
	bool seen[checks_count];
	int bad = 0;

	(void)state;
	memset(seen, 0, sizeof(seen));
	for (size_t t = 0; t < sizeof(trees) / sizeof(trees[0]); t++) {
		char root[512];
		struct sysroot sr;

		snprintf(root, sizeof(root), "%s/tests/fixtures/%s", TEST_SRCDIR, trees[t]);
		assert_int_equal(sysroot_open(&sr, root), 0);
		for (const struct builtin_profile *b = builtin_profiles; b->name; b++)
			for (size_t i = 0; i < checks_count; i++) {
				struct profile prof;
				struct profile_error err;
				struct finding f;
				struct host h;

				host_load(&h, &sr);
				assert_int_equal(profile_load_string(&prof, b->text, b->name, &err), 0);
				assert_int_equal(profile_resolve(&prof, &h, &err), 0);
				assert_false(host_procs_read(&h));
				check_run(checks[i], &(struct check_ctx){ &h, &prof, &sr, NULL }, &f);
				if (host_procs_read(&h)) {
					seen[i] = true;
					if (!(checks[i]->flags & CF_PROCS)) {
						fprintf(stderr, "registry: %s reads the process table (profile %s, tree %s) "
							"without CF_PROCS\n", checks[i]->id, b->name, trees[t]);
						bad++;
					}
				}
				finding_clear(&f);
				profile_free(&prof);
				host_free(&h);
			}
		sysroot_close(&sr);
	}
	for (size_t i = 0; i < checks_count; i++)
		if ((checks[i]->flags & CF_PROCS) && !seen[i]) {
			fprintf(stderr, "registry: %s has CF_PROCS but never read the process table\n", checks[i]->id);
			bad++;
		}
	assert_int_equal(bad, 0);
}

static int hk_all(const struct host *h, void *arg, struct cpuset *out)
{
	(void)h;
	(void)arg;
	cpuset_zero(out);
	for (int cpu = 0; cpu < CPU_SETSIZE; cpu++)
		cpuset_set(out, cpu);
	return 0;
}

static const struct host_confine anywhere = { hk_all, NULL };

/* The read-ahead gives what a lazy read gives, for every accessor (and the holder's walk shares its pid list). */
static void test_procs_read_ahead_same(void **state)
{
	char root[512];
	struct sysroot sr;
	struct host lazy, ahead;
	const struct host_tasks *a, *b;

	(void)state;
	snprintf(root, sizeof(root), "%s/tests/fixtures/base", TEST_SRCDIR);
	assert_int_equal(sysroot_open(&sr, root), 0);
	host_load(&lazy, &sr);
	host_load_with(&ahead, &sr, HOST_PROCS_AHEAD, &anywhere);
	assert_true(host_procs_read(&ahead));
	a = host_tasks(&lazy);
	b = host_tasks(&ahead);
	assert_int_equal(a->rc, b->rc);
	assert_int_equal(a->n, b->n);
	assert_int_equal(a->unreadable, b->unreadable);
	assert_true(a->n > 0);
	for (size_t i = 0; i < a->n; i++) {
		assert_int_equal(a->v[i].tid, b->v[i].tid);
		assert_string_equal(a->v[i].comm, b->v[i].comm);
		assert_true(cpuset_equal(a->v[i].cpus, b->v[i].cpus));
	}
	assert_int_equal(host_process_named(&lazy, "irqbalance"), host_process_named(&ahead, "irqbalance"));
	assert_int_equal(host_dma_holder(&lazy)->rc, host_dma_holder(&ahead)->rc);
	assert_string_equal(host_dma_holder(&lazy)->pid, host_dma_holder(&ahead)->pid);
	host_free(&lazy);
	host_free(&ahead);
	/* Freed before any accessor: the thread is joined, nothing leaks (ASan). */
	host_load_with(&ahead, &sr, HOST_PROCS_AHEAD, &anywhere);
	host_free(&ahead);
	sysroot_close(&sr);
}

/* Every fix_by combination apply can report survives the JSON name (what report and fleets read back). */
static void test_fix_by_names_round_trip(void **state)
{
	static const unsigned combos[] = { FIX_NOW, FIX_BOOT, FIX_NOW | FIX_BOOT, FIX_BLOCKED, FIX_BLOCKED | FIX_NOW,
					   FIX_BLOCKED | FIX_BOOT, FIX_MANUAL };

	(void)state;
	for (size_t i = 0; i < sizeof(combos) / sizeof(combos[0]); i++) {
		char line[512];
		const char *name = fix_by_name(combos[i]);

		assert_non_null(name);
		snprintf(line, sizeof(line), "%s", fix_by_line(combos[i], "why"));
		assert_string_equal(fix_by_line(fix_by_parse(name), "why"), line);
	}
	assert_int_equal(fix_by_parse(NULL), 0);
	assert_int_equal(fix_by_parse("apply someday"), 0);
	assert_null(fix_by_name(0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ids_unique),
		cmocka_unit_test(test_every_key_judged),
		cmocka_unit_test(test_keys_declared),
		cmocka_unit_test(test_manual_list_agrees),
		cmocka_unit_test(test_fix_by_names_round_trip),
		cmocka_unit_test(test_procs_flag),
		cmocka_unit_test(test_procs_read_ahead_same),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
