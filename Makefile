# teeproof build. `make` builds release binaries into build/bin; `make test` runs every
# test in the release build and again in an ASan+UBSan build (build/asan).
# Variables: BUILD (output dir), SAN=1 (sanitizers), CC.

BUILD    ?= build
CC       ?= cc
SAN      ?=
V        ?= 0

CFLAGS_COMMON := -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wshadow -Wno-unused-parameter \
                 -Iinclude -Isrc -MMD -MP -pthread
ifeq ($(SAN),1)
  CFLAGS_OPT := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
  LDFLAGS_SAN := -fsanitize=address,undefined
else
  CFLAGS_OPT := -O2 -g
  LDFLAGS_SAN :=
endif
CFLAGS  += $(CFLAGS_COMMON) $(CFLAGS_OPT)
LDLIBS  := -lssl -lcrypto -lsecp256k1 -ljansson -lcbor -lz -lbrotlidec -lzstd -lgumbo -pthread
LDFLAGS += $(LDFLAGS_SAN)

ifeq ($(V),0)
  Q := @
else
  Q :=
endif

LIB_DIRS   := base tls http manifest proof attest proto prover tee
LIB_SRCS   := $(foreach d,$(LIB_DIRS),$(wildcard src/$(d)/*.c))
NOTARY_SRCS:= $(wildcard src/notary/*.c)
CLI_SRCS   := $(wildcard src/cli/*.c)
TEST_SRCS  := $(wildcard tests/unit/test_*.c)
TOOL_SRCS  := $(wildcard tests/tools/*.c)
SUPPORT_SRCS := $(wildcard tests/support/*.c)
BENCH_SRCS := $(wildcard bench/*.c)

LIB_OBJS   := $(LIB_SRCS:%.c=$(BUILD)/obj/%.o)
# The verifier's side: everything but the code that runs only inside the TEE (src/tee:
# attesters, the notary's keys, replay and sealing) and the prover. Linked on its own into
# libteeproof-verifier.so (every symbol resolved; not installed) to show that verifying
# needs none of it; tests/integration/library.sh verifies a proof with it.
VERIFY_DIRS := base tls http manifest proof attest proto
VERIFY_OBJS := $(filter $(foreach d,$(VERIFY_DIRS),$(BUILD)/obj/src/$(d)/%),$(LIB_OBJS))
VERIFY_SOLIB := $(BUILD)/lib/libteeproof-verifier.so
NOTARY_OBJS:= $(NOTARY_SRCS:%.c=$(BUILD)/obj/%.o)
CLI_OBJS   := $(CLI_SRCS:%.c=$(BUILD)/obj/%.o)
LIB        := $(BUILD)/lib/libteeproof.a
# The shared library: soname libteeproof.so.$(SO_MAJOR), file libteeproof.so.$(SO_VERSION)
# (docs/library.md: the major changes when the public API breaks).
SO_MAJOR   := 0
SO_VERSION := 0.1.0
SOLIB      := $(BUILD)/lib/libteeproof.so.$(SO_VERSION)
SUPPORT_OBJS := $(SUPPORT_SRCS:%.c=$(BUILD)/obj/%.o)
# Unit tests may test the daemon's parts too (everything but its main).
NOTARY_PART_OBJS := $(filter-out %/main.o,$(NOTARY_OBJS))
TEST_BINS  := $(TEST_SRCS:tests/unit/%.c=$(BUILD)/tests/%)
TOOL_BINS  := $(TOOL_SRCS:tests/tools/%.c=$(BUILD)/bin/%)
BENCH_BINS := $(BENCH_SRCS:bench/%.c=$(BUILD)/bench/%)
PREFIX     ?= /usr/local
DESTDIR    ?=
BINS       := $(if $(NOTARY_SRCS),$(BUILD)/bin/teeproof-notary) $(if $(CLI_SRCS),$(BUILD)/bin/teeproof)

.PHONY: all deps build install test test-release test-asan demo bench soak scale-test fuzz fuzz-build clean interop man
all: build

deps:
	$(Q)bash scripts/deps.sh

build: | deps
	$(Q)$(MAKE) --no-print-directory build-all

.PHONY: build-all
build-all: $(BINS) $(SOLIB) $(VERIFY_SOLIB) $(TOOL_BINS) $(TEST_BINS) $(BENCH_BINS)
	@:

# Objects are rebuilt when the compiler or its flags change, not only their sources: a stamp
# holds the command line (a stale object compiled without -fvisibility=hidden, say, would
# export internal symbols from the .so).
FLAGS_STAMP := $(BUILD)/.cflags
FLAGS_LINE  := $(CC) $(CFLAGS)
$(FLAGS_STAMP): FORCE
	@mkdir -p $(dir $@)
	@echo '$(FLAGS_LINE)' | cmp -s - $@ 2>/dev/null || echo '$(FLAGS_LINE)' >$@
.PHONY: FORCE
FORCE:

$(BUILD)/obj/%.o: %.c $(FLAGS_STAMP)
	@mkdir -p $(dir $@)
	@echo "  CC    $<"
	$(Q)$(CC) $(CFLAGS) -c $< -o $@

# The library's objects: position independent (one set for the .a and the .so) and hidden
# by default, so that the .so exports only what include/teeproof/*.h marks TP_API. Hidden
# symbols still link statically: the notary, the tests and the tools use the .a and its
# internal functions.
$(LIB_OBJS): CFLAGS += -fPIC -fvisibility=hidden

$(LIB): $(LIB_OBJS)
	@mkdir -p $(dir $@)
	$(Q)rm -f $@ && ar rcs $@ $^

SO_LDFLAGS := -shared -Wl,-soname,libteeproof.so.$(SO_MAJOR) $(if $(SAN),,-Wl,-z,defs)
$(SOLIB): $(LIB_OBJS)
	@mkdir -p $(dir $@)
	@echo "  LD    $@"
	$(Q)$(CC) $(LDFLAGS) $(SO_LDFLAGS) $^ -o $@ $(LDLIBS)
	$(Q)ln -sf libteeproof.so.$(SO_VERSION) $(dir $@)libteeproof.so.$(SO_MAJOR)
	$(Q)ln -sf libteeproof.so.$(SO_MAJOR) $(dir $@)libteeproof.so

$(BUILD)/bin/teeproof-notary: $(NOTARY_OBJS) $(LIB)
	@mkdir -p $(dir $@)
	@echo "  LD    $@"
	$(Q)$(CC) $(LDFLAGS) $^ -o $@ $(LDLIBS)

$(VERIFY_SOLIB): $(VERIFY_OBJS)
	@mkdir -p $(dir $@)
	@echo "  LD    $@"
	$(Q)$(CC) $(LDFLAGS) -shared $(if $(SAN),,-Wl,-z,defs) $^ -o $@ $(LDLIBS)

# The CLI links the shared library and nothing else of ours: it can call only the exported
# public API (tests/integration/library.sh also checks its includes). It finds the library
# beside its own directory, in the build tree as after `make install`.
$(BUILD)/bin/teeproof: $(CLI_OBJS) $(SOLIB)
	@mkdir -p $(dir $@)
	@echo "  LD    $@"
	$(Q)$(CC) $(LDFLAGS) $(CLI_OBJS) -L$(BUILD)/lib -lteeproof -Wl,-rpath,'$$ORIGIN/../lib' -pthread -o $@

$(BUILD)/bin/%: $(BUILD)/obj/tests/tools/%.o $(LIB)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(LDFLAGS) $^ -o $@ $(LDLIBS)
# A tool made of more than one file lists its other parts (tests/tools/lib/) here.
$(BUILD)/bin/tp-demo-api: $(BUILD)/obj/tests/tools/lib/demo_http.o

# A test tool that needs the TDX collateral fixtures (tests/support) links them too.
TDXCOLL_SUPPORT := $(BUILD)/obj/tests/support/fake_tdxcoll.o $(BUILD)/obj/tests/support/fake_tee.o \
                   $(BUILD)/obj/tests/support/testvectors.o
$(BUILD)/bin/tp-tdx-testcoll: $(BUILD)/obj/tests/tools/tp-tdx-testcoll.o $(TDXCOLL_SUPPORT) $(LIB)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(LDFLAGS) $^ -o $@ $(LDLIBS)
$(BUILD)/bin/tp-snp-testcoll: $(BUILD)/obj/tests/tools/tp-snp-testcoll.o $(BUILD)/obj/tests/support/fake_tee.o $(LIB)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(LDFLAGS) $^ -o $@ $(LDLIBS)

$(BUILD)/tests/%: $(BUILD)/obj/tests/unit/%.o $(SUPPORT_OBJS) $(NOTARY_PART_OBJS) $(LIB)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(LDFLAGS) $^ -o $@ $(LDLIBS) -lcmocka

$(BUILD)/bench/%: $(BUILD)/obj/bench/%.o $(SUPPORT_OBJS) $(LIB)
	@mkdir -p $(dir $@)
	$(Q)$(CC) $(LDFLAGS) $^ -o $@ $(LDLIBS)

# `make install PREFIX=... [DESTDIR=...]`: the two programs, both libraries, the public
# headers, teeproof.pc (from packaging/teeproof.pc.in) and the man pages. Builds nothing
# itself beyond what is missing: run `make build` first.
LIB_PC_REQUIRES := libssl libcrypto libsecp256k1 jansson libcbor zlib libbrotlidec libzstd gumbo
install: $(BINS) $(LIB) $(SOLIB)
	$(Q)d="$(DESTDIR)$(PREFIX)"; \
	install -d "$$d/bin" "$$d/lib/pkgconfig" "$$d/include/teeproof" \
	  "$$d/share/man/man1" "$$d/share/man/man5" "$$d/share/man/man8" && \
	install -m 755 $(BINS) "$$d/bin/" && \
	install -m 644 $(LIB) "$$d/lib/" && \
	install -m 755 $(SOLIB) "$$d/lib/" && \
	ln -sf libteeproof.so.$(SO_VERSION) "$$d/lib/libteeproof.so.$(SO_MAJOR)" && \
	ln -sf libteeproof.so.$(SO_MAJOR) "$$d/lib/libteeproof.so" && \
	install -m 644 include/teeproof/*.h "$$d/include/teeproof/" && \
	install -m 644 man/*.1 "$$d/share/man/man1/" && \
	install -m 644 man/*.5 "$$d/share/man/man5/" && \
	install -m 644 man/*.8 "$$d/share/man/man8/" && \
	sed -e "s|@PREFIX@|$(PREFIX)|" -e "s|@VERSION@|$(SO_VERSION)|" \
	  -e "s|@REQUIRES@|$(LIB_PC_REQUIRES)|" -e "s|@LIBS@|$(LDLIBS)|" \
	  packaging/teeproof.pc.in >"$$d/lib/pkgconfig/teeproof.pc" && \
	echo "installed into $$d"

# Every test: release build, then the same tests under ASan+UBSan, then each libFuzzer
# target briefly over its seed corpus (FUZZ_SMOKE_SECONDS; 0 skips).
FUZZ_SMOKE_SECONDS ?= 5
test: | deps
	$(Q)$(MAKE) --no-print-directory build
	$(Q)$(MAKE) --no-print-directory BUILD=build/asan SAN=1 build
	$(Q)if [ "$(FUZZ_SMOKE_SECONDS)" != 0 ]; then $(MAKE) --no-print-directory fuzz-build; fi
	$(Q)TP_FUZZ_SECONDS=$(FUZZ_SMOKE_SECONDS) bash tests/run.sh build build/asan

test-release: | deps
	$(Q)$(MAKE) --no-print-directory build
	$(Q)bash tests/run.sh build

test-asan: | deps
	$(Q)$(MAKE) --no-print-directory BUILD=build/asan SAN=1 build
	$(Q)bash tests/run.sh build/asan

# Real servers (nginx, apache2, lighttpd, gnutls-serv, s_server, python) on loopback, each
# cell proved and verified; installs the servers first; writes docs/interop.md.
interop: build
	$(Q)bash scripts/deps.sh interop
	$(Q)TP_BUILD=$(BUILD) bash tests/interop/run.sh

# The manual pages (man/*.[158], roff written by hand): no groff warning, every --help
# option documented when a build exists (tests/integration/man.sh, also run by `make test`).
man:
	$(Q)TP_BUILD=$(BUILD) bash tests/integration/man.sh

demo: build
	$(Q)bash scripts/demo.sh $(BUILD)

bench: build
	$(Q)bash scripts/deps.sh bench
	$(Q)bash bench/run.sh $(BUILD)

# Long run, not in `make test`: SOAK_SESSIONS (10000) sessions with faults mixed in; RSS,
# fds and sessions must be flat at the end (tests/soak/soak.sh).
soak: build
	$(Q)bash tests/soak/soak.sh $(BUILD)

# Not in `make test` (about a minute): three notaries behind HAProxy (deps.sh scale), 1,000
# proofs while one is killed and restarted (tests/scale/scale.sh; SCALE_PROOFS, SCALE_PARALLEL).
scale-test: build
	$(Q)TP_BUILD=$(BUILD) bash tests/scale/scale.sh

# libFuzzer targets (clang); `make fuzz` runs each for FUZZ_SECONDS.
FUZZ_SECONDS ?= 20
FUZZ_SRCS := $(wildcard fuzz/fuzz_*.c)
FUZZ_BINS := $(FUZZ_SRCS:fuzz/%.c=build/fuzz/%)
fuzz-build: | deps
	$(Q)$(MAKE) --no-print-directory BUILD=build/fuzzlib CC=clang \
	  CFLAGS_OPT="-O1 -g -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all" build/fuzzlib/lib/libteeproof.a
	$(Q)$(MAKE) --no-print-directory fuzz-bins
.PHONY: fuzz-bins
fuzz-bins: $(FUZZ_BINS)
	@:
build/fuzz/%: fuzz/%.c build/fuzzlib/lib/libteeproof.a
	@mkdir -p $(dir $@)
	$(Q)clang -std=c11 -D_GNU_SOURCE -Iinclude -Isrc -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all $^ -o $@ $(LDLIBS)
fuzz: fuzz-build
	$(Q)bash fuzz/run.sh $(FUZZ_SECONDS)

clean:
	rm -rf build

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
.SECONDARY:
