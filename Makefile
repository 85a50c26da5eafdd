# tickready: `make` builds, `make check` installs what is missing and runs every test, `make audit` audits this host.
PREFIX ?= /usr/local
DESTDIR ?=
BUILD ?= build
CC ?= gcc
SAN ?=
CFLAGS ?= -O2 -g
override CFLAGS += -std=gnu11 -Wall -Wextra -Werror -D_GNU_SOURCE $(SAN)
# Each folder sees only itself and the folders below it (core < tuners < checks < cli; verify and report
# on core only, cli above them); `make layering` checks the objects.
INC_core = -Icore
INC_tuners = $(INC_core) -Ituners
INC_checks = $(INC_tuners) -Ichecks
INC_verify = $(INC_core) -Iverify
INC_report = $(INC_core) -Ireport
INC_all = $(INC_checks) -Icli -Iverify -Ireport
INC = $(INC_all)
$(BUILD)/core/%.o: INC = $(INC_core)
$(BUILD)/tuners/%.o: INC = $(INC_tuners)
$(BUILD)/checks/%.o: INC = $(INC_checks)
$(BUILD)/verify/%.o: INC = $(INC_verify)
$(BUILD)/report/%.o: INC = $(INC_report)
override LDFLAGS += $(SAN)
LIBS = -ljansson -lm
# libpci, libyaml and zlib are opened at run time (core/dynlib.c); tests that compare with them link them.
TEST_LIBS = -lcmocka -lpci -lz

# Debian packages: what `make audit` needs to build and run tickready (nothing else goes on the host it
# audits), then the poller's DPDK, then tests only.
AUDIT_DEPS = gcc make pkg-config zlib1g-dev libpci-dev libjansson-dev libyaml-dev
DEPS = $(AUDIT_DEPS) dpdk dpdk-dev libdpdk-dev
TEST_DEPS = libcmocka-dev ethtool mandoc iproute2 python3 procps strace rt-tests \
            prometheus ansible-core chromium poppler-utils debhelper lintian build-essential dpkg-dev \
            chrony linuxptp

