// vecdb.search in C: the statement of each call shape (collection, field,
// filter, output fields, partitions, params, top_k, skip, grouping, which
// of radius / range_filter / as_of are given) is built once per session by
// vecdb._search_statement (PL/pgSQL, all catalog lookups and checks) and kept
// as a prepared generic plan with its filter literals already parsed. A call
// then only parses its query vectors, applies the index settings and runs
// the plan, so it costs about what the hand-written query costs: a call with
// one query vector runs the plain ORDER BY ... LIMIT statement (no unnest,
// join or final sort), read-only on the caller's snapshot, its rows going
// straight into the result tuplestore (no SPI tuple table).
//
// Invalidation: a statement trigger on every catalog table (vecdb._catalog_changed)
// sends a relcache invalidation of vecdb.collections; our relcache callback
// bumps a generation and the next call drops every kept shape. That covers
// DDL through the API in any session (create/drop/rename, aliases,
// partitions, indexes, properties), rolled-back changes (the invalidations
// are replayed locally at abort) and a lost invalidation queue (InvalidOid).
// Plans themselves are revalidated by the plan cache (new indexes, ANALYZE).
#include "pg/pg.h"
#include "collection/search_group.h"
#include "collection/search_inline.h"
#include "core/parse/float_list.h"
#include "types/vector.h"

#include <cmath>

extern "C" {
#include "catalog/namespace.h"
#include "common/hashfn.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "executor/tstoreReceiver.h"
#include "parser/parse_type.h"
#include "utils/inval.h"
#include "utils/datum.h"
#include "utils/jsonb.h"
#include "utils/tuplestore.h"
}

