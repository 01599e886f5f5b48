// Unit tests of the filter-expression compiler (src/core/filter): the SQL it
// writes, the parameters it binds, and the errors it reports.
#include <gtest/gtest.h>

#include "core/filter/filter.h"

using namespace vecdb::core::filter;

namespace {

const std::vector<Field> kFields = {{"price", FieldKind::floating}, {"qty", FieldKind::integer},
                                    {"name", FieldKind::string},    {"meta", FieldKind::json},
                                    {"tags", FieldKind::array, FieldKind::string}};

// The failure an expression is refused with.
FilterError refusal(const std::string& expr, const std::string& dynamic = "") {
    try {
        compile(expr, kFields, dynamic, 1);
    } catch (const FilterError& e) {
        return e;
    }
    return FilterError(FailureKind::syntax, 0, "compiled");
}

}  // namespace

TEST(Filter, LiteralsBecomeParameters) {
    Compiled c = compile("price > 10 and name == \"a'b\"", kFields, "", 4);
    EXPECT_EQ(c.sql, "((\"price\" > $4) AND (\"name\" = $5))");
    ASSERT_EQ(c.params.size(), 2u);
    EXPECT_EQ(c.params[0].type, ParamType::int8);
    EXPECT_EQ(c.params[0].value, "10");
    EXPECT_EQ(c.params[1].type, ParamType::text);
    EXPECT_EQ(c.params[1].value, "a'b");
}

TEST(Filter, ListIsOneArrayParameter) {
    Compiled c = compile("qty not in [1, 2.5]", kFields, "", 1);
    EXPECT_EQ(c.sql, "(\"qty\" <> ALL($1))");
    EXPECT_EQ(c.params[0].type, ParamType::float8_array);
    Compiled s = compile("name in [\"x\\\"y\", \"z\"]", kFields, "", 1);
    EXPECT_EQ(s.params[0].value, "{\"x\\\"y\",\"z\"}");
}

TEST(Filter, JsonPathsAndDynamicKeys) {
    Compiled c = compile("meta[\"a\"][0] == \"v\"", kFields, "", 1);
    EXPECT_EQ(c.params[0].type, ParamType::text_array);
    EXPECT_EQ(c.params[0].value, "{\"a\",\"0\"}");
    Compiled d = compile("color == 1", kFields, "$meta", 1);
    EXPECT_NE(d.sql.find("\"$meta\" #> $1"), std::string::npos);
}

TEST(Filter, ArraySubscriptIsOneBased) {
    Compiled c = compile("tags[0] == \"a\"", kFields, "", 1);
    EXPECT_EQ(c.sql, "((\"tags\")[$1] = $2)");
    EXPECT_EQ(c.params[0].type, ParamType::int4);
    EXPECT_EQ(c.params[0].value, "1");
}

TEST(Filter, ChainedComparisonAndNegativeLiterals) {
    Compiled c = compile("-5 < qty <= 9223372036854775807", kFields, "", 1);
    EXPECT_EQ(c.sql, "(($1 < \"qty\") AND (\"qty\" <= $2))");
    EXPECT_EQ(c.params[0].value, "-5");
    Compiled m = compile("qty > -9223372036854775808", kFields, "", 1);
    EXPECT_EQ(m.params[0].value, "-9223372036854775808");
}

TEST(Filter, ErrorsNamePositionAndKind) {
    FilterError e = refusal("price >");
    EXPECT_EQ(e.kind, FailureKind::syntax);
    EXPECT_EQ(e.position, 8u);
    EXPECT_EQ(refusal("nope == 1").kind, FailureKind::undefined_field);
    EXPECT_EQ(refusal("qty == 1 and colour == 2").position, 14u);
    EXPECT_EQ(refusal("name > 1").kind, FailureKind::type_mismatch);
    EXPECT_EQ(refusal("qty > 9223372036854775808").kind, FailureKind::limit);
    EXPECT_EQ(refusal(std::string(70000, 'a')).kind, FailureKind::limit);
    EXPECT_EQ(refusal(std::string(200, '(') + "qty > 1" + std::string(200, ')')).kind, FailureKind::limit);
    EXPECT_EQ(refusal("name == \"\\u0000\"").kind, FailureKind::syntax);
    EXPECT_EQ(refusal("qty == 1; drop").kind, FailureKind::syntax);
}

TEST(Filter, LongFlatChainsCompile) {
    std::string expr = "qty == 0";
    for (int i = 1; i < 3000; i++) expr += " or qty == " + std::to_string(i);
    Compiled c = compile(expr, kFields, "", 1);
    EXPECT_EQ(c.params.size(), 3000u);
}

TEST(Filter, QuoteIdentifierDoublesQuotes) {
    EXPECT_EQ(quote_identifier("a\"b"), "\"a\"\"b\"");
}
