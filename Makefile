# mdx - market data toolchain.  Plain make; see README.md.  Every target
# that builds runs scripts/deps.sh first (as root it installs the missing
# Debian packages); on a machine without make, sh scripts/check.sh and
# sh scripts/demo.sh do that and then run make check and make demo.
#
#   make                  build lib/libmdx.a and the binaries into $(BUILD)/
#   make check            build and run every test (tests/run.sh)
#   make demo             run the pipeline on examples/data into ./market.db
#   make bench            benchmarks (skip politely without ../shared/data)
#   make lint             mandoc -Tlint, style greps, clang-format check
#   make install          PREFIX=/usr/local DESTDIR=
#   make uninstall        the same PREFIX and DESTDIR: removes what install put
#   make check SANITIZE=1 the same with ASan and UBSan, in build-san/
#   make fuzz             libFuzzer harnesses, FUZZ_SECONDS each (clang)
#   make mutate           the mutants of bench/mutate.sh, and the kill rate

VERSION = 0.1.0
PREFIX ?= /usr/local
BINDIR = $(PREFIX)/bin
MANDIR = $(PREFIX)/share/man

CC ?= cc
CFLAGS ?= -O2 -g
ifeq ($(SANITIZE),1)
BUILD ?= build-san
# gcc's -fsanitize=undefined leaves out float-cast-overflow (a double too
# big for its integer type): asked for by name, with clang as with gcc
SAN = -fsanitize=address,undefined,float-cast-overflow
CFLAGS = -O1 -g -fno-omit-frame-pointer $(SAN) -fno-sanitize-recover=all
LDFLAGS += $(SAN)
else
BUILD ?= build
endif

# The libraries' flags come from pkg-config, asked only after scripts/deps.sh
# has installed what is missing: $(BUILD)/config.mk is made first (make
# remakes an included makefile before anything else, then starts over with
# it, -j or not), so the first build on a fresh machine links.  Targets that
# build nothing do not need it.
PKGS = libcurl jansson sqlite3 libmicrohttpd
# WebSocket client and server (mdx-extract --stream, tests/tools/mdx-wsreplay):
# linked into those two only
WS_PKGS = libwebsockets
NOCONFIG = clean deps lint uninstall
ifneq ($(filter-out $(NOCONFIG),$(or $(MAKECMDGOALS),all)),)
include $(BUILD)/config.mk
endif
# libcsv ships no pkg-config file
LIBS = $(PKG_LIBS) -lcsv -lpthread -lm

WARN = -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
       -Wno-missing-field-initializers
ALL_CFLAGS = -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE \
	     -DMDX_VERSION='"$(VERSION)"' -Ilib $(PKG_CFLAGS) $(WS_CFLAGS) $(WARN) $(CFLAGS)

LIB_SRC = $(sort $(wildcard lib/*.c))
LIB_OBJ = $(LIB_SRC:%.c=$(BUILD)/%.o)
LIBMDX = $(BUILD)/libmdx.a

BIN_NAMES = mdx-extract mdx-transform mdx-load mdx-query
ifneq ($(wildcard serve/serve_main.c),)
BIN_NAMES += mdx-serve
endif
BINS = $(BIN_NAMES:%=$(BUILD)/%)

EXTRACT_SRC = $(sort $(wildcard extract/*.c))
TRANSFORM_SRC = $(sort $(wildcard transform/*.c))
LOAD_SRC = $(sort $(wildcard load/*.c))
QUERY_SRC = $(sort $(filter-out serve/serve_%.c,$(wildcard serve/*.c)))
SERVE_SRC = $(sort $(wildcard serve/serve_*.c))

UNIT_SRC = $(sort $(wildcard tests/unit/test_*.c))
UNIT_BINS = $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
TOOL_SRC = $(sort $(wildcard tests/tools/*.c))
TOOL_BINS = $(TOOL_SRC:tests/tools/%.c=$(BUILD)/tests/%)

MANPAGES = $(sort $(wildcard man/*.[157]))

all: $(LIBMDX) $(BINS)

$(BUILD)/config.mk: Makefile scripts/deps.sh
	sh scripts/deps.sh
	@mkdir -p $(BUILD)
	cf=$$(pkg-config --cflags $(PKGS)) && lf=$$(pkg-config --libs $(PKGS)) && \
	wc=$$(pkg-config --cflags $(WS_PKGS)) && wl=$$(pkg-config --libs $(WS_PKGS)) && \
	printf 'PKG_CFLAGS = %s\nPKG_LIBS = %s\nWS_CFLAGS = %s\nWS_LIBS = %s\n' "$$cf" "$$lf" "$$wc" "$$wl" >$@.tmp && mv -f $@.tmp $@

$(BUILD)/%.o: %.c $(wildcard lib/*.h) $(wildcard */*_int.h)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

# archive to a temporary name and rename, so that a build running beside
# this one never links a half-written library
$(LIBMDX): $(LIB_OBJ)
	rm -f $@.tmp.$$$$ && ar rcs $@.tmp.$$$$ $(LIB_OBJ) && mv -f $@.tmp.$$$$ $@

$(BUILD)/mdx-extract: $(EXTRACT_SRC:%.c=$(BUILD)/%.o) $(LIBMDX)
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS) $(WS_LIBS)
$(BUILD)/mdx-transform: $(TRANSFORM_SRC:%.c=$(BUILD)/%.o) $(LIBMDX)
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)
$(BUILD)/mdx-load: $(LOAD_SRC:%.c=$(BUILD)/%.o) $(LIBMDX)
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)
$(BUILD)/mdx-query: $(QUERY_SRC:%.c=$(BUILD)/%.o) $(LIBMDX)
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)
$(BUILD)/mdx-serve: $(SERVE_SRC:%.c=$(BUILD)/%.o) $(LIBMDX)
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)

