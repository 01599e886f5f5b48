// vecdb.verify_index for ivf: the metapage, centroid stream and directory
// are what the build wrote; each list's chain is intact and no page is on
// two chains; every entry is well formed (overflow refs and vector-page
// locators included) and sits in the list of its nearest centroid; every
// posting page is on a chain. The common frame then checks that every
// recorded entry's heap row is indexed exactly once.
#include "am/ivf/ivf.h"
#include "am/common/verify.h"
#include "core/kmeans/assign.h"
#include "pg/guard.h"

#include <cmath>

typedef struct IvfVerifyState {
    Relation index;
    VecdbVerifyReport* report;
    IvfMetaData meta;
    IvfValueType type;
    Size code_size;          // bytes of a quantized entry's codes (0: lists hold full entries)
    float* centroids;        // NULL when they could not be read
    float* centroid_norms;
    float max_centroid_norm;
    float* x;                // one value as floats
    float* keys;             // one key per list
    uint8* on_chain;         // bit per block
} IvfVerifyState;

// Whether a block's bit is set in a bitmap.
static bool bit_is_set(const uint8* bits, BlockNumber blkno) {
    return (bits[blkno / 8] & (1 << (blkno % 8))) != 0;
}

// Reads the centroids from the stream pages, reporting what is wrong
// instead of raising; false when they cannot be used.
static bool read_centroids(IvfVerifyState* st) {
    const IvfMetaData* meta = &st->meta;
    Size bytes = sizeof(float) * (Size)meta->lists * meta->dimensions;
    Size sq8 = sizeof(float) * ivf_stream_extra_floats(meta);  // sq8 ranges or pq codebooks
    Size expected_pages = (bytes + sq8 + IVF_PAGE_PAYLOAD - 1) / IVF_PAGE_PAYLOAD;
    if (meta->stream_pages < expected_pages) {
        vecdb_verify_problem(st->report, VECDB_METAPAGE_BLKNO, InvalidOffsetNumber,
                             "metapage lists %u centroid pages, %zu are needed", meta->stream_pages, expected_pages);
        return false;
    }
    st->centroids = (float*)MemoryContextAllocHuge(CurrentMemoryContext, Max(bytes, 1));
    Size done = 0;
    for (uint32 i = 0; i < meta->stream_pages; i++) {
        BlockNumber blkno = meta->stream_start + i;
        Buffer buffer = vecdb_verify_read_page(st->report, blkno, IVF_PAGE_STREAM, "centroid stream");
        if (buffer == InvalidBuffer) return false;
        Page page = BufferGetPage(buffer);
        bool one_item = PageGetMaxOffsetNumber(page) == FirstOffsetNumber &&
                        ItemIdIsNormal(PageGetItemId(page, FirstOffsetNumber));
        if (!one_item) {
            UnlockReleaseBuffer(buffer);
            vecdb_verify_problem(st->report, blkno, InvalidOffsetNumber, "centroid page does not hold one item");
            return false;
        }
        Size length = ItemIdGetLength(PageGetItemId(page, FirstOffsetNumber));
        if (done < bytes) memcpy((char*)st->centroids + done, PageGetItem(page, PageGetItemId(page, FirstOffsetNumber)),
                                 Min(length, bytes - done));
        done += length;
        UnlockReleaseBuffer(buffer);
    }
    if (done < bytes + sq8) {
        vecdb_verify_problem(st->report, VECDB_METAPAGE_BLKNO, InvalidOffsetNumber,
                             "centroid pages hold %zu bytes, %zu are needed", done, bytes + sq8);
        return false;
    }
    st->centroid_norms = (float*)palloc(sizeof(float) * meta->lists);
    const float* centroids = st->centroids;
    float* norms = st->centroid_norms;
    uint32 lists = meta->lists, dim = meta->dimensions;
    vecdb::pg::guarded("ivf centroid norms", [&] {
        vecdb::core::squared_norms(centroids, lists, dim, norms);
        return 0;
    });
    st->max_centroid_norm = 0;
    for (uint32 i = 0; i < lists; i++) st->max_centroid_norm = Max(st->max_centroid_norm, norms[i]);
    return true;
}

