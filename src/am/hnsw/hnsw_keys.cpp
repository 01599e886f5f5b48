// Key columns of hnsw indexes: the key area of element tuples, the scan's
// key filter and the validation of the key operator classes (hnsw_keys.h).
#include "am/hnsw/hnsw_keys.h"
#include "am/hnsw/hnsw.h"
#include "am/common/validate.h"
#include "am/common/verify.h"

#include <algorithm>

extern "C" {
#include "access/amvalidate.h"
#include "access/htup_details.h"
#include "catalog/pg_amop.h"
#include "catalog/pg_collation.h"
#include "catalog/pg_opclass.h"
#include "catalog/pg_opfamily.h"
#include "catalog/pg_type.h"
#include "commands/defrem.h"
#include "common/hashfn.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/catcache.h"
#include "utils/lsyscache.h"
#include "utils/regproc.h"
#include "utils/syscache.h"
}

int hnsw_key_kind(Oid type) {
    switch (type) {
        case INT2OID:
        case INT4OID:
        case INT8OID: return HNSW_KEY_INT;
        case BOOLOID: return HNSW_KEY_BOOL;
        case TEXTOID: return HNSW_KEY_TEXT;
        case INT4ARRAYOID: return HNSW_KEY_INT_ARRAY;
        default: return 0;
    }
}

// The kind of key column i (0-based among the keys) of an index.
static inline int column_kind(Relation index, int key) { return hnsw_key_kind(index->rd_opcintype[key + 1]); }

void hnsw_check_key_columns(Relation index) {
    int natts = IndexRelationGetNumberOfKeyAttributes(index);
    if (hnsw_key_kind(index->rd_opcintype[0]) != 0)
        ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
                        errmsg("the first column of hnsw index \"%s\" must be the vector column",
                               RelationGetRelationName(index)),
                        errhint("Put key columns after the vector: USING hnsw (embedding vector_l2_ops, category).")));
    if (natts - 1 > HNSW_MAX_KEY_COLUMNS)
        ereport(ERROR, (errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
                        errmsg("hnsw index \"%s\" has %d key columns; at most %d are supported",
                               RelationGetRelationName(index), natts - 1, HNSW_MAX_KEY_COLUMNS)));
    for (int i = 1; i < natts; i++)
        if (hnsw_key_kind(index->rd_opcintype[i]) == 0)
            ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
                            errmsg("column %d of hnsw index \"%s\" is of type %s, which cannot be a key column", i + 1,
                                   RelationGetRelationName(index), format_type_be(index->rd_opcintype[i])),
                            errdetail("Only the first column is the vector; key columns after it may be integer, "
                                      "bigint, smallint, boolean, text or integer[].")));
}

// The signature bit of one array element.
static inline uint64 signature_bit(int32 value) { return (uint64)1 << (murmurhash32((uint32)value) & 63); }

// The 64-bit signature of an int4[] (NULL elements ignored).
static uint64 array_signature(Datum datum) {
    ArrayType* array = DatumGetArrayTypeP(datum);
    if (ARR_ELEMTYPE(array) != INT4OID)
        ereport(ERROR, (errcode(ERRCODE_DATATYPE_MISMATCH), errmsg("hnsw key arrays must be integer[]")));
    Datum* elements;
    bool* nulls;
    int n;
    deconstruct_array(array, INT4OID, sizeof(int32), true, TYPALIGN_INT, &elements, &nulls, &n);
    uint64 signature = 0;
    for (int i = 0; i < n; i++)
        if (!nulls[i]) signature |= signature_bit(DatumGetInt32(elements[i]));
    pfree(elements);
    pfree(nulls);
    if ((Pointer)array != DatumGetPointer(datum)) pfree(array);
    return signature;
}

