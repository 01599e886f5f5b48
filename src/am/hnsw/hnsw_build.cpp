// CREATE INDEX for hnsw. The heap scan collects the values into one memory
// arena; C++ threads (src/core/hnsw) build the whole graph in memory while
// the backend polls for cancel; the element pages are then written once,
// in order, and WAL-logged as whole pages (log_newpage_range), not one
// record per element. When the values and the graph would not fit in
// maintenance_work_mem, the graph built so far is written and the rest of
// the rows are inserted into the on-disk graph one by one, with a NOTICE
// saying how much memory the in-memory build would have needed.
#include "am/common/build_info.h"
#include "am/hnsw/hnsw.h"
#include "am/hnsw/hnsw_pending.h"
#include "am/hnsw/hnsw_keys.h"
#include "core/hnsw/graph_builder.h"
#include "pg/guard.h"
#include "types/vector.h"

#include <unistd.h>

extern "C" {
#include "access/tableam.h"
#include "access/xloginsert.h"
#include "commands/progress.h"
#include "pgstat.h"
}

using vecdb::core::hnsw::BuildParams;
using vecdb::core::hnsw::GraphBuilder;
using vecdb::pg::guarded;

#define HNSW_ARENA_BLOCK ((Size)4 << 20)

typedef struct HnswBuildState {
    Relation index;
    VecdbMetric metric;
    int m, ef_construction, threads;
    int quantizer;             // what WITH (quantizer) asked for
    HnswQuant* quant;          // sq8, once trained on the collected values
    VecdbOverflowRef sq8_params;
    BlockNumber vector_last_page;  // sq8: the last vector page written
    MemoryContext context;        // the arena and the arrays
    MemoryContext tuple_context;  // reset per row
    // Values collected for the in-memory graph: while they all have one
    // size they sit in one array (fixed_base, stride apart), which the
    // builder reads without a pointer per node; a value of another size
    // (sparsevec) switches to pointers into 4 MB arena blocks.
    char* fixed_base;
    Size stride;
    size_t fixed_capacity;
    const void** values;  // NULL while the values are fixed-size
    size_t values_capacity;
    ItemPointerData* heap_tids;
    size_t n, capacity;
    Size key_bytes;  // the key area of each element (0 without key columns)
    char* keys;      // the collected rows' key areas, key_bytes apart
    size_t keys_capacity;
    char* row_keys;  // the current row's key area
    double expected_rows;
    char* arena_block;
    Size arena_used, arena_bytes;
    Size memory_limit;
    bool on_disk;         // rows go straight into the on-disk graph
    bool spilled;         // on_disk because memory ran out
    double indexed;
    // what an all-in-memory build would have needed
    Size all_value_bytes;
    size_t all_rows;
} HnswBuildState;

// Distance between two collected values, for the builder threads: the SIMD
// kernel only, no Postgres call.
static float build_distance(const void* ctx, const void* a, const void* b) {
    return (float)vecdb_metric_kernel_key((const VecdbMetric*)ctx, (const struct varlena*)a,
                                          (const struct varlena*)b);
}

// build_distance of float vectors under l2: the kernel without the metric's
// switch per call (~5 % of a Fashion-MNIST build); the operands in the same
// order as vecdb_metric_kernel_key's, so the keys are bit for bit the same.
static float build_distance_vector_l2(const void* ctx, const void* a, const void* b) {
    const Vector* query = (const Vector*)a;
    const Vector* value = (const Vector*)b;
    return ((const VecdbMetric*)ctx)->kernels->l2_squared_f32(value->x, query->x, value->dim);
}

// build_distance of float vectors under inner product (see build_distance_vector_l2).
static float build_distance_vector_ip(const void* ctx, const void* a, const void* b) {
    const Vector* query = (const Vector*)a;
    const Vector* value = (const Vector*)b;
    return (float)(-(double)((const VecdbMetric*)ctx)->kernels->dot_f32(value->x, query->x, value->dim));
}

