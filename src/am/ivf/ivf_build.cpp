// CREATE INDEX for ivf, in three steps:
//  1. sampling: one heap pass keeps a uniform reservoir sample of the rows
//     (as ANALYZE does) and counts them;
//  2. training: k-means on the sample (core, sgemm, several threads) gives
//     the centroids; sq8 also takes its per-dimension ranges from it, pq
//     trains its codebooks on the residuals x − nearest centroid of it;
//  3. assigning: a second heap pass assigns rows to lists in batches (one
//     sgemm per chunk) and feeds their entries to a sort by list (in heap
//     order within a list; it spills to disk past maintenance_work_mem);
//  4. writing: the sorted entries fill one page image at a time, each
//     written out once as a new block chained before the list's previous
//     one, so a list's pages are consecutive blocks (a scan walks them
//     with few TLB misses and cache-friendly neighbours; interleaved
//     lists scanned ~7-19 % slower at 784-d).
// Pages go through shared buffers without WAL and are logged in bulk at the
// end (log_newpage_range), like GiST's build: a crash before commit leaves
// an index nobody can use anyway.
#include "am/common/build_info.h"
#include "am/ivf/ivf.h"
#include "core/kmeans/assign.h"
#include "core/kmeans/kmeans.h"
#include "core/quant/pq.h"
#include "core/quant/sq8.h"
#include "pg/guard.h"

#include <cmath>

extern "C" {
#include "access/tableam.h"
#include "access/xloginsert.h"
#include "commands/progress.h"
#include "common/pg_prng.h"
#include "optimizer/plancat.h"
#include "pgstat.h"
#include "storage/lmgr.h"
#include "utils/sampling.h"
#include "utils/tuplesort.h"
#include "catalog/pg_operator_d.h"
#include "catalog/pg_type_d.h"
}

// Training points per list, as FAISS and pgvector use: more adds little.
#define IVF_SAMPLE_PER_LIST 256
// Fixed seeds make a build deterministic.
#define IVF_SAMPLE_SEED 0x1df5eedu
#define IVF_KMEANS_SEED 0x5eed1df
// Rows assigned per sgemm batch.
#define IVF_BATCH_ROWS 4096
// PQ codebook training points per centroid of a sub-space: k-means on
// more adds little to recall after rerank, and costs m k-means runs.
#define IVF_PQ_SAMPLE_PER_CENTROID 64

typedef struct IvfBuildState {
    Relation index;
    IvfValueType type;
    IvfSpace space;
    IvfOptions options;
    int dimensions;  // 0 until the first row
    int threads;
    MemoryContext row_context;  // reset per row / per batch

    // sampling
    int64 sample_target;
    int64 sample_count;
    float* sample;
    ReservoirStateData reservoir;
    double rows_to_skip;
    double rows_seen;

    // assigning and writing
    IvfMetaData meta;
    float* centroids;
    float* centroid_norms;
    float* sq8_offset;
    float* sq8_scale;
    float* pq_codebooks;
    int batch_rows, batch_n;
    float* batch_floats;
    uint8* batch_codes;
    struct varlena** batch_values;
    ItemPointerData* batch_tids;
    uint32* labels;
    char* list_pages;         // one page image per slot
    BlockNumber* list_last;   // last block written per slot (its chain so far)
    Buffer vector_buffer;     // sq8: vector page being filled (locked)
    Tuplesortstate* sorted;   // list entries by (list, arrival): bytea keys
    int64 arrival;
    double indexed;
} IvfBuildState;

// Appends a page image as the next block of the index; returns its number.
static BlockNumber append_page(Relation index, Page image) {
    Buffer buffer = ReadBufferExtended(index, MAIN_FORKNUM, P_NEW, RBM_NORMAL, NULL);
    LockBuffer(buffer, BUFFER_LOCK_EXCLUSIVE);
    memcpy(BufferGetPage(buffer), image, BLCKSZ);
    MarkBufferDirty(buffer);
    BlockNumber blkno = BufferGetBlockNumber(buffer);
    UnlockReleaseBuffer(buffer);
    return blkno;
}

