// vecdb.verify_index for hnsw: every element tuple well formed (header,
// level, flags, size, inline value or intact overflow chain), every
// neighbour link pointing at an element that lives on that level, the
// metapage's entry point an element of the top level, and every live
// element whose row the query can see reachable over level-0 links from
// the entry point (a scan can return nothing else). The common frame then
// checks that every heap row the index should hold is indexed exactly once.
#include "am/hnsw/hnsw.h"
#include "am/hnsw/hnsw_pending.h"
#include "am/hnsw/hnsw_keys.h"
#include "am/hnsw/hnsw_walk.h"
#include "am/common/verify.h"
#include "core/hnsw/select.h"
#include "types/vector.h"

extern "C" {
#include "access/tableam.h"
#include "executor/tuptable.h"
#include "utils/snapmgr.h"
}

// Unreachable elements reported one by one; past this, one summary row.
#define HNSW_VERIFY_MAX_UNREACHABLE_ROWS 100

// Checks that a quantized element's full vector is a vector of `dim`
// dimensions on a vector page.
static void verify_vector(VecdbVerifyReport* report, BlockNumber blkno, OffsetNumber off, ItemPointer vector,
                          int dim) {
    BlockNumber vblkno = ItemPointerGetBlockNumberNoCheck(vector);
    OffsetNumber voff = ItemPointerGetOffsetNumberNoCheck(vector);
    Buffer buffer = vecdb_verify_read_page(report, vblkno, HNSW_PAGE_VECTOR, "quantized element's vector");
    if (buffer == InvalidBuffer) {
        vecdb_verify_problem(report, blkno, off, "full vector (%u,%u) is not on a vector page", vblkno, voff);
        return;
    }
    Page page = BufferGetPage(buffer);
    if (voff < FirstOffsetNumber || voff > PageGetMaxOffsetNumber(page) || !ItemIdIsNormal(PageGetItemId(page, voff))) {
        vecdb_verify_problem(report, blkno, off, "full vector (%u,%u) does not exist", vblkno, voff);
    } else {
        ItemId item_id = PageGetItemId(page, voff);
        const struct varlena* value = (const struct varlena*)PageGetItem(page, item_id);
        if (ItemIdGetLength(item_id) < VARHDRSZ + 4 || !VARATT_IS_4B_U(value) ||
            VARSIZE(value) != ItemIdGetLength(item_id) || ((const Vector*)value)->dim != dim)
            vecdb_verify_problem(report, blkno, off, "full vector (%u,%u) is not a vector of %d dimensions", vblkno,
                                 voff, dim);
    }
    UnlockReleaseBuffer(buffer);
}

