// Parser for sparsevec literals: `{index:value,...}/dim`, whitespace allowed
// between tokens. Kept free of Postgres so the fuzzer can drive it directly.
#include "core/parse/sparsevec_text.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "core/error.h"

namespace vecdb::core {

namespace {

// At most this many bytes of the literal are quoted in an error message.
constexpr size_t kExcerptBytes = 60;

// Quotes the start of the literal for a message, cutting at a UTF-8 character
// boundary so the message stays valid text.
std::string excerpt(const char* text, size_t max_bytes = kExcerptBytes) {
    size_t len = std::strlen(text);
    if (len <= max_bytes)
        return std::string(text, len);
    size_t cut = max_bytes;
    while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0u) == 0x80u)
        cut--;
    return std::string(text, cut) + "...";
}

// Raises the 22P02 error for a malformed literal, saying what was expected.
[[noreturn]] void syntax_error(const char* text, const char* why) {
    fail(ErrorKind::invalid_text,
         "invalid input syntax for type sparsevec: \"" + excerpt(text) + "\": " + why);
}

// Postgres's notion of whitespace in literals (isspace in the C locale).
bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

// Skips whitespace.
void skip_spaces(const char*& p) {
    while (is_space(*p))
        p++;
}

// Reads an optionally signed decimal integer, saturating at +-INT64_MAX so
// any overflow still lands outside every valid range. False when no digits.
bool read_integer(const char*& p, int64_t& value) {
    const char* q = p;
    bool negative = false;
    if (*q == '+' || *q == '-') {
        negative = (*q == '-');
        q++;
    }
    if (*q < '0' || *q > '9')
        return false;
    constexpr int64_t kLimit = (INT64_MAX - 9) / 10;
    int64_t v = 0;
    while (*q >= '0' && *q <= '9') {
        v = (v <= kLimit) ? v * 10 + (*q - '0') : INT64_MAX;
        q++;
    }
    value = negative ? -v : v;
    p = q;
    return true;
}

// Reads one element value with strtof (the same float syntax as float4in);
// NaN, Inf and values that overflow are range errors; a value too small for
// float underflows to zero (and is dropped like a written 0), the rule of
// vector's text input and of pgvector for every type.
float read_value(const char* text, const char*& p) {
    char* end = nullptr;
    errno = 0;
    float v = std::strtof(p, &end);
    if (end == p)
        syntax_error(text, "expected a number after \":\"");
    std::string token(p, static_cast<size_t>(end - p));
    if (std::isnan(v))
        fail(ErrorKind::data_exception, "NaN not allowed in sparsevec");
    if (errno == ERANGE && std::isinf(v))
        fail(ErrorKind::data_exception,
             "value \"" + excerpt(token.c_str(), 40) + "\" is out of range for type sparsevec");
    if (std::isinf(v))
        fail(ErrorKind::data_exception, "infinite value not allowed in sparsevec");
    p = end;
    return v;
}

}  // namespace

size_t sparsevec_text_capacity(const char* text) noexcept {
    size_t colons = 0;
    for (const char* p = text; *p; p++)
        if (*p == ':' && ++colons >= static_cast<size_t>(kSparseMaxNnz))
            break;
    return colons;
}

void parse_sparsevec_text(const char* text, SparseTextOut& out) {
    const char* p = text;
    // (index as written, value); zero values stay until duplicates are checked
    std::vector<std::pair<int64_t, float>> entries;
    int64_t nonzero = 0;

    skip_spaces(p);
    if (*p != '{')
        syntax_error(text, "sparsevec must start with \"{\"");
    p++;
    skip_spaces(p);
    if (*p == '}') {
        p++;
    } else {
        for (;;) {
            skip_spaces(p);
            int64_t index;
            if (!read_integer(p, index))
                syntax_error(text, "expected an index");
            skip_spaces(p);
            if (*p != ':')
                syntax_error(text, "expected \":\" after an index");
            p++;
            skip_spaces(p);
            float value = read_value(text, p);
            entries.emplace_back(index, value);
            // stop early instead of collecting an arbitrarily long literal
            if (value != 0.0f && ++nonzero > kSparseMaxNnz)
                fail(ErrorKind::limit_exceeded, "sparsevec cannot have more than " +
                                                    std::to_string(kSparseMaxNnz) +
                                                    " non-zero elements");
            skip_spaces(p);
            if (*p == ',') {
                p++;
                continue;
            }
            if (*p == '}') {
                p++;
                break;
            }
            syntax_error(text, *p ? "expected \",\" or \"}\" after a value"
                                  : "unexpected end of input, missing \"}\"");
        }
    }
    skip_spaces(p);
    if (*p != '/')
        syntax_error(text, "expected \"/\" and the dimensions after \"}\"");
    p++;
    skip_spaces(p);
    int64_t dim;
    if (!read_integer(p, dim))
        syntax_error(text, "expected the dimensions after \"/\"");
    skip_spaces(p);
    if (*p != '\0')
        syntax_error(text, "unexpected characters after the dimensions");

    if (dim < 1)
        fail(ErrorKind::dimension_mismatch, "sparsevec must have at least 1 dimension");
    if (dim > kSparseMaxDim)
        fail(ErrorKind::limit_exceeded, "sparsevec cannot have more than " +
                                            std::to_string(kSparseMaxDim) + " dimensions");

    // Text may list entries in any order; the stored form is sorted.
    auto by_index = [](const std::pair<int64_t, float>& a, const std::pair<int64_t, float>& b) {
        return a.first < b.first;
    };
    if (!std::is_sorted(entries.begin(), entries.end(), by_index))
        std::stable_sort(entries.begin(), entries.end(), by_index);
    for (size_t i = 1; i < entries.size(); i++)
        if (entries[i].first == entries[i - 1].first)
            fail(ErrorKind::invalid_text,
                 "sparsevec indices must not contain duplicates (index " +
                     std::to_string(entries[i].first) + ")");
    if (!entries.empty() && (entries.front().first < 1 || entries.back().first > dim)) {
        int64_t bad = entries.front().first < 1 ? entries.front().first : entries.back().first;
        // a saturated value is not what was written, so do not print it
        std::string shown = (bad == INT64_MAX || bad == -INT64_MAX) ? "" : std::to_string(bad) + " ";
        fail(ErrorKind::data_exception, "sparsevec index " + shown + "is out of range for " +
                                            std::to_string(dim) + " dimensions");
    }

    if (static_cast<size_t>(nonzero) > out.capacity)
        fail(ErrorKind::internal, "sparsevec parser output buffer too small");
    int32_t n = 0;
    for (const auto& e : entries) {
        if (e.second == 0.0f)
            continue;
        out.indices[n] = static_cast<int32_t>(e.first - 1);
        out.values[n] = e.second;
        n++;
    }
    out.nnz = n;
    out.dim = static_cast<int32_t>(dim);
}

}  // namespace vecdb::core
