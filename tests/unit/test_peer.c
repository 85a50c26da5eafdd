/* peer: --peer's address, MAC, source pick and ARP lookup, and the refusals made before the host is touched. */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "checktest.h"
#include "peer.h"

static uint32_t ip(const char *s)
{
	return inet_addr(s);
}

static void test_parse_ipv4(void **state)
{
	uint32_t a;

	(void)state;
	assert_int_equal(peer_parse_ipv4("198.19.0.2", &a), 0);
	assert_int_equal(a, ip("198.19.0.2"));
	assert_int_equal(peer_parse_ipv4("198.19.0.256", &a), -EINVAL);
	assert_int_equal(peer_parse_ipv4("198.19.0", &a), -EINVAL);
	assert_int_equal(peer_parse_ipv4("198.19.0.2 ", &a), -EINVAL);
	assert_int_equal(peer_parse_ipv4("peer.example", &a), -EINVAL);
	assert_int_equal(peer_parse_ipv4("", &a), -EINVAL);
	assert_int_equal(peer_parse_ipv4(NULL, &a), -EINVAL);
	assert_int_equal(peer_parse_ipv4("::1", &a), -EINVAL);
	assert_int_equal(peer_parse_ipv4("0.0.0.0", &a), -EDOM);
	assert_int_equal(peer_parse_ipv4("127.0.0.1", &a), -EDOM);
	assert_int_equal(peer_parse_ipv4("239.1.1.1", &a), -EDOM);
	assert_int_equal(peer_parse_ipv4("255.255.255.255", &a), -EDOM);
	assert_int_equal(peer_parse_ipv4("240.0.0.1", &a), -EDOM);
}

static void test_parse_mac(void **state)
{
	uint8_t m[6];
	char buf[18];

	(void)state;
	assert_int_equal(peer_parse_mac("02:00:C6:12:00:0a", m), 0);
	assert_int_equal(m[0], 0x02);
	assert_int_equal(m[2], 0xc6);
	assert_int_equal(m[5], 0x0a);
	peer_format_mac(m, buf, sizeof(buf));
	assert_string_equal(buf, "02:00:c6:12:00:0a");
	assert_int_equal(peer_parse_mac("02:00:c6:12:00", m), -EINVAL);
	assert_int_equal(peer_parse_mac("02:00:c6:12:00:0", m), -EINVAL);
	assert_int_equal(peer_parse_mac("02:00:c6:12:00:0g", m), -EINVAL);
	assert_int_equal(peer_parse_mac("02-00-c6-12-00-0a", m), -EINVAL);
	assert_int_equal(peer_parse_mac("02:00:c6:12:00:0a:", m), -EINVAL);
	assert_int_equal(peer_parse_mac(" 2:00:c6:12:00:0a", m), -EINVAL);
	assert_int_equal(peer_parse_mac("ff:ff:ff:ff:ff:ff", m), -EDOM);
	assert_int_equal(peer_parse_mac("01:00:5e:01:01:01", m), -EDOM);
	assert_int_equal(peer_parse_mac("00:00:00:00:00:00", m), -EDOM);
}

static void test_pick_source(void **state)
{
	const struct peer_ifaddr a[] = { { ip("10.0.0.5"), 24 }, { ip("198.19.0.1"), 30 }, { ip("192.0.2.8"), 31 },
					 { ip("203.0.113.1"), 32 } };

	(void)state;
	assert_int_equal(peer_pick_source(ip("198.19.0.2"), a, 4), 1);
	assert_int_equal(peer_pick_source(ip("10.0.0.200"), a, 4), 0);
	assert_int_equal(peer_pick_source(ip("198.19.0.5"), a, 4), -ENETUNREACH);	/* next /30 */
	assert_int_equal(peer_pick_source(ip("198.19.0.0"), a, 4), -EDOM);		/* network */
	assert_int_equal(peer_pick_source(ip("198.19.0.3"), a, 4), -EDOM);		/* broadcast */
	assert_int_equal(peer_pick_source(ip("10.0.0.255"), a, 4), -EDOM);
	assert_int_equal(peer_pick_source(ip("198.19.0.1"), a, 4), -EADDRINUSE);	/* our own */
	assert_int_equal(peer_pick_source(ip("192.0.2.9"), a, 4), 2);		/* /31: both ends are hosts */
	assert_int_equal(peer_pick_source(ip("203.0.113.2"), a, 4), -ENETUNREACH);	/* /32: no link */
	assert_int_equal(peer_pick_source(ip("198.19.0.2"), a, 0), -ENETUNREACH);
}