namespace {

// Arguments of vecdb.search, by position (as_of is the ttl hook's optional 14th).
enum SearchArg {
    kCollection, kData, kAnnsField, kTopK, kFilter, kOutputFields, kSkip, kPartitions,
    kParams, kRadius, kRangeFilter, kGroupBy, kGroupSize, kAsOf
};

// Statement parameters, as vecdb._search_statement numbers them.
constexpr int kFirstFilterParam = 5;  // 0-based: $6

// One kept statement shape.
struct SearchShape {
    char* key;
    int key_len;
    uint32 hash;
    MemoryContext cxt;
    SPIPlanPtr plan;         // any number of query vectors (grouped: one)
    SPIPlanPtr plan_single;  // one query vector; nullptr when grouped
    char* sql_single;        // its text (the planner hook inlines it); nullptr when grouped
    int nargs;
    Oid* types;
    Datum* filter_values;  // nargs - kFirstFilterParam of them
    // the query vector array type and its element's input function
    Oid array_type;
    int32 typmod;
    Oid elem_type;
    int16 elem_len;
    bool elem_byval;
    char elem_align;
    FmgrInfo elem_input;
    Oid elem_ioparam;
    bool dense;  // FLOAT_VECTOR / FLOAT16_VECTOR: json arrays go straight to the input function
    bool float_vector;  // FLOAT_VECTOR: jsonb numbers are read into a vector directly
    int dim;
    int nsettings;
    char** setting_names;
    char** setting_values;
    bool params_radius_null, params_range_filter_null;
    double params_radius, params_range_filter;
    bool ascending;
    char* metric;
    bool grouped;  // group_by_field: a stream of hits grouped here
    GroupedSearch group;
    uint64 last_used;
};

constexpr int kShapeCacheSize = 64;
SearchShape* shapes[kShapeCacheSize];
uint64 shape_clock = 0;

// Helper plans (statement builder, slow vector path), kept like the shapes.
SPIPlanPtr builder_plan = nullptr;
SPIPlanPtr vectors_plan = nullptr;

// Catalog generation: bumped by the relcache callback, compared per call.
uint64 catalog_generation = 1;
uint64 shapes_generation = 0;
Oid collections_relid = InvalidOid;
bool callback_registered = false;

// vecdb.search calls in progress in this backend: a nested call (from a
// function or policy its statement runs) must not free the shapes the
// outer call is running, so it builds a private one instead.
int search_depth = 0;

// Relcache callback: a change of vecdb.collections (or of everything) makes
// every kept shape stale. Only flags it: a plan may be running right now.
void catalog_invalidated(Datum, Oid relid) {
    if (relid == InvalidOid || relid == collections_relid) catalog_generation++;
}

// Frees one kept shape.
void free_shape(SearchShape* s) {
    if (s->plan != nullptr) SPI_freeplan(s->plan);
    if (s->plan_single != nullptr) SPI_freeplan(s->plan_single);
    MemoryContextDelete(s->cxt);
}

// Drops every kept shape and helper plan when the catalog changed since
// they were built; (re)learns the oid of vecdb.collections.
void forget_stale_shapes() {
    if (!callback_registered) {
        CacheRegisterRelcacheCallback(catalog_invalidated, (Datum)0);
        callback_registered = true;
    }
    if (shapes_generation == catalog_generation && OidIsValid(collections_relid)) return;
    for (int i = 0; i < kShapeCacheSize; i++) {
        if (shapes[i] != nullptr) free_shape(shapes[i]);
        shapes[i] = nullptr;
    }
    if (builder_plan != nullptr) SPI_freeplan(builder_plan);
    if (vectors_plan != nullptr) SPI_freeplan(vectors_plan);
    builder_plan = vectors_plan = nullptr;
    Oid nsp = get_namespace_oid("vecdb", false);
    collections_relid = get_relname_relid("collections", nsp);
    shapes_generation = catalog_generation;
}

// Appends one argument to a shape key: a null mark, or its length and bytes.
void key_bytes(StringInfo key, bool isnull, const void* data, int len) {
    if (isnull) {
        appendStringInfoChar(key, 'N');
        return;
    }
    appendStringInfo(key, "%d:", len);
    appendBinaryStringInfo(key, (const char*)data, len);
}

// Appends a varlena argument (text, text[], jsonb: equal values have equal bytes).
void key_varlena(StringInfo key, FunctionCallInfo fcinfo, int arg) {
    if (PG_ARGISNULL(arg)) return key_bytes(key, true, nullptr, 0);
    struct varlena* v = PG_DETOAST_DATUM_PACKED(PG_GETARG_DATUM(arg));
    key_bytes(key, false, VARDATA_ANY(v), (int)VARSIZE_ANY_EXHDR(v));
}

// Appends an int4 argument.
void key_int(StringInfo key, FunctionCallInfo fcinfo, int arg) {
    int32 v = PG_ARGISNULL(arg) ? 0 : PG_GETARG_INT32(arg);
    key_bytes(key, PG_ARGISNULL(arg), &v, sizeof(v));
}

// Whether argument arg is given (and not NULL); as_of may be absent.
bool arg_given(FunctionCallInfo fcinfo, int arg) { return PG_NARGS() > arg && !PG_ARGISNULL(arg); }

// The shape key of a call: every argument the statement depends on.
StringInfo shape_key(FunctionCallInfo fcinfo) {
    StringInfo key = makeStringInfo();
    key_varlena(key, fcinfo, kCollection);
    key_varlena(key, fcinfo, kAnnsField);
    key_int(key, fcinfo, kTopK);
    key_varlena(key, fcinfo, kFilter);
    key_varlena(key, fcinfo, kOutputFields);
    key_int(key, fcinfo, kSkip);
    key_varlena(key, fcinfo, kPartitions);
    key_varlena(key, fcinfo, kParams);
    key_varlena(key, fcinfo, kGroupBy);
    if (arg_given(fcinfo, kGroupBy)) key_int(key, fcinfo, kGroupSize);
    appendStringInfoChar(key, arg_given(fcinfo, kRadius) ? 'r' : '-');
    appendStringInfoChar(key, arg_given(fcinfo, kRangeFilter) ? 'f' : '-');
    appendStringInfoChar(key, arg_given(fcinfo, kAsOf) ? 'a' : '-');
    return key;
}

// The kept shape with this key, or nullptr.
SearchShape* find_shape(StringInfo key, uint32 hash) {
    for (int i = 0; i < kShapeCacheSize; i++) {
        SearchShape* s = shapes[i];
        if (s != nullptr && s->hash == hash && s->key_len == key->len && memcmp(s->key, key->data, key->len) == 0) {
            s->last_used = ++shape_clock;
            return s;
        }
    }
    return nullptr;
}

// Stores a new shape, evicting the least recently used one when full.
void remember_shape(SearchShape* shape) {
    int slot = 0;
    for (int i = 0; i < kShapeCacheSize; i++) {
        if (shapes[i] == nullptr) {
            slot = i;
            break;
        }
        if (shapes[i]->last_used < shapes[slot]->last_used) slot = i;
    }
    if (shapes[slot] != nullptr) free_shape(shapes[slot]);
    shape->last_used = ++shape_clock;
    shapes[slot] = shape;
}

// Prepares sql and (keep) keeps the plan for the session; otherwise it
// goes with SPI_finish. Inside SPI.
SPIPlanPtr prepare_plan(const char* sql, int nargs, Oid* types, int options, bool keep) {
    SPIPlanPtr plan = SPI_prepare_cursor(sql, nargs, types, options);
    if (plan == nullptr) elog(ERROR, "SPI_prepare failed for \"%s\": %s", sql, SPI_result_code_string(SPI_result));
    if (keep && SPI_keepplan(plan) != 0) elog(ERROR, "SPI_keepplan failed");
    return plan;
}

// Prepares sql and keeps the plan for the session. Inside SPI.
SPIPlanPtr keep_plan(const char* sql, int nargs, Oid* types, int options) {
    return prepare_plan(sql, nargs, types, options, true);
}

// A text[] datum's elements as C strings in the current memory context.
char** text_elements(Datum array, int* count) {
    Datum* items;
    bool* nulls;
    deconstruct_array(DatumGetArrayTypeP(array), TEXTOID, -1, false, TYPALIGN_INT, &items, &nulls, count);
    char** out = (char**)palloc(sizeof(char*) * (*count + 1));
    for (int i = 0; i < *count; i++) out[i] = nulls[i] ? nullptr : TextDatumGetCString(items[i]);
    return out;
}

// Builds the shape of a call through vecdb._search_statement (which raises
// every catalog and argument error) and prepares its statement; a kept
// shape joins the cache, a private one lives until SPI_finish. Inside SPI.
SearchShape* build_shape(FunctionCallInfo fcinfo, StringInfo key, uint32 hash, bool keep) {
    if (builder_plan == nullptr) {
        Oid types[13] = {TEXTOID, TEXTOID, INT4OID, TEXTOID, TEXTARRAYOID, INT4OID, TEXTARRAYOID,
                         JSONBOID, BOOLOID, BOOLOID, TEXTOID, INT4OID, BOOLOID};
        builder_plan = keep_plan(
            "SELECT sql, param_types, filter_values, data_type, dim, settings, params_radius, "
            "params_range_filter, metric, sql_single FROM vecdb._search_statement($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, "
            "$11, $12, $13)",
            13, types, 0);
    }
    const int args[] = {kCollection, kAnnsField, kTopK, kFilter, kOutputFields, kSkip, kPartitions, kParams};
    Datum values[13];
    char nulls[13];
    for (int i = 0; i < 8; i++) {
        values[i] = PG_ARGISNULL(args[i]) ? (Datum)0 : PG_GETARG_DATUM(args[i]);
        nulls[i] = PG_ARGISNULL(args[i]) ? 'n' : ' ';
    }
    values[8] = BoolGetDatum(arg_given(fcinfo, kRadius));
    values[9] = BoolGetDatum(arg_given(fcinfo, kRangeFilter));
    values[10] = PG_ARGISNULL(kGroupBy) ? (Datum)0 : PG_GETARG_DATUM(kGroupBy);
    values[11] = PG_ARGISNULL(kGroupSize) ? (Datum)0 : PG_GETARG_DATUM(kGroupSize);
    values[12] = BoolGetDatum(arg_given(fcinfo, kAsOf));
    nulls[8] = nulls[9] = nulls[12] = ' ';
    nulls[10] = PG_ARGISNULL(kGroupBy) ? 'n' : ' ';
    nulls[11] = PG_ARGISNULL(kGroupSize) ? 'n' : ' ';
    int rc = SPI_execute_plan(builder_plan, values, nulls, false, 1);
    if (rc != SPI_OK_SELECT || SPI_processed != 1) elog(ERROR, "vecdb._search_statement returned no row");
    HeapTuple row = SPI_tuptable->vals[0];
    TupleDesc desc = SPI_tuptable->tupdesc;
    bool isnull[10];
    Datum col[10];
    for (int i = 0; i < 10; i++) col[i] = SPI_getbinval(row, desc, i + 1, &isnull[i]);

    // The shape lives in its own context, under the call's memory until it
    // is complete (an error frees it), then under CacheMemoryContext.
    MemoryContext cxt = AllocSetContextCreate(CurrentMemoryContext, "vecdb search shape", ALLOCSET_SMALL_SIZES);
    MemoryContext old = MemoryContextSwitchTo(cxt);
    SearchShape* s = (SearchShape*)palloc0(sizeof(SearchShape));
    s->cxt = cxt;
    s->key = (char*)palloc(key->len + 1);
    memcpy(s->key, key->data, key->len);
    s->key_len = key->len;
    s->hash = hash;
    char* sql = TextDatumGetCString(col[0]);
    char* sql_single = isnull[9] ? nullptr : TextDatumGetCString(col[9]);
    int ntypes, nfilter;
    char** type_names = text_elements(col[1], &ntypes);
    char** filter_texts = text_elements(col[2], &nfilter);
    if (ntypes != kFirstFilterParam + nfilter) elog(ERROR, "vecdb._search_statement: parameter count mismatch");
    s->nargs = ntypes;
    s->types = (Oid*)palloc(sizeof(Oid) * ntypes);
    s->filter_values = (Datum*)palloc(sizeof(Datum) * (nfilter + 1));
    for (int i = 0; i < ntypes; i++) {
        int32 typmod;
        parseTypeString(type_names[i], &s->types[i], &typmod, false);
        if (i == 0) s->typmod = typmod;
        if (i >= kFirstFilterParam) {
            Oid input, ioparam;
            getTypeInputInfo(s->types[i], &input, &ioparam);
            s->filter_values[i - kFirstFilterParam] =
                OidInputFunctionCall(input, filter_texts[i - kFirstFilterParam], ioparam, typmod);
        }
    }
    s->array_type = s->types[0];
    s->elem_type = get_element_type(s->array_type);
    get_typlenbyvalalign(s->elem_type, &s->elem_len, &s->elem_byval, &s->elem_align);
    Oid elem_input;
    getTypeInputInfo(s->elem_type, &elem_input, &s->elem_ioparam);
    fmgr_info_cxt(elem_input, &s->elem_input, cxt);
    char* data_type = TextDatumGetCString(col[3]);
    s->float_vector = strcmp(data_type, "FLOAT_VECTOR") == 0;
    s->dense = s->float_vector || strcmp(data_type, "FLOAT16_VECTOR") == 0;
    s->dim = isnull[4] ? -1 : DatumGetInt32(col[4]);
    char** settings = text_elements(col[5], &s->nsettings);
    s->nsettings /= 2;
    s->setting_names = (char**)palloc(sizeof(char*) * (s->nsettings + 1));
    s->setting_values = (char**)palloc(sizeof(char*) * (s->nsettings + 1));
    for (int i = 0; i < s->nsettings; i++) {
        s->setting_names[i] = settings[2 * i];
        s->setting_values[i] = settings[2 * i + 1];
    }
    s->params_radius_null = isnull[6];
    s->params_radius = isnull[6] ? 0 : DatumGetFloat8(col[6]);
    s->params_range_filter_null = isnull[7];
    s->params_range_filter = isnull[7] ? 0 : DatumGetFloat8(col[7]);
    s->metric = TextDatumGetCString(col[8]);
    s->ascending = strcmp(s->metric, "IP") != 0 && strcmp(s->metric, "COSINE") != 0;
    s->grouped = arg_given(fcinfo, kGroupBy);
    if (s->grouped) s->group = GroupedSearch{PG_GETARG_INT32(kTopK), PG_GETARG_INT32(kSkip), PG_GETARG_INT32(kGroupSize)};
    MemoryContextSwitchTo(old);
    // a generic plan: custom plans would be re-planned on every call (the
    // unnest of the vector array is estimated differently with a value); a
    // grouped stream is read only in part, so planned for its first rows
    s->plan = prepare_plan(sql, s->nargs, s->types,
                           CURSOR_OPT_GENERIC_PLAN | (s->grouped ? CURSOR_OPT_FAST_PLAN : 0), keep);
    if (sql_single != nullptr) {
        // $1 is the one query vector itself: the index gets a plain value
        Oid* single_types = (Oid*)palloc(sizeof(Oid) * s->nargs);
        memcpy(single_types, s->types, sizeof(Oid) * s->nargs);
        single_types[0] = s->elem_type;
        s->plan_single = prepare_plan(sql_single, s->nargs, single_types, CURSOR_OPT_GENERIC_PLAN, keep);
        s->sql_single = MemoryContextStrdup(cxt, sql_single);
    }
    if (!keep) return s;
    MemoryContextSetParent(cxt, CacheMemoryContext);
    remember_shape(s);
    return s;
}

// A finite numeric (Postgres's on-disk format: a 16-bit header, then
// base-10000 digits) as the float4 that float4in gives for its text, in
// *out; false when that is not certain without the text (more than 15
// significant digits, a power of ten beyond 10^22, a special value, a
// short varlena header, a double that lies on a float midpoint) or the
// value overflows float4; the caller then takes the text path.
bool numeric_to_float4(Numeric num, float* out) {
    const char* p = (const char*)num;
    if (!VARATT_IS_4B_U(p)) return false;
    uint16 header;
    memcpy(&header, p + VARHDRSZ, sizeof(header));
    int weight;
    bool negative;
    const char* digits;
    if ((header & 0xC000) == 0xC000) return false;  // NaN, +-Infinity
    if (header & 0x8000) {                          // short format
        negative = (header & 0x2000) != 0;
        weight = (header & 0x0040) ? (int)(~0x003F | (header & 0x003F)) : (int)(header & 0x003F);
        digits = p + VARHDRSZ + sizeof(uint16);
    } else {
        negative = (header & 0xC000) == 0x4000;
        int16 w;
        memcpy(&w, p + VARHDRSZ + sizeof(uint16), sizeof(w));
        weight = w;
        digits = p + VARHDRSZ + 2 * sizeof(uint16);
    }
    int ndigits = (int)((VARSIZE(p) - (digits - p)) / sizeof(int16));
    if (ndigits == 0) {
        *out = 0.0f;  // numeric has no negative zero: float4in("0") is +0
        return true;
    }
    // mantissa m (exact) and decimal exponent e: value = +-m * 10^e
    uint64 m = 0;
    int e = 4 * (weight - ndigits + 1);
    for (int i = 0; i < ndigits; i++) {
        int16 d;
        memcpy(&d, digits + i * sizeof(int16), sizeof(d));
        if (d < 0 || d >= 10000 || m > (UINT64CONST(1) << 53) / 10000) return false;
        m = m * 10000 + (uint64)d;
    }
    while (e < 0 && m % 10 == 0) {
        m /= 10;
        e++;
    }
    if (m > (UINT64CONST(1) << 53) || e > 22 || e < -22) return false;
    static const double kPow10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                                    1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
    // both operands exact, so one correctly rounded operation
    double v = e >= 0 ? (double)m * kPow10[e] : (double)m / kPow10[-e];
    float f = (float)v;
    if (!std::isfinite(f)) return false;
    if ((double)f != v) {
        // rounding v again to float differs from rounding the decimal only
        // when v is exactly halfway between two floats
        float g = std::nextafter(f, v > (double)f ? HUGE_VALF : -HUGE_VALF);
        if ((double)f + (double)g == 2.0 * v) return false;
    }
    *out = negative ? -f : f;
    return true;
}

// One query vector of a FLOAT_VECTOR field read straight from a jsonb array
// of exactly dim numbers (walking its entries in place, as fillJsonbValue
// does: no text round trip, no JsonbValue per element); nullptr when any
// element needs the text path.
Datum jsonb_float_vector(JsonbContainer* array, int dim) {
    if (!JsonContainerIsArray(array) || (int)JsonContainerSize(array) != dim) return (Datum)0;
    Vector* v = new_vector(dim);
    const char* base = (const char*)&array->children[dim];
    uint32 offset = 0;
    for (int i = 0; i < dim; i++) {
        JEntry entry = array->children[i];
        uint32 end = JBE_HAS_OFF(entry) ? JBE_OFFLENFLD(entry) : offset + JBE_OFFLENFLD(entry);
        if (!JBE_ISNUMERIC(entry) || !numeric_to_float4((Numeric)(base + INTALIGN(offset)), &v->x[i])) {
            pfree(v);
            return (Datum)0;
        }
        offset = end;
    }
    return PointerGetDatum(v);
}

// One query vector of a dense field from a jsonb array of dim elements:
// read directly for FLOAT_VECTOR when it can be, else through its text.
Datum jsonb_dense_vector(SearchShape* s, JsonbContainer* array, int len) {
    if (s->float_vector) {
        Datum v = jsonb_float_vector(array, s->dim);
        if (v != (Datum)0) return v;
    }
    char* text = JsonbToCString(NULL, array, len);
    return InputFunctionCall(&s->elem_input, text, s->elem_ioparam, s->typmod);
}

// The query vectors of a dense field straight from the json (one vector or
// an array of them, each of the field's length); nullptr when data needs
// the full check of the slow path.
Datum* dense_vectors(SearchShape* s, Jsonb* data, int* count) {
    if (!JB_ROOT_IS_ARRAY(data) || JB_ROOT_IS_SCALAR(data)) return nullptr;
    int n = (int)JB_ROOT_COUNT(data);
    if (n == 0) return nullptr;
    JsonbValue* first = getIthJsonbValueFromContainer(&data->root, 0);
    bool batch = first->type == jbvBinary && JsonContainerIsArray(first->val.binary.data);
    if (!batch) {
        if (n != s->dim) return nullptr;
        Datum* out = (Datum*)palloc(sizeof(Datum));
        out[0] = jsonb_dense_vector(s, &data->root, VARSIZE(data));
        *count = 1;
        return out;
    }
    if (n > 16384) return nullptr;
    Datum* out = (Datum*)palloc(sizeof(Datum) * n);
    for (int i = 0; i < n; i++) {
        JsonbValue* v = i == 0 ? first : getIthJsonbValueFromContainer(&data->root, i);
        if (v->type != jbvBinary || !JsonContainerIsArray(v->val.binary.data) ||
            (int)JsonContainerSize(v->val.binary.data) != s->dim)
            return nullptr;
        out[i] = jsonb_dense_vector(s, v->val.binary.data, v->val.binary.len);
    }
    *count = n;
    return out;
}

// JSON whitespace (the subset of what vector_in skips).
const char* skip_json_space(const char* p) {
    while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r') p++;
    return p;
}

// The end of the JSON number at p, or nullptr when p holds none.
const char* json_number_end(const char* p) {
    auto digit = [](char c) { return c >= '0' && c <= '9'; };
    if (*p == '-') p++;
    if (*p == '0') {
        p++;
    } else if (*p >= '1' && *p <= '9') {
        while (digit(*p)) p++;
    } else {
        return nullptr;
    }
    if (*p == '.') {
        if (!digit(*++p)) return nullptr;
        while (digit(*p)) p++;
    }
    if (*p == 'e' || *p == 'E') {
        p++;
        if (*p == '+' || *p == '-') p++;
        if (!digit(*p)) return nullptr;
        while (digit(*p)) p++;
    }
    return p;
}

// The end of a JSON array of exactly dim numbers at p, or nullptr.
const char* json_vector_end(const char* p, int dim) {
    if (*p != '[') return nullptr;
    p = skip_json_space(p + 1);
    for (int n = 1;; n++) {
        p = json_number_end(p);
        if (p == nullptr) return nullptr;
        p = skip_json_space(p);
        if (*p == ']') return n == dim ? p + 1 : nullptr;
        if (*p != ',' || n >= dim) return nullptr;
        p = skip_json_space(p + 1);
    }
}

// One FLOAT_VECTOR query vector from the JSON text at p: a JSON array of
// exactly dim numbers, checked and converted in one pass (each number as
// vector_in reads it, core::parse_float_element, so the same floats). Returns the end of the
// array, or nullptr (nothing kept) for anything else, including numbers
// float4 cannot hold, which the caller's text path reports.
const char* json_float_vector(const char* p, int dim, Datum* out) {
    if (*p != '[' || dim < 1) return nullptr;
    Vector* v = new_vector(dim);
    p = skip_json_space(p + 1);
    for (int n = 0;; n++) {
        const char* end = json_number_end(p);
        float f = 0.0f;
        if (end == nullptr || vecdb::core::parse_float_element(p, &f) != end || !std::isfinite(f)) break;
        v->x[n] = f;
        p = skip_json_space(end);
        if (n == dim - 1) {
            if (*p != ']') break;
            *out = PointerGetDatum(v);
            return p + 1;
        }
        if (*p != ',') break;
        p = skip_json_space(p + 1);
    }
    pfree(v);
    return nullptr;
}

// The query vectors of a dense field straight from JSON text (one vector or
// an array of them, each exactly the field's length, numbers and JSON
// whitespace only): each vector's text goes to the type's input function,
// as the hand-written query's literal does. nullptr for anything else,
// which then takes the jsonb path (and its checks and errors).
Datum* dense_text_vectors(SearchShape* s, char* text, int* count) {
    const char* p = skip_json_space(text);
    if (*p != '[' || s->dim < 1) return nullptr;
    const char* inner = skip_json_space(p + 1);
    if (*inner != '[') {
        Datum one;
        const char* end = s->float_vector ? json_float_vector(p, s->dim, &one) : nullptr;
        if (end != nullptr && *skip_json_space(end) == '\0') {
            Datum* out = (Datum*)palloc(sizeof(Datum));
            out[0] = one;
            *count = 1;
            return out;
        }
        end = json_vector_end(p, s->dim);
        if (end == nullptr || *skip_json_space(end) != '\0') return nullptr;
        Datum* out = (Datum*)palloc(sizeof(Datum));
        out[0] = InputFunctionCall(&s->elem_input, text, s->elem_ioparam, s->typmod);
        *count = 1;
        return out;
    }
    int n = 0, capacity = 16;
    Datum* out = (Datum*)palloc(sizeof(Datum) * capacity);
    for (p = inner;; n++) {
        if (n >= 16384) return nullptr;
        if (n == capacity) out = (Datum*)repalloc(out, sizeof(Datum) * (capacity *= 2));
        const char* end = s->float_vector ? json_float_vector(p, s->dim, &out[n]) : nullptr;
        if (end == nullptr) {
            end = json_vector_end(p, s->dim);
            if (end == nullptr) return nullptr;
            char* one = pnstrdup(p, end - p);
            out[n] = InputFunctionCall(&s->elem_input, one, s->elem_ioparam, s->typmod);
            pfree(one);
        }
        p = skip_json_space(end);
        if (*p == ']') break;
        if (*p != ',') return nullptr;
        p = skip_json_space(p + 1);
    }
    if (*skip_json_space(p + 1) != '\0') return nullptr;
    *count = n + 1;
    return out;
}

// The data argument as jsonb: vecdb.search(text data) parses its text only
// when the dense text path does not take it.
Datum data_jsonb(FunctionCallInfo fcinfo, bool text_data) {
    if (!text_data) return PG_GETARG_DATUM(kData);
    return DirectFunctionCall1(jsonb_in, CStringGetDatum(TextDatumGetCString(PG_GETARG_DATUM(kData))));
}

// The query vector array of a call: the dense fast path, else
// vecdb._search_vectors (sparse and binary vectors, every error). Inside SPI.
Datum query_vectors(FunctionCallInfo fcinfo, SearchShape* s, bool text_data) {
    if (!PG_ARGISNULL(kData) && s->dense) {
        int count;
        Datum* items = text_data ? dense_text_vectors(s, TextDatumGetCString(PG_GETARG_DATUM(kData)), &count)
                                 : dense_vectors(s, PG_GETARG_JSONB_P(kData), &count);
        if (items != nullptr)
            return PointerGetDatum(construct_array(items, count, s->elem_type, s->elem_len, s->elem_byval, s->elem_align));
    }
    if (vectors_plan == nullptr) {
        Oid types[3] = {TEXTOID, TEXTOID, JSONBOID};
        vectors_plan = keep_plan("SELECT vecdb._search_vectors($1, $2, $3)", 3, types, 0);
    }
    const int args[] = {kCollection, kAnnsField, kData};
    Datum values[3];
    char nulls[3];
    for (int i = 0; i < 3; i++) {
        values[i] = PG_ARGISNULL(args[i]) ? (Datum)0 : PG_GETARG_DATUM(args[i]);
        nulls[i] = PG_ARGISNULL(args[i]) ? 'n' : ' ';
    }
    if (!PG_ARGISNULL(kData)) values[2] = data_jsonb(fcinfo, text_data);
    int rc = SPI_execute_plan(vectors_plan, values, nulls, false, 1);
    bool isnull;
    if (rc != SPI_OK_SELECT || SPI_processed != 1) elog(ERROR, "vecdb._search_vectors returned no row");
    Datum literal = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
    if (isnull) elog(ERROR, "vecdb._search_vectors returned NULL");
    Oid input, ioparam;
    getTypeInputInfo(s->array_type, &input, &ioparam);
    return OidInputFunctionCall(input, TextDatumGetCString(literal), ioparam, s->typmod);
}

// The radius (or range_filter) of a call: the argument, else the one in params.
bool effective_bound(FunctionCallInfo fcinfo, int arg, bool params_null, double params_value, double* out) {
    if (!PG_ARGISNULL(arg)) {
        *out = PG_GETARG_FLOAT8(arg);
        return true;
    }
    *out = params_value;
    return !params_null;
}

// Runs a search statement read-only on the caller's snapshot (the search
// writes nothing), its rows going straight into store (checked against
// desc by the receiver). Inside SPI.
void run_into_store(SPIPlanPtr plan, SearchShape* s, Oid first_type, Datum* values, const char* nulls,
                    Tuplestorestate* store, TupleDesc desc, MemoryContext store_cxt) {
    ParamListInfo params = makeParamList(s->nargs);
    for (int i = 0; i < s->nargs; i++) {
        ParamExternData* p = &params->params[i];
        p->value = values[i];
        p->isnull = nulls[i] == 'n';
        p->pflags = PARAM_FLAG_CONST;
        p->ptype = i == 0 ? first_type : s->types[i];
    }
    DestReceiver* dest = CreateDestReceiver(DestTuplestore);
    SetTuplestoreDestReceiverParams(dest, store, store_cxt, false, desc,
                                    "vecdb.search: the statement's columns do not match the result");
    SPIExecuteOptions options;
    memset(&options, 0, sizeof(options));
    options.params = params;
    options.read_only = true;
    options.dest = dest;
    int rc = SPI_execute_plan_extended(plan, &options);
    if (rc != SPI_OK_SELECT) elog(ERROR, "vecdb.search: SPI_execute_plan failed: %s", SPI_result_code_string(rc));
    dest->rDestroy(dest);
}

}  // namespace

