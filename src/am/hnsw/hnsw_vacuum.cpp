// VACUUM for hnsw: find the elements of dead heap rows, repair every link
// list that points at them (the dead neighbour's own neighbours are the
// replacement candidates), move the entry point off a dead element, and
// only then mark the dead elements deleted. Scans keep running meanwhile:
// each page is locked briefly, and a deleted element is still traversable
// (its links stay) but is never returned.
#include "am/hnsw/hnsw.h"
#include "am/hnsw/hnsw_walk.h"
#include "am/hnsw/hnsw_pending.h"
#include "core/hnsw/select.h"

#include <algorithm>

extern "C" {
#include "commands/vacuum.h"
#include "storage/indexfsm.h"
}

using vecdb::core::hnsw::Scored;

// A sorted set of element TIDs (pages are read in order, so appends stay sorted).
typedef struct TidList {
    ItemPointerData* tids;
    size_t n, capacity;
} TidList;

// Appends a TID.
static void tid_list_add(TidList* list, ItemPointer tid) {
    if (list->n == list->capacity) {
        list->capacity = Max(list->capacity * 2, 256);
        Size bytes = sizeof(ItemPointerData) * list->capacity;
        list->tids = list->tids ? (ItemPointerData*)repalloc_huge(list->tids, bytes)
                                : (ItemPointerData*)MemoryContextAllocHuge(CurrentMemoryContext, bytes);
    }
    list->tids[list->n++] = *tid;
}

// Whether a sorted list holds tid.
static bool tid_list_contains(const TidList* list, ItemPointer tid) {
    size_t lo = 0, hi = list->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = ItemPointerCompare(&list->tids[mid], tid);
        if (c == 0) return true;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return false;
}

typedef struct VacuumSurvey {
    TidList dead;        // newly dead and already deleted elements
    TidList newly_dead;  // the ones this VACUUM deletes
    double live;
    ItemPointerData best;  // highest-level live element: the entry point if the old one dies
    int best_level;
} VacuumSurvey;

// Pass 1: classifies every element (callback NULL: only counts).
static void survey(Relation index, int m, IndexBulkDeleteCallback callback, void* callback_state, VacuumSurvey* s) {
    s->best_level = -1;
    hnsw_for_each_element(index, RelationGetNumberOfBlocks(index), true,
                          [&](Page page, BlockNumber blkno, OffsetNumber off) {
        HnswElement element = hnsw_get_element(index, page, blkno, off, m);
        ItemPointerData tid;
        ItemPointerSet(&tid, blkno, off);
        if (element->flags & HNSW_ELEMENT_DELETED) {
            tid_list_add(&s->dead, &tid);
        } else if (callback && callback(&element->heap_tid, callback_state)) {
            tid_list_add(&s->dead, &tid);
            tid_list_add(&s->newly_dead, &tid);
        } else {
            s->live += 1;
            if (element->level > s->best_level) {
                s->best_level = element->level;
                s->best = tid;
            }
        }
    });
}

// Whether a level's link list points at a dead element.
static bool links_hit_dead(const HnswLink* links, int capacity, const TidList* dead) {
    for (int i = 0; i < capacity && hnsw_link_valid(&links[i]); i++) {
        ItemPointerData tid = hnsw_link_tid(&links[i]);
        if (tid_list_contains(dead, &tid)) return true;
    }
    return false;
}

// Candidate neighbours for a repaired list, with their values.
typedef struct RepairCandidates {
    Scored* scored;  // dist to the element; id indexes tids/values
    ItemPointerData* tids;
    struct varlena** values;
    uint32 n, capacity;
} RepairCandidates;

// Adds a candidate unless it is the element itself, dead, or already there.
static void add_candidate(HnswSearch* search, RepairCandidates* c, ItemPointer self, const struct varlena* value,
                          ItemPointer tid, const TidList* dead) {
    if (ItemPointerEquals(tid, self) || tid_list_contains(dead, tid)) return;
    for (uint32 i = 0; i < c->n; i++)
        if (ItemPointerEquals(&c->tids[i], tid)) return;
    if (c->n == c->capacity) return;
    struct varlena* other = hnsw_copy_element_value(search, tid);
    c->tids[c->n] = *tid;
    c->values[c->n] = other;
    c->scored[c->n].dist = (float)vecdb_metric_key(search->metric, value, other);
    c->scored[c->n].id = c->n;
    c->n++;
}