// The hash of a text value under a collation.
static uint64 text_hash(Datum datum, Oid collation) {
    return (uint64)DatumGetInt64(
        DirectFunctionCall2Coll(hashtextextended, OidIsValid(collation) ? collation : DEFAULT_COLLATION_OID, datum,
                                Int64GetDatum(0)));
}

// An integer datum of type as int64.
static int64 integer_value(Datum datum, Oid type) {
    switch (type) {
        case INT2OID: return DatumGetInt16(datum);
        case INT4OID: return DatumGetInt32(datum);
        default: return DatumGetInt64(datum);
    }
}

// The summary of a key value (or of a query value compared with it).
static uint64 summarize(int kind, Datum datum, Oid type, Oid collation) {
    switch (kind) {
        case HNSW_KEY_INT: return (uint64)integer_value(datum, type);
        case HNSW_KEY_BOOL: return DatumGetBool(datum) ? 1 : 0;
        case HNSW_KEY_TEXT: return text_hash(datum, collation);
        default: return array_signature(datum);
    }
}

void hnsw_form_keys(Relation index, const Datum* values, const bool* isnull, char* area) {
    int nkeys = hnsw_key_columns(index);
    HnswKeyHeader header;
    header.nkeys = (uint16)nkeys;
    header.nulls = 0;
    header.reserved = 0;
    uint64* keys = (uint64*)(area + sizeof(HnswKeyHeader));
    for (int k = 0; k < nkeys; k++) {
        if (isnull[k + 1]) {
            header.nulls |= (uint16)(1u << k);
            keys[k] = 0;
            continue;
        }
        keys[k] = summarize(column_kind(index, k), values[k + 1], index->rd_opcintype[k + 1],
                            index->rd_indcollation[k + 1]);
    }
    memcpy(area, &header, sizeof header);
}

HnswKeyFilter* hnsw_key_filter(Relation index, const ScanKeyData* keys, int nkeys) {
    if (nkeys == 0) return NULL;
    HnswKeyFilter* filter = (HnswKeyFilter*)palloc0(offsetof(HnswKeyFilter, tests) + sizeof(HnswKeyTest) * nkeys);
    filter->nkeys = hnsw_key_columns(index);
    filter->area_size = hnsw_key_area_size(filter->nkeys);
    for (int i = 0; i < nkeys; i++) {
        const ScanKeyData* key = &keys[i];
        int column = key->sk_attno - 2;
        if (column < 0 || column >= filter->nkeys || key->sk_strategy < HNSW_KEY_LESS ||
            key->sk_strategy > HNSW_KEY_MAX_STRATEGY)
            ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
                            errmsg("hnsw index \"%s\" cannot test column %d with strategy %d",
                                   RelationGetRelationName(index), key->sk_attno, key->sk_strategy)));
        if (key->sk_flags & SK_ISNULL) {
            filter->impossible = true;  // the key operators are strict
            continue;
        }
        int kind = column_kind(index, column);
        Oid type = OidIsValid(key->sk_subtype) && kind == HNSW_KEY_INT ? key->sk_subtype : index->rd_opcintype[column + 1];
        HnswKeyTest* test = &filter->tests[filter->ntests++];
        test->key = (uint16)column;
        test->strategy = key->sk_strategy;
        test->arg = summarize(kind, key->sk_argument, type, index->rd_indcollation[column + 1]);
        if (kind == HNSW_KEY_TEXT || kind == HNSW_KEY_INT_ARRAY) filter->recheck = true;
    }
    return filter;
}

