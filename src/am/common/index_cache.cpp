// rd_amcache of vecdb indexes.
#include "am/common/index_cache.h"
#include "am/common/page.h"

VecdbIndexCache* vecdb_index_cache(Relation index) {
    if (index->rd_amcache == NULL) {
        index->rd_amcache = MemoryContextAllocZero(index->rd_indexcxt, sizeof(VecdbIndexCache));
        ((VecdbIndexCache*)index->rd_amcache)->node = index->rd_node;
    }
    VecdbIndexCache* cache = (VecdbIndexCache*)index->rd_amcache;
    if (!RelFileNodeEquals(cache->node, index->rd_node)) {
        memset(cache, 0, sizeof *cache);
        cache->node = index->rd_node;
    }
    return cache;
}

int32 vecdb_index_dimensions(Relation index) {
    if (!vecdb_index_cache(index)->dimensions_known) {
        int32 dimensions = vecdb_read_meta_header(index).dimensions;
        VecdbIndexCache* cache = vecdb_index_cache(index);  // fetched again after the read
        cache->dimensions = dimensions;
        cache->dimensions_known = true;
    }
    return vecdb_index_cache(index)->dimensions;
}
