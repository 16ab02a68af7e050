// act._caller: the role that called act_pg.
//
// Every act_pg function runs as the extension's owner (SECURITY DEFINER),
// so current_user inside one names the owner. The caller is the session's
// current role (SET ROLE and SET SESSION AUTHORIZATION count), which no
// SECURITY DEFINER function changes: the same role that the C functions
// check a store's SELECT privilege for. act.seed and act.drop ask it who
// may create and drop what.
#include "boundary.hpp"

namespace act {
namespace {

Datum caller(FunctionCallInfo fcinfo)
{
    PG_RETURN_OID(GetOuterUserId());
}

} // namespace
} // namespace act

ACT_FUNCTION(act_caller, act::caller)