bool hnsw_keys_match(const HnswKeyFilter* filter, const char* area) {
    if (filter->impossible) return false;
    HnswKeyHeader header;
    memcpy(&header, area, sizeof header);
    const uint64* keys = (const uint64*)(area + sizeof(HnswKeyHeader));
    for (int i = 0; i < filter->ntests; i++) {
        const HnswKeyTest* test = &filter->tests[i];
        if (header.nulls & (1u << test->key)) return false;
        uint64 key = keys[test->key];
        int64 a = (int64)key, b = (int64)test->arg;
        bool pass;
        switch (test->strategy) {
            case HNSW_KEY_LESS: pass = a < b; break;
            case HNSW_KEY_LESS_EQUAL: pass = a <= b; break;
            case HNSW_KEY_EQUAL: pass = key == test->arg; break;
            case HNSW_KEY_GREATER_EQUAL: pass = a >= b; break;
            case HNSW_KEY_GREATER: pass = a > b; break;
            case HNSW_KEY_OVERLAP: pass = (key & test->arg) != 0; break;
            default: pass = (key & test->arg) == test->arg; break;  // contains
        }
        if (!pass) return false;
    }
    return true;
}

const char* hnsw_keys_problem(Relation index, const char* area) {
    int nkeys = hnsw_key_columns(index);
    HnswKeyHeader header;
    memcpy(&header, area, sizeof header);
    if (header.nkeys != nkeys) return psprintf("key area holds %u keys, not %d", header.nkeys, nkeys);
    if (header.reserved != 0 || (nkeys < 16 && (header.nulls >> nkeys) != 0))
        return psprintf("key area header has invalid bits (nulls 0x%04x)", header.nulls);
    const uint64* keys = (const uint64*)(area + sizeof(HnswKeyHeader));
    for (int k = 0; k < nkeys; k++) {
        uint64 key = keys[k];
        if (header.nulls & (1u << k)) {
            if (key != 0) return psprintf("NULL key %d has a value", k + 2);
            continue;
        }
        Oid type = index->rd_opcintype[k + 1];
        if (column_kind(index, k) == HNSW_KEY_BOOL && key > 1)
            return psprintf("boolean key %d holds %llu", k + 2, (unsigned long long)key);
        if ((type == INT4OID && ((int64)key < PG_INT32_MIN || (int64)key > PG_INT32_MAX)) ||
            (type == INT2OID && ((int64)key < PG_INT16_MIN || (int64)key > PG_INT16_MAX)))
            return psprintf("key %d holds %lld, out of the range of %s", k + 2, (long long)(int64)key,
                            format_type_be(type));
    }
    return NULL;
}

// Whether an operator member is one of the key operators (a search
// operator with a key strategy), not the vector's ORDER BY operator.
static bool is_key_member(int strategy, bool for_order_by) { return !for_order_by && strategy != VECDB_DISTANCE_STRATEGY; }

// Checks one key operator (ERROR or INFO at elevel); the message names what.
static bool check_key_operator(const char* what, int elevel, Oid opr, int strategy, Oid left, Oid right) {
    int kind = hnsw_key_kind(left);
    bool ok = kind != 0 && strategy >= HNSW_KEY_LESS && strategy <= HNSW_KEY_MAX_STRATEGY &&
              get_op_rettype(opr) == BOOLOID;
    if (ok && kind == HNSW_KEY_INT) ok = strategy <= HNSW_KEY_GREATER && hnsw_key_kind(right) == HNSW_KEY_INT;
    if (ok && (kind == HNSW_KEY_BOOL || kind == HNSW_KEY_TEXT)) ok = strategy == HNSW_KEY_EQUAL && right == left;
    if (ok && kind == HNSW_KEY_INT_ARRAY) ok = strategy == HNSW_KEY_OVERLAP || strategy == HNSW_KEY_CONTAINS;
    if (!ok)
        ereport(elevel, (errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
                         errmsg("%s contains operator %s with strategy %d, which is no hnsw key operator", what,
                                format_operator(opr), strategy),
                         errdetail("hnsw key operators: < <= = >= > (strategies 2-6) on smallint, integer, bigint; "
                                   "= (4) on boolean and text; && (7) and @> (8) on integer[].")));
    return ok;
}

void hnsw_adjust_opclass_members(Oid family, Oid opclass, List* operators, List* functions) {
    List* vector_operators = NIL;
    ListCell* cell;
    foreach (cell, operators) {
        OpFamilyMember* member = (OpFamilyMember*)lfirst(cell);
        if (is_key_member(member->number, OidIsValid(member->sortfamily))) {
            // (the array operators are declared on anyarray)
            Oid left = member->lefttype == ANYARRAYOID ? INT4ARRAYOID : member->lefttype;
            check_key_operator("an hnsw key operator family", ERROR, member->object, member->number, left,
                               member->righttype);
        } else {
            vector_operators = lappend(vector_operators, member);
        }
    }
    vecdb_adjust_opclass_members(family, opclass, vector_operators, functions);
}

bool hnsw_validate_opclass(Oid opclass_oid) {
    HeapTuple class_tuple = SearchSysCache1(CLAOID, ObjectIdGetDatum(opclass_oid));
    if (!HeapTupleIsValid(class_tuple)) elog(ERROR, "cache lookup failed for operator class %u", opclass_oid);
    Form_pg_opclass opclass = (Form_pg_opclass)GETSTRUCT(class_tuple);
    Oid family = opclass->opcfamily;
    Oid input_type = opclass->opcintype;
    char* class_name = pstrdup(NameStr(opclass->opcname));
    ReleaseSysCache(class_tuple);
    if (hnsw_key_kind(input_type) == 0) return vecdb_validate_opclass(opclass_oid);
    // a key class: search operators only, no support functions
    bool ok = true;
    const char* what = psprintf("operator class \"%s\" of access method hnsw", class_name);
    CatCList* ops = SearchSysCacheList1(AMOPSTRATEGY, ObjectIdGetDatum(family));
    bool has_own = false;
    for (int i = 0; i < ops->n_members; i++) {
        Form_pg_amop op = (Form_pg_amop)GETSTRUCT(&ops->members[i]->tuple);
        Oid left = op->amoplefttype == ANYARRAYOID ? INT4ARRAYOID : op->amoplefttype;
        if (op->amoppurpose != AMOP_SEARCH) {
            ereport(INFO, (errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
                           errmsg("%s has operator %s FOR ORDER BY; key operators are search operators", what,
                                  format_operator(op->amopopr))));
            ok = false;
            continue;
        }
        ok &= check_key_operator(what, INFO, op->amopopr, op->amopstrategy, left, op->amoprighttype);
        if (left == input_type) has_own = true;
    }
    ReleaseCatCacheList(ops);
    CatCList* procs = SearchSysCacheList1(AMPROCNUM, ObjectIdGetDatum(family));
    if (procs->n_members > 0) {
        ereport(INFO, (errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
                       errmsg("%s has support functions; key classes have none", what)));
        ok = false;
    }
    ReleaseCatCacheList(procs);
    if (!has_own) {
        ereport(INFO, (errcode(ERRCODE_INVALID_OBJECT_DEFINITION),
                       errmsg("%s has no operator for its type %s", what, format_type_be(input_type))));
        ok = false;
    }
    return ok;
}

bool hnsw_has_key_directory(const HnswMetaData* meta) {
    return meta->keys_first != VECDB_METAPAGE_BLKNO && meta->keys_first != InvalidBlockNumber;
}

void hnsw_form_key_entry(char* item, ItemPointer element, const char* keys, Size key_bytes) {
    memset(item, 0, HNSW_KEY_ENTRY_HEADER);
    memcpy(item, element, sizeof(ItemPointerData));
    memcpy(item + HNSW_KEY_ENTRY_HEADER, keys, key_bytes);
}

// Sets the metapage's directory ends (first only when set_first).
static void set_directory_meta(Relation index, Buffer meta_buffer, BlockNumber first, BlockNumber last) {
    GenericXLogState* state = GenericXLogStart(index);
    HnswMetaData* meta = (HnswMetaData*)VecdbMetaBody(vecdb_register_buffer(state, meta_buffer, 0));
    if (first != InvalidBlockNumber) meta->keys_first = first;
    meta->keys_last = last;
    GenericXLogFinish(state);
}

