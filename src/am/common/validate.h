// The operator-class contract of the vecdb index AMs, and amvalidate.
//
// Every opclass (one per indexed type and metric, as in sql/install/60_flat.sql):
//   OPERATOR 1  the distance operator, (T, T) -> float8, FOR ORDER BY a
//               btree family that sorts float8 (float_ops)
//   FUNCTION 1  the distance function, (T, T) -> float8, which computes it
#pragma once

#include "pg/pg.h"

#define VECDB_DISTANCE_STRATEGY 1  // the ORDER BY <distance> operator
#define VECDB_DISTANCE_PROC 1      // support function: its distance function
#define VECDB_NUM_SUPPORT_PROCS 1  // IndexAmRoutine.amsupport

// amvalidate: checks every member of the opclass's family (support numbers,
// strategy numbers, signatures, ORDER BY purpose and sort family) and that
// none is missing; reports each problem as an INFO and returns false.
bool vecdb_validate_opclass(Oid opclass_oid);

// amadjustmembers: rejects (ERROR) a member CREATE OPERATOR CLASS or ALTER
// OPERATOR FAMILY ... ADD is about to add if it breaks the contract above.
void vecdb_adjust_opclass_members(Oid family, Oid opclass, List* operators, List* functions);
