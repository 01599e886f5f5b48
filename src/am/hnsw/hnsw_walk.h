// The walk over every element of an hnsw index, page by page: VACUUM's
// survey, repair and overflow sweep, the reachability map and verify_index
// all visit the elements this way.
#pragma once

#include "am/hnsw/hnsw.h"

extern "C" {
#include "commands/vacuum.h"
}

// Calls visit(page, blkno, offset) for every normal line pointer of every
// element page (block 1 on, in block order), with the page share-locked,
// then page_done(blkno) once its lock is released (work that reads other
// pages goes there). With `vacuum`, each page is a vacuum_delay_point,
// else a CHECK_FOR_INTERRUPTS. nblocks: the blocks to walk.
template <typename Visit, typename PageDone>
void hnsw_for_each_element(Relation index, BlockNumber nblocks, bool vacuum, Visit&& visit, PageDone&& page_done) {
    for (BlockNumber blkno = VECDB_METAPAGE_BLKNO + 1; blkno < nblocks; blkno++) {
        if (vacuum)
            vacuum_delay_point();
        else
            CHECK_FOR_INTERRUPTS();
        Buffer buffer = ReadBuffer(index, blkno);
        LockBuffer(buffer, BUFFER_LOCK_SHARE);
        Page page = BufferGetPage(buffer);
        if (hnsw_is_element_page(page)) {
            OffsetNumber max = PageGetMaxOffsetNumber(page);
            for (OffsetNumber off = FirstOffsetNumber; off <= max; off++)
                if (ItemIdIsNormal(PageGetItemId(page, off))) visit(page, blkno, off);
        }
        UnlockReleaseBuffer(buffer);
        page_done(blkno);
    }
}

// The same walk without per-page work.
template <typename Visit>
void hnsw_for_each_element(Relation index, BlockNumber nblocks, bool vacuum, Visit&& visit) {
    hnsw_for_each_element(index, nblocks, vacuum, visit, [](BlockNumber) {});
}
