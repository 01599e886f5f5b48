// Graph search over hnsw pages, shared by index scans, inserts and VACUUM.
//
// A search keeps every node it scored in a node table (with that node's
// links at the searched level, copied while its page was locked for
// scoring when the node enters the best ef), so expanding a node reads no
// page; a node scored without its links (HNSW_NODE_LINKS_LATER) re-reads
// its page if it is expanded after all. Before scoring the neighbours of a
// node, their buffer descriptors, page headers and element tuples are
// prefetched together so the cache misses overlap. Scored nodes sit in three
// heaps: unexpanded candidates, the current best ef (results) and the rest
// (pool). hnsw_search_run() is the HNSW layer search; calling it again after
// taking the results continues from where it stopped, which is how an
// iterative scan produces its next batch without starting over.
#include "am/hnsw/hnsw.h"
#include "am/hnsw/hnsw_keys.h"
#include "am/common/buffer_hints.h"
#include "types/vector.h"

extern "C" {
#include "storage/buf_internals.h"
}

#include <cmath>

using vecdb::core::hnsw::FarthestFirst;
using vecdb::core::hnsw::heap_pop;
using vecdb::core::hnsw::heap_push;
using vecdb::core::hnsw::NearestFirst;
using vecdb::core::hnsw::Scored;

#define HNSW_INITIAL_NODES 1024
#define HNSW_INITIAL_VISITED 4096

// Grows an array in the search's context to hold at least `needed` elements.
static void* grow_array(MemoryContext context, void* array, uint32* capacity, uint32 needed, Size element_size) {
    if (needed <= *capacity) return array;
    uint32 capacity_new = Max(*capacity, 64);
    while (capacity_new < needed) capacity_new *= 2;
    Size bytes = (Size)capacity_new * element_size;
    void* grown = array ? repalloc_huge(array, bytes) : MemoryContextAllocHuge(context, bytes);
    *capacity = capacity_new;
    return grown;
}

// Zeroes a search and sets what describes the index it searches.
static void init_fields(HnswSearch* search, Relation index, MemoryContext context, const VecdbMetric* metric, int m) {
    memset(search, 0, sizeof *search);
    search->index = index;
    search->context = context;
    search->metric = metric;
    search->m = m;
    search->hints = vecdb_buffer_hints(index);
}

void hnsw_search_init(HnswSearch* search, Relation index, MemoryContext context, const VecdbMetric* metric, int m) {
    init_fields(search, index, context, metric, m);
    vecdb_overflow_buffer_init(&search->overflow, context);
    search->visited_capacity = HNSW_INITIAL_VISITED;
    search->visited = (uint64*)MemoryContextAllocZero(context, sizeof(uint64) * HNSW_INITIAL_VISITED);
}

// The arrays of a finished search kept for the next one of this backend
// (only its array fields are used): scans run one after another, and
// allocating then freeing ~100 kB per query made glibc grow and trim the
// heap (brk, page faults) every time.
static MemoryContext spare_context = NULL;  // child of TopMemoryContext: holds the arrays of reused searches
static HnswSearch spare;
static bool spare_valid = false;

// Arrays larger than this (entries of the visited set) are freed, not kept.
#define HNSW_SPARE_MAX_VISITED ((uint32)1 << 20)

// Moves the arrays (with their capacities and the visited epoch) of one
// search to another, leaving `from` without any.
static void move_arrays(HnswSearch* to, HnswSearch* from) {
    to->nodes = from->nodes;
    to->nodes_capacity = from->nodes_capacity;
    to->links = from->links;
    to->links_capacity = from->links_capacity;
    to->visited = from->visited;
    to->visited_capacity = from->visited_capacity;
    to->epoch = from->epoch;
    to->candidates = from->candidates;
    to->candidates_capacity = from->candidates_capacity;
    to->results = from->results;
    to->results_capacity = from->results_capacity;
    to->pool = from->pool;
    to->pool_capacity = from->pool_capacity;
    to->beyond = from->beyond;
    to->beyond_capacity = from->beyond_capacity;
    to->pending = from->pending;
    to->pending_capacity = from->pending_capacity;
    to->vector_copy = from->vector_copy;
    to->vector_copy_capacity = from->vector_copy_capacity;
    memset(from, 0, sizeof *from);
}

