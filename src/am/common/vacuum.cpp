// VACUUM steps shared by the vecdb AMs (see vacuum.h).
#include "am/common/vacuum.h"

extern "C" {
#include "storage/indexfsm.h"
}

IndexBulkDeleteResult* vecdb_bulk_delete_start(IndexBulkDeleteResult* stats) {
    if (stats == NULL) stats = (IndexBulkDeleteResult*)palloc0(sizeof(IndexBulkDeleteResult));
    stats->num_index_tuples = 0;
    return stats;
}

IndexBulkDeleteResult* vecdb_vacuum_cleanup(IndexVacuumInfo* info, IndexBulkDeleteResult* stats,
                                            VecdbOverflowRefWalk walk) {
    Relation index = info->index;
    if (info->analyze_only) return stats;
    bool count = stats == NULL;
    if (count) stats = (IndexBulkDeleteResult*)palloc0(sizeof(IndexBulkDeleteResult));
    if (count || vecdb_overflow_ever_stored(index)) vecdb_overflow_sweep(index, walk, count ? stats : NULL, stats);
    stats->num_pages = RelationGetNumberOfBlocks(index);
    IndexFreeSpaceMapVacuum(index);
    return stats;
}