// Checks one element's header, size and value; records its heap row.
// Returns whether it is well formed enough for its links to be read.
static bool verify_element(VecdbVerifyReport* report, Relation index, Page page, BlockNumber blkno, OffsetNumber off,
                           int m, int codes, uint8* mark) {
    ItemId item_id = PageGetItemId(page, off);
    Size size = ItemIdGetLength(item_id);
    Size key_bytes = hnsw_index_key_bytes(index);
    if (size < HNSW_ELEMENT_HEADER_SIZE + key_bytes) {
        vecdb_verify_problem(report, blkno, off, "element is %zu bytes, shorter than its header and key area", size);
        return false;
    }
    HnswElement element = (HnswElement)PageGetItem(page, item_id);
    if (key_bytes > 0) {
        // the key area ends the tuple (hnsw_keys.h); the checks below see the rest
        const char* problem = hnsw_keys_problem(index, (const char*)element + size - key_bytes);
        if (problem) vecdb_verify_problem(report, blkno, off, "%s", problem);
        size -= key_bytes;
    }
    uint8 flags = element->flags;
    if ((flags & ~(HNSW_ELEMENT_DELETED | HNSW_ELEMENT_EXTERNAL | HNSW_ELEMENT_QUANTIZED)) != 0 ||
        (flags & (HNSW_ELEMENT_EXTERNAL | HNSW_ELEMENT_QUANTIZED)) == (HNSW_ELEMENT_EXTERNAL | HNSW_ELEMENT_QUANTIZED) ||
        ((flags & HNSW_ELEMENT_QUANTIZED) && codes == 0)) {
        vecdb_verify_problem(report, blkno, off, "element has invalid flags 0x%02x", flags);
        return false;
    }
    if (element->level > vecdb::core::hnsw::kMaxLevel) {
        vecdb_verify_problem(report, blkno, off, "element has level %u, above the highest (%d)", element->level,
                             vecdb::core::hnsw::kMaxLevel);
        return false;
    }
    Size value_offset = hnsw_value_offset(m, element->level);
    bool deleted = (flags & HNSW_ELEMENT_DELETED) != 0;
    if (flags & HNSW_ELEMENT_QUANTIZED) {
        if (size != value_offset + HNSW_QUANTIZED_HEADER + MAXALIGN(codes)) {
            vecdb_verify_problem(report, blkno, off, "quantized element is %zu bytes, not %zu", size,
                                 value_offset + HNSW_QUANTIZED_HEADER + MAXALIGN(codes));
            return false;
        }
        ItemPointerData vector;
        memcpy(&vector, (char*)element + value_offset, sizeof vector);
        verify_vector(report, blkno, off, &vector, codes);
    } else if (flags & HNSW_ELEMENT_EXTERNAL) {
        if (size != value_offset + MAXALIGN(sizeof(VecdbOverflowRef))) {
            vecdb_verify_problem(report, blkno, off, "out-of-line element is %zu bytes, not %zu", size,
                                 value_offset + MAXALIGN(sizeof(VecdbOverflowRef)));
            return false;
        }
        VecdbOverflowRef ref;
        memcpy(&ref, (char*)element + value_offset, sizeof ref);
        vecdb_verify_overflow_ref(report, blkno, off, &ref);
    } else if (!deleted) {
        // (a deleted element's value is never read: it may be a freed chain's old ref)
        const struct varlena* value = (const struct varlena*)((char*)element + value_offset);
        if (size < value_offset + VARHDRSZ || !VARATT_IS_4B_U(value) ||
            value_offset + MAXALIGN(VARSIZE(value)) != size) {
            vecdb_verify_problem(report, blkno, off, "element's value does not fill its %zu bytes", size);
            return false;
        }
    } else if (size < value_offset + VARHDRSZ) {
        vecdb_verify_problem(report, blkno, off, "deleted element is %zu bytes, shorter than its links", size);
        return false;
    }
    if (deleted) {
        if (ItemPointerIsValid(&element->heap_tid))
            vecdb_verify_problem(report, blkno, off, "deleted element still points to heap row (%u,%u)",
                                 ItemPointerGetBlockNumber(&element->heap_tid),
                                 ItemPointerGetOffsetNumber(&element->heap_tid));
    } else {
        vecdb_verify_entry(report, blkno, off, &element->heap_tid);
    }
    if (mark == NULL) {
        vecdb_verify_problem(report, blkno, off, "page holds more elements than fit on it");
        return false;
    }
    *mark = (uint8)(HNSW_MARK_ELEMENT | (deleted ? 0 : HNSW_MARK_LIVE) | (element->level << HNSW_MARK_LEVEL_SHIFT));
    return true;
}

// Pass 1: checks every element of every element page and marks them.
static void verify_elements(VecdbVerifyReport* report, Relation index, int m, int codes, HnswTidMap* map) {
    for (BlockNumber blkno = VECDB_METAPAGE_BLKNO + 1; blkno < vecdb_verify_nblocks(report); blkno++) {
        CHECK_FOR_INTERRUPTS();
        uint16 kind = vecdb_verify_page_kind(report, blkno);
        if (kind >= VECDB_PAGE_AM_FIRST && !(kind == HNSW_PAGE_VECTOR && codes > 0) &&
            !(kind == HNSW_PAGE_KEYS && hnsw_key_columns(index) > 0) && kind != HNSW_PAGE_PENDING)
            vecdb_verify_problem(report, blkno, InvalidOffsetNumber, "page kind %u does not exist in an hnsw index",
                                 kind);
        if (kind != VECDB_PAGE_DATA) continue;
        Buffer buffer = vecdb_verify_read_page(report, blkno, VECDB_PAGE_DATA, "element page");
        if (buffer == InvalidBuffer) continue;
        Page page = BufferGetPage(buffer);
        OffsetNumber max = PageGetMaxOffsetNumber(page);
        for (OffsetNumber off = FirstOffsetNumber; off <= max; off = OffsetNumberNext(off)) {
            ItemId item_id = PageGetItemId(page, off);
            if (!ItemIdIsUsed(item_id)) continue;
            if (!ItemIdIsNormal(item_id)) {
                vecdb_verify_problem(report, blkno, off, "line pointer is dead or a redirect");
                continue;
            }
            ItemPointerData tid;
            ItemPointerSet(&tid, blkno, off);
            verify_element(report, index, page, blkno, off, m, codes, hnsw_tid_map_at(map, &tid));
        }
        UnlockReleaseBuffer(buffer);
    }
}

