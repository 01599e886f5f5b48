// Parser for the "[1,2,3]" text form shared by vector and halfvec.
#include "core/parse/float_list.h"

#include <cerrno>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>

#include "core/distance/half.h"
#include "core/error.h"

namespace vecdb::core {
namespace {

// Longest piece of user input quoted in an error message, in bytes.
constexpr size_t kMaxQuoted = 96;

// Whitespace allowed around brackets and elements (the set array_in allows).
bool is_space(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

// Skips whitespace and returns the first other character position.
const char* skip_space(const char* p) {
    while (is_space(*p))
        p++;
    return p;
}

// Quotes up to kMaxQuoted bytes of [begin, end) for a message, cutting only at
// a UTF-8 character boundary so the message stays valid text.
std::string quote(const char* begin, const char* end) {
    size_t length = static_cast<size_t>(end - begin);
    bool cut = length > kMaxQuoted;
    if (cut) {
        length = kMaxQuoted;
        // back up over continuation bytes (10xxxxxx) to the start of a character
        while (length > 0 && (static_cast<unsigned char>(begin[length]) & 0xC0) == 0x80)
            length--;
    }
    std::string result = "\"";
    result.append(begin, length);
    if (cut)
        result += "...";
    result += "\"";
    return result;
}

// Parses a short plain decimal ([-]digits[.digits], at most 7 digits, no
// exponent) ending where strtof would stop (',', ']', whitespace or the
// end) into *value; returns its end, or nullptr to leave it to strtof. Such
// a mantissa and its power of ten are exact floats, so one correctly
// rounded float division gives strtof's correctly rounded result
// (Clinger's fast path), ~10x faster: pixel values and short literals.
const char* parse_short_decimal(const char* p, float* value) {
    static const float kPow10[] = {1e0f, 1e1f, 1e2f, 1e3f, 1e4f, 1e5f, 1e6f, 1e7f};
    const char* q = p;
    bool negative = *q == '-';
    if (negative)
        q++;
    uint32_t mantissa = 0;
    int digits = 0, fraction = 0;
    for (; *q >= '0' && *q <= '9'; q++, digits++)
        mantissa = mantissa * 10 + (uint32_t)(*q - '0');
    if (*q == '.') {
        for (q++; *q >= '0' && *q <= '9'; q++, digits++, fraction++)
            mantissa = mantissa * 10 + (uint32_t)(*q - '0');
    }
    if (digits == 0 || digits > 7)
        return nullptr;
    if (!(*q == ',' || *q == ']' || *q == '\0' || is_space(*q)))
        return nullptr;
    while (fraction > 0 && mantissa % 10 == 0) {  // "57.0": an integer, no division
        mantissa /= 10;
        fraction--;
    }
    float v = fraction == 0 ? (float)mantissa : (float)mantissa / kPow10[fraction];
    *value = negative ? -v : v;
    return q;
}

// Throws the "invalid input syntax" error for the whole text with a reason.
[[noreturn]] void fail_syntax(const char* type_name, const char* text, const char* reason) {
    fail(ErrorKind::invalid_text, std::string("invalid input syntax for type ") + type_name + ": " +
                                      quote(text, text + std::strlen(text)) + " (" + reason + ")");
}

// Walks the list, handing each parsed float and its literal text to store
// (which may reject it); returns the element count.
template <typename Store>
size_t scan_list(const char* text, size_t capacity, const char* type_name, Store&& store) {
    const char* p = skip_space(text);
    if (*p != '[')
        fail_syntax(type_name, text, "must start with \"[\"");
    p = skip_space(p + 1);

    size_t count = 0;
    if (*p == ']') {
        p++;
    } else {
        for (;;) {
            p = skip_space(p);
            if (*p == '\0')
                fail_syntax(type_name, text, "missing \"]\"");
            if (*p == ',' || *p == ']')
                fail_syntax(type_name, text, "empty element");
            char* end = nullptr;
            errno = 0;
            float value;
            if (const char* short_end = parse_short_decimal(p, &value))
                end = const_cast<char*>(short_end);
            else
                value = std::strtof(p, &end);
            if (end == p)
                fail_syntax(type_name, text, "element is not a number");
            if (count >= capacity)
                fail(ErrorKind::limit_exceeded, std::string(type_name) + " cannot have more than " +
                                                    std::to_string(capacity) + " dimensions");
            if (std::isnan(value))
                fail(ErrorKind::invalid_text, std::string("NaN not allowed in ") + type_name);
            if (std::isinf(value)) {
                if (errno == ERANGE)  // a finite literal too large for float
                    fail(ErrorKind::data_exception,
                         quote(p, end) + " is out of range for type " + type_name);
                fail(ErrorKind::invalid_text, std::string("infinite value not allowed in ") + type_name);
            }
            // A literal too small for float (ERANGE with a tiny result) rounds
            // to zero or a subnormal, as float4in does for such values.
            store(count, value, p, end);
            count++;
            p = skip_space(end);
            if (*p == ',') {
                p++;
                continue;
            }
            if (*p == ']') {
                p++;
                break;
            }
            if (*p == '\0')
                fail_syntax(type_name, text, "missing \"]\"");
            fail_syntax(type_name, text, "expected \",\" or \"]\" after an element");
        }
    }
    p = skip_space(p);
    if (*p != '\0')
        fail_syntax(type_name, text, "junk after \"]\"");
    if (count == 0)
        fail(ErrorKind::dimension_mismatch, std::string(type_name) + " must have at least 1 dimension");
    return count;
}

}  // namespace

size_t float_list_capacity(const char* text, size_t max_dims) noexcept {
    // n elements need n-1 commas, so commas + 1 bounds the element count.
    size_t commas = 0;
    for (const char* p = text; *p != '\0'; p++)
        if (*p == ',')
            commas++;
    size_t bound = commas + 1;
    return bound < max_dims ? bound : max_dims;
}

size_t parse_float_list(const char* text, float* out, size_t capacity, const char* type_name) {
    return scan_list(text, capacity, type_name,
                     [&](size_t i, float value, const char*, const char*) { out[i] = value; });
}

size_t parse_half_list(const char* text, uint16_t* out, size_t capacity, const char* type_name) {
    return scan_list(text, capacity, type_name,
                     [&](size_t i, float value, const char* begin, const char* end) {
                         uint16_t half = float_to_half(value);
                         if ((half & 0x7fffu) == 0x7c00u)  // rounded past 65504 to Inf
                             fail(ErrorKind::data_exception,
                                  quote(begin, end) + " is out of range for type " + type_name);
                         out[i] = half;
                     });
}

// One element as the list parsers read it (the short-decimal fast path,
// else strtof): its end, or nullptr when p holds no number. errno is
// strtof's (ERANGE for out-of-range literals).
const char* parse_float_element(const char* p, float* value) noexcept {
    errno = 0;
    if (const char* short_end = parse_short_decimal(p, value))
        return short_end;
    char* end = nullptr;
    *value = std::strtof(p, &end);
    return end == p ? nullptr : end;
}

}  // namespace vecdb::core