// Creates the first directory page holding item, with the metapage locked
// so two inserts cannot both create one; false when another backend did.
static bool create_directory(Relation index, const char* item, Size size) {
    Buffer meta_buffer = ReadBuffer(index, VECDB_METAPAGE_BLKNO);
    LockBuffer(meta_buffer, BUFFER_LOCK_EXCLUSIVE);
    if (hnsw_has_key_directory((HnswMetaData*)VecdbMetaBody(BufferGetPage(meta_buffer)))) {
        UnlockReleaseBuffer(meta_buffer);
        return false;
    }
    Buffer buffer = vecdb_allocate_page(index);
    BlockNumber blkno = BufferGetBlockNumber(buffer);
    GenericXLogState* state = GenericXLogStart(index);
    Page page = GenericXLogRegisterBuffer(state, buffer, GENERIC_XLOG_FULL_IMAGE);
    vecdb_page_init(page, HNSW_PAGE_KEYS);
    if (PageAddItem(page, (Item)item, size, InvalidOffsetNumber, false, false) == InvalidOffsetNumber)
        elog(ERROR, "vecdb: failed to add a key entry to index \"%s\"", RelationGetRelationName(index));
    HnswMetaData* meta = (HnswMetaData*)VecdbMetaBody(vecdb_register_buffer(state, meta_buffer, 0));
    meta->keys_first = meta->keys_last = blkno;
    GenericXLogFinish(state);
    UnlockReleaseBuffer(buffer);
    UnlockReleaseBuffer(meta_buffer);
    return true;
}

void hnsw_key_directory_append(Relation index, ItemPointer element, const char* keys) {
    Size key_bytes = hnsw_index_key_bytes(index);
    Size size = hnsw_key_entry_size(key_bytes);
    char* item = (char*)palloc(size);
    hnsw_form_key_entry(item, element, keys, key_bytes);
    HnswMetaData meta = hnsw_read_meta(index);
    if (!hnsw_has_key_directory(&meta)) {
        if (create_directory(index, item, size)) {
            pfree(item);
            return;
        }
        meta = hnsw_read_meta(index);
    }
    // from the last page the metapage knows, on to the real tail (another
    // insert may have added pages since)
    BlockNumber blkno = meta.keys_last != InvalidBlockNumber ? meta.keys_last : meta.keys_first;
    for (;;) {
        CHECK_FOR_INTERRUPTS();
        Buffer buffer = ReadBuffer(index, blkno);
        LockBuffer(buffer, BUFFER_LOCK_EXCLUSIVE);
        Page page = BufferGetPage(buffer);
        vecdb_page_check(index, page, blkno, HNSW_PAGE_KEYS);
        BlockNumber next = VecdbPageGetOpaque(page)->next;
        if (next != InvalidBlockNumber) {
            UnlockReleaseBuffer(buffer);
            blkno = next;
            continue;
        }
        if (PageGetFreeSpace(page) >= MAXALIGN(size)) {
            GenericXLogState* state = GenericXLogStart(index);
            page = vecdb_register_buffer(state, buffer, 0);
            if (PageAddItem(page, (Item)item, size, InvalidOffsetNumber, false, false) == InvalidOffsetNumber)
                elog(ERROR, "vecdb: failed to add a key entry to index \"%s\"", RelationGetRelationName(index));
            GenericXLogFinish(state);
            UnlockReleaseBuffer(buffer);
            break;
        }
        // the tail is full: a new page, linked from it in the same record
        Buffer added = vecdb_allocate_page(index);
        BlockNumber added_blkno = BufferGetBlockNumber(added);
        GenericXLogState* state = GenericXLogStart(index);
        Page tail = vecdb_register_buffer(state, buffer, 0);
        Page fresh = GenericXLogRegisterBuffer(state, added, GENERIC_XLOG_FULL_IMAGE);
        vecdb_page_init(fresh, HNSW_PAGE_KEYS);
        if (PageAddItem(fresh, (Item)item, size, InvalidOffsetNumber, false, false) == InvalidOffsetNumber)
            elog(ERROR, "vecdb: failed to add a key entry to index \"%s\"", RelationGetRelationName(index));
        VecdbPageGetOpaque(tail)->next = added_blkno;
        GenericXLogFinish(state);
        UnlockReleaseBuffer(added);
        UnlockReleaseBuffer(buffer);
        // the metapage lock only after the pages' are released: no lock-order cycle
        Buffer meta_buffer = ReadBuffer(index, VECDB_METAPAGE_BLKNO);
        LockBuffer(meta_buffer, BUFFER_LOCK_EXCLUSIVE);
        set_directory_meta(index, meta_buffer, InvalidBlockNumber, added_blkno);
        UnlockReleaseBuffer(meta_buffer);
        break;
    }
    pfree(item);
}

