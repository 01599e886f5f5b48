// The vecdb index AMs: one line per AM, naming the VecdbAmDescriptor its
// folder defines (am/<name>/<name>_descriptor.cpp). A new AM adds its line
// here; nothing else in am/common changes. Included by am_registry.cpp
// with VECDB_AM defined.
VECDB_AM(vecdb_flat_am)
VECDB_AM(vecdb_ivf_am)
VECDB_AM(vecdb_hnsw_am)
