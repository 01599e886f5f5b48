// Maps core exceptions to Postgres errors for guarded().
#include "pg/pg.h"
#include "pg/guard.h"

#include <cstdio>

extern "C" {
#include "mb/pg_wchar.h"
}

namespace vecdb::pg {

// Copies what the in-flight exception says into plain storage.
void capture_current_exception(GuardFailure& failure) noexcept {
    const char* text = "unknown C++ exception";
    try {
        throw;
    } catch (const core::Error& e) {
        failure.kind = e.kind();
        text = e.what();
        std::snprintf(failure.message, sizeof(failure.message), "%s", text);
        return;
    } catch (const std::bad_alloc&) {
        failure.out_of_memory = true;
        text = "out of memory";
    } catch (const std::exception& e) {
        text = e.what();
    } catch (...) {
    }
    failure.kind = core::ErrorKind::internal;
    std::snprintf(failure.message, sizeof(failure.message), "%s", text);
}

// SQLSTATE for each kind of core error.
static int sqlstate_for(core::ErrorKind kind) {
    switch (kind) {
        case core::ErrorKind::invalid_text: return ERRCODE_INVALID_TEXT_REPRESENTATION;
        case core::ErrorKind::dimension_mismatch: return ERRCODE_DATA_EXCEPTION;
        case core::ErrorKind::limit_exceeded: return ERRCODE_PROGRAM_LIMIT_EXCEEDED;
        case core::ErrorKind::invalid_parameter: return ERRCODE_INVALID_PARAMETER_VALUE;
        case core::ErrorKind::data_exception: return ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE;
        case core::ErrorKind::invalid_binary: return ERRCODE_INVALID_BINARY_REPRESENTATION;
        case core::ErrorKind::data_corrupted: return ERRCODE_DATA_CORRUPTED;
        case core::ErrorKind::internal: break;
    }
    return ERRCODE_INTERNAL_ERROR;
}

void raise_guard_failure(const char* context, const GuardFailure& failure) {
    // snprintf may have cut the message inside a multibyte character; drop
    // that partial character, or the client gets "invalid byte sequence"
    // instead of the error (pg_mbcliplen stops before an incomplete one).
    char message[sizeof failure.message];
    int length = (int)strlen(failure.message);
    length = pg_mbcliplen(failure.message, length, length);
    memcpy(message, failure.message, length);
    message[length] = '\0';
    if (failure.out_of_memory)
        ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY), errmsg("out of memory"),
                        errdetail("vecdb: %s could not allocate memory.", context)));
    if (failure.kind == core::ErrorKind::internal)
        ereport(ERROR, (errcode(ERRCODE_INTERNAL_ERROR),
                        errmsg("vecdb internal error in %s: %s", context, message)));
    ereport(ERROR, (errcode(sqlstate_for(failure.kind)), errmsg("%s", message)));
    pg_unreachable();
}

}  // namespace vecdb::pg
