// hnsw reloptions (m, ef_construction, quantizer) and GUCs.
#include "am/hnsw/hnsw.h"
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
    };
    HnswOptions* options = (HnswOptions*)build_reloptions(reloptions, validate, hnsw_relopt_kind,
                                                          sizeof(HnswOptions), table, lengthof(table));
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
