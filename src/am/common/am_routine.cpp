// The capabilities and callbacks the vecdb index AMs share.
#include "am/common/am_routine.h"
#include "am/common/validate.h"

extern "C" {
#include "commands/vacuum.h"
}

IndexAmRoutine* vecdb_make_am_routine(void) {
    IndexAmRoutine* am = makeNode(IndexAmRoutine);  // zeroed: every callback NULL, every flag false
    am->amstrategies = 0;  // ordering operators only
    am->amsupport = VECDB_NUM_SUPPORT_PROCS;
    am->amoptsprocnum = 0;
    am->amcanorderbyop = true;
    am->amoptionalkey = true;
    am->amparallelvacuumoptions = VACUUM_OPTION_PARALLEL_BULKDEL;
    am->amkeytype = InvalidOid;
    am->amvalidate = vecdb_validate_opclass;
    am->amadjustmembers = vecdb_adjust_opclass_members;
    return am;
}