// A copy of a row's value the build owns (in the current memory context),
// checked against the index's dimensions (the first row sets them when the
// column has no typmod). Always a copy: an inline value points into the
// heap page, which a large table's bulk-read ring recycles soon after the
// scan leaves it (test/t/013).
static struct varlena* accept_value(IvfBuildState* state, Datum datum) {
    struct varlena* value = PG_DETOAST_DATUM_COPY(datum);
    if (state->dimensions == 0) {
        int dim = ivf_value_dimensions(state->type, value);
        if (dim <= 0)
            ereport(ERROR, (errcode(ERRCODE_DATA_EXCEPTION), errmsg("ivf cannot index an empty value")));
        state->dimensions = dim;
        ivf_check_code_size(state->index, &state->options, dim);
    }
    ivf_check_value(state->index, state->type, value, state->dimensions);
    return value;
}

// Sampling pass callback: reservoir sampling over the non-NULL rows.
static void sample_callback(Relation index, ItemPointer tid, Datum* values, bool* isnull, bool tuple_is_alive,
                            void* state_ptr) {
    IvfBuildState* state = (IvfBuildState*)state_ptr;
    if (isnull[0]) return;
    int64 slot = -1;
    if (state->sample_count < state->sample_target) {
        slot = state->sample_count;
    } else {
        if (state->rows_to_skip < 0)
            state->rows_to_skip = reservoir_get_next_S(&state->reservoir, state->rows_seen, (int)state->sample_target);
        if (state->rows_to_skip <= 0)
            slot = (int64)(state->sample_target * sampler_random_fract(&state->reservoir.randstate));
        state->rows_to_skip -= 1;
    }
    state->rows_seen += 1;
    if (slot >= 0) {
        MemoryContext old = MemoryContextSwitchTo(state->row_context);
        struct varlena* value = accept_value(state, values[0]);
        MemoryContextSwitchTo(old);
        if (state->sample == NULL)
            state->sample = (float*)MemoryContextAllocHuge(CurrentMemoryContext, sizeof(float) * state->sample_target *
                                                                                     state->dimensions);
        ivf_value_to_floats(state->type, state->space, value, state->sample + slot * state->dimensions);
        if (slot == state->sample_count) state->sample_count++;
        MemoryContextReset(state->row_context);
    }
    if ((int64)state->rows_seen % 1024 == 0)
        pgstat_progress_update_param(PROGRESS_CREATEIDX_TUPLES_DONE, (int64)state->rows_seen);
}

// Sample size: enough points per list, within half of maintenance_work_mem.
static int64 sample_target(Relation heap, Relation index, const IvfOptions* options) {
    int64 lists = options->lists;
    if (lists == 0) {
        BlockNumber pages;
        double tuples, allvisfrac;
        int32 widths[MaxHeapAttributeNumber];
        memset(widths, 0, sizeof widths);
        estimate_rel_size(heap, widths, &pages, &tuples, &allvisfrac);
        lists = Max((int64)ceil(sqrt(Max(tuples, 1.0))), 1) * 2;  // room for an estimate that is low
    }
    int32 typmod = TupleDescAttr(RelationGetDescr(index), 0)->atttypmod;
    int64 dim_guess = typmod > 0 ? typmod : 1024;
    int64 by_memory = ((int64)maintenance_work_mem * 1024 / 2) / (dim_guess * (int64)sizeof(float));
    return Max(Min(lists * IVF_SAMPLE_PER_LIST, by_memory), Min(lists, (int64)1 << 20));
}

// Shuffles the first `count` sample rows into a random order (fixed seed),
// so any prefix is a uniform sample too.
static void shuffle_sample(float* sample, int64 count, int dim) {
    pg_prng_state prng;
    pg_prng_seed(&prng, IVF_SAMPLE_SEED);
    float* tmp = (float*)palloc(sizeof(float) * dim);
    for (int64 i = count - 1; i > 0; i--) {
        int64 j = (int64)pg_prng_uint64_range(&prng, 0, (uint64)i);
        if (j == i) continue;
        memcpy(tmp, sample + i * dim, sizeof(float) * dim);
        memcpy(sample + i * dim, sample + j * dim, sizeof(float) * dim);
        memcpy(sample + j * dim, tmp, sizeof(float) * dim);
    }
    pfree(tmp);
}

// Raises the cancel error after core code stopped on a pending interrupt.
static void build_canceled(void) {
    CHECK_FOR_INTERRUPTS();
    ereport(ERROR, (errcode(ERRCODE_QUERY_CANCELED), errmsg("canceling ivf index build")));
}

// Assigns n points to their nearest centroid (labels) and turns each
// point into its residual x − centroid in place: what pq codes describe.
static void to_residuals(IvfBuildState* state, float* points, size_t n, uint32* labels) {
    uint32 lists = state->meta.lists, dim = state->meta.dimensions;
    vecdb::core::ClusterMetric metric = state->space == IVF_SPACE_IP ? vecdb::core::ClusterMetric::inner_product
                                                                     : vecdb::core::ClusterMetric::l2;
    const float* centroids = state->centroids;
    const float* norms = state->centroid_norms;
    int threads = state->threads;
    vecdb::core::StopCheck stop;
    stop.requested = ivf_interrupt_requested;
    bool done = vecdb::pg::guarded("ivf list assignment", [&] {
        if (!vecdb::core::assign_nearest(points, n, centroids, norms, lists, dim, metric, threads, stop, labels,
                                         nullptr))
            return false;
        for (size_t i = 0; i < n; i++)
            for (uint32 d = 0; d < dim; d++) points[i * dim + d] -= centroids[(size_t)labels[i] * dim + d];
        return true;
    });
    if (!done) build_canceled();
}

// Trains the pq codebooks on the residuals of (a prefix of) the sample.
static void train_pq(IvfBuildState* state, int64 npoints) {
    vecdb::core::PqShape shape;
    shape.dim = state->meta.dimensions;
    shape.m = state->meta.pq_m;
    shape.nbits = state->meta.pq_nbits;
    size_t n = (size_t)Min(npoints, (int64)(IVF_PQ_SAMPLE_PER_CENTROID * shape.ksub()));
    float* residuals = (float*)MemoryContextAllocHuge(CurrentMemoryContext, sizeof(float) * n * shape.dim);
    memcpy(residuals, state->sample, sizeof(float) * n * shape.dim);
    uint32* labels = (uint32*)MemoryContextAllocHuge(CurrentMemoryContext, sizeof(uint32) * n);
    to_residuals(state, residuals, n, labels);
    state->pq_codebooks = (float*)MemoryContextAllocHuge(CurrentMemoryContext, sizeof(float) * shape.codebook_floats());
    float* codebooks = state->pq_codebooks;
    int threads = state->threads;
    vecdb::core::StopCheck stop;
    stop.requested = ivf_interrupt_requested;
    bool done = vecdb::pg::guarded("ivf pq training", [&] {
        return vecdb::core::pq_train(residuals, n, shape, threads, IVF_KMEANS_SEED + 1, stop, codebooks);
    });
    if (!done) build_canceled();
    pfree(residuals);
    pfree(labels);
}

// Trains the centroids (and SQ8 ranges) on the sample; cancel stops it.
static void train(IvfBuildState* state, int64 npoints) {
    uint32 lists = state->meta.lists, dim = state->meta.dimensions;
    state->centroids = (float*)MemoryContextAllocHuge(CurrentMemoryContext, sizeof(float) * (Size)lists * dim);
    state->centroid_norms = (float*)palloc(sizeof(float) * lists);
    vecdb::core::KMeansOptions opts;
    opts.k = lists;
    opts.seed = IVF_KMEANS_SEED;
    opts.threads = state->threads;
    opts.spherical = state->space == IVF_SPACE_COSINE;
    opts.stop.requested = ivf_interrupt_requested;
    const float* sample = state->sample;
    float* centroids = state->centroids;
    bool done = vecdb::pg::guarded("ivf k-means", [&] {
        return vecdb::core::kmeans_train(sample, (size_t)npoints, dim, opts, centroids);
    });
    if (!done) build_canceled();
    float* norms = state->centroid_norms;
    vecdb::pg::guarded("ivf centroid norms", [&] {
        vecdb::core::squared_norms(centroids, lists, dim, norms);
        return 0;
    });
    if (state->meta.quantizer == IVF_QUANTIZER_PQ) train_pq(state, npoints);
    if (state->meta.quantizer == IVF_QUANTIZER_SQ8) {
        state->sq8_offset = (float*)palloc(sizeof(float) * dim);
        state->sq8_scale = (float*)palloc(sizeof(float) * dim);
        float* offset = state->sq8_offset;
        float* scale = state->sq8_scale;
        vecdb::pg::guarded("ivf sq8 training", [&] {
            vecdb::core::sq8_train(sample, (size_t)npoints, dim, offset, scale);
            return 0;
        });
    }
}

