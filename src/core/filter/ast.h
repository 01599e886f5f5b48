// The checked tree a filter expression parses into.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/filter/lexer.h"

namespace vecdb::core::filter {

enum class NodeKind {
    or_, and_, not_,      // boolean connectives (or/and are n-ary)
    compare,              // op: Tok::eq .. Tok::ge
    in_list,              // kids[0] in kids[1] (a list); negated for "not in"
    like,                 // kids[0] like kids[1] (a string literal)
    is_null,              // negated for "is not null"
    arith,                // op: plus minus star slash percent
    negate,               // unary minus
    int_lit, float_lit, string_lit, bool_lit,
    list,                 // [literal, ...]
    identifier,           // a field or dynamic key; path holds ["key"]/[0] steps
    call                  // text: function name
};

// One step of a json path or array subscript: a key or an index.
struct PathStep {
    bool is_index;
    std::string key;
    int64_t index;
    size_t position;
};

struct Node {
    NodeKind kind;
    size_t position;
    Tok op = Tok::end;
    bool negated = false;
    std::string text;    // identifier / function name / string literal
    int64_t integer = 0;
    double floating = 0;
    bool boolean = false;
    std::vector<PathStep> path;
    std::vector<std::unique_ptr<Node>> kids;
    int height = 1;
};

using NodePtr = std::unique_ptr<Node>;

// Parses tokens into a tree; throws FilterError on a syntax error or when
// nesting exceeds kMaxDepth.
NodePtr parse(const std::vector<Token>& tokens);

}  // namespace vecdb::core::filter
