// The hnsw index: a hierarchical navigable small-world graph stored in index
// pages, searched with the SIMD kernels.
//
// Page layout
// -----------
// Block 0 is the metapage (VecdbMetaHeader + HnswMetaData): the entry
// element, the top level, m, ef_construction, the quantizer and where
// inserts look for room. Every other block is an element page
// (VECDB_PAGE_DATA) or, for values too large to share a page with their
// links, an overflow page.
//
// An element page holds element tuples. One tuple is everything a search
// needs about one node, so visiting a node costs exactly one page visit:
//
//   HnswElementData  heap TID, level, flags                    8 bytes
//   HnswLink[2m]     level-0 neighbours                        12 bytes each
//   HnswLink[m]      level-1 neighbours ... up to `level`
//   value            the varlena (MAXALIGNed), or a VecdbOverflowRef to an
//                    overflow chain (am/common/overflow) when it does not fit
//
// A link is the neighbour's element TID plus the distance between the two
// (kept so an insert can decide which link a closer newcomer replaces
// without reading the neighbours' vectors). Unused link slots have an
// invalid offset; the used ones come first.
//
// pgvector splits an element into an element tuple and a neighbour tuple,
// so expanding a node reads two items (often two pages) and scoring a
// neighbour reads a third. Here a search scores a neighbour by reading its
// tuple once, and copies that tuple's level-0 links into the scan's node
// table at the same time when the neighbour enters the best ef (only those
// are expanded): expanding the node later needs no page at all.
//
// Element tuples never move (VACUUM marks dead ones deleted and repairs the
// links that pointed at them), so an element TID stays valid for links.
#pragma once

#include "pg/pg.h"
#include "am/common/page.h"
#include "am/common/metric.h"
#include "am/common/options.h"
#include "am/common/overflow.h"
#include "core/hnsw/heap.h"

#include <cmath>

#define HNSW_VERSION 1

// Body of the hnsw metapage.
typedef struct HnswMetaData {
    ItemPointerData entry;    // entry element; invalid while the graph is empty
    int16 entry_level;        // its level (the graph's top level), -1 when empty
    uint16 m;
    uint16 ef_construction;
    uint16 quantizer;         // HNSW_QUANTIZER_*
    BlockNumber insert_page;  // element page inserts try first
    // sq8: the trained per-dimension ranges (offset[dim] then scale[dim],
    // floats) in an overflow chain; size 0 until a build trained them
    VecdbOverflowRef sq8_params;
    BlockNumber vector_insert_page;  // sq8: vector page inserts try first
    // key columns: the chain of key directory pages (hnsw_keys.h), first
    // and last; 0 or invalid when the index has none
    BlockNumber keys_first;
    BlockNumber keys_last;
    // the pending list (hnsw_pending.h); zero in metapages written before it
    BlockNumber pending_head;
    BlockNumber pending_tail;
    uint32 pending_pages;
    uint32 pending_entries;
} HnswMetaData;

#define HNSW_QUANTIZER_NONE 0
#define HNSW_QUANTIZER_SQ8 1

// sq8 pages holding the full vectors (plain varlena items), read to rerank.
#define HNSW_PAGE_VECTOR VECDB_PAGE_AM_FIRST
// Key directory pages: (element TID, key area) of every element, read by
// scans whose key quals are selective enough to score the matches exactly.
#define HNSW_PAGE_KEYS (VECDB_PAGE_AM_FIRST + 1)

// The quantizer's name as WITH (quantizer = ...) spells it.
static inline const char* hnsw_quantizer_name(int quantizer) { return quantizer == HNSW_QUANTIZER_NONE ? "none" : "sq8"; }

// Header of an element tuple.
typedef struct HnswElementData {
    ItemPointerData heap_tid;  // invalid once VACUUM deleted the element
    uint8 level;
    uint8 flags;
} HnswElementData;

typedef HnswElementData* HnswElement;

#define HNSW_ELEMENT_DELETED 0x01   // the heap row is gone: traversed, never returned
#define HNSW_ELEMENT_EXTERNAL 0x02  // a VecdbOverflowRef follows the links
#define HNSW_ELEMENT_QUANTIZED 0x04 // sq8: the vector's TID on a vector page and its codes follow the links

// A quantized element's value part: the full vector's TID, then dim codes.
#define HNSW_QUANTIZED_HEADER MAXALIGN(sizeof(ItemPointerData))

// One neighbour of an element.
typedef struct HnswLink {
    BlockIdData block;
    OffsetNumber offset;  // InvalidOffsetNumber: unused slot
    uint16 unused;
    float dist;           // distance key between the two elements
} HnswLink;