// Gives a reused search's arrays back to the spare slot (or frees them when
// it is taken or they grew huge): the reset callback of its owner context,
// so an ERROR that unwinds the scan returns them too.
static void give_back_arrays(void* arg) {
    HnswSearch* search = (HnswSearch*)arg;
    if (!spare_valid && search->visited_capacity <= HNSW_SPARE_MAX_VISITED) {
        move_arrays(&spare, search);
        spare_valid = true;
        return;
    }
    void* arrays[] = {search->nodes, search->links,   search->visited,     search->candidates, search->results,
                      search->pool,  search->beyond, search->pending, search->vector_copy};
    for (void* array : arrays)
        if (array) pfree(array);
    memset(search, 0, sizeof *search);
}

void hnsw_search_init_reused(HnswSearch* search, Relation index, MemoryContext owner, const VecdbMetric* metric,
                             int m) {
    if (spare_context == NULL)
        spare_context = AllocSetContextCreate(TopMemoryContext, "hnsw search arrays", ALLOCSET_DEFAULT_SIZES);
    if (!spare_valid) {
        hnsw_search_init(search, index, spare_context, metric, m);
    } else {
        init_fields(search, index, spare_context, metric, m);
        move_arrays(search, &spare);
        spare_valid = false;
    }
    // out-of-line values are reassembled in the owner's memory
    vecdb_overflow_buffer_init(&search->overflow, owner);
    MemoryContextCallback* callback = (MemoryContextCallback*)MemoryContextAlloc(owner, sizeof(MemoryContextCallback));
    callback->func = give_back_arrays;
    callback->arg = search;
    MemoryContextRegisterResetCallback(owner, callback);
}

// Chooses the kernel that scores unquantized values against the query
// (vector and halfvec l2 / l1; the others go through vecdb_metric_key), so
// scoring one needs no switch on the metric and no shape check beyond
// comparing its size and dimension with the query's.
static void choose_kernel(HnswSearch* search, const struct varlena* query) {
    search->bounded_f32 = NULL;
    search->bounded_f16 = NULL;
    const VecdbMetric* metric = search->metric;
    if (!vecdb_metric_has_kernel(metric) || !vecdb_metric_same_shape(metric, query, query)) return;
    const vecdb::core::DistanceKernels* k = metric->kernels;
    switch (metric->kind) {
        case VECDB_KEY_VECTOR_L2: search->bounded_f32 = k->l2_squared_bounded_f32; break;
        case VECDB_KEY_VECTOR_L1: search->bounded_f32 = k->l1_bounded_f32; break;
        case VECDB_KEY_HALFVEC_L2: search->bounded_f16 = k->l2_squared_bounded_f16; break;
        case VECDB_KEY_HALFVEC_L1: search->bounded_f16 = k->l1_bounded_f16; break;
        default: return;
    }
    search->query_size = VARSIZE(query);
    if (search->bounded_f32) {
        search->query_x = ((const Vector*)query)->x;
        search->query_dim = ((const Vector*)query)->dim;
    } else {
        search->query_x = ((const HalfVector*)query)->x;
        search->query_dim = ((const HalfVector*)query)->dim;
    }
}

// Bits of a visited entry below the epoch (element TID keys need 48).
#define HNSW_VISITED_KEY_BITS 48
#define HNSW_VISITED_MAX_EPOCH 0xFFFF

void hnsw_search_forget_query(HnswSearch* search) {
    search->query = NULL;
    if (search->quant) search->quant->prepared_for = NULL;
}

void hnsw_search_begin(HnswSearch* search, const struct varlena* query, int level) {
    if (search->query != query) choose_kernel(search, query);
    search->query = query;
    if (search->quant && search->quant->prepared_for != query) hnsw_quant_prepare(search->quant, query);
    search->level = level;
    search->nnodes = search->nlinks = 0;
    search->ncandidates = search->nresults = search->npool = search->nbeyond = 0;
    search->scored = 0;
    search->visited_count = 0;
    if (++search->epoch > HNSW_VISITED_MAX_EPOCH) {
        memset(search->visited, 0, sizeof(uint64) * search->visited_capacity);
        search->epoch = 1;
    }
}

// The visited-set key of an element TID (never 0).
static inline uint64 visited_key(ItemPointer tid) {
    return (((uint64)ItemPointerGetBlockNumberNoCheck(tid) << 16) | ItemPointerGetOffsetNumberNoCheck(tid)) + 1;
}