// The builder's distance for a metric: a direct kernel where there is one.
static vecdb::core::hnsw::DistanceFunction build_distance_for(const VecdbMetric* metric) {
    switch (metric->kind) {
        case VECDB_KEY_VECTOR_L2: return build_distance_vector_l2;
        case VECDB_KEY_VECTOR_IP: return build_distance_vector_ip;
        default: return build_distance;
    }
}

// Threads the build uses: vecdb.hnsw_build_threads, or every CPU.
static int build_threads(void) {
    if (hnsw_build_threads > 0) return hnsw_build_threads;
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    return cpus > 0 ? (int)Min(cpus, 256) : 1;
}

// Memory the in-memory build needs for n values taking value_bytes.
static Size memory_needed(const HnswBuildState* state, size_t n, Size value_bytes) {
    Size graph = guarded("hnsw build", [&] { return GraphBuilder::memory_estimate(n, state->m, state->threads); });
    return value_bytes + n * (sizeof(void*) + sizeof(ItemPointerData) + state->key_bytes) + graph;
}

// Copies a value into the arena (4 MB blocks, so values sit contiguously).
static const void* arena_copy(HnswBuildState* state, const struct varlena* value) {
    Size size = MAXALIGN(VARSIZE(value));
    if (state->arena_block == NULL || state->arena_used + size > HNSW_ARENA_BLOCK) {
        state->arena_block = (char*)MemoryContextAllocHuge(state->context, Max(HNSW_ARENA_BLOCK, size));
        state->arena_used = 0;
    }
    char* copy = state->arena_block + state->arena_used;
    memcpy(copy, value, VARSIZE(value));
    state->arena_used += size;
    state->arena_bytes += size;
    return copy;
}

// The i-th collected value.
static inline const struct varlena* value_at(const HnswBuildState* state, size_t i) {
    return (const struct varlena*)(state->values ? state->values[i] : state->fixed_base + i * state->stride);
}

// Grows an array allocated in the build context to hold `needed` elements.
static void* grow(HnswBuildState* state, void* array, size_t* capacity, size_t needed, Size element_size,
                  size_t first) {
    if (needed <= *capacity) return array;
    size_t capacity_new = Max(*capacity + *capacity / 2, Max(needed, first));
    void* grown = array ? repalloc_huge(array, capacity_new * element_size)
                        : MemoryContextAllocHuge(state->context, capacity_new * element_size);
    *capacity = capacity_new;
    return grown;
}

// Keeps a copy of one value (and its heap TID) for the in-memory graph.
static void collect_value(HnswBuildState* state, const struct varlena* value, ItemPointer tid) {
    Size size = MAXALIGN(VARSIZE(value));
    size_t first = (size_t)Min(Max(state->expected_rows, 1024.0), (double)(state->memory_limit / size) + 1);
    if (state->n == 0) state->stride = size;
    if (state->values == NULL && size != state->stride) {
        // the first value of another size: from now on, pointers
        state->values = (const void**)grow(state, NULL, &state->values_capacity, state->n + 1, sizeof(void*), first);
        for (size_t i = 0; i < state->n; i++) state->values[i] = state->fixed_base + i * state->stride;
    }
    if (state->values == NULL) {
        state->fixed_base = (char*)grow(state, state->fixed_base, &state->fixed_capacity, state->n + 1, state->stride, first);
        memcpy(state->fixed_base + state->n * state->stride, value, VARSIZE(value));
        state->arena_bytes += size;
    } else {
        state->values = (const void**)grow(state, state->values, &state->values_capacity, state->n + 1, sizeof(void*), first);
        state->values[state->n] = arena_copy(state, value);
    }
    state->heap_tids = (ItemPointerData*)grow(state, state->heap_tids, &state->capacity, state->n + 1,
                                              sizeof(ItemPointerData), first);
    state->heap_tids[state->n] = *tid;
    if (state->key_bytes > 0) {
        state->keys = (char*)grow(state, state->keys, &state->keys_capacity, state->n + 1, state->key_bytes, first);
        memcpy(state->keys + state->n * state->key_bytes, state->row_keys, state->key_bytes);
    }
    state->n++;
}

