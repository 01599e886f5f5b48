// Key columns of an hnsw index: USING hnsw (embedding vector_l2_ops, category).
//
// The first column is the vector; the columns after it are keys a scan
// filters on while it traverses the graph: an element whose keys fail the
// WHERE clause's index quals is still a waypoint of the search but is never
// returned, and the search keeps going until it has ef elements that pass.
//
// Key area
// --------
// When the index has key columns, every element tuple ends with a key area
// of hnsw_key_area_size(nkeys) bytes (the layout of elements without key
// columns is unchanged, so indexes built before key columns existed read
// as they are):
//
//   HnswKeyHeader  nkeys, a NULL bit per key                 8 bytes
//   uint64[nkeys]  one summary per key                       8 bytes each
//
// The summaries: int4, int8 and bool keys are exact (the value as int64);
// text is a 64-bit hash under the column's collation (equality only); an
// int4[] is a 64-bit signature with one bit per element (&& and @> are
// tested on the signatures). Tests on hashes and signatures can pass rows
// that fail the real operator, so scans with such quals set xs_recheck and
// the executor rechecks them exactly.
#pragma once

#include <cmath>

#include "pg/pg.h"

extern "C" {
#include "access/skey.h"
#include "utils/rel.h"
}

#define HNSW_MAX_KEY_COLUMNS 16

// What kind of value a key column holds.
enum HnswKeyKind { HNSW_KEY_INT = 1, HNSW_KEY_BOOL = 2, HNSW_KEY_TEXT = 3, HNSW_KEY_INT_ARRAY = 4 };

// Strategy numbers of the key operators (the vector's ORDER BY operator is 1).
#define HNSW_KEY_LESS 2
#define HNSW_KEY_LESS_EQUAL 3
#define HNSW_KEY_EQUAL 4
#define HNSW_KEY_GREATER_EQUAL 5
#define HNSW_KEY_GREATER 6
#define HNSW_KEY_OVERLAP 7   // int4[] && int4[]
#define HNSW_KEY_CONTAINS 8  // int4[] @> int4[]
#define HNSW_KEY_MAX_STRATEGY 8

// Head of an element's key area.
typedef struct HnswKeyHeader {
    uint16 nkeys;
    uint16 nulls;  // bit i: key i is NULL
    uint32 reserved;
} HnswKeyHeader;

// Bytes the key area of an index with nkeys key columns takes (0 without).
static inline Size hnsw_key_area_size(int nkeys) {
    return nkeys == 0 ? 0 : sizeof(HnswKeyHeader) + sizeof(uint64) * (Size)nkeys;
}

// Key columns of an index (its columns after the vector).
static inline int hnsw_key_columns(Relation index) { return IndexRelationGetNumberOfKeyAttributes(index) - 1; }

// The key area's size for an index.
static inline Size hnsw_index_key_bytes(Relation index) { return hnsw_key_area_size(hnsw_key_columns(index)); }

// The kind of a key column's type, 0 when it is no key type.
int hnsw_key_kind(Oid type);

// Rejects an index whose first column is not a vector or whose other
// columns are not key types (CREATE INDEX).
void hnsw_check_key_columns(Relation index);

// Writes the key area of a row (values[1..], isnull[1..] are the keys) to area.
void hnsw_form_keys(Relation index, const Datum* values, const bool* isnull, char* area);

// One test of a key against a query value's summary.
typedef struct HnswKeyTest {
    uint16 key;       // key index (column - 2)
    uint16 strategy;  // HNSW_KEY_*
    uint64 arg;       // the query value's summary (int: as int64)
} HnswKeyTest;

// The key quals of a scan, compiled.
typedef struct HnswKeyFilter {
    int ntests;
    int nkeys;           // key columns of the index
    Size area_size;      // hnsw_key_area_size(nkeys)
    bool impossible;     // a qual compares with NULL: no row passes
    bool recheck;        // some test is lossy: the executor rechecks the quals
    HnswKeyTest tests[FLEXIBLE_ARRAY_MEMBER];
} HnswKeyFilter;

// Compiles a scan's keys (allocated in the current memory context); NULL
// when there are none.
HnswKeyFilter* hnsw_key_filter(Relation index, const ScanKeyData* keys, int nkeys);

// Whether a key area passes the filter.
bool hnsw_keys_match(const HnswKeyFilter* filter, const char* area);