// Inserts a key with open addressing; true when it was not there yet.
static inline bool visited_insert(HnswSearch* search, uint64 key) {
    uint32 mask = search->visited_capacity - 1;
    uint32 slot = (uint32)((key * 0x9E3779B97F4A7C15ULL) >> 32) & mask;
    uint64 entry = key | ((uint64)search->epoch << HNSW_VISITED_KEY_BITS);
    uint64 current;
    while (((current = search->visited[slot]) >> HNSW_VISITED_KEY_BITS) == search->epoch) {
        if (current == entry) return false;
        slot = (slot + 1) & mask;
    }
    search->visited[slot] = entry;
    search->visited_count++;
    return true;
}

// Doubles the visited set, keeping the keys of the current search.
static void visited_grow(HnswSearch* search) {
    uint32 old_capacity = search->visited_capacity;
    uint64* old = search->visited;
    uint64 old_epoch = search->epoch;
    search->visited_capacity = old_capacity * 2;
    search->visited = (uint64*)MemoryContextAllocHuge(search->context, sizeof(uint64) * search->visited_capacity);
    memset(search->visited, 0, sizeof(uint64) * search->visited_capacity);
    search->epoch = 1;
    search->visited_count = 0;
    const uint64 key_mask = ((uint64)1 << HNSW_VISITED_KEY_BITS) - 1;
    for (uint32 i = 0; i < old_capacity; i++)
        if ((old[i] >> HNSW_VISITED_KEY_BITS) == old_epoch) visited_insert(search, old[i] & key_mask);
    pfree(old);
}

// hnsw_search_visit, inlined into the search loop.
static inline bool visit(HnswSearch* search, ItemPointer element) {
    if (unlikely((uint64)(search->visited_count + 1) * 2 > search->visited_capacity)) visited_grow(search);
    return visited_insert(search, visited_key(element));
}

bool hnsw_search_visit(HnswSearch* search, ItemPointer element) { return visit(search, element); }

// Raises the corruption error for an element whose value is malformed.
static void corrupted_value(Relation index) {
    ereport(ERROR, (errcode(ERRCODE_INDEX_CORRUPTED),
                    errmsg("index \"%s\" contains a corrupted element", RelationGetRelationName(index)),
                    errhint("Please REINDEX it.")));
}

static inline void prefetch_page_start(HnswSearch* search, BlockNumber blkno);
static inline const char* guess_page(HnswSearch* search, BlockNumber blkno);
static inline void prefetch_element(const char* page, OffsetNumber offset, uint32 skip);

// Pins and share-locks the vector page holding tid and returns the full
// vector there (valid while *buffer stays locked).
static struct varlena* lock_vector(HnswSearch* search, ItemPointer tid, Buffer* buffer_out) {
    // vector pages are only ever locked after their element's page, like overflow pages: no cycle
    Relation index = search->index;
    BlockNumber blkno = ItemPointerGetBlockNumber(tid);
    OffsetNumber offset = ItemPointerGetOffsetNumber(tid);
    // (a block past the end fails in ReadBuffer with its own error; asking
    // for the relation's size here would cost a system call per vector)
    if (blkno == VECDB_METAPAGE_BLKNO) corrupted_value(index);
    Buffer buffer = vecdb_read_buffer_hinted(index, (VecdbBufferHints*)search->hints, blkno);
    LockBuffer(buffer, BUFFER_LOCK_SHARE);
    Page page = BufferGetPage(buffer);
    vecdb_page_check(index, page, blkno, HNSW_PAGE_VECTOR);
    if (offset < FirstOffsetNumber || offset > PageGetMaxOffsetNumber(page) ||
        !ItemIdIsNormal(PageGetItemId(page, offset)))
        corrupted_value(index);
    ItemId item_id = PageGetItemId(page, offset);
    struct varlena* value = (struct varlena*)PageGetItem(page, item_id);
    Size size = ItemIdGetLength(item_id);
    if (size < VARHDRSZ || VARATT_IS_EXTENDED(value) || VARSIZE(value) != size) corrupted_value(index);
    *buffer_out = buffer;
    return value;
}

// Copies the full vector at tid on a vector page into the search's buffer.
static struct varlena* read_vector(HnswSearch* search, ItemPointer tid) {
    Buffer buffer;
    struct varlena* value = lock_vector(search, tid, &buffer);
    Size size = VARSIZE(value);
    if (search->vector_copy_capacity < size) {
        if (search->vector_copy) pfree(search->vector_copy);
        search->vector_copy = (char*)MemoryContextAlloc(search->context, Max(size, 1024));
        search->vector_copy_capacity = Max(size, 1024);
    }
    memcpy(search->vector_copy, value, size);
    UnlockReleaseBuffer(buffer);
    return (struct varlena*)search->vector_copy;
}

