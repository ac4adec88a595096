# chatd — see README.md. `make` builds build/chatd; `make test` runs every test.

PKGS      := libevent libevent_openssl jansson libjwt libpq openssl zlib hiredis libnghttp2
CC        ?= cc
VERSION   := $(shell cat VERSION 2>/dev/null || echo 0.0.0)
GIT_REV   := $(shell git rev-parse --short HEAD 2>/dev/null || echo unknown)
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lwslay
CFLAGS_BASE = -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wshadow -Wno-unused-parameter \
              -Iserver -Ibuild/gen $(PKG_CFLAGS)
CFLAGS    ?= -O2 -g
ASAN_FLAGS := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
PYTEST    := /usr/bin/python3 -m pytest

# The web console's files (console/, tests aside), compiled in by tools/embed.c.
GEN_SRCS  := build/gen/console_files.c
SRCS      := $(shell find server -name '*.c' | sort) $(GEN_SRCS)
LIB_SRCS  := $(filter-out server/main.c,$(SRCS))
OBJS      := $(SRCS:%.c=build/obj/%.o)
ASAN_OBJS := $(SRCS:%.c=build/asan/obj/%.o)
UNIT_SRCS := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=build/asan/tests/%)


.PHONY: FORCE all asan deps run run-cluster test test-unit test-e2e test-asan test-valgrind bench \
	format format-check clean clients demo

all: build/chatd

# version.h changes only when VERSION or the git revision does, so --version never goes stale.
build/gen/version.h: FORCE
	@mkdir -p $(dir $@)
	@printf '#define CHATD_VERSION "%s"\n#define CHATD_GIT_REV "%s"\n' '$(VERSION)' '$(GIT_REV)' > $@.tmp
	@cmp -s $@.tmp $@ && rm -f $@.tmp || mv $@.tmp $@

build/obj/server/main.o build/asan/obj/server/main.o build/obj/server/http/http.o \
build/asan/obj/server/http/http.o: build/gen/version.h

FORCE:

# The console's files as a C table (http/console.h). Regenerated on every make, replaced only
# when it changed, so adding, changing or removing a file under console/ rebuilds what it must.
HOST_CC       ?= cc
CONSOLE_FILES  = $(shell find console -type f ! -path 'console/test/*' | LC_ALL=C sort)

build/tools/embed: tools/embed.c
	@mkdir -p $(dir $@)
	@echo "  HOSTCC  $@"
	@$(HOST_CC) -O2 -Wall -Wextra -Werror -o $@ $<

build/gen/console_files.c: build/tools/embed FORCE
	@mkdir -p $(dir $@)
	@build/tools/embed $@.tmp console $(CONSOLE_FILES)
	@cmp -s $@.tmp $@ && rm -f $@.tmp || mv $@.tmp $@

build/chatd: $(OBJS)
	@echo "  LD      $@"
	@$(CC) $(CFLAGS) -o $@ $^ $(PKG_LIBS)

build/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(CFLAGS_BASE) $(CFLAGS) -MMD -MP -c -o $@ $<

asan: build/asan/chatd

build/asan/chatd: $(ASAN_OBJS)
	@echo "  LD      $@"
	@$(CC) $(ASAN_FLAGS) -o $@ $^ $(PKG_LIBS)

build/asan/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC      $< (asan)"
	@$(CC) $(CFLAGS_BASE) $(ASAN_FLAGS) -MMD -MP -c -o $@ $<

build/asan/tests/%: tests/unit/%.c $(filter-out build/asan/obj/server/main.o,$(ASAN_OBJS))
	@mkdir -p $(dir $@)
	@echo "  TEST    $@"
	@$(CC) $(CFLAGS_BASE) -Itests/unit $(ASAN_FLAGS) -o $@ $^ $(PKG_LIBS)

deps:
	@scripts/deps.sh

run: deps build/chatd
	@scripts/run.sh

# Several nodes without Docker: PostgreSQL, Redis and three chatd nodes (docs/operations.md).
run-cluster: deps build/chatd
	@scripts/cluster.sh

# FAST=1 leaves out the short fuzz runs (about 3 minutes) for a quicker local loop; CI runs all.
test: deps
	@$(MAKE) --no-print-directory test-unit
	@$(MAKE) --no-print-directory test-e2e
	@[ -n "$(FAST)" ] || $(MAKE) --no-print-directory fuzz-short

test-asan: test

test-unit: $(UNIT_BINS)
	@failed=0; for t in $(UNIT_BINS); do $$t || failed=1; done; exit $$failed

test-e2e: build/chatd build/asan/chatd clients
	CHATD_BIN=build/asan/chatd $(PYTEST) -q tests/e2e $(PYTEST_ARGS)

# A subset of the e2e suite with chatd under valgrind's memcheck (build/chatd: valgrind cannot run
# an ASan build). A memory error or a leak makes chatd exit 99, which the tests' teardown
# reports; CHATD_TIMEOUT_SCALE stretches the harness's deadlines. About 5 minutes: not part of
# `make test`. Figures in docs/security.md (Faults).
VALGRIND       := valgrind --tool=memcheck --error-exitcode=99 --leak-check=full --num-callers=30
VALGRIND_TESTS := tests/e2e/test_smoke.py tests/e2e/test_c2c.py tests/e2e/test_groups.py \
                  tests/e2e/test_ws.py tests/e2e/test_faults.py

test-valgrind: deps build/chatd
	CHATD_BIN=build/chatd CHATD_WRAPPER="$(VALGRIND)" CHATD_TIMEOUT_SCALE=10 \
	  $(PYTEST) -q $(VALGRIND_TESTS) -k "not ten_thousand" $(PYTEST_ARGS)

clients:
	@scripts/clients.sh build

demo: deps clients
	@scripts/clients.sh demo

bench: deps build/chatd
	@scripts/bench.sh

format:
	clang-format -i $(shell find server tests/unit bench tools -name '*.[ch]')

format-check:
	@clang-format --dry-run --Werror $(shell find server tests/unit bench tools -name '*.[ch]') \
	  && echo "format-check: ok"

clean:
	rm -rf build

include fuzz/fuzz.mk

-include $(OBJS:.o=.d) $(ASAN_OBJS:.o=.d)