// Checks that a value sits in the list of its nearest centroid (ties and
// float rounding of the build's matrix product tolerated).
static void check_nearest(IvfVerifyState* st, BlockNumber blkno, OffsetNumber off, uint32 list,
                          const struct varlena* value) {
    if (st->centroids == NULL || st->meta.lists == 0) return;
    uint32 dim = st->meta.dimensions;
    if (ivf_value_dimensions(st->type, value) != (int)dim) {
        vecdb_verify_problem(st->report, blkno, off, "value has %d dimensions, the index %u",
                             ivf_value_dimensions(st->type, value), dim);
        return;
    }
    ivf_value_to_floats(st->type, (IvfSpace)st->meta.space, value, st->x);
    vecdb::core::ClusterMetric metric = st->meta.space == IVF_SPACE_IP ? vecdb::core::ClusterMetric::inner_product
                                                                        : vecdb::core::ClusterMetric::l2;
    const float* x = st->x;
    float* keys = st->keys;
    vecdb::pg::guarded("ivf verify centroid keys", [&] {
        vecdb::core::centroid_keys(x, st->centroids, st->centroid_norms, st->meta.lists, dim, metric, keys);
        return 0;
    });
    uint32 best = 0;
    for (uint32 i = 1; i < st->meta.lists; i++)
        if (keys[i] < keys[best]) best = i;
    double xnorm = 0;
    for (uint32 i = 0; i < dim; i++) xnorm += (double)x[i] * x[i];
    double tolerance = 1e-4 * (xnorm + st->max_centroid_norm) + 1e-6;
    if (std::isfinite(keys[list]) && (double)keys[list] - (double)keys[best] > tolerance)
        vecdb_verify_problem(st->report, blkno, off, "entry is in list %u, its nearest centroid is that of list %u",
                             list, best);
}

// Checks a full entry (inline or out of line) at blkno/off; returns its
// inline value for the nearest-centroid check, or NULL.
static const struct varlena* check_full_entry(IvfVerifyState* st, Page page, BlockNumber blkno, OffsetNumber off) {
    ItemId item_id = PageGetItemId(page, off);
    IvfFullEntry* entry = (IvfFullEntry*)PageGetItem(page, item_id);
    const char* problem = ivf_full_entry_problem(entry, ItemIdGetLength(item_id));
    if (problem != NULL) {
        vecdb_verify_problem(st->report, blkno, off, "%s (%u bytes)", problem, ItemIdGetLength(item_id));
        return NULL;
    }
    if (!(entry->flags & IVF_ENTRY_EXTERNAL)) return IvfFullEntryValue(entry);
    // an out-of-line value is only checked for its chain: reading a broken
    // one would raise instead of reporting
    vecdb_verify_overflow_ref(st->report, blkno, off, IvfFullEntryOverflowRef(entry));
    return NULL;
}

// Checks a quantized entry: its size, and that its locator reaches a full
// entry of the same heap row on a vector page; returns that value (or NULL).
static const struct varlena* check_code_entry(IvfVerifyState* st, Page page, BlockNumber blkno, OffsetNumber off) {
    ItemId item_id = PageGetItemId(page, off);
    if (ItemIdGetLength(item_id) != IVF_CODE_HEADER_SIZE + st->code_size) {
        vecdb_verify_problem(st->report, blkno, off, "quantized entry is %u bytes, not %zu", ItemIdGetLength(item_id),
                             IVF_CODE_HEADER_SIZE + st->code_size);
        return NULL;
    }
    const IvfCodeEntry* entry = (const IvfCodeEntry*)PageGetItem(page, item_id);
    if (st->meta.quantizer == IVF_QUANTIZER_PQ) {
        const uint8* codes = IvfCodeEntryCodes(entry);
        for (Size j = 0; j < st->code_size; j++)
            if (codes[j] >= (1u << st->meta.pq_nbits)) {
                vecdb_verify_problem(st->report, blkno, off, "pq code %u of sub-vector %zu is past its %u centroids",
                                     codes[j], j, 1u << st->meta.pq_nbits);
                break;
            }
    }
    BlockNumber vblk = ItemPointerGetBlockNumberNoCheck(&entry->vector);
    OffsetNumber voff = ItemPointerGetOffsetNumberNoCheck(&entry->vector);
    // the posting page stays locked: VACUUM removes the entry before its vector
    Buffer buffer = vecdb_verify_read_page(st->report, vblk, IVF_PAGE_VECTOR, "quantized entry's vector locator");
    if (buffer == InvalidBuffer) {
        vecdb_verify_problem(st->report, blkno, off, "full vector at (%u,%u) is unreadable", vblk, voff);
        return NULL;
    }
    Page vpage = BufferGetPage(buffer);
    const struct varlena* result = NULL;
    if (voff < FirstOffsetNumber || voff > PageGetMaxOffsetNumber(vpage) || !ItemIdIsNormal(PageGetItemId(vpage, voff))) {
        vecdb_verify_problem(st->report, blkno, off, "full vector at (%u,%u) does not exist", vblk, voff);
    } else {
        const struct varlena* value = check_full_entry(st, vpage, vblk, voff);
        const IvfFullEntry* full = (const IvfFullEntry*)PageGetItem(vpage, PageGetItemId(vpage, voff));
        if (value != NULL && !ItemPointerEquals((ItemPointer)&full->heap_tid, (ItemPointer)&entry->heap_tid)) {
            vecdb_verify_problem(st->report, blkno, off, "full vector at (%u,%u) belongs to heap row (%u,%u)", vblk,
                                 voff, ItemPointerGetBlockNumberNoCheck(&full->heap_tid),
                                 ItemPointerGetOffsetNumberNoCheck(&full->heap_tid));
        } else if (value != NULL) {
            // copied: the vector page is released before the caller uses it
            Size size = VARSIZE(value);
            struct varlena* copy = (struct varlena*)palloc(size);
            memcpy(copy, value, size);
            result = copy;
        }
    }
    UnlockReleaseBuffer(buffer);
    return result;
}