CORE_SRC = $(wildcard core/*.c)
VERIFY_SRC = $(wildcard verify/*.c)
REPORT_SRC = $(wildcard report/*.c)
CHECK_SRC = $(wildcard checks/*.c)
TUNER_SRC = $(wildcard tuners/*.c)
CLI_SRC = $(filter-out cli/main.c,$(wildcard cli/*.c))
PROFILES = $(sort $(wildcard profiles/*.ini))
LIB_OBJ = $(patsubst %.c,$(BUILD)/%.o,$(CORE_SRC) $(VERIFY_SRC) $(REPORT_SRC) $(CHECK_SRC) $(TUNER_SRC) $(CLI_SRC)) $(BUILD)/gen/profiles.o
UNIT_SRC = $(wildcard tests/unit/test_*.c)
UNIT_BIN = $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRC))
UNIT_HELPERS = $(BUILD)/tests/checktest.o
MANPAGES = $(wildcard man/*.[0-9])

TICKREADY = $(BUILD)/tickready
# Builds use every cpu; test suites run one at a time (they share the host's hugepages, namespaces and ports).
NPROC := $(shell nproc 2>/dev/null || echo 1)
POLLER_BIN ?=
# The scheduled report (tickready-audit.timer): when it runs, and whether `make install` enables it.
AUDIT_CALENDAR ?= Mon..Fri 06:30
WATCH_CALENDAR ?= Mon..Fri 08:00
ENABLE_AUDIT_TIMER ?=

.DEFAULT_GOAL := all

# The DPDK poller has its own fragment (it alone links with DPDK); it adds to POLLER_BIN.
-include poller/poller.mk

.PHONY: all deps audit-deps build-deps check test unit e2e lint-man audit install install-cli clean asan bench layering faults faults-short \
	docs-screenshot deb
all: $(TICKREADY) $(POLLER_BIN)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(INC) $(CPPFLAGS) $(CFLAGS) -MMD -MP -c -o $@ $<

# Shipped profiles are compiled in, so `tickready audit` works with nothing installed.
$(BUILD)/gen/profiles.S: $(PROFILES) Makefile
	@mkdir -p $(dir $@)
	@{ echo '.section .rodata'; \
	  for f in $(PROFILES); do n=$$(basename $$f .ini | tr -c 'a-zA-Z0-9_\n' '_'); \
	    echo ".global profile_text_$$n"; echo "profile_text_$$n:"; echo ".incbin \"$(CURDIR)/$$f\""; echo '.byte 0'; done; \
	  echo '.section .note.GNU-stack,"",@progbits'; } > $@
$(BUILD)/gen/profiles.c: $(PROFILES) Makefile
	@mkdir -p $(dir $@)
	@{ echo '#include "profile.h"'; \
	  for f in $(PROFILES); do n=$$(basename $$f .ini | tr -c 'a-zA-Z0-9_\n' '_'); echo "extern const char profile_text_$$n[];"; done; \
	  echo 'const struct builtin_profile builtin_profiles[] = {'; \
	  for f in $(PROFILES); do b=$$(basename $$f .ini); n=$$(echo $$b | tr -c 'a-zA-Z0-9_\n' '_'); echo "	{ \"$$b\", profile_text_$$n },"; done; \
	  echo '	{ 0, 0 } };'; } > $@
$(BUILD)/gen/profiles.o: $(BUILD)/gen/profiles.c $(BUILD)/gen/profiles.S
	$(CC) $(INC_core) $(CPPFLAGS) $(CFLAGS) -c -o $(BUILD)/gen/profiles_c.o $(BUILD)/gen/profiles.c
	$(CC) $(SAN) -c -o $(BUILD)/gen/profiles_s.o $(BUILD)/gen/profiles.S
	ld -r -o $@ $(BUILD)/gen/profiles_c.o $(BUILD)/gen/profiles_s.o

$(BUILD)/libtickready.a: $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(TICKREADY): $(BUILD)/cli/main.o $(BUILD)/libtickready.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)

$(BUILD)/tests/checktest.o: tests/unit/checktest.c
	@mkdir -p $(dir $@)
	$(CC) $(INC_all) $(CPPFLAGS) $(CFLAGS) -DTEST_SRCDIR='"$(CURDIR)"' -MMD -MP -c -o $@ $<

$(BUILD)/tests/test_%: tests/unit/test_%.c $(UNIT_HELPERS) $(BUILD)/libtickready.a
	@mkdir -p $(dir $@)
	$(CC) $(INC_all) $(CPPFLAGS) $(CFLAGS) -Itests/unit -DTEST_SRCDIR='"$(CURDIR)"' $(LDFLAGS) -o $@ $< $(UNIT_HELPERS) $(BUILD)/libtickready.a $(LIBS) $(TEST_LIBS)

# Installs exactly the Debian packages that are missing: all of them for check, audit's alone for audit,
# audit's and DPDK's for a host that also runs verify (build-deps: no test packages).
INSTALL_MISSING = missing=$$(for p in $(1); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "installing:" $$missing; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	else echo "deps: all installed"; fi
deps:
	@$(call INSTALL_MISSING,$(DEPS) $(TEST_DEPS))
build-deps:
	@$(call INSTALL_MISSING,$(DEPS))
audit-deps:
	@$(call INSTALL_MISSING,$(AUDIT_DEPS))

# Every test runs; the failures are named again at the end.
unit: $(UNIT_BIN)
	@failed=; for t in $(UNIT_BIN); do echo "== $$t"; $$t || failed="$$failed $${t##*/}"; done; \
	if [ -n "$$failed" ]; then echo "unit: FAILED:$$failed"; exit 1; fi

