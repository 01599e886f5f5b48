// Runs numbered chunks of work on the calling thread plus short-lived
// helper threads. The calling thread takes chunks too and polls the stop
// check between them; helpers only run the chunk function (which must not
// throw and must not call Postgres). All threads are joined before return.
#pragma once

#include <cstddef>
#include <functional>

#include "core/parallel/stop_check.h"

namespace vecdb::core {

// Calls fn(chunk, worker) for every chunk in [0, nchunks), worker in
// [0, threads). Returns false when the stop check fired (some chunks were
// then skipped). threads is capped at the CPU count; helpers that cannot be
// created are simply not used.
bool run_chunks(size_t nchunks, int threads, const StopCheck& stop,
                const std::function<void(size_t chunk, int worker)>& fn);

// The number of threads run_chunks would really use for `threads`.
int usable_threads(int threads);

}  // namespace vecdb::core
