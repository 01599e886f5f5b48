// Type-checks a parsed filter against the collection's fields and writes the
// SQL: identifiers double-quoted from the field list, every literal a $n
// parameter, json values coerced to the type they are compared with.
#include <cstdio>
#include <unordered_map>

#include "core/filter/ast.h"
#include "core/filter/filter.h"

namespace vecdb::core::filter {

namespace {

// The type of a compiled sub-expression.
enum class Ty { boolean, integer, floating, string, json, array, vector };

struct Expr {
    std::string sql;
    Ty ty;
    FieldKind element = FieldKind::integer;  // for arrays
};

const char* ty_name(Ty t) {
    switch (t) {
        case Ty::boolean: return "a boolean";
        case Ty::integer: return "an integer";
        case Ty::floating: return "a float";
        case Ty::string: return "a string";
        case Ty::json: return "a json value";
        case Ty::array: return "an array";
        case Ty::vector: return "a vector";
    }
    return "a value";
}

// The bare name of a type ("integer").
const char* ty_word(Ty t) {
    const char* n = ty_name(t);
    return n[1] == 'n' && n[2] == ' ' ? n + 3 : n + 2;
}

Ty ty_of(FieldKind k) {
    switch (k) {
        case FieldKind::boolean: return Ty::boolean;
        case FieldKind::integer: return Ty::integer;
        case FieldKind::floating: return Ty::floating;
        case FieldKind::string: return Ty::string;
        case FieldKind::json: return Ty::json;
        case FieldKind::array: return Ty::array;
        case FieldKind::vector: return Ty::vector;
    }
    return Ty::json;
}

bool numeric(Ty t) { return t == Ty::integer || t == Ty::floating; }

// Doubles an array-literal element in quotes, escaping " and \.
std::string array_element(const std::string& s) {
    std::string out = "\"";
    for (char c : s) {
        if (c == '"' || c == '\\') out += '\\';
        out += c;
    }
    return out + "\"";
}

// A JSON string literal.
std::string json_string(const std::string& s) {
    std::string out = "\"";
    for (char c : s) {
        unsigned char u = static_cast<unsigned char>(c);
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (u < 0x20) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\u%04x", u);
            out += buf;
        } else {
            out += c;
        }
    }
    return out + "\"";
}

std::string float_text(double v) {
    char buf[40];
    std::snprintf(buf, sizeof buf, "%.17g", v);
    return buf;
}

class Emitter {
public:
    Emitter(const std::vector<Field>& fields, const std::string& dynamic_column, int first_param)
        : dynamic_column_(dynamic_column), next_param_(first_param) {
        for (const Field& f : fields) fields_.emplace(f.name, &f);
    }

    std::vector<Param> params;

    // SQL for a node that must be a condition.
    std::string condition(const Node& n) {
        switch (n.kind) {
            case NodeKind::or_:
            case NodeKind::and_: {
                std::string sql = "(";
                for (size_t i = 0; i < n.kids.size(); i++) {
                    if (i > 0) sql += n.kind == NodeKind::or_ ? " OR " : " AND ";
                    sql += condition(*n.kids[i]);
                }
                return sql + ")";
            }
            case NodeKind::not_: return "(NOT " + condition(*n.kids[0]) + ")";
            case NodeKind::compare: return compare(n);
            case NodeKind::in_list: return in_list(n);
            case NodeKind::like: return like(n);
            case NodeKind::is_null: return is_null(n);
            default: break;
        }
        Expr e = value(n);
        if (e.ty == Ty::json) return coerce(e, Ty::boolean).sql;
        if (e.ty != Ty::boolean)
            type_error(n, "expected a condition, found " + std::string(ty_name(e.ty)));
        return e.sql;
    }

private:
    std::unordered_map<std::string, const Field*> fields_;
    std::string dynamic_column_;
    int next_param_;

    [[noreturn]] void type_error(const Node& n, const std::string& message) {
        throw FilterError(FailureKind::type_mismatch, n.position, message);
    }

    std::string param(ParamType type, std::string value) {
        params.push_back(Param{type, std::move(value)});
        return "$" + std::to_string(next_param_++);
    }

