// amvalidate shared by the vecdb index AMs.
#pragma once

#include "pg/pg.h"

// Checks an operator class: support function 1 is a two-argument distance
// returning float8, and every operator is an ORDER BY operator.
bool vecdb_validate_opclass(Oid opclass_oid);
