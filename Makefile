# rtguard build. Pattern rules: bpf/%.bpf.c -> .output/%.bpf.o -> .output/%.skel.h
# -> user objects -> ./rtguard. `make V=1` shows full commands.
ARCH ?= $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')
CLANG ?= clang-19
BPFTOOL ?= bpftool
CC ?= gcc
OUT := .output
SAN ?=

ifeq ($(V),1)
Q :=
msg :=
else
Q := @
msg = @printf '  %-8s %s\n' "$(1)" "$(2)";
endif

CFLAGS ?= -O2 -g
CFLAGS += -std=gnu11 -Wall -Wextra -Werror -D_GNU_SOURCE -I$(OUT) -Ibpf -Iuser
LDFLAGS ?=
LDLIBS := -lbpf -lelf -lz -lyaml -lmicrohttpd -lpthread -lm
ifeq ($(SAN),1)
CFLAGS += -fsanitize=address,undefined -fno-omit-frame-pointer
LDFLAGS += -fsanitize=address,undefined
endif
BPF_CFLAGS := -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) -Ivmlinux/$(ARCH) -Ibpf \
	-Wall -Wno-unused-function -Wno-compare-distinct-pointer-types

BPF_SRCS := $(wildcard bpf/*.bpf.c)
SKELS := $(patsubst bpf/%.bpf.c,$(OUT)/%.skel.h,$(BPF_SRCS))
USER_SRCS := $(wildcard user/*.c)
USER_OBJS := $(patsubst user/%.c,$(OUT)/user/%.o,$(USER_SRCS)) $(OUT)/user/embed.o
LIB_OBJS := $(filter-out $(OUT)/user/main.o,$(USER_OBJS))
TEST_SRCS := $(wildcard tests/*.c)
TEST_OBJS := $(patsubst tests/%.c,$(OUT)/tests/%.o,$(TEST_SRCS))
HDRS := $(wildcard bpf/*.h user/*.h tests/*.h)

.DELETE_ON_ERROR:
.SECONDARY:
.PHONY: all deps run test test-unit test-lsm clean install static fuzz bench-deps

all: rtguard

$(OUT)/%.bpf.o: bpf/%.bpf.c $(wildcard bpf/*.h) | $(OUT)
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(OUT)/%.skel.h: $(OUT)/%.bpf.o
	$(call msg,GEN-SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name $(subst -,_,$*)_bpf > $@

$(OUT)/user/%.o: user/%.c $(HDRS) $(SKELS) | $(OUT)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -c $< -o $@

# The default policy is compiled into the binary.
$(OUT)/user/embed.o: user/embed.S policies/default.yaml | $(OUT)
	$(call msg,AS,$@)
	$(Q)$(CC) -c $< -o $@

$(OUT)/tests/%.o: tests/%.c $(HDRS) $(SKELS) | $(OUT)
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -Itests -c $< -o $@

rtguard: $(USER_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) $^ $(LDLIBS) -o $@

$(OUT)/test_progs: $(LIB_OBJS) $(TEST_OBJS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(LDFLAGS) $^ $(LDLIBS) -o $@

$(OUT):
	$(Q)mkdir -p $(OUT)/user $(OUT)/tests

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
	$(Q)./$(OUT)/test_progs $(T)

test-unit: rtguard $(OUT)/test_progs
	./$(OUT)/test_progs $(T)

test-lsm: rtguard
	tests/lsm/run.sh

install: rtguard
	install -D -m 0755 rtguard $(DESTDIR)/usr/local/sbin/rtguard

clean:
	rm -rf $(OUT) rtguard rtguard-static

# static binary (LSM guest, container image)
# ./rtguard-static: the same objects, linked -static. Debian ships
# no static libp11-kit/libunistring, so the real GnuTLS cannot be linked
# statically: tests/lsm/notls.c stands in for the GnuTLS symbols that
# libmicrohttpd.a references (rtguard's /metrics is plain HTTP).
STATIC_LDLIBS := -lbpf -lelf -lz -lyaml -lmicrohttpd -lpthread -lm

$(OUT)/static/notls.o: tests/lsm/notls.c | $(OUT)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -c $< -o $@

static: rtguard-static

rtguard-static: $(USER_OBJS) $(OUT)/static/notls.o
	$(call msg,LINK,$@)
	$(Q)$(CC) -static $(LDFLAGS) $^ $(STATIC_LDLIBS) -o $@
