/* The host model's /proc part, made and freed by host_load and host_free; the rest is in host.h. */
#pragma once

struct host_proc *host_proc_new(void);
void host_proc_free(struct host_proc *p);
