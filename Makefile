# manifold: build-time manifest compiler and validator
# `make run` and `make test` install what is missing on Debian 12 (as root) first.

CC       ?= cc
PREFIX   ?= /usr/local
DESTDIR  ?=
MANDIR   ?= $(PREFIX)/share/man
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR  ?= $(PREFIX)/share/zsh/site-functions
BUILD    ?= build
PKGS     := libfyaml jansson libpcre2-8
WARN     := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
            -Wpointer-arith -Wformat=2 -Wundef -Wvla -Wno-unused-parameter
OPT      ?= -O2 -g
CFLAGS   ?=
CFLAGS   += -std=c17 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE $(OPT) $(WARN) -iquote gen -iquote $(BUILD)
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CHECK_LIBS = $(shell pkg-config --libs check 2>/dev/null)

SRCS     := $(filter-out gen/main.c,$(sort $(wildcard gen/*.c)))
OBJS     := $(SRCS:gen/%.c=$(BUILD)/%.o) $(BUILD)/embedded.o
# Every file under templates/helm/ is a file of the Helm chart (gen/emit_helm.c).
EMBEDDED := $(sort $(wildcard schemas/*.json profiles/*.yaml policies/*.yaml) \
              $(shell find templates -type f 2>/dev/null))
UNIT     := $(sort $(wildcard tests/unit/test_*.c))
UNITBIN  := $(UNIT:tests/unit/%.c=$(BUILD)/tests/%)
BIN      := $(BUILD)/manifold
EXAMPLE  ?= examples/octollm/system.yaml

.PHONY: all run test check deps deps-test unit unit-bins golden golden-update errors errors-update \
        rules workflow lint-suite conformance jsts asan leakcheck fuzz bench install uninstall \
        man completion clean format format-check FORCE

all: $(BIN)

# ---- dependencies (Debian 12) -------------------------------------------------
BUILD_DEBS := build-essential pkg-config libfyaml-dev libjansson-dev libpcre2-dev
# scdoc renders the man page (make install; the workflow tests render it too), yamllint,
# zsh and graphviz (dot) check the output, the completion scripts and `graph --format dot`.
TEST_DEBS  := $(BUILD_DEBS) check libyaml-dev json-schema-test-suite valgrind \
              clang libclang-rt-14-dev golang-go golang-github-masterminds-sprig-dev \
              golang-gopkg-yaml.v3-dev golang-github-xeipuuv-gojsonschema-dev \
              scdoc yamllint zsh graphviz
deps:
	@tools/install-deps $(BUILD_DEBS)
deps-test:
	@tools/install-deps $(TEST_DEBS)
	@command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 || tools/install-deps nodejs npm
	@tools/install-node-deps

# ---- build ---------------------------------------------------------------------
$(BUILD)/%.o: gen/%.c gen/*.h gen/*.def $(BUILD)/embedded.h | $(BUILD)
	$(CC) $(CFLAGS) $(PKG_CFLAGS) -c -o $@ $<

$(BUILD)/embed: tools/embed.c | $(BUILD)
	$(CC) -std=c17 -O2 -Wall -Wextra -Werror -o $@ $<

# The list itself is a prerequisite, so adding or removing a file rebuilds.
$(BUILD)/embedded.list: FORCE | $(BUILD)
	@echo '$(EMBEDDED)' | cmp -s - $@ || echo '$(EMBEDDED)' > $@

# The header does not depend on the files, so editing one rebuilds embedded.o only.
$(BUILD)/embedded.h: $(BUILD)/embed
	$(BUILD)/embed /dev/null $@

$(BUILD)/embedded.c: $(BUILD)/embed $(EMBEDDED) $(BUILD)/embedded.list
	$(BUILD)/embed $@ /dev/null $(EMBEDDED)

$(BUILD)/embedded.o: $(BUILD)/embedded.c $(BUILD)/embedded.h
	$(CC) $(CFLAGS) -c -o $@ $<

$(BUILD)/libmanifold.a: $(OBJS)
	rm -f $@ && ar rcs $@ $^

$(BIN): $(BUILD)/main.o $(BUILD)/libmanifold.a
	$(CC) $(CFLAGS) -o $@ $^ $(PKG_LIBS) $(LDFLAGS)

$(BUILD):
	mkdir -p $(BUILD)/tests

run: deps
	$(MAKE) all
	rm -rf out.tmp-check
	$(BIN) build $(EXAMPLE) -o out; rc=$$?; [ $$rc -le 1 ] || exit $$rc
	@echo "wrote out/ from $(EXAMPLE)"

# ---- tests ---------------------------------------------------------------------
$(BUILD)/tests/%: tests/unit/%.c tests/unit/*.h $(BUILD)/libmanifold.a | $(BUILD)
	$(CC) $(CFLAGS) $(PKG_CFLAGS) -o $@ $< $(BUILD)/libmanifold.a $(PKG_LIBS) $(CHECK_LIBS) -lyaml

unit: $(UNITBIN)
	@tools/run-unit $(UNITBIN)

test: deps-test
	$(MAKE) all unit-bins
	@tests/run-all $(BUILD)
check: test

unit-bins: $(UNITBIN)

# One suite at a time (tests/run-all runs them all); each ends "N passed, M failed".
SUITE_ENV = MANIFOLD_TODAY=$${MANIFOLD_TODAY:-2026-11-22} LC_ALL=C TZ=UTC
golden: all
	@$(SUITE_ENV) tests/golden/run $(BIN)
golden-update: all
	@$(SUITE_ENV) tests/golden/run $(BIN) --update
errors: all
	@$(SUITE_ENV) tests/errors/run $(BIN)
errors-update: all
	@$(SUITE_ENV) tests/errors/run $(BIN) --update
rules: all
	@$(SUITE_ENV) tests/rules/run $(BIN)
workflow: all
	@$(SUITE_ENV) tests/workflow/run $(BIN)
lint-suite: all
	@$(SUITE_ENV) tests/lint/run $(BIN)
# npm ci runs only when tests/conformance/node_modules is missing or stale.
conformance: all
	@tools/install-node-deps
	@$(SUITE_ENV) tests/conformance/selftest; rc=$$?; \
	 $(SUITE_ENV) tests/conformance/run $(BIN) examples && exit $$rc
jsts: $(BUILD)/tests/test_jsonschema_suite
	@$(BUILD)/tests/test_jsonschema_suite

asan:
	$(MAKE) BUILD=build-asan CC=clang OPT="-O1 -g -DMF_FREEZE -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all" \
	        LDFLAGS="-fsanitize=address,undefined" all unit-bins
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	        tests/run-all build-asan --no-conformance

leakcheck: all unit-bins
	MF_VALGRIND=1 tests/run-all $(BUILD) --no-conformance

# every harness (tests/fuzz/run says which), FUZZ_SECONDS each (default 60)
fuzz:
	FUZZ_SECONDS=$${FUZZ_SECONDS:-60} tests/fuzz/run

bench: all
	@tests/bench/run $(BIN)

# ---- install: the binary, the schemas, manifold(1), bash and zsh completion -----
# The man page is rendered here, not by `all`: scdoc is needed at install time only.
$(BUILD)/manifold.1: docs/manifold.1.scd | $(BUILD)
	@command -v scdoc >/dev/null 2>&1 || tools/install-deps scdoc
	scdoc < $< > $@.tmp && mv $@.tmp $@

# Both scripts are printed by the binary from its own option tables.
$(BUILD)/completion/manifold $(BUILD)/completion/_manifold &: $(BIN)
	mkdir -p $(BUILD)/completion
	$(BIN) completion bash > $(BUILD)/completion/manifold
	$(BIN) completion zsh > $(BUILD)/completion/_manifold

man: $(BUILD)/manifold.1
completion: $(BUILD)/completion/manifold $(BUILD)/completion/_manifold

install: all man completion
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/manifold/schemas \
	        $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(ZSHCOMPDIR)
	install -m 0755 $(BIN) $(DESTDIR)$(PREFIX)/bin/manifold
	install -m 0644 schemas/*.json $(DESTDIR)$(PREFIX)/share/manifold/schemas/
	install -m 0644 $(BUILD)/manifold.1 $(DESTDIR)$(MANDIR)/man1/manifold.1
	install -m 0644 $(BUILD)/completion/manifold $(DESTDIR)$(BASHCOMPDIR)/manifold
	install -m 0644 $(BUILD)/completion/_manifold $(DESTDIR)$(ZSHCOMPDIR)/_manifold

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/manifold $(DESTDIR)$(MANDIR)/man1/manifold.1 \
	      $(DESTDIR)$(BASHCOMPDIR)/manifold $(DESTDIR)$(ZSHCOMPDIR)/_manifold
	rm -rf $(DESTDIR)$(PREFIX)/share/manifold

# The style is .clang-format's (kernel-like, 100 columns).
FORMAT_SRCS = $(wildcard gen/*.c gen/*.h) tools/embed.c
format:
	clang-format -i $(FORMAT_SRCS)
format-check:
	clang-format --dry-run -Werror $(FORMAT_SRCS)

clean:
	rm -rf build build-asan build-fuzz
