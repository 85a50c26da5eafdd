/* The management path, from the host model: default routes, the SSH session, and what they stand on. */
#pragma once
#include <stdbool.h>
#include <stddef.h>

#include "host.h"
#include "sysroot.h"

/* Interfaces and PCI functions on the management path: never rebound, re-IRQ'd or re-tuned. */
struct mgmt_entry {
	char name[32];
	char pci[32];
	char why[96];
};

/* Grows with the host: a cap here would leave the SSH interface unprotected past it (many VLANs or VFs). */
struct mgmt_set {
	bool loaded;	/* mgmt_load filled it */
	size_t n, cap;
	struct mgmt_entry *v;
};

/*
 * Collects the default-route interfaces (IPv4 and IPv6), the interface of $SSH_CONNECTION's local
 * address (live host only), and with them their bond/team members, VLAN parents, bridge ports
 * and SR-IOV PFs. m starts zeroed (or as a previous load left it: its buffer is reused).
 */
void mgmt_load(struct mgmt_set *m, const struct host *h, const struct sysroot *sr, const char *ssh_connection);
void mgmt_free(struct mgmt_set *m);
/* The host's own set, as audit, apply and capture all use it ($SSH_CONNECTION's, on a live host): loaded once. */
const struct mgmt_set *host_mgmt(const struct host *h);
/* Why nic is on the management path, NULL when it is not. */
const char *mgmt_reason(const struct mgmt_set *m, const struct nic *n);
