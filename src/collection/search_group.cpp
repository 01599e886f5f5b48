// group_by_field through the index: the hits of one query vector come in
// distance order from an (iterative) index scan, so the first hit of a group
// is its best and groups rank by first appearance. Reading stops as soon as
// skip + top_k groups hold group_size hits each: any later hit is worse and
// belongs to a full group or to a group ranked after them.
#include "collection/search_group.h"

extern "C" {
#include "common/hashfn.h"
#include "utils/datum.h"
}

namespace {

// One kept hit of a group.
struct Hit {
    Datum id;
    double distance;
    Datum entity;
    bool entity_null;
};

// A group seen in the stream; groups are kept in order of first appearance.
struct HitGroup {
    char* key;  // the group value as text; nullptr for NULL (one group, as PARTITION BY)
    int key_len;
    uint32 hash;
    int nhits;
    Hit* hits;
};

// The groups of one query: an array in rank order plus an open-addressing
// index into it (slot = group number + 1, 0 = empty).
struct GroupTable {
    HitGroup* groups;
    int ngroups;
    int capacity;
    int* slots;
    int nslots;  // a power of two, at least twice capacity
};

// Hash of a group value (NULL hashes as a fixed value).
uint32 key_hash(const char* key, int len) {
    return key == nullptr ? 0x9e3779b9u : hash_bytes((const unsigned char*)key, len);
}

// The slot of a group value: where it is, or the empty slot where it goes.
int find_slot(const GroupTable& t, const char* key, int len, uint32 hash) {
    int mask = t.nslots - 1;
    for (int i = (int)(hash & (uint32)mask);; i = (i + 1) & mask) {
        int g = t.slots[i] - 1;
        if (g < 0) return i;
        const HitGroup& group = t.groups[g];
        if (group.hash != hash) continue;
        if (key == nullptr ? group.key == nullptr
                           : group.key != nullptr && group.key_len == len && memcmp(group.key, key, len) == 0)
            return i;
    }
}

// Doubles the group array and its index.
void grow(GroupTable& t) {
    t.capacity *= 2;
    t.groups = (HitGroup*)repalloc(t.groups, sizeof(HitGroup) * t.capacity);
    pfree(t.slots);
    t.nslots = t.capacity * 2;
    t.slots = (int*)palloc0(sizeof(int) * t.nslots);
    for (int g = 0; g < t.ngroups; g++)
        t.slots[find_slot(t, t.groups[g].key, t.groups[g].key_len, t.groups[g].hash)] = g + 1;
}

// An empty table sized for a first few groups.
GroupTable new_table(int expected) {
    GroupTable t;
    t.capacity = 16;
    while (t.capacity < expected && t.capacity < 4096) t.capacity *= 2;
    t.ngroups = 0;
    t.groups = (HitGroup*)palloc(sizeof(HitGroup) * t.capacity);
    t.nslots = t.capacity * 2;
    t.slots = (int*)palloc0(sizeof(int) * t.nslots);
    return t;
}

// Reads the stream of one query vector into t (allocating in cxt: SPI calls
// return in SPI's procedure context) until the wanted groups are full.
void collect(Portal portal, const GroupedSearch& want, GroupTable& t, MemoryContext cxt) {
    int64 wanted = (int64)want.skip + want.top_k;
    int64 full = 0;
    long batch = Min((long)wanted * want.group_size, 1024L);
    while (!(t.ngroups == wanted && full == wanted)) {
        SPI_cursor_fetch(portal, true, batch);
        MemoryContext spi_cxt = MemoryContextSwitchTo(cxt);
        if (SPI_processed == 0) {
            MemoryContextSwitchTo(spi_cxt);
            break;
        }
        TupleDesc desc = SPI_tuptable->tupdesc;
        for (uint64 r = 0; r < SPI_processed && !(t.ngroups == wanted && full == wanted); r++) {
            CHECK_FOR_INTERRUPTS();
            HeapTuple row = SPI_tuptable->vals[r];
            bool isnull;
            Datum grp = SPI_getbinval(row, desc, 4, &isnull);
            const char* key = nullptr;
            int len = 0;
            if (!isnull) {
                text* value = DatumGetTextPP(grp);
                key = VARDATA_ANY(value);
                len = (int)VARSIZE_ANY_EXHDR(value);
            }
            uint32 hash = key_hash(key, len);
            int slot = find_slot(t, key, len, hash);
            int g = t.slots[slot] - 1;
            if (g < 0) {
                if (t.ngroups == wanted) continue;  // ranks after every wanted group
                if (t.ngroups == t.capacity) {
                    grow(t);
                    slot = find_slot(t, key, len, hash);
                }
                g = t.ngroups++;
                HitGroup& group = t.groups[g];
                group.key = key == nullptr ? nullptr : (char*)palloc(len + 1);
                if (key != nullptr) memcpy(group.key, key, len);
                group.key_len = len;
                group.hash = hash;
                group.nhits = 0;
                group.hits = (Hit*)palloc(sizeof(Hit) * want.group_size);
                t.slots[slot] = g + 1;
            }
            HitGroup& group = t.groups[g];
            bool distance_null;
            double distance = DatumGetFloat8(SPI_getbinval(row, desc, 2, &distance_null));
            // keep the group's best hits sorted (a relaxed-order scan may
            // bring a better one late); a full group takes a better hit only
            int at = group.nhits;
            while (at > 0 && group.hits[at - 1].distance > distance) at--;
            if (at == want.group_size) continue;
            if (group.nhits < want.group_size) {
                group.nhits++;
                if (group.nhits == want.group_size) full++;
            } else {
                pfree(DatumGetPointer(group.hits[group.nhits - 1].id));
            }
            memmove(&group.hits[at + 1], &group.hits[at], sizeof(Hit) * (group.nhits - 1 - at));
            Hit& hit = group.hits[at];
            bool id_null;
            hit.id = datumCopy(SPI_getbinval(row, desc, 1, &id_null), false, -1);
            hit.distance = distance;
            Datum entity = SPI_getbinval(row, desc, 3, &hit.entity_null);
            hit.entity = hit.entity_null ? (Datum)0 : datumCopy(entity, false, -1);
        }
        MemoryContextSwitchTo(spi_cxt);
        SPI_freetuptable(SPI_tuptable);
        batch = Min(batch * 2, 4096L);
    }
}

// A group's place in the ranking: its best distance, then first appearance.
struct RankedGroup {
    double best;
    int group;
};

// qsort order of RankedGroup.
int compare_ranked(const void* a, const void* b) {
    const RankedGroup* x = (const RankedGroup*)a;
    const RankedGroup* y = (const RankedGroup*)b;
    if (x->best != y->best) return x->best < y->best ? -1 : 1;
    return x->group < y->group ? -1 : (x->group > y->group ? 1 : 0);
}

}  // namespace