// Writes the stream pages: centroids, then the SQ8 ranges or PQ codebooks.
static void write_stream(IvfBuildState* state) {
    Size centroid_bytes = sizeof(float) * (Size)state->meta.lists * state->meta.dimensions;
    Size sq8_bytes = state->sq8_offset ? sizeof(float) * (Size)state->meta.dimensions : 0;
    Size pq_bytes = state->pq_codebooks ? sizeof(float) * ivf_stream_extra_floats(&state->meta) : 0;
    Size total = centroid_bytes + 2 * sq8_bytes + pq_bytes;
    char* stream = (char*)MemoryContextAllocHuge(CurrentMemoryContext, Max(total, 1));
    memcpy(stream, state->centroids, centroid_bytes);
    if (sq8_bytes) {
        memcpy(stream + centroid_bytes, state->sq8_offset, sq8_bytes);
        memcpy(stream + centroid_bytes + sq8_bytes, state->sq8_scale, sq8_bytes);
    }
    if (pq_bytes) memcpy(stream + centroid_bytes, state->pq_codebooks, pq_bytes);
    PGAlignedBlock block;
    state->meta.stream_pages = 0;
    for (Size done = 0; done < total; done += IVF_PAGE_PAYLOAD) {
        Size length = Min((Size)IVF_PAGE_PAYLOAD, total - done);
        vecdb_page_init(block.data, IVF_PAGE_STREAM);
        vecdb_page_add_item(state->index, block.data, stream + done, length);
        BlockNumber blkno = append_page(state->index, block.data);
        if (state->meta.stream_pages++ == 0) state->meta.stream_start = blkno;
    }
    pfree(stream);
}

// Writes directory pages with every slot empty (filled in at the end).
static void write_empty_directory(IvfBuildState* state) {
    PGAlignedBlock block;
    char* slots = (char*)palloc(IVF_SLOTS_PER_PAGE * sizeof(IvfListSlot));
    memset(slots, 0xFF, IVF_SLOTS_PER_PAGE * sizeof(IvfListSlot));  // every block InvalidBlockNumber
    uint32 npages = (state->meta.lists + IVF_SLOTS_PER_PAGE - 1) / IVF_SLOTS_PER_PAGE;
    for (uint32 i = 0; i < npages; i++) {
        vecdb_page_init(block.data, IVF_PAGE_DIRECTORY);
        vecdb_page_add_item(state->index, block.data, slots, IVF_SLOTS_PER_PAGE * sizeof(IvfListSlot));
        BlockNumber blkno = append_page(state->index, block.data);
        if (i == 0) state->meta.directory_start = blkno;
    }
    state->meta.directory_pages = npages;
    pfree(slots);
}

// Writes a list's page image as a new block chained before its previous
// one, and starts a fresh image.
static void flush_list_page(IvfBuildState* state, uint32 list) {
    Page image = (Page)(state->list_pages + (Size)list * BLCKSZ);
    VecdbPageGetOpaque(image)->next = state->list_last[list];
    state->list_last[list] = append_page(state->index, image);
    vecdb_page_init(image, VECDB_PAGE_DATA);
}

// Adds an item to a list's page image, writing the image out when full.
static void append_to_list(IvfBuildState* state, uint32 list, const char* item, Size size) {
    Page image = (Page)(state->list_pages + (Size)list * BLCKSZ);
    if (PageGetFreeSpace(image) < MAXALIGN(size)) flush_list_page(state, list);
    if (PageAddItem(image, (Item)item, size, InvalidOffsetNumber, false, false) == InvalidOffsetNumber)
        elog(ERROR, "vecdb: failed to add an entry to index \"%s\"", RelationGetRelationName(state->index));
}

// Size of the sort key in front of an entry: its list and its arrival
// number, big-endian, so that bytea order is (list, arrival) order.
#define IVF_SORT_KEY_SIZE 12

// Hands an entry of `list` to the sort that writes the lists in order.
static void sort_entry(IvfBuildState* state, uint32 list, const char* item, Size size) {
    Size total = VARHDRSZ + IVF_SORT_KEY_SIZE + size;
    bytea* datum = (bytea*)palloc(total);
    SET_VARSIZE(datum, total);
    uint8* key = (uint8*)VARDATA(datum);
    for (int i = 0; i < 4; i++) key[i] = (uint8)(list >> (24 - 8 * i));
    uint64 arrival = (uint64)state->arrival++;
    for (int i = 0; i < 8; i++) key[4 + i] = (uint8)(arrival >> (56 - 8 * i));
    memcpy(key + IVF_SORT_KEY_SIZE, item, size);
    tuplesort_putdatum(state->sorted, PointerGetDatum(datum), false);
    pfree(datum);
}