    // Reads a json value as the SQL type t; other json kinds become NULL.
    Expr coerce(const Expr& e, Ty t) {
        const std::string& s = e.sql;
        switch (t) {
            case Ty::integer:
            case Ty::floating:
                return {"(CASE WHEN jsonb_typeof(" + s + ") = 'number' THEN (" + s + ")::float8 END)", Ty::floating};
            case Ty::string:
                return {"(CASE WHEN jsonb_typeof(" + s + ") = 'string' THEN (" + s + ") #>> '{}' END)", Ty::string};
            case Ty::boolean:
                return {"(CASE WHEN jsonb_typeof(" + s + ") = 'boolean' THEN (" + s + ")::boolean END)", Ty::boolean};
            default: return e;
        }
    }

    // Both sides of a comparison in a type they share; json adapts to the other side.
    void unify(const Node& n, Expr& l, Expr& r) {
        if (l.ty == Ty::json && r.ty != Ty::json) l = coerce(l, r.ty);
        else if (r.ty == Ty::json && l.ty != Ty::json) r = coerce(r, l.ty);
        if (l.ty == Ty::array || r.ty == Ty::array)
            type_error(n, "arrays cannot be compared; use array_contains or a subscript");
        if (l.ty == Ty::vector || r.ty == Ty::vector)
            type_error(n, "vector fields cannot be used in a filter");
        bool ok = (numeric(l.ty) && numeric(r.ty)) || l.ty == r.ty;
        if (!ok)
            type_error(n, std::string("cannot compare ") + ty_name(l.ty) + " with " + ty_name(r.ty));
    }

    std::string compare(const Node& n) {
        Expr l = value(*n.kids[0]);
        Expr r = value(*n.kids[1]);
        unify(n, l, r);
        bool equality = n.op == Tok::eq || n.op == Tok::ne;
        if ((l.ty == Ty::boolean || l.ty == Ty::json) && !equality)
            type_error(n, std::string(ty_name(l.ty)) + " can only be compared with == or !=");
        const char* op = "=";
        switch (n.op) {
            case Tok::eq: op = "="; break;
            case Tok::ne: op = "<>"; break;
            case Tok::lt: op = "<"; break;
            case Tok::le: op = "<="; break;
            case Tok::gt: op = ">"; break;
            case Tok::ge: op = ">="; break;
            default: type_error(n, "unknown comparison");
        }
        return "(" + l.sql + " " + op + " " + r.sql + ")";
    }

    // The element type a list of literals has in common, or throws.
    Ty list_type(const Node& list, Ty wanted) {
        if (list.kids.empty()) return wanted == Ty::json ? Ty::string : wanted;
        Ty t = Ty::integer;
        bool first = true;
        for (const NodePtr& k : list.kids) {
            Ty kt = k->kind == NodeKind::int_lit ? Ty::integer
                  : k->kind == NodeKind::float_lit ? Ty::floating
                  : k->kind == NodeKind::string_lit ? Ty::string : Ty::boolean;
            if (first) t = kt;
            else if (numeric(t) && numeric(kt)) t = (t == Ty::floating || kt == Ty::floating) ? Ty::floating : Ty::integer;
            else if (t != kt) type_error(*k, "a list must hold values of one type");
            first = false;
        }
        if (wanted == Ty::floating && t == Ty::integer) t = Ty::floating;
        return t;
    }

    // The text of one literal for an array parameter of element type t.
    static std::string literal_text(const Node& k, Ty t) {
        switch (k.kind) {
            case NodeKind::int_lit: return t == Ty::floating ? float_text(static_cast<double>(k.integer)) : std::to_string(k.integer);
            case NodeKind::float_lit: return float_text(k.floating);
            case NodeKind::string_lit: return k.text;
            default: return k.boolean ? "true" : "false";
        }
    }

    // One SQL array parameter holding the list.
    std::string list_param(const Node& list, Ty t) {
        std::string text = "{";
        for (size_t i = 0; i < list.kids.size(); i++) {
            if (i > 0) text += ",";
            text += array_element(literal_text(*list.kids[i], t));
        }
        text += "}";
        ParamType pt = t == Ty::integer ? ParamType::int8_array
                     : t == Ty::floating ? ParamType::float8_array
                     : t == Ty::string ? ParamType::text_array : ParamType::bool_array;
        return param(pt, text);
    }

