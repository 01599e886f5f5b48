// Grouped vector search (group_by_field) over a stream of hits in index order.
#pragma once

#include "pg/pg.h"

extern "C" {
#include "executor/spi.h"
#include "utils/tuplestore.h"
}

// What a grouped search asks for: the best group_size hits of each of the
// groups ranked skip + 1 .. skip + top_k by their best hit.
struct GroupedSearch {
    int top_k;
    int skip;
    int group_size;
};

// Runs plan (columns id text, distance float8, entity jsonb, grp text, in
// distance order; $1 an array of one query vector) once per element of
// vectors, reading each stream only until the wanted groups are full, and
// appends (query_no, id, distance, entity) rows to store. Inside SPI.
void vecdb_run_grouped_search(SPIPlanPtr plan, Datum* values, const char* nulls, ArrayType* vectors,
                              const GroupedSearch& want, Tuplestorestate* store, TupleDesc desc);