static void test_arp_find(void **state)
{
	static const char arp[] =
		"IP address       HW type     Flags       HW address            Mask     Device\n"
		"198.19.0.2       0x1         0x0         00:00:00:00:00:00     *        trph1\n"
		"198.19.0.2       0x1         0x2         02:00:c6:13:00:02     *        trph2\n"
		"198.19.0.6       0x1         0x2         02:00:c6:13:00:06     *        trph1\n"
		"198.19.0.10      0x1         0x6         02:00:c6:13:00:0a     *        trph1";
	uint8_t m[6];

	(void)state;
	assert_int_equal(peer_arp_find(arp, ip("198.19.0.2"), "trph1", m), -ENOENT);	/* incomplete */
	assert_int_equal(peer_arp_find(arp, ip("198.19.0.2"), "trph2", m), 0);
	assert_int_equal(m[5], 0x02);
	assert_int_equal(peer_arp_find(arp, ip("198.19.0.6"), "trph1", m), 0);
	assert_int_equal(m[5], 0x06);
	assert_int_equal(peer_arp_find(arp, ip("198.19.0.10"), "trph1", m), 0);	/* permanent, no newline */
	assert_int_equal(peer_arp_find(arp, ip("198.19.0.6"), "trph", m), -ENOENT);
	assert_int_equal(peer_arp_find(arp, ip("198.19.0.9"), "trph1", m), -ENOENT);
	assert_int_equal(peer_arp_find("", ip("198.19.0.2"), "trph2", m), -ENOENT);
	assert_int_equal(peer_arp_find(NULL, ip("198.19.0.2"), "trph2", m), -ENOENT);
}

static void test_devargs_iface(void **state)
{
	char b[32];

	(void)state;
	peer_devargs_iface("net_af_xdp0,iface=ens1f0,start_queue=0", b, sizeof(b));
	assert_string_equal(b, "ens1f0");
	peer_devargs_iface("net_af_packet0,iface=veth1", b, sizeof(b));
	assert_string_equal(b, "veth1");
	peer_devargs_iface("net_null0", b, sizeof(b));
	assert_string_equal(b, "");
	peer_devargs_iface(NULL, b, sizeof(b));
	assert_string_equal(b, "");
}

/* The fixture's eno1 carries the default route (0000:18:00.0); ens1f0 (0000:3b:00.0) is the bypass NIC. */
static const char *plan(struct fx *fx, const char *iface, const char *peer, const char *mac, const char *dev,
			const char *pci)
{
	static char err[256];
	struct sysroot sr;
	struct host h;
	struct peer_plan p;
	int rc;

	assert_int_equal(sysroot_open(&sr, fx->dir), 0);
	host_load(&h, &sr);
	err[0] = '\0';
	rc = peer_plan_make(&sr, &h, NULL, iface, peer, mac, dev, pci, &p, err, sizeof(err));
	host_free(&h);
	sysroot_close(&sr);
	assert_true(rc == 0 || err[0]);
	return rc == 0 ? "" : err;
}

static void test_plan_refusals(void **state)
{
	struct fx *fx = *state;

	fx_write(fx, "/sys/class/net/eno1/flags", "0x1003\n");
	fx_write(fx, "/sys/class/net/ens1f0/flags", "0x1003\n");
	assert_string_equal(plan(fx, "ens1f0", "198.19.0.300", NULL, NULL, NULL),
			    "invalid --peer '198.19.0.300' (an IPv4 address, e.g. 192.0.2.7)");
	assert_string_equal(plan(fx, "ens1f0", "198.19.0.2", "02:00:00:00:00", NULL, NULL),
			    "invalid --peer-mac '02:00:00:00:00' (six hex bytes, aa:bb:cc:dd:ee:ff)");
	assert_string_equal(plan(fx, "nosuch0", "198.19.0.2", NULL, NULL, NULL),
			    "no interface 'nosuch0' on this host (`ip link` lists them)");
	assert_string_equal(plan(fx, "../eno1", "198.19.0.2", NULL, NULL, NULL), "invalid interface name '../eno1'");
	assert_string_equal(plan(fx, "eno1", "198.19.0.2", NULL, NULL, NULL),
			    "refusing 'eno1': it is on the management path (default route); name an interface dedicated to the test");
	assert_string_equal(plan(fx, "ens1f0", "198.19.0.2", NULL, "net_af_xdp0,iface=eno1", NULL),
			    "refusing 'eno1': it is on the management path (default route); name an interface dedicated to the test");
	assert_string_equal(plan(fx, "ens1f0", "198.19.0.2", NULL, NULL, "0000:18:00.0"),
			    "refusing '0000:18:00.0': it is on the management path (default route); name an interface dedicated to the test");
	fx_write(fx, "/sys/class/net/ens1f0/flags", "0x1002\n");
	assert_string_equal(plan(fx, "ens1f0", "198.19.0.2", NULL, NULL, NULL),
			    "interface 'ens1f0' is down (`ip link set ens1f0 up`)");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_ipv4),
		cmocka_unit_test(test_parse_mac),
		cmocka_unit_test(test_pick_source),
		cmocka_unit_test(test_arp_find),
		cmocka_unit_test(test_devargs_iface),
		cmocka_unit_test_setup_teardown(test_plan_refusals, fx_setup_base, fx_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