#define HNSW_ELEMENT_HEADER_SIZE MAXALIGN(sizeof(HnswElementData))
#define HnswElementLinks(element) ((HnswLink*)((char*)(element) + HNSW_ELEMENT_HEADER_SIZE))

#define HNSW_MAX_ITEM_SIZE VECDB_MAX_ITEM_SIZE

// Link slots of a level, and where they start in the element's link array.
static inline int hnsw_level_capacity(int m, int level) { return level == 0 ? 2 * m : m; }
static inline int hnsw_level_start(int m, int level) { return level == 0 ? 0 : 2 * m + (level - 1) * m; }
// Bytes from the element start to its value.
static inline Size hnsw_value_offset(int m, int level) {
    return HNSW_ELEMENT_HEADER_SIZE + MAXALIGN(sizeof(HnswLink) * (Size)(2 * m + level * m));
}

// Options (WITH (...)) of an hnsw index.
typedef struct HnswOptions {
    int32 vl_len_;
    int m;
    int ef_construction;
    int quantizer;  // HNSW_QUANTIZER_*
    bool pending_list;       // INSERT appends to the pending list (hnsw_pending.h)
    int pending_list_limit;  // kB; -1: vecdb.hnsw_pending_list_limit
} HnswOptions;

#define HNSW_DEFAULT_M 16
#define HNSW_MAX_M 100
#define HNSW_DEFAULT_EF_CONSTRUCTION 64

extern int hnsw_ef_search;
extern int hnsw_build_threads;

// Sub-phases of CREATE INDEX in pg_stat_progress_create_index.
#define HNSW_PHASE_LOAD 2
#define HNSW_PHASE_GRAPH 3
#define HNSW_PHASE_WRITE 4
#define HNSW_PHASE_INSERT 5

// One node a graph search has scored.
typedef struct HnswNode {
    ItemPointerData element;   // the element tuple
    ItemPointerData heap_tid;
    float dist;
    uint32 links_start;        // its links at the searched level, in HnswSearch.links
    uint16 nlinks;
    uint8 flags;               // HNSW_NODE_*
    ItemPointerData vector;    // sq8: the full vector (invalid when the element holds it)
} HnswNode;

#define HNSW_NODE_DELETED 0x01
#define HNSW_NODE_EXPANDED 0x02
#define HNSW_NODE_EMITTED 0x04
#define HNSW_NODE_LINKS_LATER 0x08  // scored without its links: read them from the page to expand it
#define HNSW_NODE_FILTERED 0x10     // its keys fail the scan's key quals: traversed, never returned
#define HNSW_NODE_BOUNDED 0x20      // dist is a lower bound (scoring stopped early): score it fully before use

// An sq8 quantizer and the query it is prepared for (hnsw_quant.cpp).
typedef struct HnswQuant {
    VecdbKeyKind kind;    // l2, ip or cosine of vector
    int dim;
    const float* offset;  // the trained ranges
    const float* scale;
    const struct varlena* prepared_for;  // the query query_side was computed from
    float* query_side;    // l2: query - offset; ip/cosine: query * scale
    float bias;           // ip/cosine: sum of query * offset
    float* scratch;       // dim floats
    // this CPU's sq8 kernels (core/quant/sq8.h), looked up once per quantizer
    float (*l2)(const float* a, const float* scale, const uint8* codes, size_t n);
    float (*l2_bounded)(const float* a, const float* scale, const uint8* codes, size_t n, float bound);
    float (*dot)(const float* w, const uint8* codes, size_t n);
} HnswQuant;

// Reusable state of graph searches over the pages (scan, insert, vacuum):
// the node table, the visited set and the heaps, all contiguous arrays
// allocated in `context` and kept across searches.
typedef struct HnswSearch {
    Relation index;
    MemoryContext context;
    const VecdbMetric* metric;
    struct VecdbBufferHints* hints;
    int m;
    int level;                  // the level being searched
    const struct varlena* query;
    HnswNode* nodes;
    uint32 nnodes, nodes_capacity;
    ItemPointerData* links;
    uint32 nlinks, links_capacity;
    // visited set: open addressing on element TIDs; an entry is the TID's
    // key with the epoch of the search that inserted it in the top 16 bits
    // (one array: a probe touches one cache line)
    uint64* visited;
    uint32 visited_capacity, visited_count, epoch;
    // unquantized l2 / l1 of vector or halfvec: the bounded kernel and the
    // query's elements, chosen once per query (NULL: vecdb_metric_key)
    float (*bounded_f32)(const float* a, const float* b, size_t n, float bound);
    float (*bounded_f16)(const uint16_t* a, const uint16_t* b, size_t n, float bound);
    const void* query_x;
    uint32 query_size;  // VARSIZE of the query: a value of the same size and dim has its shape
    int query_dim;
    // heaps of (dist, node index)
    vecdb::core::hnsw::Scored* candidates;  // unexpanded, nearest first
    uint32 ncandidates, candidates_capacity;
    vecdb::core::hnsw::Scored* results;     // the best ef not yet emitted, farthest first
    uint32 nresults, results_capacity;
    vecdb::core::hnsw::Scored* pool;        // scored, not emitted, not in results; nearest first
    uint32 npool, pool_capacity;
    // scored this round beyond the worst of a full results heap: this round
    // can neither expand nor return them (the worst only falls), so they
    // join the candidates and the pool (unsorted, no heap pushes) only when
    // another round starts
    vecdb::core::hnsw::Scored* beyond;
    uint32 nbeyond, beyond_capacity;
    ItemPointerData* pending;               // neighbours of the node being expanded, by page
    uint32 pending_capacity;
    uint64 scored;                          // nodes scored since the search began
    uint64 scored_total;                    // nodes scored by every search since init
    HnswQuant* quant;                       // sq8: score codes with it (NULL: full vectors)
    char* vector_copy;                      // a full vector read from a vector page
    Size vector_copy_capacity;
    VecdbOverflowBuffer overflow;           // reassembly space for out-of-line values
    const struct HnswKeyFilter* filter;     // scans with key quals: elements failing it are not returned
} HnswSearch;

// hnsw_options.cpp
void hnsw_init(void);
bytea* hnsw_options(Datum reloptions, bool validate);
void hnsw_get_options(Relation index, int* m, int* ef_construction);
int hnsw_get_quantizer(Relation index);
int hnsw_max_level(int m);

// hnsw_pages.cpp
void hnsw_init_metapage(Relation index, ForkNumber fork, int m, int ef_construction, int quantizer);
HnswMetaData hnsw_read_meta(Relation index);
void hnsw_update_entry(Relation index, ItemPointer element, int level, bool only_if_higher);
void hnsw_set_insert_page(Relation index, BlockNumber blkno, uint16 kind);
// (key_bytes: the key area at the end of the tuple, hnsw_keys.h)
Size hnsw_element_size(int m, int level, Size value_size, Size key_bytes, bool* external);
void hnsw_form_element(char* item, int m, int level, ItemPointer heap_tid, const struct varlena* value,
                       const VecdbOverflowRef* external);
HnswElement hnsw_get_element(Relation index, Page page, BlockNumber blkno, OffsetNumber offset, int m);
// hnsw_get_element on a page already checked to be an element page.
HnswElement hnsw_page_element(Relation index, Page page, BlockNumber blkno, OffsetNumber offset, int m);
// A change made in the same WAL record as an element's placement: the
// pending-list merge marks the row's entry placed (hnsw_pending.h), so a
// crash leaves the row either pending or in the graph, never both or none.
typedef struct HnswPlaceCompanion {
    Buffer buffer;        // the pending page, pinned; locked after the element page
    OffsetNumber offset;  // the entry
} HnswPlaceCompanion;
// Locks the companion's page and registers it in state with the entry
// marked placed at element (hnsw_pending.cpp).
void hnsw_pending_mark_placed(Relation index, GenericXLogState* state, const HnswPlaceCompanion* companion,
                              ItemPointer element);
ItemPointerData hnsw_place_element(Relation index, const char* item, Size size,
                                   const HnswPlaceCompanion* companion);
// Adds an item to a page of `kind` (VECDB_PAGE_DATA or HNSW_PAGE_VECTOR).
ItemPointerData hnsw_place_item(Relation index, const char* item, Size size, uint16 kind,
                                const HnswPlaceCompanion* companion = NULL);
// Fills a quantized element (item zeroed, hnsw_quantized_element_size bytes).
void hnsw_form_quantized_element(char* item, int m, int level, ItemPointer heap_tid, ItemPointer vector,
                                 const uint8* codes, int dim);
// Whether a block is an element page (and not overflow, free or new).
bool hnsw_is_element_page(Page page);
// Gives element a level-0 link to target (true when it has one now): into a
// free slot, else, with replace_farthest, in place of its farthest link,
// whose old target goes to *displaced (invalid when nothing was displaced).
bool hnsw_link_to(Relation index, int m, ItemPointer element, ItemPointer target, float dist, bool replace_farthest,
                  ItemPointer displaced);
