// SQL entry point of the filter compiler: vecdb._compile_filter() turns a
// Milvus filter expression and the collection's field list into SQL text
// with $n placeholders plus the parameter types and values.
#include "pg/pg.h"
#include "pg/guard.h"

#include <memory>

#include "core/filter/filter.h"

namespace {

namespace filter = vecdb::core::filter;

// What one compile call produced; plain pointers cross back into glue.
struct CompileOutcome {
    filter::Compiled compiled;
    bool failed = false;
    filter::FailureKind kind = filter::FailureKind::syntax;
    size_t position = 0;
    std::string message;
};

// A field kind spelled as the catalog stores it ("int", "json", ...).
filter::FieldKind kind_from_name(const char* name, bool* ok) {
    *ok = true;
    if (strcmp(name, "bool") == 0) return filter::FieldKind::boolean;
    if (strcmp(name, "int") == 0) return filter::FieldKind::integer;
    if (strcmp(name, "float") == 0) return filter::FieldKind::floating;
    if (strcmp(name, "string") == 0) return filter::FieldKind::string;
    if (strcmp(name, "json") == 0) return filter::FieldKind::json;
    if (strcmp(name, "array") == 0) return filter::FieldKind::array;
    if (strcmp(name, "vector") == 0) return filter::FieldKind::vector;
    *ok = false;
    return filter::FieldKind::json;
}

// The elements of a one-dimensional text[] as C strings (NULLs refused).
char** text_array_elements(ArrayType* array, int* count, const char* what) {
    Datum* datums;
    bool* nulls;
    deconstruct_array(array, TEXTOID, -1, false, TYPALIGN_INT, &datums, &nulls, count);
    char** out = (char**)palloc(sizeof(char*) * (*count + 1));
    for (int i = 0; i < *count; i++) {
        if (nulls[i])
            ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED), errmsg("%s must not contain NULL", what)));
        out[i] = TextDatumGetCString(datums[i]);
    }
    return out;
}

// SQLSTATE for each way an expression can be refused.
int sqlstate_for(filter::FailureKind kind) {
    switch (kind) {
        case filter::FailureKind::syntax: return ERRCODE_SYNTAX_ERROR;
        case filter::FailureKind::undefined_field: return ERRCODE_UNDEFINED_COLUMN;
        case filter::FailureKind::type_mismatch: return ERRCODE_DATATYPE_MISMATCH;
        case filter::FailureKind::limit: return ERRCODE_PROGRAM_LIMIT_EXCEEDED;
    }
    return ERRCODE_SYNTAX_ERROR;
}

// A text[] datum built from C strings.
Datum text_array_datum(char** items, int count) {
    Datum* datums = (Datum*)palloc(sizeof(Datum) * (count > 0 ? count : 1));
    for (int i = 0; i < count; i++) datums[i] = CStringGetTextDatum(items[i]);
    return PointerGetDatum(construct_array(datums, count, TEXTOID, -1, false, TYPALIGN_INT));
}

}  // namespace

// vecdb._compile_filter(expr, names, kinds, elements, dynamic_column, first_param)
//   -> (sql text, param_types text[], param_values text[])
VECDB_FUNCTION(vecdb_compile_filter) {
    char* expr = text_to_cstring(PG_GETARG_TEXT_PP(0));
    int nnames, nkinds, nelements;
    char** names = text_array_elements(PG_GETARG_ARRAYTYPE_P(1), &nnames, "field names");
    char** kinds = text_array_elements(PG_GETARG_ARRAYTYPE_P(2), &nkinds, "field kinds");
    char** elements = text_array_elements(PG_GETARG_ARRAYTYPE_P(3), &nelements, "element kinds");
    char* dynamic_column = PG_ARGISNULL(4) ? pstrdup("") : text_to_cstring(PG_GETARG_TEXT_PP(4));
    int first_param = PG_GETARG_INT32(5);
    if (nnames != nkinds || nnames != nelements)
        ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                        errmsg("field names, kinds and element kinds must have the same length")));
    filter::FieldKind* field_kinds = (filter::FieldKind*)palloc(sizeof(filter::FieldKind) * (nnames + 1));
    filter::FieldKind* element_kinds = (filter::FieldKind*)palloc(sizeof(filter::FieldKind) * (nnames + 1));
    for (int i = 0; i < nnames; i++) {
        bool ok1, ok2;
        field_kinds[i] = kind_from_name(kinds[i], &ok1);
        element_kinds[i] = kind_from_name(elements[i], &ok2);
        if (!ok1 || !ok2)
            ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                            errmsg("unknown field kind \"%s\" for field \"%s\"", ok1 ? elements[i] : kinds[i], names[i])));
    }
    if (first_param < 1 || first_param > 60000)
        ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("first_param must be between 1 and 60000")));

    CompileOutcome* outcome = vecdb::pg::guarded("filter compiler", [&]() -> CompileOutcome* {
        std::vector<filter::Field> fields;
        for (int i = 0; i < nnames; i++) fields.push_back(filter::Field{names[i], field_kinds[i], element_kinds[i]});
        auto result = std::make_unique<CompileOutcome>();
        try {
            result->compiled = filter::compile(expr, fields, dynamic_column, first_param);
        } catch (const filter::FilterError& e) {
            result->failed = true;
            result->kind = e.kind;
            result->position = e.position;
            result->message = e.message;
        }
        return result.release();
    });

    // Copy everything into palloc'd memory, free the C++ result, then report.
    bool failed = outcome->failed;
    int sqlstate = sqlstate_for(outcome->kind);
    size_t position = outcome->position;
    char* message = nullptr;
    char* sql = nullptr;
    int nparams = 0;
    char** types = nullptr;
    char** values = nullptr;
    PG_TRY();
    {
        if (failed) {
            message = pstrdup(outcome->message.c_str());
        } else {
            sql = pstrdup(outcome->compiled.sql.c_str());
            nparams = (int)outcome->compiled.params.size();
            types = (char**)palloc(sizeof(char*) * (nparams + 1));
            values = (char**)palloc(sizeof(char*) * (nparams + 1));
            for (int i = 0; i < nparams; i++) {
                types[i] = pstrdup(filter::param_type_name(outcome->compiled.params[i].type));
                values[i] = pstrdup(outcome->compiled.params[i].value.c_str());
            }
        }
    }
    PG_FINALLY();
    {
        vecdb::pg::guarded("filter compiler", [&] { delete outcome; });
    }
    PG_END_TRY();
    if (failed)
        ereport(ERROR, (errcode(sqlstate), errmsg("invalid filter expression at position %zu: %s", position, message)));

    TupleDesc tupdesc;
    if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
        ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED), errmsg("_compile_filter must return a record")));
    tupdesc = BlessTupleDesc(tupdesc);
    Datum result[3];
    bool nulls[3] = {false, false, false};
    result[0] = CStringGetTextDatum(sql);
    result[1] = text_array_datum(types, nparams);
    result[2] = text_array_datum(values, nparams);
    PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(tupdesc, result, nulls)));
}
