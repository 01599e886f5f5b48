// The ivf index (IVF_FLAT / IVF_SQ8 / IVF_PQ): k-means centroids split the
// vectors into lists; a search scores the lists of the `vecdb.ivf_probes`
// nearest centroids and, when the lists hold SQ8 or PQ codes, re-scores the
// best `vecdb.rerank` candidates with their full vectors.
//
// Layout:
//   block 0                  metapage (IvfMetaData)
//   stream pages (one item)  float arrays written once at build: the
//                            centroids (lists × dim), then for sq8 the
//                            per-dimension offsets and scales, for pq the
//                            codebooks (pq_m × 2^pq_nbits × dim/pq_m)
//   directory pages (1 item) one IvfListSlot per list: head of its page chain
//                            and where inserts try first
//   posting pages (DATA)     entries of one list, chained newest page first
//                            through opaque->next: IvfFullEntry (quantizer
//                            none) or IvfCodeEntry (heap TID, where the full
//                            vector lives, and the codes: sq8 one byte per
//                            dimension, pq one byte per sub-vector of the
//                            residual x − centroid)
//   vector pages (sq8, pq)   IvfFullEntry items holding the full vectors for
//                            rerank; their line pointers never move, so an
//                            IvfCodeEntry can point at one.
//   unlinked pages           empty posting pages waiting to be freed
//                            (IVF_PAGE_UNLINKED)
// An index built on an empty table has no centroids (lists = 0): every row
// then goes to one list of full entries that each search reads whole.
#pragma once

#include "pg/pg.h"
#include "am/common/am_descriptor.h"
#include "am/common/metric.h"
#include "am/common/page.h"
#include "am/common/overflow.h"
#include "am/common/scan_stats.h"

#define IVF_VERSION 1

// Page kinds of ivf beyond the shared ones.
#define IVF_PAGE_STREAM (VECDB_PAGE_AM_FIRST + 0)
#define IVF_PAGE_DIRECTORY (VECDB_PAGE_AM_FIRST + 1)
#define IVF_PAGE_VECTOR (VECDB_PAGE_AM_FIRST + 2)
// A posting page VACUUM found empty and took off its list's chain. It keeps
// its `next` link (a scan or insert that read the link before may still
// walk through it) and opaque->xid = the next transaction id at unlinking;
// a later VACUUM frees it once no running transaction is that old.
#define IVF_PAGE_UNLINKED (VECDB_PAGE_AM_FIRST + 3)

enum IvfQuantizer : uint16 { IVF_QUANTIZER_NONE = 0, IVF_QUANTIZER_SQ8 = 1, IVF_QUANTIZER_PQ = 2 };

// How vectors are compared with centroids (and coded with SQ8).
enum IvfSpace : uint16 {
    IVF_SPACE_L2 = 0,      // l2, and hamming on bits seen as 0/1 floats
    IVF_SPACE_IP = 1,      // inner product
    IVF_SPACE_COSINE = 2,  // inner product of unit vectors
};

// The value type of the indexed column.
enum IvfValueType : uint16 { IVF_TYPE_VECTOR = 0, IVF_TYPE_HALFVEC = 1, IVF_TYPE_BIT = 2 };

// One list in the directory.
typedef struct IvfListSlot {
    BlockNumber head;         // newest posting page, InvalidBlockNumber when empty
    BlockNumber insert_page;  // page of the chain inserts try first
} IvfListSlot;

// Body of the ivf metapage.
typedef struct IvfMetaData {
    uint32 lists;               // trained lists; 0 when built on an empty table
    uint32 dimensions;          // of every indexed value
    uint16 quantizer;           // IvfQuantizer
    uint16 space;               // IvfSpace
    BlockNumber stream_start;   // first stream page
    uint32 stream_pages;
    BlockNumber directory_start;
    uint32 directory_pages;
    BlockNumber vector_insert_page;  // sq8, pq: vector page inserts try first
    IvfListSlot unassigned;     // the one list of an untrained index (lists = 0)
    uint16 pq_m;                // pq: sub-vectors (code bytes)
    uint16 pq_nbits;            // pq: bits per sub-vector code
} IvfMetaData;

