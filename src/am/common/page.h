// Page layout shared by every vecdb index AM: a special-space trailer that
// says what a page is, the metapage header, and WAL-logged page allocation.
#pragma once

#include "pg/pg.h"

#define VECDB_PAGE_ID 0xFC1D     // marks vecdb pages (like bloom's BLOOM_PAGE_ID)
#define VECDB_MAGIC 0x76656364   // "vecd" in the metapage
#define VECDB_METAPAGE_BLKNO 0

// What a page holds; stored in its special space. Kinds from
// VECDB_PAGE_AM_FIRST on are an AM's own (graph, centroid pages ...): the
// common code counts them as the AM's pages and leaves them to its callbacks.
enum VecdbPageKind : uint16 {
    VECDB_PAGE_META = 1,
    VECDB_PAGE_DATA = 2,      // index entries
    VECDB_PAGE_OVERFLOW = 3,  // one chunk of a value too large for a data page
    VECDB_PAGE_FREE = 4,      // recycled by VACUUM, listed in the free space map
    VECDB_PAGE_AM_FIRST = 16,
};

typedef struct VecdbPageOpaqueData {
    BlockNumber next;  // next page of the same chain, or InvalidBlockNumber
    uint16 kind;       // VecdbPageKind
    uint16 page_id;    // VECDB_PAGE_ID
    TransactionId xid; // who wrote an overflow page: lets VACUUM reclaim orphans
} VecdbPageOpaqueData;

typedef VecdbPageOpaqueData* VecdbPageOpaque;

#define VecdbPageGetOpaque(page) ((VecdbPageOpaque)PageGetSpecialPointer(page))

// Which AM owns an index (stored in the metapage header).
enum VecdbAmKind : uint16 { VECDB_AM_FLAT = 1, VECDB_AM_IVF = 2, VECDB_AM_HNSW = 3 };

// Index-wide facts kept in VecdbMetaHeader.flags.
#define VECDB_META_HAS_OVERFLOW 0x0001  // an overflow chain was ever written
#define VECDB_META_HAS_BUILD_INFO 0x0002  // the build is recorded (am/common/build_info.h)

// Common start of every vecdb metapage; AM-specific fields follow it.
typedef struct VecdbMetaHeader {
    uint32 magic;
    uint16 version;
    uint16 am;          // VecdbAmKind
    int32 dimensions;   // from the column typmod, or 0 when it has none
    uint16 flags;       // VECDB_META_* bits
    uint16 unused;
} VecdbMetaHeader;

// Largest item that fits on an empty vecdb page.
#define VECDB_MAX_ITEM_SIZE \
    MAXALIGN_DOWN(BLCKSZ - SizeOfPageHeaderData - sizeof(ItemIdData) - MAXALIGN(sizeof(VecdbPageOpaqueData)))

// Whether a page carries vecdb's special space (initialised, right size and id).
bool vecdb_page_is_vecdb(Page page);

// Formats an empty page of the given kind.
void vecdb_page_init(Page page, uint16 kind);

// Raises XX001 unless the page is a vecdb page of the expected kind.
void vecdb_page_check(Relation index, Page page, BlockNumber blkno, uint16 kind);

// Adds one item to a locked page already registered for WAL; errors
// (naming the index) if it does not fit.
void vecdb_page_add_item(Relation index, Page page, const void* item, Size size);

// GenericXLogRegisterBuffer for a locked buffer, asking for the whole page
// image when the record would carry one anyway: the page's first change
// since the last checkpoint began, with full_page_writes on, is logged as a
// full-page image and the delta GenericXLogFinish would compute (a
// byte-by-byte comparison of the whole 8 kB page) is then dropped from the
// record. Same WAL, ~40k fewer instructions per page; when the guess is
// stale (a checkpoint starts meanwhile) the record is still correct, it
// just takes its image the usual way.
Page vecdb_register_buffer(GenericXLogState* state, Buffer buffer, int flags);

// Returns an exclusively locked, empty page buffer: a page VACUUM recycled,
// or a new block at the end of the relation. The caller formats and logs it.
Buffer vecdb_allocate_page(Relation index);

// Marks a page free (WAL-logged) and offers it to the free space map.
void vecdb_free_page(Relation index, BlockNumber blkno);

// The metapage header of a new index of this AM: dimensions from the
// typmod of key column 1, no flags.
VecdbMetaHeader vecdb_meta_header(Relation index, uint16 am, uint16 version);

// Reads the common header of the metapage (any AM's).
VecdbMetaHeader vecdb_read_meta_header(Relation index);

// Reads the metapage, checking it belongs to the expected AM: returns the
// common header and copies body_size bytes of the AM's body into body.
VecdbMetaHeader vecdb_read_metapage(Relation index, uint16 am, void* body, Size body_size);

// Sets flag bits in the metapage header (WAL-logged), unless already set.
void vecdb_meta_set_flags(Relation index, uint16 flags);

// Writes a fresh metapage (WAL-logged) whose AM-specific body is `body`.
void vecdb_write_new_metapage(Relation index, ForkNumber fork, const VecdbMetaHeader* header,
                              const void* body, Size body_size);

// The AM-specific part of a metapage, right after the common header.
#define VecdbMetaBody(page) (PageGetContents(page) + MAXALIGN(sizeof(VecdbMetaHeader)))