// Reads the links of an element at a level into out (valid ones); returns how many.
static int read_links(Relation index, int m, ItemPointer tid, int level, ItemPointerData* out) {
    Buffer buffer = ReadBuffer(index, ItemPointerGetBlockNumber(tid));
    LockBuffer(buffer, BUFFER_LOCK_SHARE);
    HnswElement element =
        hnsw_get_element(index, BufferGetPage(buffer), ItemPointerGetBlockNumber(tid), ItemPointerGetOffsetNumber(tid), m);
    int n = 0;
    if (element->level >= level) {
        const HnswLink* links = HnswElementLinks(element) + hnsw_level_start(m, level);
        int capacity = hnsw_level_capacity(m, level);
        while (n < capacity && hnsw_link_valid(&links[n])) {
            out[n] = hnsw_link_tid(&links[n]);
            n++;
        }
    }
    UnlockReleaseBuffer(buffer);
    return n;
}

// Computes a new link list for one level of an element whose links hit dead
// elements: its live links plus the live links of its dead neighbours,
// filtered by the diverse-neighbour rule. Fills out (capacity slots).
static void repair_level(HnswSearch* search, ItemPointer self, const struct varlena* value, const HnswLink* links,
                         int level, const TidList* dead, HnswLink* out) {
    Relation index = search->index;
    int m = search->m;
    int capacity = hnsw_level_capacity(m, level);
    RepairCandidates c;
    c.capacity = (uint32)(capacity * (capacity + 1));
    c.n = 0;
    c.scored = (Scored*)palloc(sizeof(Scored) * c.capacity);
    c.tids = (ItemPointerData*)palloc(sizeof(ItemPointerData) * c.capacity);
    c.values = (struct varlena**)palloc(sizeof(struct varlena*) * c.capacity);
    ItemPointerData* second = (ItemPointerData*)palloc(sizeof(ItemPointerData) * capacity);
    for (int i = 0; i < capacity && hnsw_link_valid(&links[i]); i++) {
        ItemPointerData tid = hnsw_link_tid(&links[i]);
        if (!tid_list_contains(dead, &tid)) {
            add_candidate(search, &c, self, value, &tid, dead);
            continue;
        }
        int n = read_links(index, m, &tid, level, second);
        for (int k = 0; k < n; k++) add_candidate(search, &c, self, value, &second[k], dead);
    }
    std::sort(c.scored, c.scored + c.n, [](const Scored& a, const Scored& b) { return a.dist < b.dist; });
    uint32* keep = (uint32*)palloc(sizeof(uint32) * (capacity + 1));
    const VecdbMetric* metric = search->metric;
    size_t kept = vecdb::core::hnsw::select_neighbors(
        c.scored, c.n, (size_t)capacity,
        [&](size_t i, size_t j) {
            return (float)vecdb_metric_key(metric, c.values[c.scored[i].id], c.values[c.scored[j].id]);
        },
        keep, true);
    for (int i = 0; i < capacity; i++) out[i].offset = InvalidOffsetNumber;
    for (size_t k = 0; k < kept; k++) {
        const Scored& chosen = c.scored[keep[k]];
        hnsw_set_link(&out[k], &c.tids[chosen.id], chosen.dist);
    }
}