$(BUILD)/tests/%: $(BUILD)/tests/unit/%.o $(LIBMDX)
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)
$(BUILD)/tests/%: $(BUILD)/tests/tools/%.o $(LIBMDX)
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)
$(BUILD)/tests/mdx-wsreplay: $(BUILD)/tests/tools/mdx-wsreplay.o $(LIBMDX)
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS) $(WS_LIBS)
# test_polygon_ws tests extract/polygon_wsmsg.c: linked with mdx-extract's
# objects, its main() renamed
$(BUILD)/tests/unit/test_polygon_ws.o: ALL_CFLAGS += -Iextract
$(BUILD)/extract/main-nomain.o: extract/main.c $(wildcard lib/*.h) $(wildcard */*_int.h)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Wno-missing-prototypes -Dmain=mdx_extract_main -c -o $@ $<
$(BUILD)/tests/test_polygon_ws: $(BUILD)/tests/unit/test_polygon_ws.o \
		$(filter-out $(BUILD)/extract/main.o,$(EXTRACT_SRC:%.c=$(BUILD)/%.o)) \
		$(BUILD)/extract/main-nomain.o $(LIBMDX)
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS) $(WS_LIBS)

# test_serve.c includes the server's sources to test its static helpers
$(BUILD)/tests/unit/test_serve.o: $(wildcard serve/serve_*.c)

tests: $(UNIT_BINS) $(TOOL_BINS)

deps:
	sh scripts/deps.sh

check: deps all tests
	MDX_BUILD=$(BUILD) sh tests/run.sh

demo: deps all
	MDX_BUILD=$(BUILD) sh examples/demo.sh

bench: all tests $(BUILD)/bench/jsonfloor
	MDX_BUILD=$(BUILD) sh bench/run.sh

# the floor of an NDJSON stage: bare json_loadb + json_decref a line
$(BUILD)/bench/jsonfloor: bench/jsonfloor.c $(BUILD)/config.mk
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ bench/jsonfloor.c $(LIBS)

lint:
	sh scripts/deps.sh lint
	sh scripts/lint.sh

# libFuzzer harnesses (tests/fuzz/run.sh; clang): FUZZ_SECONDS each
# (default 60), failing on any finding; mutation testing (bench/mutate.sh)
FUZZ_SECONDS ?= 60
fuzz:
	FUZZ_SECONDS=$(FUZZ_SECONDS) sh tests/fuzz/run.sh
fuzz-smoke:
	FUZZ_SECONDS=3 sh tests/fuzz/run.sh
mutate: all tests
	MDX_BUILD=$(BUILD) sh bench/mutate.sh

install: all
	mkdir -p $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 \
		$(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man7
	for b in $(BIN_NAMES); do install -m 755 $(BUILD)/$$b $(DESTDIR)$(BINDIR)/$$b; done
	for m in $(MANPAGES); do \
		s=$${m##*.}; install -m 644 $$m $(DESTDIR)$(MANDIR)/man$$s/; done

# removes only the files install puts, never a directory
uninstall:
	for b in $(BIN_NAMES); do rm -f $(DESTDIR)$(BINDIR)/$$b; done
	for m in $(MANPAGES); do \
		s=$${m##*.}; rm -f $(DESTDIR)$(MANDIR)/man$$s/$${m##*/}; done

clean:
	rm -rf build build-san build-fuzz

.PHONY: all tests deps check demo bench lint install uninstall clean fuzz \
	fuzz-smoke mutate
.SECONDARY:
