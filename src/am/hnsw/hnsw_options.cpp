// hnsw reloptions (m, ef_construction, quantizer) and GUCs.
#include "am/hnsw/hnsw.h"
#include "am/hnsw/hnsw_pending.h"
#include "core/hnsw/select.h"


static relopt_kind hnsw_relopt_kind;

static relopt_enum_elt_def quantizer_values[] = {
    {"none", HNSW_QUANTIZER_NONE},
    {"sq8", HNSW_QUANTIZER_SQ8},
    {NULL, 0},
};
int hnsw_ef_search = 40;
int hnsw_build_threads = 0;

// Registers the reloptions and GUCs (from _PG_init, through vecdb_hnsw_am).
void hnsw_init(void) {
    hnsw_relopt_kind = add_reloption_kind();
    add_int_reloption(hnsw_relopt_kind, "m", "Links per graph node on the upper levels (2*m on level 0)",
                      HNSW_DEFAULT_M, 2, HNSW_MAX_M, AccessExclusiveLock);
    add_int_reloption(hnsw_relopt_kind, "ef_construction", "Candidate list size while building the graph",
                      HNSW_DEFAULT_EF_CONSTRUCTION, 4, 1000, AccessExclusiveLock);
    add_enum_reloption(hnsw_relopt_kind, "quantizer", "How element tuples store vectors (none, sq8)",
                       quantizer_values, HNSW_QUANTIZER_NONE, "Valid values are \"none\" and \"sq8\".",
                       AccessExclusiveLock);
    add_bool_reloption(hnsw_relopt_kind, "pending_list",
                       "INSERT appends rows to a pending list that scans read exactly and VACUUM merges into the graph",
                       false, ShareUpdateExclusiveLock);
    add_int_reloption(hnsw_relopt_kind, "pending_list_limit",
                      "Size (kB) of the pending list past which an INSERT merges it (-1: vecdb.hnsw_pending_list_limit)",
                      -1, -1, MAX_KILOBYTES, ShareUpdateExclusiveLock);

    DefineCustomIntVariable("vecdb.hnsw_pending_list_limit",
                            "Size of an hnsw pending list past which an INSERT merges it into the graph.",
                            "Indexes with pending_list_limit set use their own.", &hnsw_pending_list_limit_kb, 4096,
                            64, MAX_KILOBYTES, PGC_USERSET, GUC_UNIT_KB, NULL, NULL, NULL);
    DefineCustomIntVariable("vecdb.hnsw_ef_search", "Candidate list size of an hnsw index search.",
                            "Larger finds the true nearest neighbours more often and searches longer.",
                            &hnsw_ef_search, 40, 1, 1000, PGC_USERSET, 0, NULL, NULL, NULL);
    DefineCustomIntVariable("vecdb.hnsw_build_threads", "Threads that build an hnsw graph in memory.",
                            "0 uses every CPU of the machine.", &hnsw_build_threads, 0, 0, 256, PGC_USERSET, 0,
                            NULL, NULL, NULL);
}

// amoptions: parses and validates WITH (m, ef_construction, quantizer).
bytea* hnsw_options(Datum reloptions, bool validate) {
    static const relopt_parse_elt table[] = {
        {"m", RELOPT_TYPE_INT, offsetof(HnswOptions, m)},
        {"ef_construction", RELOPT_TYPE_INT, offsetof(HnswOptions, ef_construction)},
        {"quantizer", RELOPT_TYPE_ENUM, offsetof(HnswOptions, quantizer)},
        {"pending_list", RELOPT_TYPE_BOOL, offsetof(HnswOptions, pending_list)},
        {"pending_list_limit", RELOPT_TYPE_INT, offsetof(HnswOptions, pending_list_limit)},
    };
    HnswOptions* options = (HnswOptions*)build_reloptions(reloptions, validate, hnsw_relopt_kind,
                                                          sizeof(HnswOptions), table, lengthof(table));
    if (validate && options && options->pending_list_limit != -1 && options->pending_list_limit < 64)
        ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                        errmsg("hnsw option pending_list_limit (%d kB) must be -1 or at least 64 kB",
                               options->pending_list_limit)));
    if (validate && options && options->ef_construction < 2 * options->m)
        ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                        errmsg("hnsw option ef_construction (%d) must be at least 2 * m (%d)",
                               options->ef_construction, 2 * options->m)));
    return (bytea*)options;
}

// The options of an index, defaults where none were given.
void hnsw_get_options(Relation index, int* m, int* ef_construction) {
    HnswOptions* options = (HnswOptions*)index->rd_options;
    *m = options ? options->m : HNSW_DEFAULT_M;
    *ef_construction = options ? options->ef_construction : HNSW_DEFAULT_EF_CONSTRUCTION;
}

// The quantizer an index was created with.
int hnsw_get_quantizer(Relation index) {
    HnswOptions* options = (HnswOptions*)index->rd_options;
    return options ? options->quantizer : HNSW_QUANTIZER_NONE;
}

// Highest level a node may have: its links (and at least an external
// reference to its value) must fit one page.
int hnsw_max_level(int m) {
    int level = vecdb::core::hnsw::kMaxLevel;
    while (level > 0 && hnsw_value_offset(m, level) + MAXALIGN(sizeof(VecdbOverflowRef)) > HNSW_MAX_ITEM_SIZE)
        level--;
    return level;
}

// Whether INSERTs into an index go to its pending list.
// Indexes with key columns do not use it yet: a merged row's key-directory
// entry is written in a record of its own after its element, and a crash in
// between would hide the committed row from directory scans (hnsw_pending.h).
bool hnsw_uses_pending_list(Relation index) {
    HnswOptions* options = (HnswOptions*)index->rd_options;
    return options && options->pending_list && IndexRelationGetNumberOfKeyAttributes(index) == 1;
}

// The pending list's limit of an index, in bytes.
Size hnsw_pending_limit_bytes(Relation index) {
    HnswOptions* options = (HnswOptions*)index->rd_options;
    int kb = options && options->pending_list_limit != -1 ? options->pending_list_limit : hnsw_pending_list_limit_kb;
    return (Size)kb * 1024;
}

// CREATE INDEX: rejects pending_list = on where it does not apply yet.
void hnsw_check_pending_option(Relation index) {
    HnswOptions* options = (HnswOptions*)index->rd_options;
    if (options && options->pending_list && IndexRelationGetNumberOfKeyAttributes(index) > 1)
        ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED),
                        errmsg("hnsw option pending_list is not supported for index \"%s\" with key columns",
                               RelationGetRelationName(index))));
}
