// When an index was built, how long it took and how many entries it got:
// kept at the end of the metapage so vecdb.stat_indexes can show it.
#pragma once

#include "pg/pg.h"

extern "C" {
#include "utils/timestamp.h"
}

typedef struct VecdbBuildInfo {
    TimestampTz finished;  // end of CREATE INDEX / REINDEX
    int64 duration_us;     // wall time of the build
    double tuples;         // entries the build wrote
} VecdbBuildInfo;

// Records a finished build in the metapage (WAL-logged); an AM calls it as
// the last step of its ambuild with the time the build started.
void vecdb_meta_record_build(Relation index, TimestampTz started, double tuples);

// Reads the recorded build, or returns false for an index built before
// vecdb recorded builds (its metapage has no room reserved for it).
bool vecdb_read_build_info(Relation index, VecdbBuildInfo* info);
