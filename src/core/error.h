// Errors raised by core code. Core never sees Postgres, so an error carries a
// kind that the glue guard (src/pg/guard.h) maps to a SQLSTATE.
#pragma once

#include <stdexcept>
#include <string>

namespace vecdb::core {

enum class ErrorKind {
    invalid_text,        // malformed literal: 22P02
    dimension_mismatch,  // operands or typmod disagree on dimensions: 22000
    limit_exceeded,      // more dimensions/elements than allowed: 54000
    invalid_parameter,   // a bad argument or option value: 22023
    data_exception,      // NaN/Inf or a value out of range: 22003
    invalid_binary,      // a malformed binary (receive) payload: 22P03
    data_corrupted,      // a stored page or value that makes no sense: XX001
    internal             // a bug: XX000
};

class Error : public std::runtime_error {
public:
    Error(ErrorKind kind, const std::string& message)
        : std::runtime_error(message), kind_(kind) {}
    ErrorKind kind() const noexcept { return kind_; }

private:
    ErrorKind kind_;
};

// Throws a core::Error; a helper so call sites stay one line.
[[noreturn]] inline void fail(ErrorKind kind, const std::string& message) {
    throw Error(kind, message);
}

}  // namespace vecdb::core
