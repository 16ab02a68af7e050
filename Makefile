EXTENSION  = act_pg
EXTVERSION = $(shell grep default_version $(EXTENSION).control | sed -e "s/default_version[[:space:]]*=[[:space:]]*'\([^']*\)'/\1/")

MODULE_big = act_pg
OBJS = $(patsubst %.cpp,%.o,$(wildcard src/*.cpp))

# Layout: the install script of this version is built from act_pg.sql;
# every older version's script and every upgrade script sits beside it,
# kept as it shipped (act_pg--A.sql, act_pg--A--B.sql). sql/ and expected/
# are pg_regress's own: the regression scripts and their outputs. test/
# holds the isolation specs (test/specs, test/expected) and TAP (test/t).
DATA_built = $(EXTENSION)--$(EXTVERSION).sql
DATA = $(filter-out $(DATA_built),$(wildcard $(EXTENSION)--*.sql))
EXTRA_CLEAN = $(DATA_built)

TESTS        = $(sort $(wildcard sql/*.sql))
REGRESS      = $(patsubst sql/%.sql,%,$(TESTS))
REGRESS_OPTS = --load-extension=$(EXTENSION)
ISOLATION      = $(patsubst test/specs/%.spec,%,$(sort $(wildcard test/specs/*.spec)))
ISOLATION_OPTS = --inputdir=test --load-extension=$(EXTENSION)

# -Wno-register: PostgreSQL's own headers use `register`, which C++17 dropped.
PG_CXXFLAGS = -std=c++17 -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers -Wno-register
SHLIB_LINK += -lstdc++

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

# After PGXS, which defines it: the LLVM bitcode compile does not see PG_CXXFLAGS.
COMPILE.cxx.bc += -std=c++17 -Wno-register

# Every object depends on every header: few and small, and a changed
# struct must never leave a stale object behind.
$(OBJS): $(wildcard src/*.hpp)

$(EXTENSION)--$(EXTVERSION).sql: $(EXTENSION).sql
	cp $< $@

# TAP tests in test/t, run against the installed extension.
prove_installcheck:
	rm -rf $(CURDIR)/tmp_check
	cd $(srcdir) && TESTDIR='$(CURDIR)' PATH="$(bindir):$$PATH" PGPORT='6$(DEF_PGPORT)' \
	  PG_REGRESS='$(top_builddir)/src/test/regress/pg_regress' \
	  $(PROVE) $(PG_PROVE_FLAGS) $(PROVE_FLAGS) $(or $(PROVE_TESTS),test/t/*.pl)

.PHONY: prove_installcheck