// Checks one level's links of an element: used slots first, each pointing
// at another element that lives on this level.
static void verify_level_links(VecdbVerifyReport* report, const HnswTidMap* map, ItemPointer self,
                               const HnswLink* links, int capacity, int level) {
    BlockNumber blkno = ItemPointerGetBlockNumber(self);
    OffsetNumber off = ItemPointerGetOffsetNumber(self);
    bool ended = false;
    for (int i = 0; i < capacity; i++) {
        if (!hnsw_link_valid(&links[i])) {
            ended = true;
            continue;
        }
        if (ended) {
            vecdb_verify_problem(report, blkno, off, "level %d links have a gap before slot %d", level, i);
            return;
        }
        ItemPointerData target = hnsw_link_tid(&links[i]);
        const uint8* mark = hnsw_tid_map_at(map, &target);
        if (mark == NULL || !(*mark & HNSW_MARK_ELEMENT)) {
            vecdb_verify_problem(report, blkno, off, "level %d link points to (%u,%u), which is not an element", level,
                                 ItemPointerGetBlockNumberNoCheck(&target), ItemPointerGetOffsetNumberNoCheck(&target));
            return;
        }
        if (ItemPointerEquals(&target, self)) {
            vecdb_verify_problem(report, blkno, off, "level %d links to the element itself", level);
            return;
        }
        if ((*mark >> HNSW_MARK_LEVEL_SHIFT) < level) {
            vecdb_verify_problem(report, blkno, off, "level %d link points to (%u,%u), an element of level %d", level,
                                 ItemPointerGetBlockNumber(&target), ItemPointerGetOffsetNumber(&target),
                                 *mark >> HNSW_MARK_LEVEL_SHIFT);
            return;
        }
    }
}

// Pass 2: the links of every well-formed element.
static void verify_links(VecdbVerifyReport* report, Relation index, int m, const HnswTidMap* map) {
    // pass 1 checked the pages: an element page here is one it walked
    hnsw_for_each_element(index, map->nblocks, false, [&](Page page, BlockNumber blkno, OffsetNumber off) {
        ItemPointerData tid;
        ItemPointerSet(&tid, blkno, off);
        const uint8* mark = hnsw_tid_map_at(map, &tid);
        if (mark == NULL || !(*mark & HNSW_MARK_ELEMENT)) return;
        HnswElement element = (HnswElement)PageGetItem(page, PageGetItemId(page, off));
        for (int l = 0; l <= element->level; l++)
            verify_level_links(report, map, &tid, HnswElementLinks(element) + hnsw_level_start(m, l),
                               hnsw_level_capacity(m, l), l);
    });
}

// Whether the heap row of an element is visible to the check's query: an
// element whose insert was cut short (by a crash, say) may never have been
// linked, and no scan must return its row anyway.
static bool heap_row_visible(Relation index, int m, ItemPointer element_tid, IndexFetchTableData* fetch,
                             TupleTableSlot* slot) {
    Buffer buffer = ReadBuffer(index, ItemPointerGetBlockNumber(element_tid));
    LockBuffer(buffer, BUFFER_LOCK_SHARE);
    HnswElement element = hnsw_get_element(index, BufferGetPage(buffer), ItemPointerGetBlockNumber(element_tid),
                                           ItemPointerGetOffsetNumber(element_tid), m);
    ItemPointerData heap_tid = element->heap_tid;
    UnlockReleaseBuffer(buffer);
    bool call_again = false;
    return table_index_fetch_tuple(fetch, &heap_tid, GetActiveSnapshot(), slot, &call_again, NULL);
}

