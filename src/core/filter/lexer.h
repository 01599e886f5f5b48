// Tokens of the Milvus filter language.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace vecdb::core::filter {

enum class Tok {
    end, identifier, integer, floating, string, kw_true, kw_false,
    kw_and, kw_or, kw_not, kw_in, kw_like, kw_is, kw_null,
    lparen, rparen, lbracket, rbracket, comma,
    eq, ne, lt, le, gt, ge, plus, minus, star, slash, percent
};

struct Token {
    Tok kind;
    size_t position;   // 1-based byte offset of the first character
    std::string text;  // identifier name or decoded string literal
    int64_t integer = 0;
    double floating = 0;
};

// Splits expr into tokens (the last is Tok::end); throws FilterError.
std::vector<Token> tokenize(const std::string& expr);

// How a token reads in an error message.
std::string describe(const Token& token);

}  // namespace vecdb::core::filter