static inline bool hnsw_link_valid(const HnswLink* link) { return link->offset != InvalidOffsetNumber; }
static inline ItemPointerData hnsw_link_tid(const HnswLink* link) {
    ItemPointerData tid;
    tid.ip_blkid = link->block;
    tid.ip_posid = link->offset;
    return tid;
}
static inline void hnsw_set_link(HnswLink* link, ItemPointer tid, float dist) {
    link->block = tid->ip_blkid;
    link->offset = tid->ip_posid;
    link->unused = 0;
    link->dist = dist;
}

// hnsw_search.cpp
void hnsw_search_init(HnswSearch* search, Relation index, MemoryContext context, const VecdbMetric* metric, int m);
// hnsw_search_init with the arrays the backend's previous search left (kept
// in a backend-lifetime context); they go back when `owner` is reset or
// deleted (also on ERROR), so `search` must live until then.
void hnsw_search_init_reused(HnswSearch* search, Relation index, MemoryContext owner, const VecdbMetric* metric,
                             int m);
// Starts a search at a level for query. A query at the address of the
// previous one is taken to be the same: call hnsw_search_forget_query when
// the memory may hold another query since.
void hnsw_search_begin(HnswSearch* search, const struct varlena* query, int level);
void hnsw_search_forget_query(HnswSearch* search);
int32 hnsw_search_score(HnswSearch* search, ItemPointer element, bool record_links);
bool hnsw_search_visit(HnswSearch* search, ItemPointer element);
void hnsw_search_seed(HnswSearch* search, ItemPointer element);
void hnsw_search_run(HnswSearch* search, uint32 ef, uint64 budget);
ItemPointerData hnsw_greedy_descend(HnswSearch* search, const struct varlena* query, ItemPointer entry,
                                    int from_level, int to_level);
uint32 hnsw_search_take_results(HnswSearch* search, vecdb::core::hnsw::Scored* out);
struct varlena* hnsw_element_value(HnswSearch* search, HnswElement element, Size item_size);
struct varlena* hnsw_copy_element_value(HnswSearch* search, ItemPointer element);
struct varlena* hnsw_copy_live_value(HnswSearch* search, ItemPointer element);
// The full vector at a vector-page TID (valid until the next read).
struct varlena* hnsw_search_vector(HnswSearch* search, ItemPointer vector);
// The metric key of query against the full vector at a vector-page TID,
// computed in place on the page.
double hnsw_search_vector_key(HnswSearch* search, const struct varlena* query, ItemPointer vector);
// Prefetches into the CPU cache what reading the items at tids will touch
// (their buffer descriptors, page headers, special spaces, the items),
// through the remembered buffers: the cache misses of many pages overlap.
void hnsw_search_prefetch(HnswSearch* search, const ItemPointerData* tids, uint32 n);

// hnsw_quant.cpp
bool hnsw_quant_supported(const VecdbMetric* metric);
void hnsw_quant_check_metric(Relation index, const VecdbMetric* metric);
void hnsw_quant_check_value(Relation index, const HnswQuant* quant, const struct varlena* value);
// Rejects a vector too large for a vector page, or whose quantized element
// would not fit an element page.
void hnsw_quant_check_size(Relation index, int m, const struct varlena* value);
// Trains the ranges on n sample values and stores them (*ref).
HnswQuant* hnsw_quant_train(Relation index, const VecdbMetric* metric, const struct varlena* const* sample, int n,
                            VecdbOverflowRef* ref);
// The index's quantizer, or NULL when it has none (or none trained yet).
HnswQuant* hnsw_quant_load(Relation index, const VecdbMetric* metric, const HnswMetaData* meta);
void hnsw_quant_encode(const HnswQuant* quant, const struct varlena* value, uint8* codes);
void hnsw_quant_prepare(HnswQuant* quant, const struct varlena* query);
// The approximate key of the prepared query against codes.
static inline float hnsw_quant_key(const HnswQuant* quant, const uint8* codes) {
    if (quant->kind == VECDB_KEY_VECTOR_L2) return quant->l2(quant->query_side, quant->scale, codes, quant->dim);
    float dot = quant->bias + quant->dot(quant->query_side, codes, quant->dim);
    // the metric's keys: -dot for ip, 1 - cos for cosine (both unit length here)
    return quant->kind == VECDB_KEY_VECTOR_IP ? -dot : 1.0f - dot;
}
// hnsw_quant_key, allowed to stop early for L2 once bound is finite: the
// same key when it is <= bound, else a lower bound of it above bound.
static inline float hnsw_quant_key_bounded(const HnswQuant* quant, const uint8* codes, float bound) {
    if (quant->kind != VECDB_KEY_VECTOR_L2 || !(bound < INFINITY)) return hnsw_quant_key(quant, codes);
    return quant->l2_bounded(quant->query_side, quant->scale, codes, quant->dim, bound);
}
static inline Size hnsw_quantized_element_size(int m, int level, int dim) {
    return hnsw_value_offset(m, level) + HNSW_QUANTIZED_HEADER + MAXALIGN(dim);
}