// Orders TIDs by block, then offset.
static bool tid_less(const ItemPointerData& a, const ItemPointerData& b) {
    return ItemPointerCompare((ItemPointer)&a, (ItemPointer)&b) < 0;
}

int64 hnsw_key_directory_matches(Relation index, const HnswMetaData* meta, const HnswKeyFilter* filter, int64 limit,
                                 double expected_entries, ItemPointerData** out, double* passing) {
    *out = NULL;
    *passing = 1.0;
    if (!hnsw_has_key_directory(meta)) return -1;
    Size entry_size = hnsw_key_entry_size(filter->area_size);
    int64 capacity = Min(limit + 1, (int64)1024), n = 0;
    ItemPointerData* matches = (ItemPointerData*)palloc(sizeof(ItemPointerData) * capacity);
    double read = 0;
    double checkpoint = Max(expected_entries / 10, 1000.0);
    BlockNumber blkno = meta->keys_first;
    BlockNumber pages = 0, nblocks = RelationGetNumberOfBlocks(index);
    while (blkno != InvalidBlockNumber) {
        CHECK_FOR_INTERRUPTS();
        if (++pages > nblocks)
            ereport(ERROR, (errcode(ERRCODE_INDEX_CORRUPTED),
                            errmsg("key directory of index \"%s\" has a cycle", RelationGetRelationName(index)),
                            errhint("Please REINDEX it.")));
        Buffer buffer = ReadBuffer(index, blkno);
        LockBuffer(buffer, BUFFER_LOCK_SHARE);
        Page page = BufferGetPage(buffer);
        vecdb_page_check(index, page, blkno, HNSW_PAGE_KEYS);
        OffsetNumber max = PageGetMaxOffsetNumber(page);
        for (OffsetNumber off = FirstOffsetNumber; off <= max; off++) {
            ItemId item_id = PageGetItemId(page, off);
            if (!ItemIdIsNormal(item_id) || ItemIdGetLength(item_id) != entry_size) {
                UnlockReleaseBuffer(buffer);
                ereport(ERROR, (errcode(ERRCODE_INDEX_CORRUPTED),
                                errmsg("index \"%s\" has an invalid key entry (%u,%u)",
                                       RelationGetRelationName(index), blkno, off),
                                errhint("Please REINDEX it.")));
            }
            const char* item = (const char*)PageGetItem(page, item_id);
            if (!hnsw_keys_match(filter, item + HNSW_KEY_ENTRY_HEADER)) continue;
            if (n == limit) {
                UnlockReleaseBuffer(buffer);
                pfree(matches);
                *passing = (double)n / Max(read + off, 1.0);
                return -1;
            }
            if (n == capacity) {
                capacity = Min(capacity * 2, limit + 1);
                matches = (ItemPointerData*)repalloc(matches, sizeof(ItemPointerData) * capacity);
            }
            memcpy(&matches[n++], item, sizeof(ItemPointerData));
        }
        read += max;
        blkno = VecdbPageGetOpaque(page)->next;
        UnlockReleaseBuffer(buffer);
        // many more pass than limit, by the share so far: the graph will do
        if (read >= checkpoint && (double)n * expected_entries / read > 1.25 * (double)limit) {
            *passing = (double)n / read;
            pfree(matches);
            return -1;
        }
    }
    std::sort(matches, matches + n, tid_less);
    *out = matches;
    return n;
}

