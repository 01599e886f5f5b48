// libFuzzer target for the filter-expression compiler: any input must
// either compile or throw FilterError, and a compiled expression must only
// reference parameters it bound, with balanced quotes and parentheses.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "core/filter/filter.h"

using namespace vecdb::core::filter;

// A fixed schema with every field kind, and a dynamic field.
static const std::vector<Field>& fields() {
    static const std::vector<Field> f = {
        {"id", FieldKind::integer}, {"price", FieldKind::floating}, {"name", FieldKind::string},
        {"flag", FieldKind::boolean}, {"meta", FieldKind::json}, {"tags", FieldKind::array, FieldKind::string},
        {"nums", FieldKind::array, FieldKind::integer}, {"vec", FieldKind::vector}};
    return f;
}

// Checks what the SQL text promises: quotes close, parentheses balance, no
// statement separator or comment outside a quoted identifier, and every $n
// is one of the bound parameters.
static void check_sql(const Compiled& c, int first) {
    const std::string& s = c.sql;
    int depth = 0;
    bool in_ident = false, in_literal = false;
    for (size_t i = 0; i < s.size(); i++) {
        char ch = s[i];
        if (in_ident) {
            if (ch == '"') in_ident = false;
            continue;
        }
        if (in_literal) {
            if (ch == '\'') in_literal = false;
            continue;
        }
        if (ch == '"') in_ident = true;
        else if (ch == '\'') in_literal = true;  // only the fixed 'number' / '{}' / 'null' words
        else if (ch == '(') depth++;
        else if (ch == ')' && --depth < 0) std::abort();
        else if (ch == ';') std::abort();
        else if (ch == '-' && i + 1 < s.size() && s[i + 1] == '-') std::abort();
        else if (ch == '/' && i + 1 < s.size() && s[i + 1] == '*') std::abort();
        else if (ch == '$') {
            size_t j = i + 1;
            long n = 0;
            while (j < s.size() && s[j] >= '0' && s[j] <= '9') n = n * 10 + (s[j++] - '0');
            if (j == i + 1 || n < first || n >= first + static_cast<long>(c.params.size())) std::abort();
        }
    }
    if (depth != 0 || in_ident || in_literal) std::abort();
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string expr(reinterpret_cast<const char*>(data), size);
    const int first = 3;
    try {
        Compiled c = compile(expr, fields(), "$meta", first);
        check_sql(c, first);
    } catch (const FilterError& e) {
        if (e.position < 1 || e.position > expr.size() + 1) std::abort();
    }
    return 0;
}
