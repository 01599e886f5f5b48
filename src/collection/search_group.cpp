// group_by_field through the index: the hits of one query vector come in
// distance order from an (iterative) index scan, so the first hit of a group
// is its best and groups rank by first appearance. Reading stops as soon as
// skip + top_k groups hold group_size hits each: any later hit is worse and
// belongs to a full group or to a group ranked after them. Ties are broken
// as the exact ORDER BY best, group value (NULL last) / distance, primary
// key does, with the types' own btree order.
#include "collection/search_group.h"

#include <cmath>

extern "C" {
#include "common/hashfn.h"
#include "utils/datum.h"
#include "utils/typcache.h"
}

namespace {

// One kept hit of a group.
struct Hit {
    Datum id;
    Datum pk;  // the primary key in its own type (ties)
    double distance;
    Datum entity;
    bool entity_null;
};

// A group seen in the stream; groups are kept in order of first appearance.
struct HitGroup {
    char* key;  // the group value as text; nullptr for NULL (one group, as PARTITION BY)
    int key_len;
    uint32 hash;
    Datum value;  // the group value in its own type (ties); unset for NULL
    int nhits;
    Hit* hits;
};

// The btree order of one column of the stream (group value or primary key).
struct ColumnOrder {
    FmgrInfo* cmp;
    Oid collation;
    bool byval;
    int16 len;
};

// The order of column col (1-based) of desc, by its type's btree comparison.
ColumnOrder column_order(TupleDesc desc, int col) {
    Form_pg_attribute att = TupleDescAttr(desc, col - 1);
    TypeCacheEntry* tc = lookup_type_cache(att->atttypid, TYPECACHE_CMP_PROC_FINFO);
    if (!OidIsValid(tc->cmp_proc_finfo.fn_oid))
        ereport(ERROR, (errcode(ERRCODE_UNDEFINED_FUNCTION),
                        errmsg("could not identify a comparison function for type %s", format_type_be(att->atttypid))));
    return ColumnOrder{&tc->cmp_proc_finfo, att->attcollation, att->attbyval, att->attlen};
}

// Compares two non-NULL values of a column.
int compare_values(const ColumnOrder& o, Datum a, Datum b) {
    return DatumGetInt32(FunctionCall2Coll(o.cmp, o.collation, a, b));
}

// Whether hit a ranks after (distance, pk) in its group.
bool ranks_after(const ColumnOrder& pk_order, const Hit& a, double distance, Datum pk) {
    if (a.distance != distance) return a.distance > distance;
    return compare_values(pk_order, a.pk, pk) > 0;
}

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

// A group's place in the ranking: its best distance, then its value.
struct RankedGroup {
    double best;
    const HitGroup* group;
};

// qsort_arg order of RankedGroup (arg: the ColumnOrder of group values):
// best distance, then group value with NULL last.
int compare_ranked(const void* a, const void* b, void* arg) {
    const RankedGroup* x = (const RankedGroup*)a;
    const RankedGroup* y = (const RankedGroup*)b;
    if (x->best != y->best) return x->best < y->best ? -1 : 1;
    bool x_null = x->group->key == nullptr, y_null = y->group->key == nullptr;
    if (x_null || y_null) return (int)x_null - (int)y_null;
    return compare_values(*(const ColumnOrder*)arg, x->group->value, y->group->value);
}

// The groups of t in rank order (in the current memory context).
RankedGroup* rank_groups(const GroupTable& t, ColumnOrder* value_order) {
    RankedGroup* order = (RankedGroup*)palloc(sizeof(RankedGroup) * (t.ngroups + 1));
    for (int g = 0; g < t.ngroups; g++) order[g] = RankedGroup{t.groups[g].hits[0].distance, &t.groups[g]};
    if (t.ngroups > 1) qsort_arg(order, t.ngroups, sizeof(RankedGroup), compare_ranked, value_order);
    return order;
}

// Whether the answer is settled before a hit at this distance (the stream
// is in distance order): the wanted best-ranked groups are full and the
// hit is worse than every hit they keep, so it can neither join them nor
// start a group that ties with one of them.
bool settled(const GroupTable& t, int64 wanted, int64 full, const GroupedSearch& want, ColumnOrder* value_order,
             double distance) {
    if (t.ngroups < wanted || full < wanted) return false;
    RankedGroup* order = t.ngroups == wanted ? nullptr : rank_groups(t, value_order);
    double worst = -HUGE_VAL;
    for (int64 r = 0; r < wanted; r++) {
        const HitGroup& group = order == nullptr ? t.groups[r] : *order[r].group;
        if (group.nhits < want.group_size) {
            if (order != nullptr) pfree(order);
            return false;
        }
        worst = Max(worst, group.hits[group.nhits - 1].distance);
    }
    if (order != nullptr) pfree(order);
    return distance > worst;
}

// The worst best distance of the groups of t.
double worst_best(const GroupTable& t) {
    double worst = -HUGE_VAL;
    for (int g = 0; g < t.ngroups; g++) worst = Max(worst, t.groups[g].hits[0].distance);
    return worst;
}

// Reads the stream of one query vector into t (allocating in cxt: SPI calls
// return in SPI's procedure context) until the answer is settled.
void collect(Portal portal, const GroupedSearch& want, GroupTable& t, MemoryContext cxt, ColumnOrder* value_order,
             ColumnOrder* pk_order, bool* orders_known) {
    int64 wanted = (int64)want.skip + want.top_k;
    int64 full = 0;
    long batch = Min((long)wanted * want.group_size, 1024L);
    bool done = false;
    while (!done) {
        SPI_cursor_fetch(portal, true, batch);
        MemoryContext spi_cxt = MemoryContextSwitchTo(cxt);
        if (SPI_processed == 0) {
            MemoryContextSwitchTo(spi_cxt);
            break;
        }
        TupleDesc desc = SPI_tuptable->tupdesc;
        if (!*orders_known) {
            *value_order = column_order(desc, 5);
            *pk_order = column_order(desc, 6);
            *orders_known = true;
        }
        for (uint64 r = 0; r < SPI_processed; r++) {
            CHECK_FOR_INTERRUPTS();
            HeapTuple row = SPI_tuptable->vals[r];
            bool distance_null;
            double distance = DatumGetFloat8(SPI_getbinval(row, desc, 2, &distance_null));
            if (settled(t, wanted, full, want, value_order, distance)) {
                done = true;
                break;
            }
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
                // ranks after every wanted group, unless it ties with one
                if (t.ngroups >= wanted && distance > worst_best(t)) continue;
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
                group.value = key == nullptr ? (Datum)0
                                             : datumCopy(SPI_getbinval(row, desc, 5, &isnull), value_order->byval,
                                                         value_order->len);
                group.nhits = 0;
                group.hits = (Hit*)palloc(sizeof(Hit) * want.group_size);
                t.slots[slot] = g + 1;
            }
            HitGroup& group = t.groups[g];
            bool pk_null;
            Datum pk = SPI_getbinval(row, desc, 6, &pk_null);
            // keep the group's best hits sorted (a relaxed-order scan may
            // bring a better one late); a full group takes a better hit only
            int at = group.nhits;
            while (at > 0 && ranks_after(*pk_order, group.hits[at - 1], distance, pk)) at--;
            if (at == want.group_size) continue;
            if (group.nhits < want.group_size) {
                group.nhits++;
                if (group.nhits == want.group_size) full++;
            } else {
                pfree(DatumGetPointer(group.hits[group.nhits - 1].id));
                if (!pk_order->byval) pfree(DatumGetPointer(group.hits[group.nhits - 1].pk));
            }
            memmove(&group.hits[at + 1], &group.hits[at], sizeof(Hit) * (group.nhits - 1 - at));
            Hit& hit = group.hits[at];
            bool id_null;
            hit.id = datumCopy(SPI_getbinval(row, desc, 1, &id_null), false, -1);
            hit.pk = datumCopy(pk, pk_order->byval, pk_order->len);
            hit.distance = distance;
            Datum entity = SPI_getbinval(row, desc, 3, &hit.entity_null);
            hit.entity = hit.entity_null ? (Datum)0 : datumCopy(entity, false, -1);
        }
        MemoryContextSwitchTo(spi_cxt);
        SPI_freetuptable(SPI_tuptable);
        batch = Min(batch * 2, 4096L);
    }
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
        ColumnOrder value_order, pk_order;
        bool orders_known = false;
        collect(portal, want, t, per_query, &value_order, &pk_order, &orders_known);
        SPI_cursor_close(portal);

        // groups rank by their best hit (ties: the group value)
        RankedGroup* order = rank_groups(t, &value_order);
        int ranked = (int)Min((int64)t.ngroups, (int64)want.skip + want.top_k);
        for (int r = want.skip; r < ranked; r++) {
            const HitGroup& group = *order[r].group;
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