// Walks one list's chain, checking each page and entry; marks the pages.
static void verify_list(IvfVerifyState* st, uint32 list, const IvfListSlot* slot) {
    BlockNumber nblocks = vecdb_verify_nblocks(st->report);
    BlockNumber steps = 0;
    bool insert_page_seen = slot->insert_page == InvalidBlockNumber;
    MemoryContext entry_context = AllocSetContextCreate(CurrentMemoryContext, "ivf verify entry", ALLOCSET_SMALL_SIZES);
    for (BlockNumber blkno = slot->head; blkno != InvalidBlockNumber;) {
        CHECK_FOR_INTERRUPTS();
        if (++steps > RelationGetNumberOfBlocks(st->index) ||
            (blkno < nblocks && bit_is_set(st->on_chain, blkno))) {
            vecdb_verify_problem(st->report, blkno, InvalidOffsetNumber,
                                 "list %u's chain reaches this page a second time", list);
            break;
        }
        if (blkno < nblocks) st->on_chain[blkno / 8] |= (uint8)(1 << (blkno % 8));
        if (blkno == slot->insert_page) insert_page_seen = true;
        Buffer buffer = vecdb_verify_read_page(st->report, blkno, VECDB_PAGE_DATA, "list chain");
        if (buffer == InvalidBuffer) break;
        Page page = BufferGetPage(buffer);
        OffsetNumber max = PageGetMaxOffsetNumber(page);
        for (OffsetNumber off = FirstOffsetNumber; off <= max; off = OffsetNumberNext(off)) {
            ItemId item_id = PageGetItemId(page, off);
            if (!ItemIdIsUsed(item_id)) continue;
            if (!ItemIdIsNormal(item_id)) {
                vecdb_verify_problem(st->report, blkno, off, "line pointer is dead or a redirect");
                continue;
            }
            bool sized = st->code_size > 0 ? ItemIdGetLength(item_id) == IVF_CODE_HEADER_SIZE + st->code_size
                                           : ivf_full_entry_problem((IvfFullEntry*)PageGetItem(page, item_id),
                                                                    ItemIdGetLength(item_id)) == NULL;
            // the report grows in the caller's context, not the per-entry one
            if (sized) vecdb_verify_entry(st->report, blkno, off, (ItemPointer)PageGetItem(page, item_id));
            MemoryContext old = MemoryContextSwitchTo(entry_context);
            const struct varlena* value =
                st->code_size > 0 ? check_code_entry(st, page, blkno, off) : check_full_entry(st, page, blkno, off);
            if (value != NULL) check_nearest(st, blkno, off, list, value);
            MemoryContextSwitchTo(old);
            MemoryContextReset(entry_context);
        }
        blkno = VecdbPageGetOpaque(page)->next;
        UnlockReleaseBuffer(buffer);
    }
    MemoryContextDelete(entry_context);
    if (!insert_page_seen)
        vecdb_verify_problem(st->report, ivf_slot_block(&st->meta, list), InvalidOffsetNumber,
                             "list %u's insert page %u is not on its chain", list, slot->insert_page);
}