// The order elements are laid out in: breadth first over level 0 from the
// entry point, so a node's neighbours tend to share its page and a search
// scores several of them under one pin and lock. Unreachable nodes last.
static uint32* page_order(HnswBuildState* state, const GraphBuilder* graph) {
    size_t n = state->n;
    uint32* order = (uint32*)MemoryContextAllocHuge(state->context, sizeof(uint32) * n);
    bool* placed = (bool*)MemoryContextAllocHuge(state->context, n);
    memset(placed, 0, n);
    size_t head = 0, tail = 0;
    order[tail++] = graph->entry_point();
    placed[graph->entry_point()] = true;
    while (head < tail) {
        if ((head & 4095) == 0) CHECK_FOR_INTERRUPTS();
        uint32 count;
        const uint32* ids = graph->links(order[head++], 0, &count);
        for (uint32 k = 0; k < count; k++)
            if (!placed[ids[k]]) {
                placed[ids[k]] = true;
                order[tail++] = ids[k];
            }
    }
    for (size_t i = 0; i < n; i++)
        if (!placed[i]) order[tail++] = (uint32)i;
    pfree(placed);
    return order;
}

// Item size of collected element i with its level; *external when its
// value goes to an overflow chain.
static Size element_size(const HnswBuildState* state, size_t i, int level, bool* external) {
    *external = false;
    if (state->quant) return hnsw_quantized_element_size(state->m, level, state->quant->dim) + state->key_bytes;
    return hnsw_element_size(state->m, level, VARSIZE(value_at(state, i)), state->key_bytes, external);
}

// Computes where each collected element will live: pages from first_block
// on, filled in `order` as PageAddItem would fill them.
static void assign_tids(HnswBuildState* state, const GraphBuilder* graph, BlockNumber first_block,
                        const uint32* order, ItemPointerData* tids) {
    const Size usable = BLCKSZ - SizeOfPageHeaderData - MAXALIGN(sizeof(VecdbPageOpaqueData));
    BlockNumber blkno = first_block;
    OffsetNumber offset = FirstOffsetNumber;
    Size free_space = usable;
    for (size_t k = 0; k < state->n; k++) {
        uint32 i = order[k];
        bool external;
        Size size = element_size(state, i, graph->level(i), &external);
        Size need = MAXALIGN(size) + sizeof(ItemIdData);
        if (need > free_space) {
            blkno++;
            offset = FirstOffsetNumber;
            free_space = usable;
        }
        ItemPointerSet(&tids[i], blkno, offset);
        offset++;
        free_space -= need;
    }
}

// Appends one finished page image to the index through shared buffers
// (WAL-logged later, all pages at once).
static void append_page(Relation index, Page image, BlockNumber expected) {
    Buffer buffer = ReadBuffer(index, P_NEW);
    if (BufferGetBlockNumber(buffer) != expected)
        elog(ERROR, "vecdb: hnsw build of \"%s\" expected block %u, got %u", RelationGetRelationName(index),
             expected, BufferGetBlockNumber(buffer));
    LockBuffer(buffer, BUFFER_LOCK_EXCLUSIVE);
    memcpy(BufferGetPage(buffer), image, BLCKSZ);
    MarkBufferDirty(buffer);
    UnlockReleaseBuffer(buffer);
}

// sq8: writes the full vectors on vector pages of their own, in the
// elements' page order (a search reranks neighbours together), and
// returns where each went.
static ItemPointerData* write_vectors(HnswBuildState* state, const uint32* order) {
    Relation index = state->index;
    ItemPointerData* vectors =
        (ItemPointerData*)MemoryContextAllocHuge(state->context, sizeof(ItemPointerData) * state->n);
    PGAlignedBlock block;
    Page page = block.data;
    BlockNumber current = RelationGetNumberOfBlocks(index);
    vecdb_page_init(page, HNSW_PAGE_VECTOR);
    for (size_t k = 0; k < state->n; k++) {
        if ((k & 255) == 0) CHECK_FOR_INTERRUPTS();
        const struct varlena* value = value_at(state, order[k]);
        if (PageGetFreeSpace(page) < MAXALIGN(VARSIZE(value))) {
            append_page(index, page, current++);
            vecdb_page_init(page, HNSW_PAGE_VECTOR);
        }
        OffsetNumber offset = PageAddItem(page, (Item)value, VARSIZE(value), InvalidOffsetNumber, false, false);
        if (offset == InvalidOffsetNumber)
            elog(ERROR, "vecdb: hnsw build of \"%s\" could not place a vector", RelationGetRelationName(index));
        ItemPointerSet(&vectors[order[k]], current, offset);
    }
    append_page(index, page, current);
    state->vector_last_page = current;
    return vectors;
}

