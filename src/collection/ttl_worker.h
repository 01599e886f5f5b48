// The purge worker of collection ttl and time-travel history (ttl_worker.cpp).
#pragma once

// Registers vecdb.purge_databases / purge_interval / purge_batch_size, and
// the purge launcher when vecdb is loaded through shared_preload_libraries.
// Called once from _PG_init.
void vecdb_ttl_worker_init(void);