// Entry holding a full value (posting entry of 'none', and vector-page item).
// A value too large for a page lives in an overflow chain (am/common/
// overflow.h) and the entry holds its VecdbOverflowRef instead.
typedef struct IvfFullEntry {
    ItemPointerData heap_tid;
    uint16 flags;  // IVF_ENTRY_*
} IvfFullEntry;

#define IVF_ENTRY_EXTERNAL 0x0001  // a VecdbOverflowRef follows instead of the value

#define IVF_FULL_HEADER_SIZE MAXALIGN(sizeof(IvfFullEntry))
#define IvfFullEntryValue(entry) ((struct varlena*)((char*)(entry) + IVF_FULL_HEADER_SIZE))
#define IvfFullEntryOverflowRef(entry) ((VecdbOverflowRef*)((char*)(entry) + IVF_FULL_HEADER_SIZE))
#define IVF_EXTERNAL_ENTRY_SIZE (IVF_FULL_HEADER_SIZE + MAXALIGN(sizeof(VecdbOverflowRef)))

// Posting entry of 'sq8' and 'pq': the codes follow this header.
typedef struct IvfCodeEntry {
    ItemPointerData heap_tid;
    ItemPointerData vector;  // the IvfFullEntry on a vector page
} IvfCodeEntry;

#define IVF_CODE_HEADER_SIZE sizeof(IvfCodeEntry)
#define IvfCodeEntryCodes(entry) ((const uint8*)(entry) + IVF_CODE_HEADER_SIZE)

// A stream or directory page holds one item: a chunk of the stream, or an
// array of list slots (updated in place).
#define IVF_PAGE_PAYLOAD VECDB_MAX_ITEM_SIZE
#define IVF_SLOTS_PER_PAGE (IVF_PAGE_PAYLOAD / sizeof(IvfListSlot))

// Sub-phases of CREATE INDEX in pg_stat_progress_create_index.
#define IVF_PHASE_SAMPLE 2
#define IVF_PHASE_TRAIN 3
#define IVF_PHASE_ASSIGN 4
#define IVF_PHASE_WRITE 5

// What a backend keeps of an index between statements (in rd_amcache, one
// allocation): the metapage as built, the centroids and the SQ8 ranges.
typedef struct IvfCache {
    RelFileNode node;        // the relfilenode these were read from
    IvfMetaData meta;
    IvfValueType type;
    float* centroids;        // lists × dimensions
    float* centroid_norms;   // ‖c‖², lists
    float* sq8_offset;       // dimensions (sq8 only)
    float* sq8_scale;
    float* pq_codebooks;     // pq only: pq_m × 2^pq_nbits × dimensions/pq_m
} IvfCache;

// Whether the lists of an index hold codes (and the full vectors live on
// vector pages): a trained sq8 or pq index.
static inline bool ivf_lists_hold_codes(const IvfMetaData* meta) {
    return meta->lists > 0 && (meta->quantizer == IVF_QUANTIZER_SQ8 || meta->quantizer == IVF_QUANTIZER_PQ);
}

// Bytes of codes in one list entry (0 when the lists hold full entries).
static inline Size ivf_code_size(const IvfMetaData* meta) {
    if (!ivf_lists_hold_codes(meta)) return 0;
    return meta->quantizer == IVF_QUANTIZER_SQ8 ? (Size)meta->dimensions : (Size)meta->pq_m;
}

// Floats the stream holds after the centroids: the SQ8 ranges or the PQ codebooks.
static inline Size ivf_stream_extra_floats(const IvfMetaData* meta) {
    if (!ivf_lists_hold_codes(meta)) return 0;
    if (meta->quantizer == IVF_QUANTIZER_SQ8) return 2 * (Size)meta->dimensions;
    return ((Size)1 << meta->pq_nbits) * meta->dimensions;
}

// Options of one ivf index (the parsed reloptions).
typedef struct IvfOptions {
    int32 vl_len_;
    int lists;      // 0: about sqrt(rows) at build
    int quantizer;  // IvfQuantizer
    int pq_m;       // 0: the default of core/quant/pq.h (sub-vectors of 4)
    int pq_nbits;   // 0: 8
} IvfOptions;