// Key columns: writes the key directory (hnsw_keys.h) after the element
// pages, one entry per element in their page order, and returns its ends.
static void write_key_directory(HnswBuildState* state, const uint32* order, const ItemPointerData* tids,
                                BlockNumber* first, BlockNumber* last) {
    Relation index = state->index;
    PGAlignedBlock block;
    Page page = block.data;
    BlockNumber current = RelationGetNumberOfBlocks(index);
    *first = current;
    Size size = hnsw_key_entry_size(state->key_bytes);
    char* item = (char*)palloc(size);
    vecdb_page_init(page, HNSW_PAGE_KEYS);
    for (size_t k = 0; k < state->n; k++) {
        if ((k & 1023) == 0) CHECK_FOR_INTERRUPTS();
        size_t i = order[k];
        hnsw_form_key_entry(item, (ItemPointer)&tids[i], state->keys + i * state->key_bytes, state->key_bytes);
        if (PageGetFreeSpace(page) < MAXALIGN(size)) {
            VecdbPageGetOpaque(page)->next = current + 1;
            append_page(index, page, current++);
            vecdb_page_init(page, HNSW_PAGE_KEYS);
        }
        if (PageAddItem(page, (Item)item, size, InvalidOffsetNumber, false, false) == InvalidOffsetNumber)
            elog(ERROR, "vecdb: hnsw build of \"%s\" could not place a key entry", RelationGetRelationName(index));
    }
    append_page(index, page, current);
    *last = current;
    pfree(item);
}

// Trains sq8 on (up to 20000 evenly spread) collected values.
static void train_quantizer(HnswBuildState* state) {
    size_t n = Min(state->n, (size_t)20000);
    const struct varlena** sample = (const struct varlena**)palloc(sizeof(struct varlena*) * n);
    for (size_t i = 0; i < n; i++) sample[i] = value_at(state, i * state->n / n);
    state->quant = hnsw_quant_train(state->index, &state->metric, sample, (int)n, &state->sq8_params);
    pfree(sample);
}

