// The table of registered index AMs (am_list.h) and lookups over it.
#include "am/common/am_descriptor.h"

extern "C" {
#include "catalog/pg_class.h"
#include "commands/defrem.h"
}

#define VECDB_AM(descriptor) extern const VecdbAmDescriptor descriptor;
#include "am/common/am_list.h"
#undef VECDB_AM

#define VECDB_AM(descriptor) &descriptor,
const VecdbAmDescriptor* const vecdb_am_descriptors[] = {
#include "am/common/am_list.h"
    NULL,
};
#undef VECDB_AM

const VecdbAmDescriptor* vecdb_am_for_index(Relation index) {
    if (index->rd_rel->relkind != RELKIND_INDEX) return NULL;
    char* am_name = get_am_name(index->rd_rel->relam);
    const VecdbAmDescriptor* found = NULL;
    for (int i = 0; am_name != NULL && vecdb_am_descriptors[i] != NULL; i++)
        if (strcmp(vecdb_am_descriptors[i]->name, am_name) == 0) found = vecdb_am_descriptors[i];
    if (am_name) pfree(am_name);
    return found;
}
