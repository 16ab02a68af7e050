// act._boundary_selftest: proves the boundary of boundary.hpp from SQL.
//
// Each kind fails while a C++ object with a destructor is alive in the
// failing frame; the regression suite checks the SQLSTATE that reaches the
// client and that the destructor ran ('destructors' returns the count).
#include "boundary.hpp"

#include <new>
#include <stdexcept>
#include <string>

namespace act {
namespace {

int destructor_runs = 0;

struct Witness {
    std::string name{"a C++ object that must be destroyed"};
    ~Witness() { destructor_runs++; }
};

// Fails while a Witness is alive: only by exceptions, never by ereport.
void fail(const char *kind)
{
    Witness alive;
    if (strcmp(kind, "cpp") == 0)
        throw std::runtime_error("selftest: a C++ exception");
    if (strcmp(kind, "alloc") == 0)
        throw std::bad_alloc();
    // an invalid regular expression: 2201B
    pg_call([] {
        return DirectFunctionCall2Coll(textregexeq, DEFAULT_COLLATION_OID, PointerGetDatum(cstring_to_text("x")),
                                       PointerGetDatum(cstring_to_text("(")));
    });
}

#ifdef ACT_SANITIZE_CANARY
// Only in the build of `tools/sanitize.sh --canary`: a heap buffer
// overflow on every call, which the sanitizer run must report (the
// regression suite's boundary test calls this function).
void canary_overflow()
{
    volatile int past_the_end = 8;
    char *bytes = new char[8];
    bytes[past_the_end] = 1;
    delete[] bytes;
}
#endif

// Superusers only, whatever EXECUTE grants say: it exists for the
// regression suite, and no application role needs it.
Datum selftest(FunctionCallInfo fcinfo)
{
    if (!superuser_arg(GetOuterUserId()))
        ereport(ERROR, (errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
                        errmsg("act._boundary_selftest is for superusers only"),
                        errdetail("It tests act_pg's C++ boundary for the regression suite.")));
#ifdef ACT_SANITIZE_CANARY
    canary_overflow();
#endif
    const char *kind = text_to_cstring(PG_GETARG_TEXT_PP(0));
    if (strcmp(kind, "destructors") == 0)
        PG_RETURN_INT32(destructor_runs);
    if (strcmp(kind, "cpp") != 0 && strcmp(kind, "alloc") != 0 && strcmp(kind, "pg") != 0)
        ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("unknown selftest kind \"%s\"", kind)));
    fail(kind);
    PG_RETURN_INT32(0);
}

} // namespace
} // namespace act

ACT_FUNCTION(act_boundary_selftest, act::selftest)