namespace {

// vecdb.search with data as jsonb or (text_data) as its JSON text.
Datum search_call(FunctionCallInfo fcinfo, bool text_data) {
    ReturnSetInfo* rsinfo = (ReturnSetInfo*)fcinfo->resultinfo;
    if (rsinfo == nullptr || !IsA(rsinfo, ReturnSetInfo) || !(rsinfo->allowedModes & SFRM_Materialize))
        ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED), errmsg("vecdb.search must be called in a FROM clause")));
    TupleDesc expected = rsinfo->expectedDesc;
    if (expected == nullptr && get_call_result_type(fcinfo, NULL, &expected) != TYPEFUNC_COMPOSITE)
        elog(ERROR, "vecdb.search must return a row type");

    bool nested = search_depth > 0;
    TupleDesc result_desc = nullptr;
    Tuplestorestate* store = nullptr;
    search_depth++;
    PG_TRY();
    {
        // see DDL committed by other sessions before trusting the kept shapes
        AcceptInvalidationMessages();
        if (!nested) forget_stale_shapes();

        // the generated SQL runs with a pinned search_path, like a function's SET clause
        int nest = NewGUCNestLevel();
        set_config_option("search_path", "pg_catalog, pg_temp", PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE, true, 0,
                          false);

        if (SPI_connect() != SPI_OK_CONNECT) elog(ERROR, "SPI_connect failed");
        StringInfo key = shape_key(fcinfo);
        uint32 hash = hash_bytes((const unsigned char*)key->data, key->len);
        SearchShape* s = nested ? nullptr : find_shape(key, hash);
        if (s == nullptr) s = build_shape(fcinfo, key, hash, !nested);

        double radius = 0, range_filter = 0;
        bool has_radius = effective_bound(fcinfo, kRadius, s->params_radius_null, s->params_radius, &radius);
        bool has_range = effective_bound(fcinfo, kRangeFilter, s->params_range_filter_null, s->params_range_filter,
                                         &range_filter);
        if (has_range && has_radius &&
            ((s->ascending && range_filter >= radius) || (!s->ascending && range_filter <= radius)))
            ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                            errmsg("range_filter must be %s radius for metric %s",
                                   s->ascending ? "less than" : "greater than", s->metric)));

        Datum* values = (Datum*)palloc(sizeof(Datum) * s->nargs);
        char* nulls = (char*)palloc(s->nargs);
        memset(nulls, ' ', s->nargs);
        values[0] = query_vectors(fcinfo, s, text_data);
        values[1] = Float8GetDatum(radius);
        nulls[1] = has_radius ? ' ' : 'n';
        values[2] = Float8GetDatum(range_filter);
        nulls[2] = has_range ? ' ' : 'n';
        values[3] = PG_ARGISNULL(kPartitions) ? (Datum)0 : PG_GETARG_DATUM(kPartitions);
        nulls[3] = PG_ARGISNULL(kPartitions) ? 'n' : ' ';
        values[4] = arg_given(fcinfo, kAsOf) ? PG_GETARG_DATUM(kAsOf) : (Datum)0;
        nulls[4] = arg_given(fcinfo, kAsOf) ? ' ' : 'n';
        for (int i = kFirstFilterParam; i < s->nargs; i++) values[i] = s->filter_values[i - kFirstFilterParam];

        for (int i = 0; i < s->nsettings; i++)
            set_config_option(s->setting_names[i], s->setting_values[i], PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE,
                              true, 0, false);
        // grouping stops at the first hit worse than every kept one, which
        // is exact (ties at the cutoff included) only on a stream in
        // distance order: a relaxed-order scan reads in strict order here
        if (s->grouped) {
            const char* mode = GetConfigOption("vecdb.iterative_scan", true, false);
            if (mode != nullptr && strcmp(mode, "relaxed_order") == 0)
                set_config_option("vecdb.iterative_scan", "strict_order", PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE,
                                  true, 0, false);
        }

        MemoryContext old = MemoryContextSwitchTo(rsinfo->econtext->ecxt_per_query_memory);
        result_desc = CreateTupleDescCopy(expected);
        store = tuplestore_begin_heap(true, false, work_mem);
        MemoryContextSwitchTo(old);
        if (s->grouped) {
            vecdb_run_grouped_search(s->plan, values, nulls, DatumGetArrayTypeP(values[0]), s->group, store, result_desc);
        } else {
            ArrayType* vectors = DatumGetArrayTypeP(values[0]);
            bool single = ArrayGetNItems(ARR_NDIM(vectors), ARR_DIMS(vectors)) == 1;
            if (single) {
                // the one element, as a detoasted value of its own
                Datum* items;
                bool* item_nulls;
                int count;
                deconstruct_array(vectors, s->elem_type, s->elem_len, s->elem_byval, s->elem_align, &items, &item_nulls,
                                  &count);
                values[0] = item_nulls[0] ? (Datum)0 : PointerGetDatum(PG_DETOAST_DATUM_COPY(items[0]));
                nulls[0] = item_nulls[0] ? 'n' : ' ';
            }
            run_into_store(single ? s->plan_single : s->plan, s, single ? s->elem_type : s->types[0], values, nulls,
                           store, result_desc, rsinfo->econtext->ecxt_per_query_memory);
        }
        SPI_finish();
        AtEOXact_GUC(true, nest);
    }
    PG_FINALLY();
    {
        search_depth--;
    }
    PG_END_TRY();

    rsinfo->returnMode = SFRM_Materialize;
    rsinfo->setResult = store;
    rsinfo->setDesc = result_desc;
    return (Datum)0;
}

}  // namespace

