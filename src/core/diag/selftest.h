// Core routines that exist to exercise the glue guard from SQL.
#pragma once

namespace vecdb::core {

// Throws the exception named by kind ("bad_alloc", "invalid_text",
// "std_exception", "unknown"); any other kind is an invalid_parameter error.
void throw_for_selftest(const char* kind);

}  // namespace vecdb::core
