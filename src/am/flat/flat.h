// The flat index: every vector stored densely in index pages beside its heap
// TID, searched exhaustively with the SIMD kernels. Exact by construction.
//
// Layout: block 0 is the metapage; data pages form a chain (opaque->next)
// starting at first_data_page; each data page item is a FlatEntry. A value
// too large for a data page lives in a chain of overflow pages and its entry
// holds its VecdbOverflowRef (am/common/overflow.h) instead.
#pragma once

#include "pg/pg.h"
#include "am/common/am_descriptor.h"
#include "am/common/metric.h"
#include "am/common/index_cache.h"
#include "am/common/overflow.h"

#define FLAT_VERSION 1

// Body of the flat metapage. (Whether overflow pages were ever written is
// the common header's VECDB_META_HAS_OVERFLOW.)
typedef struct FlatMetaData {
    BlockNumber first_data_page;  // InvalidBlockNumber while the index is empty
    BlockNumber insert_page;      // where inserts start looking for room
} FlatMetaData;

// Header of every entry on a data page; the value follows, MAXALIGNed.
typedef struct FlatEntry {
    ItemPointerData heap_tid;
    uint8 flags;
    uint8 unused;
} FlatEntry;

#define FLAT_ENTRY_NULL 0x01      // the row's vector is NULL: no value follows
#define FLAT_ENTRY_EXTERNAL 0x02  // a VecdbOverflowRef follows instead of the value

#define FLAT_ENTRY_HEADER_SIZE MAXALIGN(sizeof(FlatEntry))
#define FlatEntryValue(entry) ((struct varlena*)((char*)(entry) + FLAT_ENTRY_HEADER_SIZE))
#define FlatEntryOverflowRef(entry) ((VecdbOverflowRef*)((char*)(entry) + FLAT_ENTRY_HEADER_SIZE))

// Sub-phases of CREATE INDEX reported in pg_stat_progress_create_index.
#define FLAT_PHASE_LOAD 2

// Where the next insert goes, kept across calls during a build.
typedef struct FlatInsertHint {
    BlockNumber page;  // data page to try first, InvalidBlockNumber to read the meta
} FlatInsertHint;

// flat_pages.cpp
void flat_init_metapage(Relation index, ForkNumber fork);
FlatMetaData flat_read_meta(Relation index);
BlockNumber flat_first_data_page(Relation index);
void flat_append(Relation index, ItemPointer heap_tid, Datum value, bool isnull, FlatInsertHint* hint);
void flat_set_insert_page(Relation index, BlockNumber page, bool only_if_empty_chain);

// flat_options.cpp, flat_descriptor.cpp
extern relopt_kind flat_relopt_kind;
void flat_init(void);
bytea* flat_options(Datum reloptions, bool validate);

// flat_verify.cpp
void flat_verify(Relation index, Relation heap, VecdbVerifyReport* report);

// AM callbacks (flat_build.cpp, flat_insert.cpp, flat_scan.cpp, flat_vacuum.cpp, flat_handler.cpp)
IndexBuildResult* flat_build(Relation heap, Relation index, IndexInfo* index_info);
void flat_build_empty(Relation index);
bool flat_insert(Relation index, Datum* values, bool* isnull, ItemPointer heap_tid, Relation heap,
                 IndexUniqueCheck check_unique, bool index_unchanged, IndexInfo* index_info);
IndexScanDesc flat_begin_scan(Relation index, int nkeys, int norderbys);
void flat_rescan(IndexScanDesc scan, ScanKey keys, int nkeys, ScanKey orderbys, int norderbys);
bool flat_get_tuple(IndexScanDesc scan, ScanDirection dir);
void flat_end_scan(IndexScanDesc scan);
IndexBulkDeleteResult* flat_bulk_delete(IndexVacuumInfo* info, IndexBulkDeleteResult* stats,
                                        IndexBulkDeleteCallback callback, void* callback_state);
IndexBulkDeleteResult* flat_vacuum_cleanup(IndexVacuumInfo* info, IndexBulkDeleteResult* stats);
