// A cancellation poll for long core computations. Core code calls it only
// on the thread that called into core (never on a helper thread), between
// chunks of work; the glue's poll reads the backend's interrupt flags
// without calling Postgres, and raises the cancel itself once core returned.
#pragma once

namespace vecdb::core {

struct StopCheck {
    bool (*requested)(void* ctx) = nullptr;  // true: stop as soon as possible
    void* ctx = nullptr;

    // Whether the caller asked to stop.
    bool operator()() const { return requested != nullptr && requested(ctx); }
};

}  // namespace vecdb::core