// The shape of a call the planner hook inlines (search_inline.h): found or
// built and kept as a call would, under the pinned search_path. False while
// a search runs (its shapes must stay) and for shapes that need what only a
// call does: index settings, range bounds from params, grouping, sparse or
// binary vectors.
bool vecdb_search_inline_shape(FunctionCallInfo fcinfo, SearchInlineShape* out) {
    if (search_depth > 0) return false;
    MemoryContext caller = CurrentMemoryContext;
    bool ok = false;
    search_depth++;
    PG_TRY();
    {
        AcceptInvalidationMessages();
        forget_stale_shapes();
        int nest = NewGUCNestLevel();
        set_config_option("search_path", "pg_catalog, pg_temp", PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE, true, 0,
                          false);
        if (SPI_connect() != SPI_OK_CONNECT) elog(ERROR, "SPI_connect failed");
        StringInfo key = shape_key(fcinfo);
        uint32 hash = hash_bytes((const unsigned char*)key->data, key->len);
        SearchShape* s = find_shape(key, hash);
        if (s == nullptr) s = build_shape(fcinfo, key, hash, true);
        SPI_finish();
        AtEOXact_GUC(true, nest);
        ok = s->sql_single != nullptr && !s->grouped && s->nsettings == 0 && s->params_radius_null &&
             s->params_range_filter_null && s->dense && s->dim >= 1;
        if (ok) {
            // copies: the kept shape may go with the next catalog change
            MemoryContext old = MemoryContextSwitchTo(caller);
            out->sql = pstrdup(s->sql_single);
            out->nargs = s->nargs;
            out->types = (Oid*)palloc(sizeof(Oid) * s->nargs);
            memcpy(out->types, s->types, sizeof(Oid) * s->nargs);
            out->values = (Datum*)palloc(sizeof(Datum) * (s->nargs + 1));
            for (int i = kFirstFilterParam; i < s->nargs; i++) {
                int16 len;
                bool byval;
                get_typlenbyval(s->types[i], &len, &byval);
                out->values[i] = datumCopy(s->filter_values[i - kFirstFilterParam], byval, len);
            }
            out->first_filter_param = kFirstFilterParam;
            out->elem_type = s->elem_type;
            out->typmod = s->typmod;
            out->dim = s->dim;
            out->float_vector = s->float_vector;
            MemoryContextSwitchTo(old);
        }
    }
    PG_FINALLY();
    {
        search_depth--;
    }
    PG_END_TRY();
    return ok;
}