    // The list as one jsonb array parameter.
    std::string json_list_param(const Node& list) {
        std::string text = "[";
        for (size_t i = 0; i < list.kids.size(); i++) {
            if (i > 0) text += ",";
            text += json_literal(*list.kids[i]);
        }
        return param(ParamType::jsonb, text + "]");
    }

    static std::string json_literal(const Node& k) {
        switch (k.kind) {
            case NodeKind::int_lit: return std::to_string(k.integer);
            case NodeKind::float_lit: return float_text(k.floating);
            case NodeKind::string_lit: return json_string(k.text);
            default: return k.boolean ? "true" : "false";
        }
    }

    std::string in_list(const Node& n) {
        Expr l = value(*n.kids[0]);
        const Node& list = *n.kids[1];
        Ty t = list_type(list, l.ty);
        if (l.ty == Ty::json) l = coerce(l, t);
        if (l.ty == Ty::array || l.ty == Ty::vector)
            type_error(n, std::string("in needs a scalar on its left, found ") + ty_name(l.ty));
        if (!((numeric(l.ty) && numeric(t)) || l.ty == t))
            type_error(n, std::string("cannot look for ") + ty_name(l.ty) + " in a list of " + ty_word(t) + "s");
        if (l.ty == Ty::floating && t == Ty::integer) t = Ty::floating;
        std::string p = list_param(list, t);
        return n.negated ? "(" + l.sql + " <> ALL(" + p + "))" : "(" + l.sql + " = ANY(" + p + "))";
    }

    std::string like(const Node& n) {
        Expr l = value(*n.kids[0]);
        if (l.ty == Ty::json) l = coerce(l, Ty::string);
        if (l.ty != Ty::string) type_error(n, std::string("like needs a string on its left, found ") + ty_name(l.ty));
        std::string p = param(ParamType::text, n.kids[1]->text);
        return "(" + l.sql + (n.negated ? " NOT LIKE " : " LIKE ") + p + ")";
    }

    std::string is_null(const Node& n) {
        const Node& target = *n.kids[0];
        if (target.kind != NodeKind::identifier)
            type_error(n, "is null applies to a field or a json path");
        Expr e = value(target);
        if (e.ty == Ty::json && !(target.path.empty() && fields_.count(target.text)))
            return n.negated ? "(" + e.sql + " IS NOT NULL AND jsonb_typeof(" + e.sql + ") <> 'null')"
                             : "(" + e.sql + " IS NULL OR jsonb_typeof(" + e.sql + ") = 'null')";
        return "(" + e.sql + (n.negated ? " IS NOT NULL)" : " IS NULL)");
    }

    // The value of a field, dynamic key or literal.
    Expr value(const Node& n) {
        switch (n.kind) {
            case NodeKind::int_lit: return {param(ParamType::int8, std::to_string(n.integer)), Ty::integer};
            case NodeKind::float_lit: return {param(ParamType::float8, float_text(n.floating)), Ty::floating};
            case NodeKind::string_lit: return {param(ParamType::text, n.text), Ty::string};
            case NodeKind::bool_lit: return {param(ParamType::boolean, n.boolean ? "true" : "false"), Ty::boolean};
            case NodeKind::identifier: return identifier(n);
            case NodeKind::call: return call(n);
            case NodeKind::arith: return arith(n);
            case NodeKind::negate: {
                Expr e = value(*n.kids[0]);
                if (e.ty == Ty::json) e = coerce(e, Ty::floating);
                if (!numeric(e.ty)) type_error(n, std::string("cannot negate ") + ty_name(e.ty));
                return {"(- " + e.sql + ")", e.ty};
            }
            case NodeKind::list:
                type_error(n, "a list is allowed only after in or as an array function argument");
            default:
                return {condition(n), Ty::boolean};
        }
    }