// Writes the finished graph: element pages in order, then the metapage's
// entry point, then one WAL pass over every page written.
static void write_graph(HnswBuildState* state, const GraphBuilder* graph) {
    Relation index = state->index;
    pgstat_progress_update_param(PROGRESS_CREATEIDX_SUBPHASE, HNSW_PHASE_WRITE);
    pgstat_progress_update_param(PROGRESS_CREATEIDX_TUPLES_DONE, 0);
    // Values too large to sit beside their links go to overflow chains
    // first, so the element pages after them are numbered from here on.
    VecdbOverflowRef* refs = NULL;
    for (size_t i = 0; i < state->n; i++) {
        bool external;
        const struct varlena* value = value_at(state, i);
        element_size(state, i, graph->level((uint32)i), &external);
        if (!external) continue;
        if (refs == NULL) refs = (VecdbOverflowRef*)MemoryContextAllocHuge(state->context, sizeof(VecdbOverflowRef) * state->n);
        CHECK_FOR_INTERRUPTS();
        refs[i] = vecdb_overflow_store(index, value, VARSIZE(value));
    }
    uint32* order = page_order(state, graph);
    ItemPointerData* vectors = state->quant ? write_vectors(state, order) : NULL;
    BlockNumber first_block = RelationGetNumberOfBlocks(index);
    ItemPointerData* tids = (ItemPointerData*)MemoryContextAllocHuge(state->context, sizeof(ItemPointerData) * state->n);
    assign_tids(state, graph, first_block, order, tids);
    uint8* codes = state->quant ? (uint8*)palloc(state->quant->dim) : NULL;

    PGAlignedBlock block;
    Page page = block.data;
    char* item = (char*)palloc(HNSW_MAX_ITEM_SIZE);
    BlockNumber current = first_block;
    vecdb_page_init(page, VECDB_PAGE_DATA);
    for (size_t k = 0; k < state->n; k++) {
        size_t i = order[k];
        if ((k & 255) == 0) {
            CHECK_FOR_INTERRUPTS();
            pgstat_progress_update_param(PROGRESS_CREATEIDX_TUPLES_DONE, (int64)k);
        }
        if (ItemPointerGetBlockNumber(&tids[i]) != current) {
            append_page(index, page, current);
            current = ItemPointerGetBlockNumber(&tids[i]);
            vecdb_page_init(page, VECDB_PAGE_DATA);
        }
        uint32 node = (uint32)i;
        int level = graph->level(node);
        const struct varlena* value = value_at(state, i);
        bool external;
        Size size = element_size(state, i, level, &external);
        memset(item, 0, size);
        if (state->quant) {
            hnsw_quant_encode(state->quant, value, codes);
            hnsw_form_quantized_element(item, state->m, level, &state->heap_tids[i], &vectors[i], codes,
                                        state->quant->dim);
        } else {
            hnsw_form_element(item, state->m, level, &state->heap_tids[i], value, external ? &refs[i] : NULL);
        }
        HnswLink* links = HnswElementLinks((HnswElement)item);
        for (int l = 0; l <= level; l++) {
            uint32 count;
            const uint32* ids = graph->links(node, l, &count);
            HnswLink* level_links = links + hnsw_level_start(state->m, l);
            for (uint32 k = 0; k < count; k++)
                hnsw_set_link(&level_links[k], &tids[ids[k]], build_distance(&state->metric, value, value_at(state, ids[k])));
        }
        if (state->key_bytes > 0)
            memcpy(item + size - state->key_bytes, state->keys + i * state->key_bytes, state->key_bytes);
        OffsetNumber offset = PageAddItem(page, (Item)item, size, InvalidOffsetNumber, false, false);
        if (offset != ItemPointerGetOffsetNumber(&tids[i]))
            elog(ERROR, "vecdb: hnsw build of \"%s\" misplaced an element", RelationGetRelationName(index));
    }
    if (state->n > 0) append_page(index, page, current);
    pfree(item);
    BlockNumber keys_first = InvalidBlockNumber, keys_last = InvalidBlockNumber;
    if (state->key_bytes > 0 && state->n > 0) write_key_directory(state, order, tids, &keys_first, &keys_last);

    // the entry point; the metapage is logged with the rest below
    Buffer meta_buffer = ReadBuffer(index, VECDB_METAPAGE_BLKNO);
    LockBuffer(meta_buffer, BUFFER_LOCK_EXCLUSIVE);
    HnswMetaData* meta = (HnswMetaData*)VecdbMetaBody(BufferGetPage(meta_buffer));
    if (state->n > 0) {
        meta->entry = tids[graph->entry_point()];
        meta->entry_level = (int16)graph->max_level();
        meta->insert_page = current;
        meta->keys_first = keys_first;
        meta->keys_last = keys_last;
        if (state->quant) {
            meta->sq8_params = state->sq8_params;
            meta->vector_insert_page = state->vector_last_page;
        }
    }
    MarkBufferDirty(meta_buffer);
    UnlockReleaseBuffer(meta_buffer);
    pfree(tids);
    pfree(order);

    if (RelationNeedsWAL(index))
        log_newpage_range(index, MAIN_FORKNUM, 0, RelationGetNumberOfBlocks(index), true);
}

// Deletes the builder; its destructor stops and joins the threads.
static void destroy_builder(GraphBuilder* builder) noexcept { delete builder; }

