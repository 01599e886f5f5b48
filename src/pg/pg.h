// The one place Postgres headers enter C++: everything inside extern "C".
// Glue code includes this header; src/core never does.
#pragma once

extern "C" {
#include "postgres.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "access/genam.h"
#include "access/relscan.h"
#include "access/generic_xlog.h"
#include "access/reloptions.h"
#include "catalog/pg_type.h"
#include "lib/stringinfo.h"
#include "libpq/pqformat.h"
#include "storage/bufmgr.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/varbit.h"
}

// Declares an SQL-callable C function with C linkage and its V1 info record.
#define VECDB_FUNCTION(name)                 \
    extern "C" {                             \
    PGDLLEXPORT Datum name(PG_FUNCTION_ARGS); \
    PG_FUNCTION_INFO_V1(name);               \
    }                                        \
    Datum name(PG_FUNCTION_ARGS)