// Checks a key area (verify_index): NULL when well formed, else what is wrong.
const char* hnsw_keys_problem(Relation index, const char* area);

// amvalidate / amadjustmembers of hnsw: the key operator classes, and the
// shared vecdb contract for the vector ones.
bool hnsw_validate_opclass(Oid opclass_oid);
void hnsw_adjust_opclass_members(Oid family, Oid opclass, List* operators, List* functions);

// Key directory
// -------------
// Besides the key area in each element, an index with key columns keeps a
// chain of HNSW_PAGE_KEYS pages (metapage keys_first .. keys_last, linked by
// the page opaque's next) holding one item per element: its TID and a copy
// of its key area. A scan whose key quals pass few elements reads the
// directory (a few hundred bytes-dense pages) and scores exactly the
// elements that pass, instead of traversing a graph where almost every
// element it meets is rejected. Elements never move and VACUUM only marks
// them deleted, so an entry stays valid; a deleted element is skipped when
// it is scored.
struct HnswMetaData;
struct VecdbVerifyReport;
struct HnswTidMap;

#define HNSW_KEY_ENTRY_HEADER MAXALIGN(sizeof(ItemPointerData))

// How a graph search under key quals passing a share s of the elements
// scales. It stops at ef * s^HNSW_FILTERED_EF_EXPONENT passing elements
// (the wider exploration through rejected ones reaches the recall of ef with
// fewer: Fashion-MNIST, s = 0.1, ef 40: 16 passing, recall 0.996; with
// exponent 0.6, 10 passing, it was 0.989), and
// exploring 1/s times the graph to find them scores about first *
// s^(exponent - 1) entries, where first is what an unfiltered search scores.
#define HNSW_FILTERED_EF_EXPONENT 0.4

// The passing elements a filtered graph search stops at, for ef.
static inline uint32 hnsw_filtered_ef(uint32 ef, double s) {
    if (s >= 1.0) return ef;
    uint32 reduced = (uint32)(ef * Max(0.25, pow(s, HNSW_FILTERED_EF_EXPONENT)));
    return Max(reduced, Min(ef, 10u));
}

// Entries a filtered graph search scores (see hnsw_filtered_ef).
static inline double hnsw_filtered_scored(double first, double s) {
    return s >= 1.0 ? first : first * pow(Max(s, 1e-9), HNSW_FILTERED_EF_EXPONENT - 1.0);
}

// The most matching elements worth scoring exactly from the key directory:
// where s * entries equals hnsw_filtered_scored(first, s), the graph's cost.
// Scan (score_matches) and planner (hnsw_cost_estimate) use the same value.
static inline double hnsw_exact_match_limit(double first, double entries) {
    double e = HNSW_FILTERED_EF_EXPONENT;
    return pow(first, 1.0 / (2.0 - e)) * pow(entries, (1.0 - e) / (2.0 - e));
}

// Whether an index's metapage names a key directory.
bool hnsw_has_key_directory(const struct HnswMetaData* meta);

// Size of a directory item of an index with key areas of key_bytes.
static inline Size hnsw_key_entry_size(Size key_bytes) { return HNSW_KEY_ENTRY_HEADER + key_bytes; }

// Fills a directory item (hnsw_key_entry_size bytes).
void hnsw_form_key_entry(char* item, ItemPointer element, const char* keys, Size key_bytes);

// Appends an element's entry to the directory (INSERT; creates the
// directory of an index that has none yet). WAL-logged.
void hnsw_key_directory_append(Relation index, ItemPointer element, const char* keys);

// The elements whose directory keys pass filter, into *out (palloc'd,
// sorted by TID); returns how many, or -1 when more than limit pass (the
// scan then traverses the graph instead). expected_entries sizes an early
// stop: once a tenth of them were read, a projection above 1.25 * limit
// stops. *passing: the fraction of the entries read that passed.
int64 hnsw_key_directory_matches(Relation index, const struct HnswMetaData* meta, const HnswKeyFilter* filter,
                                 int64 limit, double expected_entries, ItemPointerData** out, double* passing);

// verify_index: the directory pages and entries (each names an element of
// map, with the element's keys).
void hnsw_verify_key_directory(Relation index, const struct HnswMetaData* meta, struct VecdbVerifyReport* report,
                               const struct HnswTidMap* map);