// Builds the graph of the collected values on all threads and writes it.
// The threads are stopped and joined on every exit, ERROR included.
static void build_and_write(HnswBuildState* state) {
    if (state->n == 0) return;
    pgstat_progress_update_param(PROGRESS_CREATEIDX_SUBPHASE, HNSW_PHASE_GRAPH);
    pgstat_progress_update_param(PROGRESS_CREATEIDX_TUPLES_TOTAL, (int64)state->n);
    pgstat_progress_update_param(PROGRESS_CREATEIDX_TUPLES_DONE, 0);
    BuildParams params;
    params.m = state->m;
    params.ef_construction = state->ef_construction;
    params.max_level = hnsw_max_level(state->m);
    params.seed = 0x5eed + state->n;
    params.fill_links = vecdb_metric_is_inner_product(&state->metric);
    vecdb::core::hnsw::ValueSource values;
    values.pointers = state->values;
    values.base = state->fixed_base;
    values.stride = state->stride;
    size_t n = state->n;
    const VecdbMetric* metric = &state->metric;
    GraphBuilder* builder =
        guarded("hnsw build", [&] { return new GraphBuilder(params, build_distance_for(metric), metric, values, n); });
    PG_TRY();
    {
        int threads = state->threads;
        guarded("hnsw build", [&] { builder->start(threads); });
        for (;;) {
            bool done = guarded("hnsw build", [&] { return builder->wait_for(100); });
            pgstat_progress_update_param(PROGRESS_CREATEIDX_TUPLES_DONE, (int64)builder->inserted());
            if (done) break;
            CHECK_FOR_INTERRUPTS();
        }
        builder->join();
        if (!builder->complete()) elog(ERROR, "vecdb: hnsw build threads stopped early");
        guarded("hnsw build", [&] { return builder->link_orphans(); });
        // every element reachable from the entry point, or a scan could never return it
        guarded("hnsw build", [&] { return builder->connect_unreachable(); });
        if (state->quantizer == HNSW_QUANTIZER_SQ8) train_quantizer(state);
        write_graph(state, builder);
    }
    PG_FINALLY();
    {
        destroy_builder(builder);
    }
    PG_END_TRY();
}

// Switches the build to inserting into the on-disk graph: what was
// collected is built and written first.
static void spill(HnswBuildState* state) {
    build_and_write(state);
    state->on_disk = true;
    state->spilled = true;
    pgstat_progress_update_param(PROGRESS_CREATEIDX_SUBPHASE, HNSW_PHASE_INSERT);
}

// table_index_build_scan callback: one heap row.
static void build_callback(Relation index, ItemPointer tid, Datum* values, bool* isnull, bool tuple_is_alive,
                           void* state_ptr) {
    HnswBuildState* state = (HnswBuildState*)state_ptr;
    if (isnull[0]) return;
    MemoryContext old = MemoryContextSwitchTo(state->tuple_context);
    struct varlena* value = PG_DETOAST_DATUM(values[0]);
    if (hnsw_value_indexable(&state->metric, value)) {
        if (state->key_bytes > 0) hnsw_form_keys(index, values, isnull, state->row_keys);
        if (state->quantizer == HNSW_QUANTIZER_SQ8) hnsw_quant_check_size(index, state->m, value);
        state->all_rows++;
        state->all_value_bytes += MAXALIGN(VARSIZE(value));
        if (!state->on_disk) {
            // every value must have the first one's shape: the SQL function raises the error
            if (state->n > 0 && !vecdb_metric_same_shape(&state->metric, value_at(state, 0), value)) {
                vecdb_metric_key(&state->metric, value_at(state, 0), value);
                elog(ERROR, "vecdb: hnsw values of different shapes");
            }
            if (memory_needed(state, state->n + 1, state->arena_bytes + MAXALIGN(VARSIZE(value))) > state->memory_limit)
                spill(state);
        }
        if (state->on_disk) {
            hnsw_insert_value(index, &state->metric, tid, value, state->key_bytes > 0 ? state->row_keys : NULL,
                              state->tuple_context);
        } else {
            collect_value(state, value, tid);
        }
        state->indexed += 1;
        pgstat_progress_update_param(PROGRESS_CREATEIDX_TUPLES_DONE, (int64)state->indexed);
    }
    MemoryContextSwitchTo(old);
    MemoryContextReset(state->tuple_context);
}