// Pass 3: the entry point, and every live element reachable from it.
static void verify_reachability(VecdbVerifyReport* report, Relation index, Relation heap, const HnswMetaData* meta,
                                HnswTidMap* map) {
    uint64 live = 0;
    Size nslots = (Size)map->nblocks * map->slots;
    for (Size i = 0; i < nslots; i++)
        if (map->marks[i] & HNSW_MARK_LIVE) live++;
    if (!ItemPointerIsValid(&meta->entry)) {
        if (live > 0)
            vecdb_verify_problem(report, VECDB_METAPAGE_BLKNO, InvalidOffsetNumber,
                                 "metapage has no entry point, but %lu elements are live", (unsigned long)live);
        return;
    }
    ItemPointerData entry = meta->entry;
    uint8* mark = hnsw_tid_map_at(map, &entry);
    if (mark == NULL || !(*mark & HNSW_MARK_ELEMENT)) {
        vecdb_verify_problem(report, VECDB_METAPAGE_BLKNO, InvalidOffsetNumber,
                             "entry point (%u,%u) is not an element", ItemPointerGetBlockNumberNoCheck(&entry),
                             ItemPointerGetOffsetNumberNoCheck(&entry));
        return;
    }
    if ((*mark >> HNSW_MARK_LEVEL_SHIFT) != meta->entry_level)
        vecdb_verify_problem(report, VECDB_METAPAGE_BLKNO, InvalidOffsetNumber,
                             "entry point (%u,%u) has level %d, the metapage says %d", ItemPointerGetBlockNumber(&entry),
                             ItemPointerGetOffsetNumber(&entry), *mark >> HNSW_MARK_LEVEL_SHIFT, meta->entry_level);
    hnsw_walk_level0(index, meta->m, &entry, map);
    uint64 unreachable = 0;
    IndexFetchTableData* fetch = table_index_fetch_begin(heap);
    TupleTableSlot* slot = table_slot_create(heap, NULL);
    for (Size i = 0; i < nslots; i++) {
        if ((map->marks[i] & (HNSW_MARK_LIVE | HNSW_MARK_REACHED | HNSW_MARK_PLACED)) != HNSW_MARK_LIVE) continue;
        ItemPointerData tid;
        ItemPointerSet(&tid, (BlockNumber)(i / map->slots), (OffsetNumber)(i % map->slots + 1));
        if (!heap_row_visible(index, meta->m, &tid, fetch, slot)) continue;
        if (++unreachable <= HNSW_VERIFY_MAX_UNREACHABLE_ROWS)
            vecdb_verify_problem(report, ItemPointerGetBlockNumber(&tid), ItemPointerGetOffsetNumber(&tid),
                                 "element is not reachable from the entry point");
    }
    ExecDropSingleTupleTableSlot(slot);
    table_index_fetch_end(fetch);
    if (unreachable > HNSW_VERIFY_MAX_UNREACHABLE_ROWS)
        vecdb_verify_problem(report, InvalidBlockNumber, InvalidOffsetNumber,
                             "%lu elements in all are not reachable from the entry point", (unsigned long)unreachable);
}

// descriptor->verify of hnsw.
// The pending list: a chain of pending pages from the head that reaches
// the tail, entries with a known state; a waiting entry is its row's
// entry, a placed or merged one names an element of the map (which is).
static void verify_pending(VecdbVerifyReport* report, Relation index, const HnswMetaData* meta, HnswTidMap* map) {
    if (meta->pending_head == VECDB_METAPAGE_BLKNO || meta->pending_head == InvalidBlockNumber) return;
    BlockNumber nblocks = vecdb_verify_nblocks(report);
    BlockNumber blkno = meta->pending_head;
    bool reached_tail = false;
    for (BlockNumber walked = 0; blkno != InvalidBlockNumber; walked++) {
        CHECK_FOR_INTERRUPTS();
        if (walked >= nblocks) {
            vecdb_verify_problem(report, blkno, InvalidOffsetNumber, "pending list has a cycle");
            return;
        }
        Buffer buffer = vecdb_verify_read_page(report, blkno, HNSW_PAGE_PENDING, "pending list");
        if (!BufferIsValid(buffer)) return;
        Page page = BufferGetPage(buffer);
        OffsetNumber max = PageGetMaxOffsetNumber(page);
        for (OffsetNumber off = FirstOffsetNumber; off <= max; off++) {
            ItemId item_id = PageGetItemId(page, off);
            if (!ItemIdIsNormal(item_id)) continue;
            if (ItemIdGetLength(item_id) < HNSW_PENDING_HEADER) {
                vecdb_verify_problem(report, blkno, off, "pending entry of %u bytes", ItemIdGetLength(item_id));
                continue;
            }
            HnswPendingEntryData* entry = (HnswPendingEntryData*)PageGetItem(page, item_id);
            if (entry->state == HNSW_PENDING_WAITING) {
                vecdb_verify_entry(report, blkno, off, &entry->heap_tid);
            } else if (entry->state == HNSW_PENDING_PLACED || entry->state == HNSW_PENDING_MERGED) {
                uint8* mark = hnsw_tid_map_at(map, &entry->element);
                // until the next merge links it, scans find its row through the pending list
                if (mark && entry->state == HNSW_PENDING_PLACED) *mark |= HNSW_MARK_PLACED;
                if (mark == NULL || !(*mark & HNSW_MARK_ELEMENT))
                    vecdb_verify_problem(report, blkno, off, "merged pending entry names (%u,%u), which is no element",
                                         ItemPointerGetBlockNumberNoCheck(&entry->element),
                                         ItemPointerGetOffsetNumberNoCheck(&entry->element));
            } else if (entry->state != HNSW_PENDING_DEAD) {
                vecdb_verify_problem(report, blkno, off, "pending entry has state %u", entry->state);
            }
        }
        BlockNumber next = VecdbPageGetOpaque(page)->next;
        UnlockReleaseBuffer(buffer);
        if (blkno == meta->pending_tail) {
            reached_tail = true;
            break;
        }
        blkno = next;
    }
    if (!reached_tail)
        vecdb_verify_problem(report, VECDB_METAPAGE_BLKNO, InvalidOffsetNumber,
                             "pending list from block %u does not reach its tail %u", meta->pending_head,
                             meta->pending_tail);
}