// Repairs every level of one element that links to a dead element.
static void repair_element(HnswSearch* search, ItemPointer tid, const TidList* dead, MemoryContext work) {
    Relation index = search->index;
    int m = search->m;
    MemoryContext old = MemoryContextSwitchTo(work);
    BlockNumber blkno = ItemPointerGetBlockNumber(tid);
    OffsetNumber offset = ItemPointerGetOffsetNumber(tid);
    // copy what the repair needs, then work without the lock
    Buffer buffer = ReadBuffer(index, blkno);
    LockBuffer(buffer, BUFFER_LOCK_SHARE);
    Page page = BufferGetPage(buffer);
    HnswElement element = hnsw_get_element(index, page, blkno, offset, m);
    int level = element->level;
    ItemPointerData heap_tid = element->heap_tid;
    int nlinks = 2 * m + level * m;
    HnswLink* links = (HnswLink*)palloc(sizeof(HnswLink) * nlinks);
    memcpy(links, HnswElementLinks(element), sizeof(HnswLink) * nlinks);
    struct varlena* value = hnsw_element_value(search, element, ItemIdGetLength(PageGetItemId(page, offset)));
    value = (struct varlena*)pg_detoast_datum_copy(value);
    UnlockReleaseBuffer(buffer);

    HnswLink* repaired = (HnswLink*)palloc(sizeof(HnswLink) * nlinks);
    memcpy(repaired, links, sizeof(HnswLink) * nlinks);
    bool changed = false;
    for (int l = 0; l <= level; l++) {
        const HnswLink* level_links = links + hnsw_level_start(m, l);
        if (!links_hit_dead(level_links, hnsw_level_capacity(m, l), dead)) continue;
        repair_level(search, tid, value, level_links, l, dead, repaired + hnsw_level_start(m, l));
        changed = true;
    }
    if (changed) {
        buffer = ReadBuffer(index, blkno);
        LockBuffer(buffer, BUFFER_LOCK_EXCLUSIVE);
        GenericXLogState* state = GenericXLogStart(index);
        page = vecdb_register_buffer(state, buffer, 0);
        element = hnsw_get_element(index, page, blkno, offset, m);
        // A back link an insert added since the copy is lost here: that costs
        // recall for one link, never correctness. A recycled slot is left alone.
        if (ItemPointerEquals(&element->heap_tid, &heap_tid) && !(element->flags & HNSW_ELEMENT_DELETED)) {
            memcpy(HnswElementLinks(element), repaired, sizeof(HnswLink) * nlinks);
            GenericXLogFinish(state);
        } else {
            GenericXLogAbort(state);
        }
        UnlockReleaseBuffer(buffer);
    }
    MemoryContextSwitchTo(old);
    MemoryContextReset(work);
}

// Pass 2: repairs every live element whose links reach a dead one.
static void repair_links(HnswSearch* search, const TidList* dead) {
    Relation index = search->index;
    MemoryContext work = AllocSetContextCreate(CurrentMemoryContext, "hnsw vacuum repair", ALLOCSET_DEFAULT_SIZES);
    TidList todo = {NULL, 0, 0};
    int m = search->m;
    hnsw_for_each_element(
        index, RelationGetNumberOfBlocks(index), true,
        [&](Page page, BlockNumber blkno, OffsetNumber off) {
            HnswElement element = hnsw_get_element(index, page, blkno, off, m);
            ItemPointerData tid;
            ItemPointerSet(&tid, blkno, off);
            if ((element->flags & HNSW_ELEMENT_DELETED) || tid_list_contains(dead, &tid)) return;
            for (int l = 0; l <= element->level; l++) {
                if (links_hit_dead(HnswElementLinks(element) + hnsw_level_start(m, l), hnsw_level_capacity(m, l),
                                   dead)) {
                    tid_list_add(&todo, &tid);
                    break;
                }
            }
        },
        // repairs read other pages: after this one is released
        [&](BlockNumber) {
            for (size_t i = 0; i < todo.n; i++) repair_element(search, &todo.tids[i], dead, work);
            todo.n = 0;
        });
    MemoryContextDelete(work);
}

// Pass 3: marks the newly dead elements deleted, one WAL record per page.
static void mark_deleted(Relation index, int m, const TidList* newly_dead, IndexBulkDeleteResult* stats) {
    size_t i = 0;
    VecdbOverflowRef* chains = (VecdbOverflowRef*)palloc(sizeof(VecdbOverflowRef) * MaxOffsetNumber);
    int nchains = 0;
    while (i < newly_dead->n) {
        vacuum_delay_point();
        BlockNumber blkno = ItemPointerGetBlockNumber(&newly_dead->tids[i]);
        Buffer buffer = ReadBuffer(index, blkno);
        LockBuffer(buffer, BUFFER_LOCK_EXCLUSIVE);
        GenericXLogState* state = GenericXLogStart(index);
        Page page = vecdb_register_buffer(state, buffer, 0);
        for (; i < newly_dead->n && ItemPointerGetBlockNumber(&newly_dead->tids[i]) == blkno; i++) {
            HnswElement element = hnsw_get_element(index, page, blkno, ItemPointerGetOffsetNumber(&newly_dead->tids[i]), m);
            element->flags |= HNSW_ELEMENT_DELETED;
            ItemPointerSetInvalid(&element->heap_tid);
            if (element->flags & HNSW_ELEMENT_EXTERNAL) {
                // the chain is freed below; the element forgets it so no stale ref remains
                memcpy(&chains[nchains++], (char*)element + hnsw_value_offset(m, element->level), sizeof(VecdbOverflowRef));
                element->flags &= ~HNSW_ELEMENT_EXTERNAL;
            }
            stats->tuples_removed += 1;
        }
        GenericXLogFinish(state);
        UnlockReleaseBuffer(buffer);
        for (int c = 0; c < nchains; c++) vecdb_overflow_free(index, &chains[c]);
        nchains = 0;
    }
}