// Writes the sorted entries list after list: a list's last page is written
// before the next list starts, so each list's pages are consecutive blocks.
static void write_sorted_lists(IvfBuildState* state) {
    tuplesort_performsort(state->sorted);
    uint32 current = 0;
    bool any = false;
    Datum value;
    bool isnull;
    while (tuplesort_getdatum(state->sorted, true, &value, &isnull, NULL)) {
        CHECK_FOR_INTERRUPTS();
        bytea* datum = DatumGetByteaPP(value);
        const uint8* key = (const uint8*)VARDATA_ANY(datum);
        Size size = VARSIZE_ANY_EXHDR(datum) - IVF_SORT_KEY_SIZE;
        uint32 list = ((uint32)key[0] << 24) | ((uint32)key[1] << 16) | ((uint32)key[2] << 8) | key[3];
        if (any && list != current) flush_list_page(state, current);
        current = list;
        any = true;
        append_to_list(state, list, (const char*)key + IVF_SORT_KEY_SIZE, size);
        pfree(DatumGetPointer(value));
    }
    if (any) flush_list_page(state, current);
    tuplesort_end(state->sorted);
    state->sorted = NULL;
}

// Puts a full vector on the vector page being filled (sq8); returns where.
static ItemPointerData append_vector(IvfBuildState* state, const char* item, Size size) {
    Relation index = state->index;
    if (state->vector_buffer == InvalidBuffer || PageGetFreeSpace(BufferGetPage(state->vector_buffer)) < MAXALIGN(size)) {
        if (state->vector_buffer != InvalidBuffer) {
            MarkBufferDirty(state->vector_buffer);
            UnlockReleaseBuffer(state->vector_buffer);
        }
        state->vector_buffer = ReadBufferExtended(index, MAIN_FORKNUM, P_NEW, RBM_NORMAL, NULL);
        LockBuffer(state->vector_buffer, BUFFER_LOCK_EXCLUSIVE);
        vecdb_page_init(BufferGetPage(state->vector_buffer), IVF_PAGE_VECTOR);
    }
    OffsetNumber off = PageAddItem(BufferGetPage(state->vector_buffer), (Item)item, size, InvalidOffsetNumber, false, false);
    if (off == InvalidOffsetNumber)
        elog(ERROR, "vecdb: failed to add a vector to index \"%s\"", RelationGetRelationName(index));
    ItemPointerData where;
    ItemPointerSet(&where, BufferGetBlockNumber(state->vector_buffer), off);
    return where;
}