void hnsw_verify_key_directory(Relation index, const HnswMetaData* meta, VecdbVerifyReport* report,
                               const HnswTidMap* map) {
    if (hnsw_key_columns(index) == 0 || !hnsw_has_key_directory(meta)) return;
    Size key_bytes = hnsw_index_key_bytes(index);
    Size entry_size = hnsw_key_entry_size(key_bytes);
    BlockNumber nblocks = vecdb_verify_nblocks(report);
    BlockNumber blkno = meta->keys_first, pages = 0;
    while (blkno != InvalidBlockNumber) {
        CHECK_FOR_INTERRUPTS();
        if (blkno >= nblocks || ++pages > nblocks) {
            vecdb_verify_problem(report, blkno, InvalidOffsetNumber, "key directory chain leaves the index or loops");
            return;
        }
        Buffer buffer = vecdb_verify_read_page(report, blkno, HNSW_PAGE_KEYS, "key directory page");
        if (buffer == InvalidBuffer) return;
        Page page = BufferGetPage(buffer);
        OffsetNumber max = PageGetMaxOffsetNumber(page);
        for (OffsetNumber off = FirstOffsetNumber; off <= max; off++) {
            ItemId item_id = PageGetItemId(page, off);
            if (!ItemIdIsNormal(item_id) || ItemIdGetLength(item_id) != entry_size) {
                vecdb_verify_problem(report, blkno, off, "key entry is not %zu bytes", entry_size);
                continue;
            }
            const char* item = (const char*)PageGetItem(page, item_id);
            ItemPointerData element;
            memcpy(&element, item, sizeof element);
            const uint8* mark = hnsw_tid_map_at(map, &element);
            if (mark == NULL || !(*mark & HNSW_MARK_ELEMENT)) {
                vecdb_verify_problem(report, blkno, off, "key entry names (%u,%u), which is not an element",
                                     ItemPointerGetBlockNumberNoCheck(&element),
                                     ItemPointerGetOffsetNumberNoCheck(&element));
                continue;
            }
            const char* problem = hnsw_keys_problem(index, item + HNSW_KEY_ENTRY_HEADER);
            if (problem) {
                vecdb_verify_problem(report, blkno, off, "key entry: %s", problem);
                continue;
            }
            // the element's own key area must say the same
            BlockNumber eblk = ItemPointerGetBlockNumber(&element);
            Buffer ebuf = ReadBuffer(index, eblk);
            LockBuffer(ebuf, BUFFER_LOCK_SHARE);
            Page epage = BufferGetPage(ebuf);
            ItemId eid = PageGetItemId(epage, ItemPointerGetOffsetNumber(&element));
            if (ItemIdGetLength(eid) < key_bytes ||
                memcmp((const char*)PageGetItem(epage, eid) + ItemIdGetLength(eid) - key_bytes,
                       item + HNSW_KEY_ENTRY_HEADER, key_bytes) != 0)
                vecdb_verify_problem(report, blkno, off, "key entry of (%u,%u) differs from the element's keys", eblk,
                                     ItemPointerGetOffsetNumber(&element));
            UnlockReleaseBuffer(ebuf);
        }
        BlockNumber next = VecdbPageGetOpaque(page)->next;
        UnlockReleaseBuffer(buffer);
        blkno = next;
    }
}
