// The IndexAmRoutine every vecdb index AM starts from.
#pragma once

#include "pg/pg.h"

extern "C" {
#include "access/amapi.h"
}

// A routine for an ORDER BY <distance> index: one key column, NULLs
// allowed, no unique/backward/bitmap/parallel scans, parallel bulk delete,
// and the shared opclass contract (amsupport, amvalidate, amadjustmembers).
// The AM's handler then sets its own callbacks (build, insert, vacuum,
// scan, amcostestimate, amoptions, ambuildphasename) and overrides any
// capability it has beyond these.
IndexAmRoutine* vecdb_make_am_routine(void);
