# rtguard build. Pattern rules: bpf/%.bpf.c -> .output/bpf/%.bpf.o -> (linked)
# .output/%.bpf.o -> .output/%.skel.h -> user objects -> ./rtguard. `make V=1` shows full commands.
ARCH ?= $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')
CLANG ?= clang-19
BPFTOOL ?= bpftool
CC ?= gcc
SAN ?=
# a sanitizer build never mixes objects with the normal one
ifeq ($(SAN),1)
OUT ?= .output-san
else
OUT ?= .output
endif

ifeq ($(V),1)
Q :=
msg :=
else
Q := @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

# User space: one folder per part (see doc/ARCHITECTURE.md). Headers are
# included by name, so every folder is on the include path.
USER_DIRS := user/lib user/policy user/agent user/ops user/cli bench/src

CFLAGS ?= -O2 -g
CFLAGS += -std=gnu11 -Wall -Wextra -Werror -D_GNU_SOURCE -MMD -MP -I$(OUT) -Ibpf \
	$(addprefix -I,$(USER_DIRS))
LDFLAGS ?=
LDLIBS := -lbpf -lelf -lz -lyaml -lmicrohttpd -ljansson -lpthread -lm
ifeq ($(SAN),1)
CFLAGS += -fsanitize=address,undefined -fno-omit-frame-pointer
LDFLAGS += -fsanitize=address,undefined
endif
BPF_CFLAGS := -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) -Ivmlinux/$(ARCH) -Ibpf \
	-Wall -Wno-unused-function -Wno-compare-distinct-pointer-types -MMD -MP