double hnsw_search_vector_key(HnswSearch* search, const struct varlena* query, ItemPointer vector) {
    Buffer buffer;
    struct varlena* value = lock_vector(search, vector, &buffer);
    double key = vecdb_metric_key(search->metric, query, value);
    UnlockReleaseBuffer(buffer);
    return key;
}

struct varlena* hnsw_search_vector(HnswSearch* search, ItemPointer vector) { return read_vector(search, vector); }

// hnsw_search_prefetch skipping `skip` bytes after each item's first line.
static void prefetch_items(HnswSearch* search, const ItemPointerData* tids, uint32 n, uint32 skip) {
    for (uint32 i = 0; i < n; i++) prefetch_page_start(search, ItemPointerGetBlockNumberNoCheck(&tids[i]));
    for (uint32 i = 0; i < n; i++)
        prefetch_element(guess_page(search, ItemPointerGetBlockNumberNoCheck(&tids[i])),
                         ItemPointerGetOffsetNumberNoCheck(&tids[i]), skip);
}

void hnsw_search_prefetch(HnswSearch* search, const ItemPointerData* tids, uint32 n) { prefetch_items(search, tids, n, 0); }

struct varlena* hnsw_element_value(HnswSearch* search, HnswElement element, Size item_size) {
    Size offset = hnsw_value_offset(search->m, element->level);
    if (element->flags & HNSW_ELEMENT_QUANTIZED) {
        ItemPointerData vector;
        memcpy(&vector, (char*)element + offset, sizeof vector);
        return read_vector(search, &vector);
    }
    if (element->flags & HNSW_ELEMENT_EXTERNAL) {
        // overflow pages are only ever locked after their element's page: no cycle
        VecdbOverflowRef ref;
        memcpy(&ref, (char*)element + offset, sizeof ref);
        return (struct varlena*)vecdb_overflow_read_value(search->index, &ref, &search->overflow);
    }
    struct varlena* value = (struct varlena*)((char*)element + offset);
    if (VARATT_IS_EXTENDED(value) || offset + VARSIZE(value) > item_size) corrupted_value(search->index);
    return value;
}

// A copy of an element's value (for the distances between candidates);
// NULL when only_live and VACUUM deleted the element (its value may be gone).
static struct varlena* copy_value(HnswSearch* search, ItemPointer tid, bool only_live) {
    Buffer buffer = ReadBuffer(search->index, ItemPointerGetBlockNumber(tid));
    LockBuffer(buffer, BUFFER_LOCK_SHARE);
    Page page = BufferGetPage(buffer);
    OffsetNumber offset = ItemPointerGetOffsetNumber(tid);
    HnswElement element = hnsw_get_element(search->index, page, ItemPointerGetBlockNumber(tid), offset, search->m);
    struct varlena* copy = NULL;
    if (!only_live || !(element->flags & HNSW_ELEMENT_DELETED)) {
        struct varlena* value = hnsw_element_value(search, element, ItemIdGetLength(PageGetItemId(page, offset)));
        copy = (struct varlena*)palloc(VARSIZE(value));
        memcpy(copy, value, VARSIZE(value));
    }
    UnlockReleaseBuffer(buffer);
    return copy;
}

struct varlena* hnsw_copy_element_value(HnswSearch* search, ItemPointer tid) { return copy_value(search, tid, false); }

struct varlena* hnsw_copy_live_value(HnswSearch* search, ItemPointer tid) { return copy_value(search, tid, true); }

// Appends a node and returns its index.
static uint32 add_node(HnswSearch* search) {
    search->nodes = (HnswNode*)grow_array(search->context, search->nodes, &search->nodes_capacity,
                                          Max(search->nnodes + 1, HNSW_INITIAL_NODES), sizeof(HnswNode));
    return search->nnodes++;
}

// Pins and share-locks the element page of a link target.
static Buffer lock_element_page(HnswSearch* search, BlockNumber blkno) {
    // (a block past the end fails in ReadBuffer with its own error)
    if (blkno == VECDB_METAPAGE_BLKNO)
        ereport(ERROR, (errcode(ERRCODE_INDEX_CORRUPTED),
                        errmsg("index \"%s\" links to block %u, which is not an element page",
                               RelationGetRelationName(search->index), blkno),
                        errhint("Please REINDEX it.")));
    Buffer buffer = vecdb_read_buffer_hinted(search->index, (VecdbBufferHints*)search->hints, blkno);
    LockBuffer(buffer, BUFFER_LOCK_SHARE);
    // checked once per pin; the elements read under it skip the check
    vecdb_page_check(search->index, BufferGetPage(buffer), blkno, VECDB_PAGE_DATA);
    return buffer;
}

