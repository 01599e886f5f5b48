// vecdb.search inlined at plan time: a call whose collection and options
// are constants becomes, in the plan, the statement it would run (the
// index scan itself), so a prepared vecdb.search costs what the
// hand-written ORDER BY ... LIMIT costs. See search_inline.cpp.
#pragma once

#include "pg/pg.h"

// What the planner hook needs of a kept search shape (copies).
struct SearchInlineShape {
    char* sql;       // the one-vector statement ($1 the vector, $2..$5 radius,
                     // range_filter, partitions, as_of, filter values after)
    int nargs;
    Oid* types;
    Datum* values;   // filter values, from first_filter_param on
    int first_filter_param;
    Oid elem_type;   // the query vector's type
    int32 typmod;
    int dim;
    bool float_vector;
};

// The shape of a call with these arguments (fcinfo holds vecdb.search's 14
// arguments), when it can be inlined; raises the call's own errors (unknown
// collection, bad arguments). In search.cpp.
bool vecdb_search_inline_shape(FunctionCallInfo fcinfo, SearchInlineShape* out);

// The oid of vecdb.collections (an inlined plan depends on it). In search.cpp.
Oid vecdb_search_catalog_relid();

// Installs the planner hook (from _PG_init).
void vecdb_search_inline_init();