// The oid of vecdb.collections, whose relcache invalidation means the
// collection catalog changed (what an inlined search's plan depends on).
Oid vecdb_search_catalog_relid() {
    forget_stale_shapes();
    return collections_relid;
}

namespace {

// The parsing state of vecdb._search_vector, kept in fn_extra: the type,
// length and kind of the query vector, constant arguments of the call.
SearchShape* vector_input(FunctionCallInfo fcinfo) {
    SearchShape* s = (SearchShape*)fcinfo->flinfo->fn_extra;
    if (s != nullptr) return s;
    MemoryContext cxt = fcinfo->flinfo->fn_mcxt;
    s = (SearchShape*)MemoryContextAllocZero(cxt, sizeof(SearchShape));
    s->elem_type = get_fn_expr_argtype(fcinfo->flinfo, 6);
    s->array_type = get_array_type(s->elem_type);
    if (!OidIsValid(s->elem_type) || !OidIsValid(s->array_type) || PG_ARGISNULL(1) || PG_ARGISNULL(2) || PG_ARGISNULL(3))
        elog(ERROR, "vecdb._search_vector: bad arguments");
    s->typmod = PG_GETARG_INT32(1);
    s->dim = PG_GETARG_INT32(2);
    s->float_vector = PG_GETARG_BOOL(3);
    s->dense = true;
    get_typlenbyvalalign(s->elem_type, &s->elem_len, &s->elem_byval, &s->elem_align);
    Oid elem_input;
    getTypeInputInfo(s->elem_type, &elem_input, &s->elem_ioparam);
    fmgr_info_cxt(elem_input, &s->elem_input, cxt);
    fcinfo->flinfo->fn_extra = s;
    return s;
}

// The one query vector of an inlined search's data: the dense fast path of
// a call, else vecdb._search_vectors (every check and error of a call).
Datum search_vector(FunctionCallInfo fcinfo, bool text_data) {
    SearchShape* s = vector_input(fcinfo);
    if (!PG_ARGISNULL(0)) {
        int count = 0;
        Datum* items = text_data ? dense_text_vectors(s, TextDatumGetCString(PG_GETARG_DATUM(0)), &count)
                                 : dense_vectors(s, PG_GETARG_JSONB_P(0), &count);
        if (items != nullptr && count == 1) PG_RETURN_DATUM(items[0]);
    }
    MemoryContext caller = CurrentMemoryContext;
    int nest = NewGUCNestLevel();
    set_config_option("search_path", "pg_catalog, pg_temp", PGC_USERSET, PGC_S_SESSION, GUC_ACTION_SAVE, true, 0,
                      false);
    if (SPI_connect() != SPI_OK_CONNECT) elog(ERROR, "SPI_connect failed");
    Oid types[3] = {TEXTOID, TEXTOID, JSONBOID};
    Datum values[3];
    char nulls[3];
    for (int i = 0; i < 3; i++) {
        int arg = i == 2 ? 0 : 4 + i;
        nulls[i] = PG_ARGISNULL(arg) ? 'n' : ' ';
        values[i] = PG_ARGISNULL(arg) ? (Datum)0 : PG_GETARG_DATUM(arg);
    }
    if (!PG_ARGISNULL(0) && text_data)
        values[2] = DirectFunctionCall1(jsonb_in, CStringGetDatum(TextDatumGetCString(PG_GETARG_DATUM(0))));
    int rc = SPI_execute_with_args("SELECT vecdb._search_vectors($1, $2, $3)", 3, types, values, nulls, true, 1);
    bool isnull;
    if (rc != SPI_OK_SELECT || SPI_processed != 1) elog(ERROR, "vecdb._search_vectors returned no row");
    Datum literal = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull);
    if (isnull) elog(ERROR, "vecdb._search_vectors returned NULL");
    char* vectors_text = MemoryContextStrdup(caller, TextDatumGetCString(literal));
    SPI_finish();
    AtEOXact_GUC(true, nest);
    Oid input, ioparam;
    getTypeInputInfo(s->array_type, &input, &ioparam);
    ArrayType* vectors = DatumGetArrayTypeP(OidInputFunctionCall(input, vectors_text, ioparam, s->typmod));
    Datum* items;
    bool* item_nulls;
    int count;
    deconstruct_array(vectors, s->elem_type, s->elem_len, s->elem_byval, s->elem_align, &items, &item_nulls, &count);
    if (count != 1 || item_nulls[0]) elog(ERROR, "vecdb._search_vector: data is not one query vector");
    PG_RETURN_DATUM(PointerGetDatum(PG_DETOAST_DATUM_COPY(items[0])));
}

}  // namespace

