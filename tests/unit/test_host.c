/* host_load on a host with many IRQs: the affinity files (read by two threads unless capturing) land on the right IRQ. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "checktest.h"
#include "util.h"

/* Above host.c's IRQ_SPLIT_MIN, so the second thread takes part. */
#define NIRQ 1000
#define FIRST 100

/* IRQ n: affinity cpu n % 8, effective cpu (n + 1) % 8, counts n and 1; every 97th has no effective file. */
static void write_irqs(struct fx *fx)
{
	struct strbuf sb = { 0 };
	char path[96], val[16];

	strbuf_add(&sb, "            CPU0       CPU1\n");
	for (int n = FIRST; n < FIRST + NIRQ; n++) {
		strbuf_addf(&sb, "%4d: %10d %10d  PCI-MSIX-0000:3b:00.0 %d-edge      ens1f0-TxRx-%d\n", n, n, 1, n, n);
		snprintf(path, sizeof(path), "/proc/irq/%d/smp_affinity_list", n);
		snprintf(val, sizeof(val), "%d\n", n % 8);
		fx_write(fx, path, val);
		if (n % 97 == 0)
			continue;
		snprintf(path, sizeof(path), "/proc/irq/%d/effective_affinity_list", n);
		snprintf(val, sizeof(val), "%d\n", (n + 1) % 8);
		fx_write(fx, path, val);
	}
	fx_write(fx, "/proc/interrupts", sb.s);
	strbuf_free(&sb);
}

static void check_irqs(const struct host *h)
{
	assert_true(h->has_irqs);
	assert_int_equal(h->nirqs, NIRQ);
	for (size_t i = 0; i < h->nirqs; i++) {
		const struct irq *q = &h->irqs[i];
		int n = FIRST + (int)i;

		assert_int_equal(q->num, n);
		assert_int_equal(q->count, (unsigned long long)n + 1);
		assert_true(q->has_affinity);
		assert_int_equal(cpuset_count(&q->affinity), 1);
		assert_true(cpuset_has(&q->affinity, n % 8));
		assert_int_equal(q->has_effective, n % 97 != 0);
		if (q->has_effective) {
			assert_int_equal(cpuset_count(&q->effective), 1);
			assert_true(cpuset_has(&q->effective, (n + 1) % 8));
		}
	}
}

static void test_many_irqs(void **state)
{
	struct fx *fx = *state;
	struct sysroot sr;
	struct host h;

	write_irqs(fx);
	assert_int_equal(sysroot_open(&sr, fx->dir), 0);
	host_load(&h, &sr);
	check_irqs(&h);
	host_free(&h);
	/* While capturing one thread reads, and records every file. */
	assert_int_equal(sysroot_record_start(&sr), 0);
	host_load(&h, &sr);
	check_irqs(&h);
	host_free(&h);
	sysroot_close(&sr);
}

/* Counts over many cpus are summed; a count too big for 64 bits saturates instead of wrapping. */
static void test_irq_counts(void **state)
{
	struct fx *fx = *state;
	struct sysroot sr;
	struct host h;
	const struct irq *q;

	fx_write(fx, "/proc/interrupts",
		 "      CPU0 CPU1 CPU2\n"
		 " 24:  7 11 1000000   IR-PCI-MSI 9437184-edge      eno1-TxRx-0\n"
		 " 25:  99999999999999999999999 0 0   IR-PCI-MSI 9437185-edge      eno1-TxRx-1\n");
	assert_int_equal(sysroot_open(&sr, fx->dir), 0);
	host_load(&h, &sr);
	q = host_irq(&h, 24);
	assert_non_null(q);
	assert_int_equal(q->count, 1000018);
	assert_string_equal(q->name, "eno1-TxRx-0");
	assert_string_equal(q->chip, "IR-PCI-MSI");
	q = host_irq(&h, 25);
	assert_non_null(q);
	assert_true(q->count == ~0ULL);
	host_free(&h);
	sysroot_close(&sr);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_many_irqs, fx_setup_base, fx_teardown),
		cmocka_unit_test_setup_teardown(test_irq_counts, fx_setup_base, fx_teardown),
	};

	return cmocka_run_group_tests_name("host", tests, NULL, NULL);
}