// ivf_options.cpp, ivf_descriptor.cpp
extern int vecdb_ivf_probes;
extern int vecdb_ivf_rerank;
void ivf_init(void);
bytea* ivf_options(Datum reloptions, bool validate);
IvfOptions ivf_get_options(Relation index);

// ivf_values.cpp: the indexed values as floats
IvfValueType ivf_value_type(Relation index, const VecdbMetric* metric);
IvfSpace ivf_space(const VecdbMetric* metric);
int ivf_value_dimensions(IvfValueType type, const struct varlena* value);
void ivf_value_to_floats(IvfValueType type, IvfSpace space, const struct varlena* value, float* out);
void ivf_check_value(Relation index, IvfValueType type, const struct varlena* value, int dimensions);
void ivf_check_code_size(Relation index, const IvfOptions* options, int dimensions);
uint16 ivf_pq_m(Relation index, const IvfOptions* options, int dimensions);
bool ivf_interrupt_requested(void* ctx);

// ivf_pages.cpp
IvfMetaData ivf_read_meta(Relation index);
void ivf_write_meta(Relation index, ForkNumber fork, const IvfMetaData* meta);
const IvfCache* ivf_cache(Relation index);
uint32 ivf_slot_count(const IvfMetaData* meta);
BlockNumber ivf_slot_block(const IvfMetaData* meta, uint32 list);
IvfListSlot* ivf_slot_in_page(const IvfMetaData* meta, Page page, uint32 list);
IvfListSlot ivf_read_slot(Relation index, const IvfMetaData* meta, uint32 list);
void ivf_set_insert_page(Relation index, const IvfMetaData* meta, uint32 list, BlockNumber expected,
                         BlockNumber page);
void ivf_set_vector_insert_page(Relation index, BlockNumber page);
void ivf_insert_into_list(Relation index, const IvfMetaData* meta, uint32 list, const char* item, Size size);
ItemPointerData ivf_store_vector(Relation index, ItemPointer heap_tid, const struct varlena* value);
char* ivf_form_full_entry(Relation index, ItemPointer heap_tid, const struct varlena* value, Size* size);
const char* ivf_full_entry_problem(const IvfFullEntry* entry, Size item_size);
const struct varlena* ivf_full_entry_value(Relation index, const IvfFullEntry* entry, Size item_size,
                                           VecdbOverflowBuffer* overflow);
uint32 ivf_nearest_list(const IvfCache* cache, const float* x);
bool ivf_check_chain_page(Relation index, Page page, BlockNumber blkno);
void ivf_check_slot_page(Relation index, const IvfMetaData* meta, Page page, BlockNumber blkno);

// ivf_verify.cpp, ivf_list_stats.cpp
void ivf_verify(Relation index, Relation heap, VecdbVerifyReport* report);
void ivf_describe(Relation index, Relation heap, StringInfo out);

// AM callbacks
IndexBuildResult* ivf_build(Relation heap, Relation index, IndexInfo* index_info);
void ivf_build_empty(Relation index);
bool ivf_insert(Relation index, Datum* values, bool* isnull, ItemPointer heap_tid, Relation heap,
                IndexUniqueCheck check_unique, bool index_unchanged, IndexInfo* index_info);
IndexScanDesc ivf_begin_scan(Relation index, int nkeys, int norderbys);
void ivf_rescan(IndexScanDesc scan, ScanKey keys, int nkeys, ScanKey orderbys, int norderbys);
bool ivf_get_tuple(IndexScanDesc scan, ScanDirection dir);
void ivf_end_scan(IndexScanDesc scan);
IndexBulkDeleteResult* ivf_bulk_delete(IndexVacuumInfo* info, IndexBulkDeleteResult* stats,
                                       IndexBulkDeleteCallback callback, void* callback_state);
IndexBulkDeleteResult* ivf_vacuum_cleanup(IndexVacuumInfo* info, IndexBulkDeleteResult* stats);