// hnsw_reach.cpp: one mark byte per possible element TID of the index
typedef struct HnswTidMap {
    BlockNumber nblocks;
    uint32 slots;  // line pointers per block the map covers
    uint8* marks;
} HnswTidMap;

#define HNSW_MARK_ELEMENT 0x01  // a well-formed element lives there
#define HNSW_MARK_REACHED 0x02  // the level-0 walk from the entry point reached it
#define HNSW_MARK_LIVE 0x04     // not deleted
#define HNSW_MARK_PLACED 0x08   // a merge placed it and may not have linked it yet (hnsw_pending.h)
#define HNSW_MARK_LEVEL_SHIFT 4 // the element's level in the high bits

void hnsw_tid_map_init(HnswTidMap* map, BlockNumber nblocks, int m);
uint8* hnsw_tid_map_at(const HnswTidMap* map, ItemPointer tid);
// Marks everything reachable over level-0 links from start (an element of
// the map) as reached, following only links to elements of the map.
// Returns how many elements it newly reached.
uint64 hnsw_walk_level0(Relation index, int m, ItemPointer start, HnswTidMap* map);

// What hnsw_map_elements counts.
typedef struct HnswGraphCounts {
    uint64 elements;      // live ones
    uint64 deleted;       // tombstones VACUUM left
    uint64 level0_links;  // of the live elements
    int top_level;        // highest level of a live element, -1 when none
} HnswGraphCounts;

// Marks every element of the index in a fresh map (sized for the index
// now) and counts them.
void hnsw_map_elements(Relation index, int m, HnswTidMap* map, HnswGraphCounts* counts);
// Links every live element the entry point does not reach on level 0 into
// the reached part of the graph (VACUUM, after repairing the links to dead
// elements). Returns how many it linked.
uint64 hnsw_reconnect(Relation index, const VecdbMetric* metric);

// hnsw_verify.cpp (descriptor callbacks)
void hnsw_verify(Relation index, Relation heap, struct VecdbVerifyReport* report);
bool hnsw_indexes_row(Relation index, Datum* values, bool* isnull, void** state);

// hnsw_insert.cpp
// keys: the row's key area (hnsw_form_keys), NULL when the index has no key columns.
// companion: changed in the element's own WAL record (NULL: nothing)
void hnsw_insert_value(Relation index, const VecdbMetric* metric, ItemPointer heap_tid, const struct varlena* value,
                       const char* keys, MemoryContext context, const HnswPlaceCompanion* companion = NULL);
// Links an element placed by a merge that a crash interrupted: the back
// links from its neighbours (the ones that already exist are kept) and the
// entry point.
void hnsw_relink_element(Relation index, const VecdbMetric* metric, ItemPointer element, MemoryContext context);
bool hnsw_value_indexable(const VecdbMetric* metric, const struct varlena* value);
// The level a row's element gets (drawn from its heap TID: the same on every run).
int hnsw_element_level(ItemPointer heap_tid, int m);

// AM callbacks (hnsw_build.cpp, hnsw_insert.cpp, hnsw_scan.cpp, hnsw_vacuum.cpp, hnsw_cost.cpp)
IndexBuildResult* hnsw_build(Relation heap, Relation index, IndexInfo* index_info);
void hnsw_build_empty(Relation index);
bool hnsw_insert(Relation index, Datum* values, bool* isnull, ItemPointer heap_tid, Relation heap,
                 IndexUniqueCheck check_unique, bool index_unchanged, IndexInfo* index_info);
IndexScanDesc hnsw_begin_scan(Relation index, int nkeys, int norderbys);
void hnsw_rescan(IndexScanDesc scan, ScanKey keys, int nkeys, ScanKey orderbys, int norderbys);
bool hnsw_get_tuple(IndexScanDesc scan, ScanDirection dir);
void hnsw_end_scan(IndexScanDesc scan);
IndexBulkDeleteResult* hnsw_bulk_delete(IndexVacuumInfo* info, IndexBulkDeleteResult* stats,
                                        IndexBulkDeleteCallback callback, void* callback_state);
IndexBulkDeleteResult* hnsw_vacuum_cleanup(IndexVacuumInfo* info, IndexBulkDeleteResult* stats);