    Expr arith(const Node& n) {
        Expr l = value(*n.kids[0]);
        Expr r = value(*n.kids[1]);
        if (l.ty == Ty::json) l = coerce(l, Ty::floating);
        if (r.ty == Ty::json) r = coerce(r, Ty::floating);
        if (!numeric(l.ty) || !numeric(r.ty))
            type_error(n, std::string("arithmetic needs numbers, found ") + ty_name(l.ty) + " and " + ty_name(r.ty));
        const char* op = n.op == Tok::plus ? "+" : n.op == Tok::minus ? "-" : n.op == Tok::star ? "*"
                       : n.op == Tok::slash ? "/" : "%";
        if (n.op == Tok::percent && (l.ty != Ty::integer || r.ty != Ty::integer))
            type_error(n, "% needs integers");
        Ty t = (l.ty == Ty::floating || r.ty == Ty::floating) ? Ty::floating : Ty::integer;
        return {"(" + l.sql + " " + op + " " + r.sql + ")", t};
    }

    // A json path parameter: {"key","0",...}.
    std::string path_param(const std::vector<std::string>& steps) {
        std::string text = "{";
        for (size_t i = 0; i < steps.size(); i++) {
            if (i > 0) text += ",";
            text += array_element(steps[i]);
        }
        return param(ParamType::text_array, text + "}");
    }

    static std::string step_text(const PathStep& s) {
        return s.is_index ? std::to_string(s.index) : s.key;
    }

    Expr identifier(const Node& n) {
        auto it = fields_.find(n.text);
        if (n.text.find('$') != std::string::npos && n.text != "$meta")
            throw FilterError(FailureKind::undefined_field, n.position, "field \"" + n.text + "\" does not exist");
        if (it == fields_.end()) {
            if (dynamic_column_.empty() && n.text == "$meta")
                throw FilterError(FailureKind::undefined_field, n.position,
                                  "the collection has no dynamic field ($meta)");
            if (dynamic_column_.empty())
                throw FilterError(FailureKind::undefined_field, n.position,
                                  "field \"" + n.text + "\" does not exist");
            std::vector<std::string> steps;
            if (n.text != "$meta") steps.push_back(n.text);
            for (const PathStep& s : n.path) steps.push_back(step_text(s));
            if (steps.empty()) type_error(n, "$meta needs a key, as in $meta[\"key\"]");
            return {"(" + quote_identifier(dynamic_column_) + " #> " + path_param(steps) + ")", Ty::json};
        }
        const Field& f = *it->second;
        std::string col = quote_identifier(f.name);
        if (n.path.empty()) {
            if (f.kind == FieldKind::vector)
                type_error(n, "vector field \"" + f.name + "\" cannot be used in a filter");
            return {col, ty_of(f.kind), f.element};
        }
        if (f.kind == FieldKind::json) {
            std::vector<std::string> steps;
            for (const PathStep& s : n.path) steps.push_back(step_text(s));
            return {"(" + col + " #> " + path_param(steps) + ")", Ty::json};
        }
        if (f.kind == FieldKind::array) {
            const PathStep& s = n.path[0];
            if (!s.is_index || n.path.size() != 1)
                throw FilterError(FailureKind::type_mismatch, s.position,
                                  "array field \"" + f.name + "\" takes one integer subscript");
            std::string idx = param(ParamType::int4, std::to_string(s.index + 1));  // SQL arrays are 1-based
            return {"(" + col + ")[" + idx + "]", ty_of(f.element)};
        }
        throw FilterError(FailureKind::type_mismatch, n.path[0].position,
                          "field \"" + f.name + "\" is not json or an array and takes no subscript");
    }

    // The canonical SQL array type an array field is compared as.
    static const char* array_cast(FieldKind element) {
        switch (element) {
            case FieldKind::boolean: return "boolean[]";
            case FieldKind::integer: return "int8[]";
            case FieldKind::floating: return "float8[]";
            default: return "text[]";
        }
    }

    // A literal argument converted for an array of the given element kind.
    std::string element_param(const Node& arg, FieldKind element) {
        Ty want = ty_of(element);
        Ty have = arg.kind == NodeKind::int_lit ? Ty::integer : arg.kind == NodeKind::float_lit ? Ty::floating
                : arg.kind == NodeKind::string_lit ? Ty::string : Ty::boolean;
        if (!(have == want || (want == Ty::floating && have == Ty::integer)))
            type_error(arg, std::string("the array holds ") + ty_word(want) + " elements, not " + ty_name(have));
        ParamType pt = want == Ty::integer ? ParamType::int8 : want == Ty::floating ? ParamType::float8
                     : want == Ty::string ? ParamType::text : ParamType::boolean;
        return param(pt, literal_text(arg, want));
    }