e2e: all
	@failed=; for t in $(sort $(filter-out %lib.sh,$(wildcard tests/e2e/*.sh))); do echo "== $$t"; BUILD=$(BUILD) bash $$t || failed="$$failed $${t##*/}"; done; \
	if [ -n "$$failed" ]; then echo "e2e: FAILED:$$failed"; exit 1; fi

lint-man:
	@set -e; for m in $(MANPAGES); do mandoc -T lint -W warning $$m; done; echo "man pages: $(words $(MANPAGES)) clean"
	@bash tests/man-refs.sh

# No folder takes a symbol from a higher one (core < tuners < checks < cli; verify and report on core only).
layering: all
	@BUILD=$(BUILD) bash tests/layering.sh

# Faults injected into apply and revert (strace), each followed by a revert that must restore the tree exactly.
faults: all
	@BUILD=$(BUILD) bash tests/faults.sh
faults-short: all
	@BUILD=$(BUILD) bash tests/faults.sh --short

# Every suite runs even when one fails (make would stop at the first); the summary names the failed ones.
SUITES = layering unit e2e faults-short lint-man $(if $(POLLER_BIN),poller-check)
test:
	@failed=; for s in $(SUITES); do echo "=== make $$s"; $(MAKE) --no-print-directory $$s || failed="$$failed $$s"; done; \
	if [ -n "$$failed" ]; then echo "make test: FAILED suites:$$failed (of $(words $(SUITES)))"; exit 1; fi; \
	echo "make test: all $(words $(SUITES)) suites passed"

check: deps
	$(MAKE) -j$(NPROC) all $(UNIT_BIN)
	$(MAKE) test

# The same tests under AddressSanitizer and UndefinedBehaviorSanitizer, in their own build dir.
# A sanitizer report exits 99, so no test can take it for "not ready" (1) or a usage error (2).
asan: export ASAN_OPTIONS = exitcode=99
asan: export UBSAN_OPTIONS = exitcode=99:print_stacktrace=1
ASAN_MAKE = $(MAKE) BUILD=build-asan SAN='-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all' \
	CFLAGS='-O1 -g' POLLER_SKIP=1
asan:
	$(ASAN_MAKE) -j$(NPROC) build-asan/tickready $(patsubst $(BUILD)/%,build-asan/%,$(UNIT_BIN))
	@failed=; for s in unit e2e; do $(ASAN_MAKE) --no-print-directory $$s || failed="$$failed $$s"; done; \
	if [ -n "$$failed" ]; then echo "make asan: FAILED:$$failed"; exit 1; fi

# Set-up and a first audit on the host itself: audit's packages only, tickready installed (PREFIX/bin, its man
# pages and profiles), then this host audited with the default profile. make's status: 0 when the audit reached
# a verdict (READY or NOT READY: the last line says which, and $(BUILD)/audit.status holds audit's own exit
# status), 2 when tickready could not be built, installed or run.
audit: audit-deps
	$(MAKE) -j$(NPROC) $(TICKREADY)
	$(MAKE) --no-print-directory install-cli
	@$(DESTDIR)$(PREFIX)/bin/tickready audit; rc=$$?; echo $$rc >$(BUILD)/audit.status; \
	case $$rc in \
	0) echo "make audit: READY (tickready audit exit 0); $(DESTDIR)$(PREFIX)/bin/tickready is installed" ;; \
	1) echo "make audit: NOT READY (tickready audit exit 1): the findings above say what to change; $(DESTDIR)$(PREFIX)/bin/tickready is installed" ;; \
	*) echo "make audit: ERROR (tickready audit exit $$rc)"; exit 2 ;; \
	esac

bench: all
	@bash bench/run.sh

