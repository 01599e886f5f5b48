// The parts of VACUUM every vecdb AM with overflow chains does the same way:
// the start of ambulkdelete, and amvacuumcleanup around the AM's walk over
// its live entries.
#pragma once

#include "pg/pg.h"
#include "am/common/overflow.h"

// ambulkdelete's result to fill: the one of an earlier pass, or a fresh
// zeroed one; entries are counted anew by the pass.
IndexBulkDeleteResult* vecdb_bulk_delete_start(IndexBulkDeleteResult* stats);

// amvacuumcleanup: without a bulk delete (stats NULL) the walk counts the
// live entries into a fresh result (so pg_class stays accurate); when the
// index ever stored overflow chains the walk also runs as the overflow
// sweep, freeing chains no entry refers to (left by a crash or a failed
// insert). Then the page count and the free space map. walk receives the
// result to count into, or NULL when the entries were counted already.
IndexBulkDeleteResult* vecdb_vacuum_cleanup(IndexVacuumInfo* info, IndexBulkDeleteResult* stats,
                                            VecdbOverflowRefWalk walk);