// vecdb._search_vector(data text, typmod, dim, float_vector, collection_name,
// anns_field, template anyelement) -> anyelement: the query vector of an
// inlined one-vector search (search_inline.cpp), an InitPlan (parsed once
// per execution). typmod, dim and float_vector are constants of the
// inlined statement, read at the first call.
VECDB_FUNCTION(vecdb_search_vector_text) { return search_vector(fcinfo, true); }

// vecdb._search_vector with data as jsonb.
VECDB_FUNCTION(vecdb_search_vector_jsonb) { return search_vector(fcinfo, false); }

// vecdb._search_single(data text): whether data is one dense query vector
// (a JSON array whose first element is no array), which an inlined search
// runs through the index plan; anything else (a batch, NULL, malformed
// text) goes to vecdb.search, which also raises its errors.
VECDB_FUNCTION(vecdb_search_single_text) {
    if (PG_ARGISNULL(0)) PG_RETURN_BOOL(false);
    text* t = PG_GETARG_TEXT_PP(0);
    const char* p = VARDATA_ANY(t);
    const char* end = p + VARSIZE_ANY_EXHDR(t);
    auto space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
    while (p < end && space(*p)) p++;
    if (p == end || *p != '[') PG_RETURN_BOOL(false);
    for (p++; p < end && space(*p); p++) {
    }
    PG_RETURN_BOOL(p < end && *p != '[');
}

