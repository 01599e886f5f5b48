// vecdb.verify_index(regclass), amcheck-style: the common frame checks the
// metapage and every page's header, special space and kind, then runs the
// AM's descriptor->verify, then checks that every heap row visible to the
// check's snapshot is indexed exactly once. Problems come back as rows
// (block, item, problem); none means the index is clean.
//
// What an AM's verify callback uses: read pages through
// vecdb_verify_read_page, report with vecdb_verify_problem, record every
// entry's heap TID with vecdb_verify_entry and check every overflow ref with
// vecdb_verify_overflow_ref while the page holding it is still locked (so a
// concurrent VACUUM cannot free the chain in between).
#pragma once

#include "pg/pg.h"
#include "am/common/am_descriptor.h"
#include "am/common/overflow.h"

// Reports one problem at a block (and item, or InvalidOffsetNumber for the
// whole page).
void vecdb_verify_problem(VecdbVerifyReport* report, BlockNumber blkno, OffsetNumber offset, const char* fmt, ...)
    pg_attribute_printf(4, 5);

// Records that the entry at blkno/offset points at heap_tid; the frame then
// reports heap rows with no entry or more than one, and entries pointing
// past the end of the table.
void vecdb_verify_entry(VecdbVerifyReport* report, BlockNumber blkno, OffsetNumber offset, ItemPointer heap_tid);

// Checks the chain of an overflow ref found at blkno/offset: every page in
// range and an overflow page, no cycle, and exactly ref->size bytes.
void vecdb_verify_overflow_ref(VecdbVerifyReport* report, BlockNumber blkno, OffsetNumber offset,
                               const VecdbOverflowRef* ref);

// Blocks in the index when the check began.
BlockNumber vecdb_verify_nblocks(const VecdbVerifyReport* report);

// The kind the common pass saw at blkno (VecdbPageKind, an AM kind, or 0
// for a block that was new, broken or out of range).
uint16 vecdb_verify_page_kind(const VecdbVerifyReport* report, BlockNumber blkno);

// Pins and share-locks block blkno when it is in range and a well-formed
// vecdb page of the given kind; otherwise reports why (naming `what`, e.g.
// "data chain") and returns InvalidBuffer.
Buffer vecdb_verify_read_page(VecdbVerifyReport* report, BlockNumber blkno, uint16 kind, const char* what);