void vecdb_run_grouped_search(SPIPlanPtr plan, Datum* values, const char* nulls, ArrayType* vectors,
                              const GroupedSearch& want, Tuplestorestate* store, TupleDesc desc) {
    Oid elem_type = ARR_ELEMTYPE(vectors);
    int16 elem_len;
    bool elem_byval;
    char elem_align;
    get_typlenbyvalalign(elem_type, &elem_len, &elem_byval, &elem_align);
    Datum* items;
    bool* item_nulls;
    int count;
    deconstruct_array(vectors, elem_type, elem_len, elem_byval, elem_align, &items, &item_nulls, &count);

    MemoryContext per_query = AllocSetContextCreate(CurrentMemoryContext, "vecdb grouped search", ALLOCSET_DEFAULT_SIZES);
    for (int q = 0; q < count; q++) {
        MemoryContext old = MemoryContextSwitchTo(per_query);
        values[0] = PointerGetDatum(construct_array(&items[q], 1, elem_type, elem_len, elem_byval, elem_align));
        GroupTable t = new_table(want.skip + want.top_k);
        MemoryContextSwitchTo(old);

        Portal portal = SPI_cursor_open(NULL, plan, values, nulls, true);
        collect(portal, want, t, per_query);
        SPI_cursor_close(portal);

        // groups rank by their best hit (ties: first seen first)
        RankedGroup* order = (RankedGroup*)palloc(sizeof(RankedGroup) * (t.ngroups + 1));
        for (int g = 0; g < t.ngroups; g++) order[g] = RankedGroup{t.groups[g].hits[0].distance, g};
        qsort(order, t.ngroups, sizeof(RankedGroup), compare_ranked);
        for (int r = want.skip; r < t.ngroups; r++) {
            const HitGroup& group = t.groups[order[r].group];
            for (int h = 0; h < group.nhits; h++) {
                const Hit& hit = group.hits[h];
                Datum row[4] = {Int32GetDatum(q + 1), hit.id, Float8GetDatum(hit.distance), hit.entity};
                bool row_nulls[4] = {false, false, false, hit.entity_null};
                tuplestore_putvalues(store, desc, row, row_nulls);
            }
        }
        MemoryContextReset(per_query);
    }
    MemoryContextDelete(per_query);
}