// vecdb._search_single(data jsonb): the same for jsonb data.
VECDB_FUNCTION(vecdb_search_single_jsonb) {
    if (PG_ARGISNULL(0)) PG_RETURN_BOOL(false);
    Jsonb* data = PG_GETARG_JSONB_P(0);
    if (!JB_ROOT_IS_ARRAY(data) || JB_ROOT_IS_SCALAR(data)) PG_RETURN_BOOL(false);
    if (JB_ROOT_COUNT(data) == 0) PG_RETURN_BOOL(true);
    JsonbValue* first = getIthJsonbValueFromContainer(&data->root, 0);
    PG_RETURN_BOOL(!(first->type == jbvBinary && JsonContainerIsArray(first->val.binary.data)));
}

// vecdb.search(collection_name, data jsonb, anns_field, top_k, filter,
// output_fields, skip, partition_names, params, radius, range_filter,
// group_by_field, group_size [, as_of]) -> (query_no, id, distance,
// entity), materialized.
VECDB_FUNCTION(vecdb_search) { return search_call(fcinfo, false); }

// vecdb.search with data as JSON text (what an untyped literal or a text
// parameter resolves to): dense vectors skip the jsonb parse.
VECDB_FUNCTION(vecdb_search_text) { return search_call(fcinfo, true); }

// Trigger on the collection catalog tables: invalidates vecdb.collections's
// relcache entry in every session (at commit; locally at the next command),
// which tells vecdb.search to rebuild its kept shapes.
VECDB_FUNCTION(vecdb_catalog_changed) {
    if (!CALLED_AS_TRIGGER(fcinfo))
        ereport(ERROR, (errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
                        errmsg("vecdb._catalog_changed must be called as a trigger")));
    Oid nsp = get_namespace_oid("vecdb", false);
    Oid relid = get_relname_relid("collections", nsp);
    if (OidIsValid(relid)) CacheInvalidateRelcacheByRelid(relid);
    return PointerGetDatum(NULL);
}