// Assigns the batched rows to lists and appends their entries.
static void flush_batch(IvfBuildState* state) {
    int n = state->batch_n;
    if (n == 0) return;
    uint32 dim = state->meta.dimensions;
    bool trained = state->meta.lists > 0;
    Size code_size = ivf_code_size(&state->meta);
    if (trained && state->meta.quantizer == IVF_QUANTIZER_PQ) {
        // assigned and turned into residuals in one step, then coded
        to_residuals(state, state->batch_floats, (size_t)n, state->labels);
        vecdb::core::PqShape shape;
        shape.dim = dim;
        shape.m = state->meta.pq_m;
        shape.nbits = state->meta.pq_nbits;
        const float* points = state->batch_floats;
        const float* codebooks = state->pq_codebooks;
        uint8* codes = state->batch_codes;
        int threads = state->threads;
        vecdb::core::StopCheck stop;
        stop.requested = ivf_interrupt_requested;
        bool done = vecdb::pg::guarded("ivf pq encoding", [&] {
            return vecdb::core::pq_encode_batch(points, (size_t)n, shape, codebooks, threads, stop, codes);
        });
        if (!done) build_canceled();
    } else if (trained) {
        vecdb::core::ClusterMetric metric = state->space == IVF_SPACE_IP ? vecdb::core::ClusterMetric::inner_product
                                                                         : vecdb::core::ClusterMetric::l2;
        const float* points = state->batch_floats;
        const float* centroids = state->centroids;
        const float* norms = state->centroid_norms;
        uint32 lists = state->meta.lists;
        int threads = state->threads;
        uint32* labels = state->labels;
        vecdb::core::StopCheck stop;
        stop.requested = ivf_interrupt_requested;
        bool done = vecdb::pg::guarded("ivf list assignment", [&] {
            return vecdb::core::assign_nearest(points, (size_t)n, centroids, norms, lists, dim, metric, threads, stop,
                                               labels, nullptr);
        });
        if (!done) build_canceled();
    } else {
        memset(state->labels, 0, sizeof(uint32) * n);
    }
    if (trained && state->meta.quantizer == IVF_QUANTIZER_SQ8) {
        const float* points = state->batch_floats;
        uint8* codes = state->batch_codes;
        const float* offset = state->sq8_offset;
        const float* scale = state->sq8_scale;
        vecdb::pg::guarded("ivf sq8 encoding", [&] {
            for (int i = 0; i < n; i++)
                vecdb::core::sq8_encode(points + (Size)i * dim, dim, offset, scale, codes + (Size)i * dim);
            return 0;
        });
    }
    Size code_entry_size = IVF_CODE_HEADER_SIZE + code_size;
    char* code_item = code_size > 0 ? (char*)palloc0(code_entry_size) : NULL;
    for (int i = 0; i < n; i++) {
        CHECK_FOR_INTERRUPTS();
        Size size;
        char* full = ivf_form_full_entry(state->index, &state->batch_tids[i], state->batch_values[i], &size);
        if (code_size > 0) {
            IvfCodeEntry* entry = (IvfCodeEntry*)code_item;
            entry->heap_tid = state->batch_tids[i];
            entry->vector = append_vector(state, full, size);
            memcpy(code_item + IVF_CODE_HEADER_SIZE, state->batch_codes + (Size)i * code_size, code_size);
            sort_entry(state, state->labels[i], code_item, code_entry_size);
        } else {
            sort_entry(state, state->labels[i], full, size);
        }
        pfree(full);
    }
    if (code_item) pfree(code_item);
    state->indexed += n;
    state->batch_n = 0;
    MemoryContextReset(state->row_context);
    pgstat_progress_update_param(PROGRESS_CREATEIDX_TUPLES_DONE, (int64)state->indexed);
}

// Assignment pass callback: batches rows for flush_batch.
static void assign_callback(Relation index, ItemPointer tid, Datum* values, bool* isnull, bool tuple_is_alive,
                            void* state_ptr) {
    IvfBuildState* state = (IvfBuildState*)state_ptr;
    if (isnull[0]) return;
    MemoryContext old = MemoryContextSwitchTo(state->row_context);
    struct varlena* value = accept_value(state, values[0]);
    MemoryContextSwitchTo(old);
    int i = state->batch_n++;
    state->batch_values[i] = value;
    state->batch_tids[i] = *tid;
    if (state->meta.lists > 0)
        ivf_value_to_floats(state->type, state->space, value, state->batch_floats + (Size)i * state->meta.dimensions);
    if (state->batch_n == state->batch_rows) flush_batch(state);
}

// Chooses the number of lists from the options and the row count.
static uint32 choose_lists(Relation index, const IvfOptions* options, double rows) {
    if (rows < 1) return 0;
    if (options->lists == 0) return (uint32)Max(1.0, round(sqrt(rows)));
    if (options->lists > rows)
        ereport(NOTICE, (errmsg("ivf index \"%s\" has more lists (%d) than rows (%.0f)", RelationGetRelationName(index),
                                options->lists, rows),
                         errdetail("Some lists stay empty; create the index after loading the data, or use fewer lists.")));
    return (uint32)options->lists;
}

// Sets up the assignment pass: page images per slot, batch arrays.
static void begin_assign(IvfBuildState* state) {
    uint32 slots = ivf_slot_count(&state->meta);
    uint32 dim = Max(state->meta.dimensions, 1);
    state->list_pages = (char*)MemoryContextAllocHuge(CurrentMemoryContext, (Size)slots * BLCKSZ);
    state->list_last = (BlockNumber*)MemoryContextAllocHuge(CurrentMemoryContext, sizeof(BlockNumber) * slots);
    for (uint32 i = 0; i < slots; i++) {
        vecdb_page_init((Page)(state->list_pages + (Size)i * BLCKSZ), VECDB_PAGE_DATA);
        state->list_last[i] = InvalidBlockNumber;
    }
    int64 by_memory = ((int64)maintenance_work_mem * 1024 / 4) / ((int64)dim * 9 + 64);
    state->batch_rows = (int)Max(Min((int64)IVF_BATCH_ROWS, by_memory), 64);
    state->batch_n = 0;
    state->batch_floats = (float*)MemoryContextAllocHuge(CurrentMemoryContext, sizeof(float) * state->batch_rows * (Size)dim);
    state->batch_codes = (uint8*)MemoryContextAllocHuge(CurrentMemoryContext, (Size)state->batch_rows * dim);
    state->batch_values = (struct varlena**)palloc(sizeof(struct varlena*) * state->batch_rows);
    state->batch_tids = (ItemPointerData*)palloc(sizeof(ItemPointerData) * state->batch_rows);
    state->labels = (uint32*)palloc(sizeof(uint32) * state->batch_rows);
    state->vector_buffer = InvalidBuffer;
    state->sorted = tuplesort_begin_datum(BYTEAOID, ByteaLessOperator, InvalidOid, false, maintenance_work_mem, NULL,
                                          TUPLESORT_NONE);
    state->arrival = 0;
}

