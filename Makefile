# vecdb: PGXS build of a C++17 PostgreSQL extension.
EXTENSION = vecdb
EXTVERSION = 0.2.0
# The release ALTER EXTENSION ... UPDATE starts from (sql/released/).
PREVIOUS_VERSION = 0.1.0
MODULE_big = vecdb

# Every .cpp under src/ is part of the shared library; src/core is plain C++.
SRCS := $(sort $(shell find src -name '*.cpp'))
OBJS = $(SRCS:.cpp=.o)

# The install script is assembled from one file per feature area.
INSTALL_PARTS := $(sort $(wildcard sql/install/*.sql))
DATA_built = sql/$(EXTENSION)--$(EXTVERSION).sql
# The upgrade script from the previous release, assembled too: the
# hand-written changes to the parts that release had (sql/upgrade/), then
# every part it did not have (sql/released/vecdb--A.parts names its parts).
UPGRADE_HEAD = sql/upgrade/$(EXTENSION)--$(PREVIOUS_VERSION)--$(EXTVERSION).sql
PREVIOUS_PARTS := $(addprefix sql/install/,$(shell cat sql/released/$(EXTENSION)--$(PREVIOUS_VERSION).parts))
NEW_PARTS := $(filter-out $(PREVIOUS_PARTS),$(INSTALL_PARTS))
UPGRADE_built = sql/$(EXTENSION)--$(PREVIOUS_VERSION)--$(EXTVERSION).sql
DATA_built += $(UPGRADE_built)
DATA = $(filter-out $(DATA_built),$(wildcard sql/$(EXTENSION)--*--*.sql))
# Install scripts of earlier releases, frozen as released (sql/released/), so
# CREATE EXTENSION vecdb VERSION 'old' works and the upgrade test can start there.
DATA += $(filter-out sql/released/$(EXTENSION)--$(EXTVERSION).sql,$(wildcard sql/released/$(EXTENSION)--*.sql))

# pg_regress scripts: every sql/*.sql except the install and upgrade scripts.
REGRESS = $(sort $(filter-out $(EXTENSION)--%,$(basename $(notdir $(wildcard sql/*.sql)))))
REGRESS_OPTS = --inputdir=. --load-extension=$(EXTENSION)

# Hidden by default so core/library symbols never clash with other modules;
# PGDLLEXPORT marks what Postgres must find (V1 functions, magic, _PG_init).
PG_CPPFLAGS = -I$(srcdir)/src "-DPGDLLEXPORT=__attribute__((visibility(\"default\")))"
# VECDB_OPT: the optimisation level (scripts/test-asan builds with -O1).
VECDB_OPT ?= -O3
PG_CXXFLAGS = -std=c++17 $(VECDB_OPT) -Wall -Wextra -Wno-unused-parameter -Wno-register \
              -Wno-missing-field-initializers -fno-strict-aliasing -fvisibility=hidden
SHLIB_LINK = -lstdc++ -lopenblas -lpthread

# No JIT bitcode: the C++ sources gain nothing from it and clang rejects some flags.
override with_llvm = no

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

sql/$(EXTENSION)--$(EXTVERSION).sql: $(INSTALL_PARTS)
	cat $^ > $@

$(UPGRADE_built): $(UPGRADE_HEAD) $(NEW_PARTS) sql/released/$(EXTENSION)--$(PREVIOUS_VERSION).parts
	cat $(UPGRADE_HEAD) $(NEW_PARTS) > $@

# SIMD kernels: each file is compiled for its own instruction set and only
# called after a run-time CPU check, so the library runs on any x86-64.
src/core/distance/kernels_avx2.o: override CXXFLAGS += -mavx2 -mfma -mf16c -mpopcnt
src/core/distance/kernels_avx512.o: override CXXFLAGS += -mavx512f -mavx512bw -mavx512vl -mavx512dq -mavx512vpopcntdq -mfma -mf16c -mpopcnt
src/core/quant/sq8_avx2.o: override CXXFLAGS += -mavx2 -mfma
src/core/quant/sq8_avx512.o: override CXXFLAGS += -mavx512f -mavx512bw -mavx512vl -mfma
src/core/quant/pq_avx2.o: override CXXFLAGS += -mavx2 -mfma

# Headers are not tracked by PGXS; rebuild everything when any of them changes.
$(OBJS): $(shell find src -name '*.h')

.PHONY: demo test install-pgvector-compat uninstall-pgvector-compat
# The optional 'vector' extension (compat/): lets pgvector-based frameworks'
# CREATE EXTENSION IF NOT EXISTS vector succeed against vecdb. Never part of
# `make install`: it would collide with a real pgvector.
install-pgvector-compat:
	$(MKDIR_P) '$(DESTDIR)$(datadir)/extension'
	$(INSTALL_DATA) compat/vector.control compat/vector--0.1.0.sql '$(DESTDIR)$(datadir)/extension/'
uninstall-pgvector-compat:
	rm -f '$(DESTDIR)$(datadir)/extension/vector.control' '$(DESTDIR)$(datadir)/extension/vector--0.1.0.sql'
demo:
	bash scripts/demo
test:
	bash scripts/test
