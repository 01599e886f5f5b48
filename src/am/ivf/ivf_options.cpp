// ivf reloptions (lists, quantizer, pq_m, pq_nbits) and search GUCs (vecdb.ivf_probes,
// vecdb.rerank).
#include "am/ivf/ivf.h"

int vecdb_ivf_probes = 10;
int vecdb_ivf_rerank = 100;

static relopt_kind ivf_relopt_kind;

#define IVF_MAX_LISTS 32768

static relopt_enum_elt_def quantizer_values[] = {
    {"none", IVF_QUANTIZER_NONE},
    {"sq8", IVF_QUANTIZER_SQ8},
    {"pq", IVF_QUANTIZER_PQ},
    {(const char*)NULL, 0},
};

// Registers the ivf reloption kind, its options and the ivf search GUCs
// (from _PG_init, through vecdb_ivf_am).
void ivf_init(void) {
    ivf_relopt_kind = add_reloption_kind();
    add_int_reloption(ivf_relopt_kind, "lists",
                      "Number of k-means lists (default: about the square root of the row count)", 0, 1,
                      IVF_MAX_LISTS, AccessExclusiveLock);
    add_enum_reloption(ivf_relopt_kind, "quantizer", "How list entries store vectors", quantizer_values,
                       IVF_QUANTIZER_NONE, "Valid values are \"none\", \"sq8\" and \"pq\".", AccessExclusiveLock);
    add_int_reloption(ivf_relopt_kind, "pq_m",
                      "Sub-vectors of a pq code, one byte each; must divide the dimensions "
                      "(default: sub-vectors of 4 dimensions, or of 3, 2 or 1 when 4 does not divide them)",
                      0, 1, 16000, AccessExclusiveLock);
    add_int_reloption(ivf_relopt_kind, "pq_nbits", "Bits per pq sub-vector code: 2^pq_nbits centroids per sub-space (default 8)",
                      0, 1, 8, AccessExclusiveLock);

    DefineCustomIntVariable("vecdb.ivf_probes", "Lists an ivf index scan reads first.",
                            "More lists: higher recall, slower search. Capped at the index's lists; "
                            "equal to lists, an ivf index with quantizer 'none' is exact.",
                            &vecdb_ivf_probes, 10, 1, IVF_MAX_LISTS, PGC_USERSET, 0, NULL, NULL, NULL);
    DefineCustomIntVariable("vecdb.rerank",
                            "Quantized candidates an index scan re-scores with their full vectors at a time.",
                            "Each round re-scores the best remaining candidates by quantized distance and "
                            "returns them in exact distance order; a WHERE clause that rejects them all "
                            "starts the next round.",
                            &vecdb_ivf_rerank, 100, 1, 1000000, PGC_USERSET, 0, NULL, NULL, NULL);
}

// amoptions: parses and validates WITH (...) of an ivf index.
bytea* ivf_options(Datum reloptions, bool validate) {
    static const relopt_parse_elt table[] = {
        {"lists", RELOPT_TYPE_INT, offsetof(IvfOptions, lists)},
        {"quantizer", RELOPT_TYPE_ENUM, offsetof(IvfOptions, quantizer)},
        {"pq_m", RELOPT_TYPE_INT, offsetof(IvfOptions, pq_m)},
        {"pq_nbits", RELOPT_TYPE_INT, offsetof(IvfOptions, pq_nbits)},
    };
    bytea* parsed = (bytea*)build_reloptions(reloptions, validate, ivf_relopt_kind, sizeof(IvfOptions), table,
                                             lengthof(table));
    if (validate && parsed != NULL) {
        const IvfOptions* options = (const IvfOptions*)parsed;
        if (options->quantizer != IVF_QUANTIZER_PQ && (options->pq_m != 0 || options->pq_nbits != 0))
            ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                            errmsg("options \"pq_m\" and \"pq_nbits\" apply only to quantizer \"pq\""),
                            errhint("Add quantizer = 'pq', or leave them out.")));
    }
    return parsed;
}

// The options of an index, defaults filled in.
IvfOptions ivf_get_options(Relation index) {
    IvfOptions options;
    memset(&options, 0, sizeof options);
    options.lists = 0;
    options.quantizer = IVF_QUANTIZER_NONE;
    if (index->rd_options != NULL) memcpy(&options, index->rd_options, sizeof options);
    return options;
}