// Writes what is left of the lists' page images (nothing after
// write_sorted_lists), the directory and the final metapage.
static void finish_pages(IvfBuildState* state) {
    Relation index = state->index;
    uint32 slots = ivf_slot_count(&state->meta);
    for (uint32 i = 0; i < slots; i++)
        if (PageGetMaxOffsetNumber((Page)(state->list_pages + (Size)i * BLCKSZ)) >= FirstOffsetNumber)
            flush_list_page(state, i);
    if (state->vector_buffer != InvalidBuffer) {
        state->meta.vector_insert_page = BufferGetBlockNumber(state->vector_buffer);
        MarkBufferDirty(state->vector_buffer);
        UnlockReleaseBuffer(state->vector_buffer);
        state->vector_buffer = InvalidBuffer;
    }
    for (uint32 i = 0; i < slots; i++) {
        BlockNumber blkno = ivf_slot_block(&state->meta, i);
        if (blkno == VECDB_METAPAGE_BLKNO) {
            state->meta.unassigned.head = state->meta.unassigned.insert_page = state->list_last[i];
            continue;
        }
        Buffer buffer = ReadBuffer(index, blkno);
        LockBuffer(buffer, BUFFER_LOCK_EXCLUSIVE);
        IvfListSlot* slot = ivf_slot_in_page(&state->meta, BufferGetPage(buffer), i);
        slot->head = slot->insert_page = state->list_last[i];
        MarkBufferDirty(buffer);
        UnlockReleaseBuffer(buffer);
    }
    Buffer meta_buffer = ReadBuffer(index, VECDB_METAPAGE_BLKNO);
    LockBuffer(meta_buffer, BUFFER_LOCK_EXCLUSIVE);
    Page meta_page = BufferGetPage(meta_buffer);
    memcpy(VecdbMetaBody(meta_page), &state->meta, sizeof state->meta);
    ((VecdbMetaHeader*)PageGetContents(meta_page))->dimensions = (int32)state->meta.dimensions;
    MarkBufferDirty(meta_buffer);
    UnlockReleaseBuffer(meta_buffer);
}

// A metapage body for an index with nothing in it yet.
static IvfMetaData empty_meta(uint16 quantizer, uint16 space, uint32 dimensions) {
    IvfMetaData meta;
    memset(&meta, 0, sizeof meta);
    meta.lists = 0;
    meta.dimensions = dimensions;
    meta.quantizer = quantizer;
    meta.space = space;
    meta.stream_start = meta.directory_start = InvalidBlockNumber;
    meta.vector_insert_page = InvalidBlockNumber;
    meta.unassigned.head = meta.unassigned.insert_page = InvalidBlockNumber;
    meta.pq_m = 0;
    meta.pq_nbits = 8;
    return meta;
}