# Debian packages tickready and tickready-poller (debian/, debhelper), built in a clean copy of the tree
# (git's files, committed or not) under $(BUILD)/deb, then checked with lintian.
DEB_VERSION = $(shell dpkg-parsechangelog -S Version 2>/dev/null)
deb:
	rm -rf $(BUILD)/deb && mkdir -p $(BUILD)/deb/tickready-$(DEB_VERSION)
	git ls-files -co --exclude-standard -z | xargs -0 cp --parents -a -t $(BUILD)/deb/tickready-$(DEB_VERSION)
	# The package is built as a distribution would: none of this make's variables (BUILD, SAN, -j) leak in.
	cd $(BUILD)/deb/tickready-$(DEB_VERSION) && env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL dpkg-buildpackage -us -uc -b
	# lintian leaves its ELF index files (mldbm-elf-*) in TMPDIR: here, not in /tmp.
	mkdir -p $(BUILD)/deb/tmp && TMPDIR=$(CURDIR)/$(BUILD)/deb/tmp lintian --fail-on error,warning \
		$(BUILD)/deb/tickready_$(DEB_VERSION)_amd64.changes
	@ls -l $(BUILD)/deb/*.deb

# README's picture: this host's report (with the verify result recorded on this VM) in headless Chromium.
CHROMIUM_FLAGS = --headless --no-sandbox --disable-gpu --disable-quic --no-first-run --disable-background-networking \
	--disable-component-update --disable-sync --hide-scrollbars
docs-screenshot: $(TICKREADY)
	@mkdir -p docs $(BUILD)/docs
	./$(TICKREADY) report --verify-from tests/fixtures/report/verify-loopback.json --html $(BUILD)/docs/report.html --format none || [ $$? = 1 ]
	rm -rf $(BUILD)/docs/chromium
	chromium $(CHROMIUM_FLAGS) --user-data-dir=$(CURDIR)/$(BUILD)/docs/chromium --window-size=900,1500 \
		--screenshot=$(CURDIR)/docs/report.png file://$(CURDIR)/$(BUILD)/docs/report.html
	rm -rf $(BUILD)/docs/chromium
	@echo "docs/report.png: $$(stat -c %s docs/report.png) bytes, from $$(stat -c %s $(BUILD)/docs/report.html) bytes of HTML"

# tickready alone (no poller, no units): what `make audit` puts on the host.
install-cli: $(TICKREADY)
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/tickready/profiles \
		$(DESTDIR)$(PREFIX)/share/man/man8 $(DESTDIR)$(PREFIX)/share/man/man5
	install -m 0755 $(TICKREADY) $(DESTDIR)$(PREFIX)/bin/
	install -m 0644 $(PROFILES) $(DESTDIR)$(PREFIX)/share/tickready/profiles/
	for m in $(MANPAGES); do s=$${m##*.}; install -m 0644 $$m $(DESTDIR)$(PREFIX)/share/man/man$$s/; done
	install -D -m 0644 contrib/completion/tickready.bash $(DESTDIR)$(PREFIX)/share/bash-completion/completions/tickready

install: all install-cli
	$(if $(POLLER_BIN),install -m 0755 $(POLLER_BIN) $(DESTDIR)$(PREFIX)/bin/)
	install -d $(DESTDIR)/lib/systemd/system
	sed "s|/usr/local/bin/|$(PREFIX)/bin/|" systemd/tickready-apply.service > $(DESTDIR)/lib/systemd/system/tickready-apply.service
	sed "s|/usr/local/bin/|$(PREFIX)/bin/|" systemd/tickready-audit.service > $(DESTDIR)/lib/systemd/system/tickready-audit.service
	sed "s|^OnCalendar=.*|OnCalendar=$(AUDIT_CALENDAR)|" systemd/tickready-audit.timer > $(DESTDIR)/lib/systemd/system/tickready-audit.timer
	@if [ "$(ENABLE_AUDIT_TIMER)" = 1 ]; then systemctl $(if $(DESTDIR),--root=$(DESTDIR)) enable tickready-audit.timer; \
	else echo "tickready-audit.timer installed, not enabled (make install ENABLE_AUDIT_TIMER=1, or systemctl enable --now tickready-audit.timer)"; fi
	sed "s|/usr/local/bin/|$(PREFIX)/bin/|" systemd/tickready-watch.service > $(DESTDIR)/lib/systemd/system/tickready-watch.service
	sed "s|^OnCalendar=.*|OnCalendar=$(WATCH_CALENDAR)|" systemd/tickready-watch.timer > $(DESTDIR)/lib/systemd/system/tickready-watch.timer
	@if [ "$(ENABLE_WATCH_TIMER)" = 1 ]; then systemctl $(if $(DESTDIR),--root=$(DESTDIR)) enable tickready-watch.timer; \
	else echo "tickready-watch.timer installed, not enabled (make install ENABLE_WATCH_TIMER=1, or systemctl enable tickready-watch.timer)"; fi

clean:
	rm -rf build build-asan

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
