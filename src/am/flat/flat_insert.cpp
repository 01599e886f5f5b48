// INSERT into a flat index: append one entry (NULL vectors included, so
// ORDER BY through the index returns the same rows as a sequential scan).
#include "am/flat/flat.h"

bool flat_insert(Relation index, Datum* values, bool* isnull, ItemPointer heap_tid, Relation heap,
                 IndexUniqueCheck check_unique, bool index_unchanged, IndexInfo* index_info) {
    MemoryContext insert_context =
        AllocSetContextCreate(CurrentMemoryContext, "flat insert", ALLOCSET_DEFAULT_SIZES);
    MemoryContext old = MemoryContextSwitchTo(insert_context);
    FlatInsertHint hint;
    hint.page = InvalidBlockNumber;
    flat_append(index, heap_tid, values[0], isnull[0], &hint);
    MemoryContextSwitchTo(old);
    MemoryContextDelete(insert_context);
    return false;
}
