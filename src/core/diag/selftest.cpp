// Deliberate core exceptions, used to prove the guard catches each kind.
#include "core/diag/selftest.h"

#include <cstring>
#include <memory>
#include <new>
#include <string>
#include <vector>

#include "core/error.h"

namespace vecdb::core {

void throw_for_selftest(const char* kind) {
    // A live object with a destructor, so the guard's unwinding is exercised.
    std::vector<std::string> held(4, std::string(64, 'x'));
    if (std::strcmp(kind, "bad_alloc") == 0) throw std::bad_alloc();
    if (std::strcmp(kind, "invalid_text") == 0)
        fail(ErrorKind::invalid_text, "invalid input syntax for selftest: \"" + held[0].substr(0, 3) + "\"");
    if (std::strcmp(kind, "std_exception") == 0) throw std::length_error("selftest length error");
    if (std::strcmp(kind, "unknown") == 0) throw 42;
    fail(ErrorKind::invalid_parameter, std::string("unknown selftest kind \"") + kind + "\"");
}

}  // namespace vecdb::core
