/* The host model's /proc part, made and freed by host_load and host_free; the rest is in host.h. */
#pragma once

struct host;

struct host_proc *host_proc_new(void);
void host_proc_free(struct host_proc *p);
/*
 * Reads the process table in a second thread from now, while the caller loads the rest; the
 * accessors wait for it, on h->helpers only. Nothing when capturing, without another helper cpu, or when
 * it cannot start (read on first use).
 */
void host_proc_read_ahead(const struct host *h);
