// The single crossing from glue into core: run core code, catch every C++
// exception, let destructors run, and only then raise a Postgres ERROR.
//
// ereport(ERROR) longjmps past C++ frames without running destructors, so a
// core call must never be in flight when an error is raised. guarded() keeps
// the failure in a plain struct, leaves the try/catch (all C++ objects of the
// call are gone by then) and raises afterwards.
#pragma once

#include <cstring>
#include <exception>
#include <new>
#include <utility>

#include "core/error.h"

namespace vecdb::pg {

// What a failed core call left behind: plain data, safe across a longjmp.
struct GuardFailure {
    core::ErrorKind kind;
    bool out_of_memory;
    char message[512];
};

// Raises the Postgres ERROR that matches a failed core call; never returns.
[[noreturn]] void raise_guard_failure(const char* context, const GuardFailure& failure);

// Fills a GuardFailure from the exception currently being handled.
void capture_current_exception(GuardFailure& failure) noexcept;

// Runs f() (core code only: no palloc, no ereport inside) and returns its
// result; any exception becomes an ereport(ERROR) naming the context.
template <typename F>
decltype(auto) guarded(const char* context, F&& f) {
    GuardFailure failure;
    failure.kind = core::ErrorKind::internal;
    failure.out_of_memory = false;
    failure.message[0] = '\0';
    try {
        return std::forward<F>(f)();
    } catch (...) {
        capture_current_exception(failure);
    }
    raise_guard_failure(context, failure);
}

}  // namespace vecdb::pg
