# poller.mk - builds tickready-poller (the only DPDK binary) and its tests.
# Included by the top Makefile; also usable alone:
#   make -f poller/poller.mk build/tickready-poller poller-check

CC ?= cc
POLLER_CFLAGS ?= -std=gnu11 -O2 -g -Wall -Wextra -Werror
# The document schema is verify's (verify/schema.h), shared with its reader.
override POLLER_CFLAGS += -Iverify
POLLER_DPDK_CFLAGS := $(shell pkg-config --cflags libdpdk 2>/dev/null)
# rte_eth_from_rings lives in the ring PMD, which libdpdk.pc does not list
POLLER_DPDK_LIBS := $(shell pkg-config --libs libdpdk 2>/dev/null) -lrte_net_ring -lm

POLLER_CORE := hist stats gap cli json report answer tscclock
POLLER_DPDK := main run pingpong feed
POLLER_CORE_OBJS := $(patsubst %,build/poller/%.o,$(POLLER_CORE))
POLLER_DPDK_OBJS := $(patsubst %,build/poller/%.o,$(POLLER_DPDK))
POLLER_TESTS := $(patsubst tests/poller/%.c,build/poller/tests/%,\
	$(wildcard tests/poller/test_*.c))

POLLER_BIN += build/tickready-poller

build/tickready-poller: $(POLLER_CORE_OBJS) $(POLLER_DPDK_OBJS)
	@mkdir -p $(@D)
	$(CC) -o $@ $^ $(POLLER_DPDK_LIBS)

# Non-DPDK objects stay free of DPDK flags so unit tests link without it.
$(POLLER_CORE_OBJS): build/poller/%.o: poller/%.c
	@mkdir -p $(@D)
	$(CC) $(POLLER_CFLAGS) -MMD -MP -c -o $@ $<

$(POLLER_DPDK_OBJS): build/poller/%.o: poller/%.c
	@mkdir -p $(@D)
	$(CC) $(POLLER_CFLAGS) $(POLLER_DPDK_CFLAGS) -MMD -MP -c -o $@ $<

build/poller/tests/%: tests/poller/%.c $(POLLER_CORE_OBJS)
	@mkdir -p $(@D)
	$(CC) $(POLLER_CFLAGS) -Ipoller -MMD -MP -o $@ $(filter %.c %.o,$^) -lcmocka -lm

.PHONY: poller-check poller-clean
poller-check: build/tickready-poller $(POLLER_TESTS)
	tests/poller/run.sh build

poller-clean:
	rm -rf build/poller build/tickready-poller

-include $(wildcard build/poller/*.d build/poller/tests/*.d)