    static bool is_literal(const Node& n) {
        return n.kind == NodeKind::int_lit || n.kind == NodeKind::float_lit ||
               n.kind == NodeKind::string_lit || n.kind == NodeKind::bool_lit;
    }

    Expr call(const Node& n) {
        std::string name;
        for (char c : n.text) name += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
        bool contains = name == "array_contains" || name == "json_contains";
        bool all = name == "array_contains_all" || name == "json_contains_all";
        bool any = name == "array_contains_any" || name == "json_contains_any";
        bool length = name == "array_length";
        if (!contains && !all && !any && !length)
            throw FilterError(FailureKind::undefined_field, n.position, "unknown function \"" + n.text + "\"");
        size_t arity = length ? 1 : 2;
        if (n.kids.size() != arity)
            type_error(n, n.text + " takes " + std::to_string(arity) + " argument" + (arity == 1 ? "" : "s"));
        Expr target = value(*n.kids[0]);
        if (target.ty != Ty::array && target.ty != Ty::json)
            type_error(*n.kids[0], n.text + " needs an array field or a json value, found " + ty_name(target.ty));
        if (length) {
            if (target.ty == Ty::array) return {"cardinality(" + target.sql + ")", Ty::integer};
            return {"(CASE WHEN jsonb_typeof(" + target.sql + ") = 'array' THEN jsonb_array_length(" + target.sql + ") END)", Ty::integer};
        }
        const Node& arg = *n.kids[1];
        if (contains && !is_literal(arg)) type_error(arg, n.text + " needs a literal as its second argument");
        if ((all || any) && arg.kind != NodeKind::list) type_error(arg, n.text + " needs a list as its second argument");
        if (target.ty == Ty::json) {
            std::string is_array = "jsonb_typeof(" + target.sql + ") = 'array'";
            if (contains) {
                std::string p = param(ParamType::jsonb, "[" + json_literal(arg) + "]");
                return {"(" + is_array + " AND " + target.sql + " @> " + p + ")", Ty::boolean};
            }
            list_type(arg, Ty::json);
            std::string p = json_list_param(arg);
            if (all) return {"(" + is_array + " AND " + target.sql + " @> " + p + ")", Ty::boolean};
            return {"(" + is_array + " AND EXISTS (SELECT 1 FROM jsonb_array_elements(" + p + ") AS x(v) WHERE " +
                        target.sql + " @> jsonb_build_array(x.v)))", Ty::boolean};
        }
        std::string column = "(" + target.sql + ")::" + array_cast(target.element);
        if (contains) return {"(" + element_param(arg, target.element) + " = ANY(" + column + "))", Ty::boolean};
        Ty want = ty_of(target.element);
        Ty t = list_type(arg, want);
        if (!(t == want || (want == Ty::floating && t == Ty::integer)))
            type_error(arg, std::string("the array holds ") + ty_word(want) + " elements, not " + ty_word(t) + "s");
        std::string p = list_param(arg, want);
        return {"(" + column + (all ? " @> " : " && ") + p + ")", Ty::boolean};
    }
};

}  // namespace

std::string quote_identifier(const std::string& name) {
    std::string out = "\"";
    for (char c : name) {
        if (c == '"') out += '"';
        out += c;
    }
    return out + "\"";
}

const char* param_type_name(ParamType type) {
    switch (type) {
        case ParamType::boolean: return "boolean";
        case ParamType::int4: return "int4";
        case ParamType::int8: return "int8";
        case ParamType::float8: return "float8";
        case ParamType::text: return "text";
        case ParamType::jsonb: return "jsonb";
        case ParamType::bool_array: return "boolean[]";
        case ParamType::int8_array: return "int8[]";
        case ParamType::float8_array: return "float8[]";
        case ParamType::text_array: return "text[]";
    }
    return "text";
}

Compiled compile(const std::string& expr, const std::vector<Field>& fields,
                 const std::string& dynamic_column, int first_param) {
    std::vector<Token> tokens = tokenize(expr);
    NodePtr root = parse(tokens);
    Emitter emitter(fields, dynamic_column, first_param);
    Compiled out;
    out.sql = emitter.condition(*root);
    out.params = std::move(emitter.params);
    return out;
}

}  // namespace vecdb::core::filter