IndexBulkDeleteResult* hnsw_bulk_delete(IndexVacuumInfo* info, IndexBulkDeleteResult* stats,
                                        IndexBulkDeleteCallback callback, void* callback_state) {
    Relation index = info->index;
    if (stats == NULL) stats = (IndexBulkDeleteResult*)palloc0(sizeof(IndexBulkDeleteResult));
    // pending rows first: their heap TIDs may be reused once VACUUM is done
    stats->tuples_removed += (double)hnsw_pending_bulk_delete(index, callback, callback_state);
    HnswMetaData meta = hnsw_read_meta(index);
    VacuumSurvey s;
    memset(&s, 0, sizeof s);
    survey(index, meta.m, callback, callback_state, &s);
    stats->num_index_tuples = s.live;
    if (s.newly_dead.n == 0) return stats;

    VecdbMetric metric;
    vecdb_metric_init(&metric, index);
    HnswSearch search;
    hnsw_search_init(&search, index, CurrentMemoryContext, &metric, meta.m);
    repair_links(&search, &s.dead);

    // a dead entry point moves to the highest live element before it is deleted
    meta = hnsw_read_meta(index);
    if (ItemPointerIsValid(&meta.entry) && tid_list_contains(&s.dead, &meta.entry))
        hnsw_update_entry(index, s.best_level >= 0 ? &s.best : NULL, s.best_level, false);
    mark_deleted(index, meta.m, &s.newly_dead, stats);
    // the repaired lists no longer lead through the dead elements: what
    // only they reached is linked back in
    uint64 linked = hnsw_reconnect(index, &metric);
    if (linked > 0)
        elog(DEBUG1, "vecdb: VACUUM of \"%s\" linked %lu unreachable elements back into the graph",
             RelationGetRelationName(index), (unsigned long)linked);
    return stats;
}

// The overflow sweep's walk: keeps the chain of every element holding one,
// and sq8's trained ranges.
static void keep_element_chains(Relation index, VecdbOverflowSweep* sweep, void* arg) {
    int m = *(int*)arg;
    HnswMetaData meta = hnsw_read_meta(index);
    if (meta.quantizer == HNSW_QUANTIZER_SQ8 && meta.sq8_params.size > 0) vecdb_overflow_keep(sweep, &meta.sq8_params);
    hnsw_for_each_element(index, RelationGetNumberOfBlocks(index), true,
                          [&](Page page, BlockNumber blkno, OffsetNumber off) {
        HnswElement element = hnsw_get_element(index, page, blkno, off, m);
        if (!(element->flags & HNSW_ELEMENT_EXTERNAL)) return;
        VecdbOverflowRef ref;
        memcpy(&ref, (char*)element + hnsw_value_offset(m, element->level), sizeof ref);
        vecdb_overflow_keep(sweep, &ref);
    });
}

IndexBulkDeleteResult* hnsw_vacuum_cleanup(IndexVacuumInfo* info, IndexBulkDeleteResult* stats) {
    Relation index = info->index;
    if (info->analyze_only) return stats;
    // the pending list goes into the graph (its dead rows were marked by the bulk delete)
    hnsw_pending_merge(index, true);
    int m = hnsw_read_meta(index).m;
    if (stats == NULL) {
        // no bulk delete ran: count the live elements so pg_class stays accurate
        stats = (IndexBulkDeleteResult*)palloc0(sizeof(IndexBulkDeleteResult));
        VacuumSurvey s;
        memset(&s, 0, sizeof s);
        survey(index, m, NULL, NULL, &s);
        stats->num_index_tuples = s.live;
    }
    // chains a crash cut off from their element (written first, element never placed)
    if (vecdb_overflow_ever_stored(index)) vecdb_overflow_sweep(index, keep_element_chains, &m, stats);
    stats->num_pages = RelationGetNumberOfBlocks(index);
    return stats;
}
