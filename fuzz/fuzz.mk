# fuzz/fuzz.mk — libFuzzer harnesses over chatd's pure cores (docs/security.md, "Fuzzing").
#
# Included by the main Makefile after its variables (CFLAGS_BASE, PKG_LIBS, LIB_SRCS) are set.
# Everything is built with clang into build/fuzz/ only: objects in build/fuzz/obj/, one binary per
# harness in build/fuzz/<name>. Needs Debian's clang and libclang-rt-14-dev.
#
#   make fuzz-build                  build every harness
#   make fuzz                        run each for FUZZ_SECONDS (default 60) with its seed corpus
#   make fuzz-short                  run each for 20 s (CI); fails when any finds a crash
#   make fuzz FUZZ_TARGETS=jwt       only some harnesses
#
# New corpus entries go to build/fuzz/corpus/<name>/ (the seeds in fuzz/corpus/ stay as they
# are), crashing inputs to build/fuzz/crashes/<name>/, run summaries to build/fuzz/stats/.

FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 60
FUZZ_NAMES   := msgbody usersig jwt config ws_handshake webhook_reply fields bodylimit
FUZZ_TARGETS ?= $(FUZZ_NAMES)

# -Werror is left out: a warning only clang gives in server code must not break the fuzz build.
FUZZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
FUZZ_CFLAGS   = $(filter-out -Werror,$(CFLAGS_BASE)) -g -O1 $(FUZZ_SAN)
FUZZ_LDFLAGS := -fsanitize=fuzzer $(FUZZ_SAN)

# The server sources each harness links: the module it drives and server/core/ (small, no I/O)
# where that is the whole web; the field tables reach the group ops (gop_new_release) and with
# them most of the server. The config harness brings its own file_read_all (no core/file.c).
FUZZ_CORE             := $(sort $(wildcard server/core/*.c))
FUZZ_SRCS_msgbody     := server/api/message/body.c $(FUZZ_CORE)
FUZZ_SRCS_usersig     := server/auth/usersig.c $(FUZZ_CORE)
FUZZ_SRCS_jwt         := server/auth/jwt.c server/auth/auth.c server/auth/usersig.c $(FUZZ_CORE)
FUZZ_SRCS_config      := server/config/config.c $(filter-out server/core/file.c,$(FUZZ_CORE))
FUZZ_SRCS_ws_handshake := server/ws/handshake.c
FUZZ_SRCS_bodylimit    := server/http/bodylimit.c $(FUZZ_CORE)
FUZZ_SRCS_webhook_reply := server/webhook/proto.c server/store/webhook.c server/store/store.c \
                           server/db/pool.c $(FUZZ_CORE)
FUZZ_SRCS_fields      := $(LIB_SRCS)

FUZZ_OBJ_OF   = $(patsubst %.c,build/fuzz/obj/%.o,$(1))
FUZZ_ALL_OBJS := $(sort $(foreach n,$(FUZZ_NAMES),$(call FUZZ_OBJ_OF,$(FUZZ_SRCS_$(n)) \
                   fuzz/fuzz_$(n).c)))

.PHONY: fuzz-build fuzz fuzz-short

fuzz-build: $(FUZZ_NAMES:%=build/fuzz/%)

fuzz: fuzz-build
	@fuzz/run.sh $(FUZZ_SECONDS) $(FUZZ_TARGETS)

fuzz-short: fuzz-build
	@fuzz/run.sh 20 $(FUZZ_TARGETS)

# One link rule per harness, each with its own object list.
define FUZZ_LINK
build/fuzz/$(1): $(call FUZZ_OBJ_OF,fuzz/fuzz_$(1).c $(FUZZ_SRCS_$(1)))
	@echo "  LD      $$@ (fuzz)"
	@$$(FUZZ_CC) $$(FUZZ_LDFLAGS) -o $$@ $$^ $$(PKG_LIBS)
endef
$(foreach n,$(FUZZ_NAMES),$(eval $(call FUZZ_LINK,$(n))))

build/fuzz/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC      $< (fuzz)"
	@$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -MMD -MP -c -o $@ $<

build/fuzz/obj/fuzz/%.o: fuzz/%.c
	@mkdir -p $(dir $@)
	@echo "  CC      $< (fuzz)"
	@$(FUZZ_CC) $(FUZZ_CFLAGS) -Werror -fsanitize=fuzzer-no-link -Ifuzz -MMD -MP -c -o $@ $<

build/fuzz/obj/server/main.o build/fuzz/obj/server/http/http.o: build/gen/version.h

-include $(FUZZ_ALL_OBJS:.o=.d)