// Where the remembered buffer of blkno holds its page, or NULL: a guess
// (the buffer may hold another page by now), only ever prefetched from.
static inline const char* guess_page(HnswSearch* search, BlockNumber blkno) {
    Buffer buffer = vecdb_buffer_hint_peek((const VecdbBufferHints*)search->hints, blkno);
    if (buffer <= 0 || buffer > NBuffers) return NULL;
    return (const char*)BufferGetBlock(buffer);
}

// Prefetches what pinning, locking and checking a page touch first: the
// buffer descriptor (pin count and content lock), the page header with the
// first line pointers, and the special space.
static inline void prefetch_page_start(HnswSearch* search, BlockNumber blkno) {
    Buffer buffer = vecdb_buffer_hint_peek((const VecdbBufferHints*)search->hints, blkno);
    if (buffer <= 0 || buffer > NBuffers) return;
    __builtin_prefetch(GetBufferDescriptor(buffer - 1));
    const char* page = (const char*)BufferGetBlock(buffer);
    __builtin_prefetch(page);
    __builtin_prefetch(page + BLCKSZ - sizeof(VecdbPageOpaqueData));
}

// Prefetches the element tuple at offset of a (guessed, unlocked) page:
// its line pointer was prefetched before; every line of the tuple now.
static inline void prefetch_element(const char* page, OffsetNumber offset, uint32 skip) {
    if (page == NULL) return;
    const PageHeaderData* header = (const PageHeaderData*)page;
    const ItemIdData* item_id = &header->pd_linp[offset - 1];
    if ((const char*)(item_id + 1) > page + BLCKSZ) return;
    uint32 start = item_id->lp_off, length = item_id->lp_len;
    if (start >= BLCKSZ || length > BLCKSZ - start) return;
    __builtin_prefetch(page + start);
    for (uint32 at = (start + Min(skip, length)) & ~63u; at < start + length; at += 64) __builtin_prefetch(page + at);
}

// Copies the element's links at the searched level into the links table
// and makes them the node's.
static void copy_links(HnswSearch* search, HnswNode* node, HnswElement element) {
    node->links_start = search->nlinks;
    node->nlinks = 0;
    node->flags &= ~HNSW_NODE_LINKS_LATER;
    int level = search->level;
    if (element->level < level) return;
    const HnswLink* links = HnswElementLinks(element) + hnsw_level_start(search->m, level);
    int capacity = hnsw_level_capacity(search->m, level);
    search->links = (ItemPointerData*)grow_array(search->context, search->links, &search->links_capacity,
                                                 search->nlinks + capacity, sizeof(ItemPointerData));
    int n = 0;
    while (n < capacity && hnsw_link_valid(&links[n])) {
        search->links[search->nlinks + n] = hnsw_link_tid(&links[n]);
        n++;
    }
    search->nlinks += n;
    node->nlinks = (uint16)n;
}

// The key of an element (on its page) as a float, NaN sorting last. With a
// finite bound, scoring may stop once the key is known to exceed it: then
// *abandoned is set and the result is a lower bound (> bound) of the key.
static float element_key(HnswSearch* search, HnswElement element, Size item_size, HnswNode* node, float bound,
                         bool* abandoned) {
    *abandoned = false;
    // A deleted element's overflow chain may already be freed; it is only
    // traversed, so it needs no distance: it is expanded last.
    double key = INFINITY;
    if ((element->flags & HNSW_ELEMENT_QUANTIZED) && search->quant) {
        // on the codes; the full vector is read only if the node is returned
        const char* part = (const char*)element + hnsw_value_offset(search->m, element->level);
        memcpy(&node->vector, part, sizeof(ItemPointerData));
        if (item_size < hnsw_quantized_element_size(search->m, element->level, search->quant->dim))
            corrupted_value(search->index);
        const uint8* codes = (const uint8*)part + HNSW_QUANTIZED_HEADER;
        key = hnsw_quant_key_bounded(search->quant, codes, bound);
        // (only the l2 kernel stops early)
        *abandoned = search->quant->kind == VECDB_KEY_VECTOR_L2 && key > bound;
    } else if (!((element->flags & HNSW_ELEMENT_DELETED) && (element->flags & HNSW_ELEMENT_EXTERNAL))) {
        const struct varlena* value = hnsw_element_value(search, element, item_size);
        // (the bounded kernels equal the plain ones within the bound: an
        // infinite bound gives vecdb_metric_key's key)
        if (search->bounded_f32 && VARSIZE(value) == search->query_size &&
            ((const Vector*)value)->dim == search->query_dim) {
            key = search->bounded_f32(((const Vector*)value)->x, (const float*)search->query_x,
                                      (size_t)search->query_dim, bound);
            *abandoned = key > bound;
        } else if (search->bounded_f16 && VARSIZE(value) == search->query_size &&
                   ((const HalfVector*)value)->dim == search->query_dim) {
            key = search->bounded_f16(((const HalfVector*)value)->x, (const uint16_t*)search->query_x,
                                      (size_t)search->query_dim, bound);
            *abandoned = key > bound;
        } else
            key = vecdb_metric_key(search->metric, search->query, value);
    }
    // NaN (cosine against a zero vector) sorts last, as ORDER BY puts it
    return std::isnan(key) ? INFINITY : (float)key;
}