IndexBuildResult* hnsw_build(Relation heap, Relation index, IndexInfo* index_info) {
    if (RelationGetNumberOfBlocks(index) != 0)
        elog(ERROR, "index \"%s\" already contains data", RelationGetRelationName(index));

    TimestampTz started = GetCurrentTimestamp();
    HnswBuildState* state = (HnswBuildState*)palloc0(sizeof(HnswBuildState));
    state->index = index;
    hnsw_check_key_columns(index);
    hnsw_check_pending_option(index);
    vecdb_metric_init(&state->metric, index);
    hnsw_get_options(index, &state->m, &state->ef_construction);
    state->key_bytes = hnsw_index_key_bytes(index);
    state->quantizer = hnsw_get_quantizer(index);
    if (state->quantizer == HNSW_QUANTIZER_SQ8) hnsw_quant_check_metric(index, &state->metric);
    state->threads = build_threads();
    state->context = AllocSetContextCreate(CurrentMemoryContext, "hnsw build", ALLOCSET_DEFAULT_SIZES);
    state->tuple_context = AllocSetContextCreate(CurrentMemoryContext, "hnsw build tuple", ALLOCSET_DEFAULT_SIZES);
    state->memory_limit = (Size)maintenance_work_mem * 1024;
    if (state->key_bytes > 0) state->row_keys = (char*)MemoryContextAlloc(state->context, state->key_bytes);
    state->expected_rows = Max(heap->rd_rel->reltuples, 0);
    // Without a SIMD kernel (Jaccard) the threads could not compute distances.
    state->on_disk = !vecdb_metric_has_kernel(&state->metric);

    hnsw_init_metapage(index, MAIN_FORKNUM, state->m, state->ef_construction, state->quantizer);
    pgstat_progress_update_param(PROGRESS_CREATEIDX_SUBPHASE, HNSW_PHASE_LOAD);
    pgstat_progress_update_param(PROGRESS_CREATEIDX_TUPLES_TOTAL, (int64)Max(heap->rd_rel->reltuples, 0));
    double heap_tuples =
        table_index_build_scan(heap, index, index_info, true, true, build_callback, (void*)state, NULL);
    if (!state->on_disk) build_and_write(state);

    if (state->spilled)
        ereport(NOTICE,
                (errmsg("hnsw graph of \"%s\" did not fit in maintenance_work_mem; the rows after the first %zu "
                        "were inserted one at a time", RelationGetRelationName(index), state->n),
                 errdetail("Building the whole graph in memory needs about %zu MB.",
                           (size_t)(memory_needed(state, state->all_rows, state->all_value_bytes) >> 20) + 1),
                 errhint("Raise maintenance_work_mem for a faster build.")));

    vecdb_meta_record_build(index, started, state->indexed);
    IndexBuildResult* result = (IndexBuildResult*)palloc(sizeof(IndexBuildResult));
    result->heap_tuples = heap_tuples;
    result->index_tuples = state->indexed;
    MemoryContextDelete(state->tuple_context);
    MemoryContextDelete(state->context);
    pfree(state);
    return result;
}

void hnsw_build_empty(Relation index) {
    hnsw_check_key_columns(index);
    hnsw_check_pending_option(index);
    int m, ef_construction;
    hnsw_get_options(index, &m, &ef_construction);
    int quantizer = hnsw_get_quantizer(index);
    if (quantizer == HNSW_QUANTIZER_SQ8) {
        VecdbMetric metric;
        vecdb_metric_init(&metric, index);
        hnsw_quant_check_metric(index, &metric);
    }
    hnsw_init_metapage(index, INIT_FORKNUM, m, ef_construction, quantizer);
}