# Each skeleton is built from one or more units bpf/UNIT.bpf.c: the
# agent's programs are one unit per hook family, linked into one object.
BPF_SKELS := rtguard floor probe probe_btf
rtguard_UNITS := exec open connect lsm cgroup task sys sock mmap uring lsm_more file_btf
floor_UNITS := floor
probe_UNITS := probe
probe_btf_UNITS := probe_btf
SKELS := $(BPF_SKELS:%=$(OUT)/%.skel.h)
USER_SRCS := $(foreach d,$(USER_DIRS),$(wildcard $(d)/*.c))
USER_OBJS := $(patsubst %.c,$(OUT)/%.o,$(USER_SRCS)) $(OUT)/user/agent/embed.o
LIB_OBJS := $(filter-out $(OUT)/user/cli/main.o,$(USER_OBJS))
TEST_SRCS := $(wildcard tests/*.c)
TEST_OBJS := $(patsubst %.c,$(OUT)/%.o,$(TEST_SRCS))
# a sanitizer build links its agent inside its own output folder
ifeq ($(SAN),1)
BIN ?= $(OUT)/rtguard
else
BIN ?= rtguard
endif

.DELETE_ON_ERROR:
.SECONDARY:
.PHONY: all deps run test test-unit test-lsm bench-lsm clean install static fuzz bench-deps

all: $(BIN)

# BPF: every unit compiles to $(OUT)/bpf/UNIT.bpf.o; a skeleton's object
# $(OUT)/NAME.bpf.o links its units (BPF static linking: maps shared by
# units are __weak definitions in a common header, see bpf/maps.bpf.h).
$(OUT)/bpf/%.bpf.o: bpf/%.bpf.c
	$(call msg,BPF,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(foreach s,$(BPF_SKELS),$(eval $(OUT)/$(s).bpf.o: $($(s)_UNITS:%=$(OUT)/bpf/%.bpf.o)))
$(BPF_SKELS:%=$(OUT)/%.bpf.o): $(OUT)/%.bpf.o:
	$(call msg,BPF-LINK,$@)
	$(Q)$(BPFTOOL) gen object $@ $^

$(OUT)/%.skel.h: $(OUT)/%.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name $(subst -,_,$*)_bpf > $@

# Every C object: generated dependencies (-MMD -MP); the skeletons exist
# before the first compile (order-only), their changes are tracked by the .d.
$(OUT)/%.o: %.c | $(SKELS)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(if $(filter tests/%,$<),-Itests) -c $< -o $@

# The default policy is compiled into the binary.
$(OUT)/user/agent/embed.o: user/agent/embed.S policies/default.yaml
	$(call msg,AS,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) -c $< -o $@

# The one link rule; static targets add LINK_STATIC (target-specific).
define LINK
$(call msg,LINK,$@)
$(Q)$(CC) $(LINK_STATIC) $(LDFLAGS) $^ $(LDLIBS) -o $@
endef

$(BIN): $(USER_OBJS)
	$(LINK)

# the tests parse the agent's JSON events with jansson; the agent does not
$(OUT)/test_progs: LDLIBS += -ljansson
$(OUT)/test_progs: $(LIB_OBJS) $(TEST_OBJS)
	$(LINK)

-include $(shell find $(OUT) -name '*.d' -type f 2>/dev/null)

# Installs the Debian packages the build, the tests and the LSM guest need
# (idempotent: only missing ones, only when root).
deps:
	$(Q)scripts/deps.sh build test

bench-deps:
	$(Q)scripts/deps.sh bench

run: deps
	$(Q)$(MAKE) --no-print-directory rtguard
	./rtguard $(ARGS)

# The test command of the README and of CI.
test: deps
	$(Q)$(MAKE) --no-print-directory rtguard $(OUT)/test_progs
	$(Q)$(MAKE) --no-print-directory fuzz-smoke bound-smoke
	$(Q)./$(OUT)/test_progs $(T)

test-unit: rtguard $(OUT)/test_progs
	./$(OUT)/test_progs $(T)

test-lsm: rtguard
	tests/lsm/run.sh

# the micro bench (off/floor/on) in the Debian 6.1 guest, BENCH_ROUNDS rounds
BENCH_ROUNDS ?= 5
bench-lsm: rtguard
	RTG_LSM_BENCH=$(BENCH_ROUNDS) tests/lsm/run.sh

# the lower bound of the open program on this machine's hook
# (bench/bound/open_bound.bpf.c): BOUND_ARGS e.g. --rounds 8 --file /etc/hostname
BOUND_ARGS ?=
$(OUT)/bench/bound/open_bound.bpf.o: bench/bound/open_bound.bpf.c bench/bound/open_bound.h
	$(call msg,BPF,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(OUT)/bench/bound/open_bound.skel.h: $(OUT)/bench/bound/open_bound.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name open_bound_bpf > $@

$(OUT)/open_bound: bench/bound/open_bound.c bench/bound/open_bound.h bench/src/bench_stats.c user/lib/log.c \
		$(OUT)/bench/bound/open_bound.skel.h
	$(call msg,LINK,$@)
	$(Q)$(CC) $(filter-out -MMD -MP,$(CFLAGS)) -I$(OUT)/bench/bound \
		$(filter %.c,$^) -lbpf -lelf -lz -lm -o $@

.PHONY: bench-bound bound-smoke
bench-bound: deps
	$(Q)$(MAKE) --no-print-directory $(OUT)/open_bound
	$(Q)./$(OUT)/open_bound $(BOUND_ARGS)

# part of `make test`: the reference loads, and its loop's opens walk to
# the top (the tool fails otherwise); one short round, no timing claim
bound-smoke: $(OUT)/open_bound
	$(Q)if [ "$$(id -u)" != 0 ]; then \
		echo "bound-smoke: SKIP: loading BPF programs needs root"; \
	else ./$(OUT)/open_bound --rounds 1 --ops 20000 >/dev/null; fi

clean:
	rm -rf $(OUT) rtguard rtguard-static

# static binary (LSM guest, container image)
# ./rtguard-static: the same objects, linked -static. Debian ships
# no static libp11-kit/libunistring, so the real GnuTLS cannot be linked
# statically: user/ops/static/notls.c (beside the metrics server that pulls
# libmicrohttpd in) stands in for the GnuTLS symbols that libmicrohttpd.a
# references; rtguard's /metrics is plain HTTP. Only static links take it.
NOTLS_OBJ := $(OUT)/user/ops/static/notls.o

static: rtguard-static

# the container image (deploy/Dockerfile.local), offline, from rtguard-static
IMAGE ?= rtguard:0.1.0
.PHONY: image
image: rtguard-static
	$(Q)scripts/image.sh $(IMAGE)

rtguard-static: LINK_STATIC := -static
rtguard-static: $(USER_OBJS) $(NOTLS_OBJ)
	$(LINK)

# fuzzing
# `make fuzz` runs each libFuzzer harness for FUZZ_SECONDS; `make fuzz-smoke`
# for 10 s each (part of `make test`); `make fuzz-NAME` runs one. Harnesses:
# policy (parser + compiler), decode (ring-buffer records -> decoder -> JSON
# and compact output), workload (the container runtimes' state files). New
# inputs go to .output/fuzz/corpus-NAME, crashes to .output/fuzz/ (each fixed
# crash becomes a test in tests/); the committed seeds are in
# tests/fuzz/corpus/NAME.
FUZZ_SECONDS ?= 60
FUZZ_CC ?= clang-19
FUZZ_FLAGS := -g -O1 -std=gnu11 -D_GNU_SOURCE -fsanitize=fuzzer,address,undefined \
	-fno-sanitize-recover=undefined -fno-omit-frame-pointer -Wall -Wextra -Werror \
	-I$(OUT) -Ibpf -Itests $(addprefix -I,$(USER_DIRS))
FUZZ_RUN_FLAGS := -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
	-artifact_prefix=$(OUT)/fuzz/
FUZZ_NAMES := policy decode workload

fuzz_policy_SRCS := $(wildcard user/policy/*.c) tests/policy_ref.c user/lib/log.c \
	user/lib/names.c
fuzz_policy_LIBS := -lyaml -lbpf -lelf -lz
fuzz_policy_RUN := -max_len=8192 -dict=tests/fuzz/policy.dict
fuzz_decode_SRCS := $(addprefix user/lib/,decode.c decode_more.c proc_cache.c \
	proc_seed.c container.c fileio.c output.c output_json.c output_compact.c \
	output_more.c json.c sbuf.c names.c log.c rotate.c)
fuzz_decode_CFLAGS := -fsanitize-ignorelist=tests/fuzz/decode.ubsan-ignore
fuzz_decode_ENV := ASAN_OPTIONS=detect_stack_use_after_return=0:check_printf=0
fuzz_decode_RUN := -max_len=4096
fuzz_workload_SRCS := $(addprefix user/lib/,workload.c workload_parse.c \
	workload_find.c workload_roots.c container.c fileio.c log.c)
fuzz_workload_LIBS := -ljansson
fuzz_workload_RUN := -max_len=16384 -dict=tests/fuzz/workload.dict

define FUZZ_template
$$(OUT)/fuzz/fuzz_$(1): tests/fuzz/fuzz_$(1).c $$(fuzz_$(1)_SRCS) | $$(SKELS)
	$$(call msg,FUZZ-CC,$$@)
	$$(Q)mkdir -p $$(@D)
	$$(Q)$$(FUZZ_CC) $$(FUZZ_FLAGS) $$(fuzz_$(1)_CFLAGS) $$< $$(fuzz_$(1)_SRCS) \
		$$(fuzz_$(1)_LIBS) -o $$@

fuzz-$(1): $$(OUT)/fuzz/fuzz_$(1)
	$$(Q)mkdir -p $$(OUT)/fuzz/corpus-$(1)
	$$(Q)$$(fuzz_$(1)_ENV) $$(OUT)/fuzz/fuzz_$(1) -max_total_time=$$(FUZZ_SECONDS) \
		$$(FUZZ_RUN_FLAGS) $$(fuzz_$(1)_RUN) $$(OUT)/fuzz/corpus-$(1) \
		tests/fuzz/corpus/$(1)
endef
$(foreach f,$(FUZZ_NAMES),$(eval $(call FUZZ_template,$(f))))

.PHONY: fuzz-smoke $(addprefix fuzz-,$(FUZZ_NAMES))
fuzz: $(addprefix fuzz-,$(FUZZ_NAMES))

fuzz-smoke:
	$(Q)$(MAKE) --no-print-directory fuzz FUZZ_SECONDS=10

# the decode harness's seeds, named by their sha1 as libFuzzer names
# inputs: `make fuzz-decode-seeds`, then commit the new files of
# tests/fuzz/corpus/decode (tests/fuzz/gen_decode_seeds.c)
$(OUT)/fuzz/gen_decode_seeds: tests/fuzz/gen_decode_seeds.c user/lib/names.c \
		bpf/events.h
	$(call msg,GEN-CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) -std=gnu11 -Wall -Wextra -Werror -D_GNU_SOURCE -Ibpf -Iuser/lib \
		$(filter %.c,$^) -o $@

.PHONY: fuzz-decode-seeds
fuzz-decode-seeds: $(OUT)/fuzz/gen_decode_seeds
	$(Q)rm -rf $(OUT)/fuzz/seeds-decode
	$(Q)mkdir -p $(OUT)/fuzz/seeds-decode
	$(Q)$< $(OUT)/fuzz/seeds-decode
	$(Q)for f in $(OUT)/fuzz/seeds-decode/*; do \
		cp $$f tests/fuzz/corpus/decode/$$(sha1sum <$$f | cut -c1-40); \
	done

# deep checks
# `make fuzz-decode-regress` replays the committed decode corpus once.
# `make check-deep`: the whole test_progs suite against an ASan+UBSan build
# in .output-san (SAN=1, OUT=.output-san), then valgrind on the agent under a
# short load (tests/test_load.c load_valgrind).
SAN_OUT := .output-san
.PHONY: fuzz-decode-regress check-deep check-deep-san check-deep-valgrind

fuzz-decode-regress: $(OUT)/fuzz/fuzz_decode
	$(Q)$(fuzz_decode_ENV) $(OUT)/fuzz/fuzz_decode -runs=0 tests/fuzz/corpus/decode

check-deep: check-deep-san check-deep-valgrind

# The whole suite with the agent and the tests built with ASan+UBSan; any
# report makes the agent (or the test) exit non-zero, which fails the test.
check-deep-san:
	$(Q)$(MAKE) --no-print-directory OUT=$(SAN_OUT) SAN=1 \
		$(SAN_OUT)/rtguard $(SAN_OUT)/test_progs
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	RTG_BIN=$(SAN_OUT)/rtguard RTG_BENCH_DIR=$(CURDIR)/bench \
		./$(SAN_OUT)/test_progs $(T)

check-deep-valgrind: rtguard $(OUT)/test_progs
	$(Q)bash scripts/deps.sh deep
	RTG_VALGRIND=1 ./$(OUT)/test_progs load_valgrind

# install and deployment
# `make install [DESTDIR=...] [PREFIX=/usr/local]`: the binary, rtguard(8),
# the bash completion, the systemd unit (not enabled), the default and
# example policies under $(PREFIX)/share/rtguard/policies, and
# /etc/rtguard/policy.d for the unit: it gets a copy of the default policy
# only while it holds no policy, so an administrator's policies are never
# overwritten or joined by it. deploy/ holds the DaemonSet and the image.
PREFIX ?= /usr/local
SBINDIR := $(PREFIX)/sbin
MAN8DIR := $(PREFIX)/share/man/man8
BASHCOMPDIR := $(PREFIX)/share/bash-completion/completions
UNITDIR := $(PREFIX)/lib/systemd/system
POLICYSHAREDIR := $(PREFIX)/share/rtguard/policies
POLICYETCDIR := /etc/rtguard/policy.d

install: rtguard
	install -D -m 0755 rtguard $(DESTDIR)$(SBINDIR)/rtguard
	install -D -m 0644 doc/rtguard.8 $(DESTDIR)$(MAN8DIR)/rtguard.8
	install -D -m 0644 contrib/bash-completion/rtguard \
		$(DESTDIR)$(BASHCOMPDIR)/rtguard
	install -d -m 0755 $(DESTDIR)$(UNITDIR)
	sed 's|/usr/local/sbin/rtguard|$(SBINDIR)/rtguard|' \
		deploy/systemd/rtguard.service > $(DESTDIR)$(UNITDIR)/rtguard.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/rtguard.service
	install -d -m 0755 $(DESTDIR)$(POLICYSHAREDIR)
	install -m 0644 policies/default.yaml policies/examples/*.yaml \
		$(DESTDIR)$(POLICYSHAREDIR)/
	install -d -m 0700 $(DESTDIR)$(POLICYETCDIR)
	if ! ls $(DESTDIR)$(POLICYETCDIR) | grep -Eq '\.ya?ml$$'; then \
		install -m 0600 policies/default.yaml $(DESTDIR)$(POLICYETCDIR)/; fi

# arm64 cross-build
# `make cross-arm64` builds ./rtguard-arm64, a static aarch64 binary, with
# Debian's cross gcc and the arm64 libraries from multiarch
# (scripts/deps.sh cross; scripts/cross-arm64.sh does the dpkg/apt part).
# It runs a sub-make with ARCH=arm64 (BPF objects with -D__TARGET_ARCH_arm64
# against vmlinux/arm64/vmlinux.h) and its own output dir, so the native
# .output/ is untouched. `make test-arm64` boots Debian's arm64 kernel in
# qemu-system-aarch64 and runs the guest tests (tests/arm64/run.sh).
ARM64_OUT ?= .output-arm64
ARM64_CC ?= aarch64-linux-gnu-gcc
ARM64_MAKE = $(MAKE) --no-print-directory ARCH=arm64 CC=$(ARM64_CC) OUT=$(ARM64_OUT)
.PHONY: cross-arm64 cross-arm64-tests test-arm64 clean-arm64

ifeq ($(ARCH),arm64)
rtguard-arm64 $(OUT)/test_progs-static: LINK_STATIC := -static
$(OUT)/test_progs-static: LDLIBS += -ljansson
rtguard-arm64: $(USER_OBJS) $(NOTLS_OBJ)
	$(LINK)

$(OUT)/test_progs-static: $(LIB_OBJS) $(TEST_OBJS) $(NOTLS_OBJ)
	$(LINK)

$(OUT)/probe_guest: tests/lsm/probe_guest.c
	$(call msg,CC,$@)
	$(Q)$(CC) -static -O2 -Wall -Wextra -Werror -D_GNU_SOURCE $< -o $@
else
.PHONY: rtguard-arm64
rtguard-arm64: cross-arm64
endif

cross-arm64:
	$(Q)scripts/cross-arm64.sh deps
	$(Q)$(ARM64_MAKE) rtguard-arm64

# the guest's test binaries: test_progs and probe_guest, static, for arm64
cross-arm64-tests: cross-arm64
	$(Q)$(ARM64_MAKE) $(ARM64_OUT)/test_progs-static $(ARM64_OUT)/probe_guest

test-arm64: cross-arm64-tests
	tests/arm64/run.sh

clean-arm64:
	rm -rf $(ARM64_OUT) rtguard-arm64