// Scores one element of a locked page into a new node; returns its index.
// With record_links its links are copied too, unless ef > 0 and the node
// will not enter the best ef (then it is most likely never expanded: its
// links are read from the page only if it is, HNSW_NODE_LINKS_LATER).
// When the best ef are full, the node's key is needed exactly only if it
// beats the worst of them: scoring may stop early otherwise (the node is
// then HNSW_NODE_BOUNDED; this round of the search never uses it: the worst
// only decreases, and a candidate beyond it is never expanded).
static uint32 score_on_page(HnswSearch* search, Page page, ItemPointer element_tid, bool record_links, uint32 ef) {
    Relation index = search->index;
    BlockNumber blkno = ItemPointerGetBlockNumber(element_tid);
    OffsetNumber offset = ItemPointerGetOffsetNumber(element_tid);
    HnswElement element = hnsw_page_element(index, page, blkno, offset, search->m);
    Size item_size = ItemIdGetLength(PageGetItemId(page, offset));

    uint32 id = add_node(search);
    HnswNode* node = &search->nodes[id];
    node->element = *element_tid;
    node->heap_tid = element->heap_tid;
    node->flags = (element->flags & HNSW_ELEMENT_DELETED) ? HNSW_NODE_DELETED : 0;
    // key quals (hnsw_keys.h): the key area ends the tuple
    if (search->filter && !node->flags &&
        (item_size < search->filter->area_size ||
         !hnsw_keys_match(search->filter, (const char*)element + item_size - search->filter->area_size)))
        node->flags = HNSW_NODE_FILTERED;
    node->links_start = search->nlinks;
    node->nlinks = 0;
    ItemPointerSetInvalid(&node->vector);
    float bound = (ef > 0 && search->nresults >= ef) ? search->results[0].dist : INFINITY;
    bool abandoned;
    float dist = element_key(search, element, item_size, node, bound, &abandoned);
    node->dist = dist;
    if (abandoned) node->flags |= HNSW_NODE_BOUNDED;
    if (record_links) {
        // (the condition under which offer() puts a live node among the results)
        bool likely_expanded = ef == 0 || (node->flags & (HNSW_NODE_DELETED | HNSW_NODE_FILTERED)) || search->nresults < ef ||
                               dist < search->results[0].dist;
        if (likely_expanded)
            copy_links(search, node, element);
        else
            node->flags |= HNSW_NODE_LINKS_LATER;
    }
    search->scored++;
    search->scored_total++;
    return id;
}

// Scores a HNSW_NODE_BOUNDED node fully, from its element's page (a later
// round of an iterative scan reached it).
static void score_fully(HnswSearch* search, HnswNode* node) {
    BlockNumber blkno = ItemPointerGetBlockNumber(&node->element);
    OffsetNumber offset = ItemPointerGetOffsetNumber(&node->element);
    Buffer buffer = lock_element_page(search, blkno);
    Page page = BufferGetPage(buffer);
    HnswElement element = hnsw_page_element(search->index, page, blkno, offset, search->m);
    bool abandoned;
    node->dist = element_key(search, element, ItemIdGetLength(PageGetItemId(page, offset)), node, INFINITY, &abandoned);
    node->flags &= ~HNSW_NODE_BOUNDED;
    UnlockReleaseBuffer(buffer);
}