// Reads every list slot, reporting a broken directory; false if unusable.
static bool read_slots(IvfVerifyState* st, IvfListSlot* slots) {
    const IvfMetaData* meta = &st->meta;
    if (meta->lists == 0) {
        slots[0] = meta->unassigned;
        return true;
    }
    uint32 pages = (meta->lists + IVF_SLOTS_PER_PAGE - 1) / IVF_SLOTS_PER_PAGE;
    if (meta->directory_pages != pages) {
        vecdb_verify_problem(st->report, VECDB_METAPAGE_BLKNO, InvalidOffsetNumber,
                             "metapage lists %u directory pages, %u lists need %u", meta->directory_pages,
                             meta->lists, pages);
        return false;
    }
    for (uint32 i = 0; i < pages; i++) {
        BlockNumber blkno = meta->directory_start + i;
        Buffer buffer = vecdb_verify_read_page(st->report, blkno, IVF_PAGE_DIRECTORY, "directory");
        if (buffer == InvalidBuffer) return false;
        Page page = BufferGetPage(buffer);
        bool ok = PageGetMaxOffsetNumber(page) == FirstOffsetNumber &&
                  ItemIdGetLength(PageGetItemId(page, FirstOffsetNumber)) == IVF_SLOTS_PER_PAGE * sizeof(IvfListSlot);
        if (ok) {
            uint32 first = i * IVF_SLOTS_PER_PAGE;
            uint32 count = Min((uint32)IVF_SLOTS_PER_PAGE, meta->lists - first);
            memcpy(&slots[first], PageGetItem(page, PageGetItemId(page, FirstOffsetNumber)),
                   sizeof(IvfListSlot) * count);
        }
        UnlockReleaseBuffer(buffer);
        if (!ok) {
            vecdb_verify_problem(st->report, blkno, InvalidOffsetNumber, "directory page does not hold one slot array");
            return false;
        }
    }
    return true;
}

// descriptor->verify of ivf.
void ivf_verify(Relation index, Relation heap, VecdbVerifyReport* report) {
    IvfVerifyState st;
    memset(&st, 0, sizeof st);
    st.index = index;
    st.report = report;
    VecdbMetaHeader header = vecdb_read_metapage(index, VECDB_AM_IVF, &st.meta, sizeof st.meta);
    if (header.version != IVF_VERSION)
        vecdb_verify_problem(report, VECDB_METAPAGE_BLKNO, InvalidOffsetNumber, "metapage has version %u, not %u",
                             header.version, IVF_VERSION);
    bool pq_shape_bad = st.meta.quantizer == IVF_QUANTIZER_PQ && st.meta.lists > 0 &&
                        (st.meta.pq_m == 0 || st.meta.dimensions % st.meta.pq_m != 0 || st.meta.pq_nbits < 1 ||
                         st.meta.pq_nbits > 8);
    if (st.meta.quantizer > IVF_QUANTIZER_PQ || st.meta.space > IVF_SPACE_COSINE || pq_shape_bad) {
        vecdb_verify_problem(report, VECDB_METAPAGE_BLKNO, InvalidOffsetNumber,
                             "metapage has an unknown quantizer %u, space %u or pq shape (m %u, nbits %u)",
                             st.meta.quantizer, st.meta.space, st.meta.pq_m, st.meta.pq_nbits);
        return;
    }
    VecdbMetric metric;
    vecdb_metric_init(&metric, index);
    st.type = ivf_value_type(index, &metric);
    st.code_size = ivf_code_size(&st.meta);
    BlockNumber nblocks = vecdb_verify_nblocks(report);
    st.on_chain = (uint8*)palloc0(nblocks / 8 + 1);
    if (st.meta.lists > 0) {
        st.x = (float*)palloc(sizeof(float) * Max(st.meta.dimensions, 1));
        st.keys = (float*)palloc(sizeof(float) * st.meta.lists);
        if (!read_centroids(&st)) st.centroids = NULL;
    }
    uint32 nslots = ivf_slot_count(&st.meta);
    IvfListSlot* slots = (IvfListSlot*)MemoryContextAllocHuge(CurrentMemoryContext, sizeof(IvfListSlot) * nslots);
    if (read_slots(&st, slots))
        for (uint32 list = 0; list < nslots; list++) verify_list(&st, list, &slots[list]);
    else
        return;  // without the directory, pages off every chain say nothing
    // a posting page leaves its chain only as an unlinked page: one the check
    // saw that no chain reached is lost
    for (BlockNumber blkno = VECDB_METAPAGE_BLKNO + 1; blkno < nblocks; blkno++) {
        uint16 kind = vecdb_verify_page_kind(report, blkno);
        if (kind == VECDB_PAGE_DATA && !bit_is_set(st.on_chain, blkno))
            vecdb_verify_problem(report, blkno, InvalidOffsetNumber, "posting page is on no list's chain");
        else if (kind == IVF_PAGE_VECTOR && st.code_size == 0 && st.meta.lists > 0)
            vecdb_verify_problem(report, blkno, InvalidOffsetNumber, "vector page in an index without quantizer");
        else if (kind > IVF_PAGE_UNLINKED)
            vecdb_verify_problem(report, blkno, InvalidOffsetNumber, "page kind %u does not exist in an ivf index",
                                 kind);
    }
}