void hnsw_verify(Relation index, Relation heap, VecdbVerifyReport* report) {
    HnswMetaData meta;
    VecdbMetaHeader header = vecdb_read_metapage(index, VECDB_AM_HNSW, &meta, sizeof meta);
    if (header.version != HNSW_VERSION)
        vecdb_verify_problem(report, VECDB_METAPAGE_BLKNO, InvalidOffsetNumber, "metapage has version %u, not %u",
                             header.version, HNSW_VERSION);
    if (meta.m < 2 || meta.m > HNSW_MAX_M) {
        // every element's layout depends on m: nothing else can be checked
        vecdb_verify_problem(report, VECDB_METAPAGE_BLKNO, InvalidOffsetNumber, "metapage has m = %u", meta.m);
        return;
    }
    BlockNumber nblocks = vecdb_verify_nblocks(report);
    if (meta.insert_page != InvalidBlockNumber &&
        (meta.insert_page >= RelationGetNumberOfBlocks(index) ||
         (meta.insert_page < nblocks && vecdb_verify_page_kind(report, meta.insert_page) != VECDB_PAGE_DATA)))
        vecdb_verify_problem(report, VECDB_METAPAGE_BLKNO, InvalidOffsetNumber,
                             "insert page %u is not an element page", meta.insert_page);
    HnswTidMap map;
    hnsw_tid_map_init(&map, nblocks, meta.m);
    // sq8: one code a dimension, as many as the trained ranges have
    int codes = meta.quantizer == HNSW_QUANTIZER_SQ8 ? (int)(meta.sq8_params.size / (2 * sizeof(float))) : 0;
    if (codes > 0) vecdb_verify_overflow_ref(report, VECDB_METAPAGE_BLKNO, InvalidOffsetNumber, &meta.sq8_params);
    verify_elements(report, index, meta.m, codes, &map);
    verify_links(report, index, meta.m, &map);
    hnsw_verify_key_directory(index, &meta, report, &map);
    verify_pending(report, index, &meta, &map);
    verify_reachability(report, index, heap, &meta, &map);
    pfree(map.marks);
}

// descriptor->indexes_row of hnsw: NULL vectors and vectors with no
// direction under cosine are not in the graph.
bool hnsw_indexes_row(Relation index, Datum* values, bool* isnull, void** state) {
    if (isnull[0]) return false;
    if (*state == NULL) {
        VecdbMetric* metric = (VecdbMetric*)palloc(sizeof(VecdbMetric));
        vecdb_metric_init(metric, index);
        *state = metric;
    }
    struct varlena* value = PG_DETOAST_DATUM(values[0]);
    bool indexed = hnsw_value_indexable((const VecdbMetric*)*state, value);
    if ((Pointer)value != DatumGetPointer(values[0])) pfree(value);
    return indexed;
}
