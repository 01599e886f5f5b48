// Text parser for "[1,2,3]" float lists: the text form of vector and halfvec.
// Plain C++ (no Postgres); every bad input throws core::Error.
#pragma once

#include <cstddef>
#include <cstdint>

namespace vecdb::core {

// An upper bound on how many elements text can hold, capped at max_dims.
// Callers size their output buffer with it; the parsers below then report
// "too many dimensions" exactly when the text holds more than max_dims.
size_t float_list_capacity(const char* text, size_t max_dims) noexcept;

// Parses a NUL-terminated "[a,b,...]" into out (room for capacity floats) and
// returns the element count. type_name ("vector") appears in error messages.
// Errors: malformed text, NaN or Infinity -> invalid_text; a finite literal
// outside float range -> data_exception; no element -> dimension_mismatch;
// more than capacity elements -> limit_exceeded.
size_t parse_float_list(const char* text, float* out, size_t capacity, const char* type_name);

// Same as parse_float_list, but stores IEEE binary16 bits; literals that do
// not fit in a half (|x| > 65504 after rounding) are a data_exception.
size_t parse_half_list(const char* text, uint16_t* out, size_t capacity, const char* type_name);

// One element of a list as the parsers above read it, without their checks:
// stores the float at p in *value and returns the end of its text, or
// nullptr when p holds no number (NaN, Infinity and out-of-range literals
// come back as such; errno is ERANGE for the latter).
const char* parse_float_element(const char* p, float* value) noexcept;

}  // namespace vecdb::core
