// Milvus filter expressions ("price > 10 and tag in ["a", "b"]") compiled to
// a SQL boolean expression whose every literal is a bound parameter.
// Plain C++ (no Postgres). Identifiers in the SQL come only from the field
// list the caller passes (the collection catalog), always double-quoted.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace vecdb::core::filter {

// What a schema field holds, as far as expressions care.
enum class FieldKind { boolean, integer, floating, string, json, array, vector };

// One field of the collection. element is the array's element kind.
struct Field {
    std::string name;
    FieldKind kind;
    FieldKind element = FieldKind::integer;
};

// SQL type of a bound parameter; value holds its text input form.
enum class ParamType { boolean, int4, int8, float8, text, jsonb, bool_array, int8_array,
                       float8_array, text_array };

struct Param {
    ParamType type;
    std::string value;
};

// The compiled filter: sql references parameters $first.. in params order.
struct Compiled {
    std::string sql;
    std::vector<Param> params;
};

// Why compile() refused an expression.
enum class FailureKind { syntax, undefined_field, type_mismatch, limit };

// A refused expression: position is the 1-based byte offset it points at.
class FilterError {
public:
    FilterError(FailureKind kind, size_t position, std::string message)
        : kind(kind), position(position), message(std::move(message)) {}
    FailureKind kind;
    size_t position;
    std::string message;
};

// Limits on untrusted input.
constexpr size_t kMaxExpressionBytes = 65536;
constexpr int kMaxDepth = 64;

// Compiles expr against fields. dynamic_column, when non-empty, names the
// jsonb column that unknown identifiers (dynamic-field keys) read from.
// Throws FilterError for bad input (std::bad_alloc on memory exhaustion).
Compiled compile(const std::string& expr, const std::vector<Field>& fields,
                 const std::string& dynamic_column, int first_param);

// The SQL type name of a parameter type ("int8", "text[]", ...).
const char* param_type_name(ParamType type);

// Double-quotes an identifier for SQL, doubling embedded quotes.
std::string quote_identifier(const std::string& name);

}  // namespace vecdb::core::filter