IndexBuildResult* ivf_build(Relation heap, Relation index, IndexInfo* index_info) {
    if (RelationGetNumberOfBlocks(index) != 0)
        elog(ERROR, "index \"%s\" already contains data", RelationGetRelationName(index));
    TimestampTz started = GetCurrentTimestamp();
    IvfBuildState* state = (IvfBuildState*)palloc0(sizeof(IvfBuildState));
    state->index = index;
    VecdbMetric metric;
    vecdb_metric_init(&metric, index);
    state->type = ivf_value_type(index, &metric);
    state->space = ivf_space(&metric);
    state->options = ivf_get_options(index);
    if (state->type == IVF_TYPE_BIT && state->options.quantizer != IVF_QUANTIZER_NONE)
        ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                        errmsg("quantizer \"%s\" is not supported for bit columns",
                               state->options.quantizer == IVF_QUANTIZER_SQ8 ? "sq8" : "pq"),
                        errhint("Use quantizer 'none': a bit vector is already one bit per dimension.")));
    int32 typmod = TupleDescAttr(RelationGetDescr(index), 0)->atttypmod;
    state->dimensions = typmod > 0 ? typmod : 0;
    if (state->dimensions > 0) ivf_check_code_size(index, &state->options, state->dimensions);
    state->threads = max_parallel_maintenance_workers + 1;
    state->row_context = AllocSetContextCreate(CurrentMemoryContext, "ivf build rows", ALLOCSET_DEFAULT_SIZES);

    state->meta = empty_meta((uint16)state->options.quantizer, state->space, 0);
    if (state->options.pq_nbits > 0) state->meta.pq_nbits = (uint16)state->options.pq_nbits;
    ivf_write_meta(index, MAIN_FORKNUM, &state->meta);

    // 1. sampling
    pgstat_progress_update_param(PROGRESS_CREATEIDX_SUBPHASE, IVF_PHASE_SAMPLE);
    pgstat_progress_update_param(PROGRESS_CREATEIDX_TUPLES_TOTAL, (int64)Max(heap->rd_rel->reltuples, 0));
    state->sample_target = sample_target(heap, index, &state->options);
    reservoir_init_selection_state(&state->reservoir, (int)state->sample_target);
    sampler_random_init_state(IVF_SAMPLE_SEED, &state->reservoir.randstate);
    state->rows_to_skip = -1;
    double heap_tuples = table_index_build_scan(heap, index, index_info, true, true, sample_callback, (void*)state, NULL);

    // 2. training
    state->meta.lists = choose_lists(index, &state->options, state->rows_seen);
    state->meta.dimensions = (uint32)state->dimensions;
    if (state->meta.quantizer == IVF_QUANTIZER_PQ && state->dimensions > 0)
        state->meta.pq_m = ivf_pq_m(index, &state->options, state->dimensions);
    if (state->meta.lists > 0) {
        pgstat_progress_update_param(PROGRESS_CREATEIDX_SUBPHASE, IVF_PHASE_TRAIN);
        int64 npoints = Min(state->sample_count, (int64)state->meta.lists * IVF_SAMPLE_PER_LIST);
        if (npoints < state->sample_count) shuffle_sample(state->sample, state->sample_count, state->dimensions);
        train(state, Max(npoints, 1));
        write_stream(state);
        write_empty_directory(state);
    }
    if (state->sample) pfree(state->sample);
    state->sample = NULL;

    // 3. assigning and writing
    pgstat_progress_update_param(PROGRESS_CREATEIDX_SUBPHASE, IVF_PHASE_ASSIGN);
    pgstat_progress_update_param(PROGRESS_CREATEIDX_TUPLES_TOTAL, (int64)state->rows_seen);
    pgstat_progress_update_param(PROGRESS_CREATEIDX_TUPLES_DONE, 0);
    begin_assign(state);
    table_index_build_scan(heap, index, index_info, true, true, assign_callback, (void*)state, NULL);
    if (state->meta.dimensions == 0) state->meta.dimensions = (uint32)state->dimensions;
    flush_batch(state);
    pgstat_progress_update_param(PROGRESS_CREATEIDX_SUBPHASE, IVF_PHASE_WRITE);
    write_sorted_lists(state);
    finish_pages(state);
    if (RelationNeedsWAL(index))
        log_newpage_range(index, MAIN_FORKNUM, 0, RelationGetNumberOfBlocks(index), true);
    MemoryContextDelete(state->row_context);
    vecdb_meta_record_build(index, started, state->indexed);

    IndexBuildResult* result = (IndexBuildResult*)palloc(sizeof(IndexBuildResult));
    result->heap_tuples = heap_tuples;
    result->index_tuples = state->indexed;
    return result;
}

void ivf_build_empty(Relation index) {
    VecdbMetric metric;
    vecdb_metric_init(&metric, index);
    ivf_value_type(index, &metric);
    int32 typmod = TupleDescAttr(RelationGetDescr(index), 0)->atttypmod;
    IvfMetaData meta = empty_meta((uint16)ivf_get_options(index).quantizer, ivf_space(&metric),
                                  typmod > 0 ? (uint32)typmod : 0);
    ivf_write_meta(index, INIT_FORKNUM, &meta);
}