// Whether a heap entry just popped holds its node's exact key; if not (the
// node was scored only to a lower bound, or the entry predates its full
// scoring) the node is scored fully and the caller pushes it back.
static bool entry_exact(HnswSearch* search, const Scored& entry) {
    HnswNode* node = &search->nodes[entry.id];
    if (node->flags & HNSW_NODE_BOUNDED) score_fully(search, node);
    return !(entry.dist < node->dist);
}

// Reads the links of a node scored without them, from its element's page.
static void read_links_later(HnswSearch* search, HnswNode* node) {
    BlockNumber blkno = ItemPointerGetBlockNumber(&node->element);
    Buffer buffer = lock_element_page(search, blkno);
    HnswElement element = hnsw_page_element(search->index, BufferGetPage(buffer), blkno,
                                            ItemPointerGetOffsetNumber(&node->element), search->m);
    copy_links(search, node, element);
    UnlockReleaseBuffer(buffer);
}

int32 hnsw_search_score(HnswSearch* search, ItemPointer element_tid, bool record_links) {
    Buffer buffer = lock_element_page(search, ItemPointerGetBlockNumber(element_tid));
    uint32 id = score_on_page(search, BufferGetPage(buffer), element_tid, record_links, 0);
    UnlockReleaseBuffer(buffer);
    return (int32)id;
}

// Makes room in the heaps for n more offers at ef.
static void reserve_offers(HnswSearch* search, uint32 n, uint32 ef) {
    search->candidates = (Scored*)grow_array(search->context, search->candidates, &search->candidates_capacity,
                                             search->ncandidates + n, sizeof(Scored));
    search->results = (Scored*)grow_array(search->context, search->results, &search->results_capacity,
                                          Max(ef, search->nresults) + 1, sizeof(Scored));
    search->pool = (Scored*)grow_array(search->context, search->pool, &search->pool_capacity, search->npool + n,
                                       sizeof(Scored));
    search->beyond = (Scored*)grow_array(search->context, search->beyond, &search->beyond_capacity,
                                         search->nbeyond + n, sizeof(Scored));
}

// Puts a node into the candidates and, unless it is deleted or filtered
// out, the pool (room reserved).
static inline void push_candidate_and_pool(HnswSearch* search, Scored item) {
    search->ncandidates = heap_push<NearestFirst>(search->candidates, search->ncandidates, item);
    if (search->nodes[item.id].flags & (HNSW_NODE_DELETED | HNSW_NODE_FILTERED)) return;
    search->npool = heap_push<NearestFirst>(search->pool, search->npool, item);
}

// Adds a freshly scored node to the heaps (room reserved): always a
// candidate to expand; among the results if it beats the worst of them,
// else into the pool. Deleted elements are traversed but never returned.
// A node farther than the worst of full results waits in `beyond`.
static inline void offer_reserved(HnswSearch* search, uint32 id, uint32 ef) {
    Scored item = {search->nodes[id].dist, id};
    if (ef > 0 && search->nresults >= ef && item.dist > search->results[0].dist) {
        search->beyond[search->nbeyond++] = item;
        return;
    }
    search->ncandidates = heap_push<NearestFirst>(search->candidates, search->ncandidates, item);
    if (search->nodes[id].flags & (HNSW_NODE_DELETED | HNSW_NODE_FILTERED)) return;
    if (search->nresults < ef) {
        search->nresults = heap_push<FarthestFirst>(search->results, search->nresults, item);
        return;
    }
    if (ef > 0 && item.dist < search->results[0].dist) {
        Scored worst = search->results[0];
        search->nresults = heap_pop<FarthestFirst>(search->results, search->nresults);
        search->npool = heap_push<NearestFirst>(search->pool, search->npool, worst);
        search->nresults = heap_push<FarthestFirst>(search->results, search->nresults, item);
    } else {
        search->npool = heap_push<NearestFirst>(search->pool, search->npool, item);
    }
}

// offer_reserved with the room made first.
static void offer(HnswSearch* search, uint32 id, uint32 ef) {
    reserve_offers(search, 1, ef);
    offer_reserved(search, id, ef);
}

void hnsw_search_seed(HnswSearch* search, ItemPointer element) {
    if (!hnsw_search_visit(search, element)) return;
    uint32 id = (uint32)hnsw_search_score(search, element, true);
    // ef 0: into the pool; run() moves the best into the results
    offer(search, id, 0);
}

void hnsw_search_run(HnswSearch* search, uint32 ef, uint64 budget) {
    // what the last round set aside joins the heaps now
    if (search->nbeyond > 0) {
        uint32 n = search->nbeyond;
        search->nbeyond = 0;
        reserve_offers(search, n, ef);
        for (uint32 i = 0; i < n; i++) push_candidate_and_pool(search, search->beyond[i]);
    }
    // the best of what earlier rounds scored but did not return come first
    search->results = (Scored*)grow_array(search->context, search->results, &search->results_capacity, ef + 1,
                                          sizeof(Scored));
    while (search->nresults < ef && search->npool > 0) {
        Scored best = search->pool[0];
        search->npool = heap_pop<NearestFirst>(search->pool, search->npool);
        if (!entry_exact(search, best)) {
            Scored exact = {search->nodes[best.id].dist, best.id};
            search->npool = heap_push<NearestFirst>(search->pool, search->npool, exact);
            continue;
        }
        search->nresults = heap_push<FarthestFirst>(search->results, search->nresults, best);
    }
    while (search->ncandidates > 0) {
        Scored nearest = search->candidates[0];
        if (search->nresults >= ef && nearest.dist > search->results[0].dist) break;
        if (budget > 0 && search->scored >= budget) break;
        CHECK_FOR_INTERRUPTS();
        search->ncandidates = heap_pop<NearestFirst>(search->candidates, search->ncandidates);
        if (!entry_exact(search, nearest)) {
            Scored exact = {search->nodes[nearest.id].dist, nearest.id};
            search->ncandidates = heap_push<NearestFirst>(search->candidates, search->ncandidates, exact);
            continue;
        }
        HnswNode* node = &search->nodes[nearest.id];
        node->flags |= HNSW_NODE_EXPANDED;
        if (node->flags & HNSW_NODE_LINKS_LATER) {
            read_links_later(search, node);
            node = &search->nodes[nearest.id];
        }
        uint32 start = node->links_start, count = node->nlinks;
        // the unvisited neighbours, by page: one pin and lock per page
        search->pending = (ItemPointerData*)grow_array(search->context, search->pending, &search->pending_capacity,
                                                       count, sizeof(ItemPointerData));
        ItemPointerData* pending = search->pending;
        uint32 npending = 0;
        for (uint32 i = 0; i < count; i++) {
            ItemPointerData link = search->links[start + i];
            if (!visit(search, &link)) continue;
            uint32 j = npending++;
            while (j > 0 && ItemPointerGetBlockNumberNoCheck(&pending[j - 1]) > ItemPointerGetBlockNumberNoCheck(&link)) {
                pending[j] = pending[j - 1];
                j--;
            }
            pending[j] = link;
        }
        // first the descriptors, headers and special spaces of every page,
        // then every element's tuple, then score: the cache misses overlap
        // (not the level-0 links: most neighbours scored are never expanded)
        prefetch_items(search, pending, npending, (uint32)hnsw_value_offset(search->m, 0));
        reserve_offers(search, npending, ef);
        for (uint32 i = 0; i < npending;) {
            BlockNumber blkno = ItemPointerGetBlockNumberNoCheck(&pending[i]);
            Buffer buffer = lock_element_page(search, blkno);
            Page page = BufferGetPage(buffer);
            for (; i < npending && ItemPointerGetBlockNumberNoCheck(&pending[i]) == blkno; i++)
                offer_reserved(search, score_on_page(search, page, &pending[i], true, ef), ef);
            UnlockReleaseBuffer(buffer);
        }
    }
}

uint32 hnsw_search_take_results(HnswSearch* search, Scored* out) {
    uint32 n = search->nresults;
    for (uint32 i = n; i-- > 0;) {
        out[i] = search->results[0];
        search->nodes[out[i].id].flags |= HNSW_NODE_EMITTED;
        search->nresults = heap_pop<FarthestFirst>(search->results, search->nresults);
    }
    return n;
}

ItemPointerData hnsw_greedy_descend(HnswSearch* search, const struct varlena* query, ItemPointer entry,
                                    int from_level, int to_level) {
    ItemPointerData current = *entry;
    for (int level = from_level; level > to_level; level--) {
        hnsw_search_begin(search, query, level);
        hnsw_search_seed(search, &current);
        hnsw_search_run(search, 1, 0);
        Scored best;
        if (hnsw_search_take_results(search, &best) == 1) current = search->nodes[best.id].element;
    }
    return current;
}
