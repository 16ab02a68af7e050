#include "errors.hpp"

namespace act {

void require_arg(FunctionCallInfo fcinfo, int n, const char *name)
{
    if (PG_ARGISNULL(n))
        ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED), errmsg("%s must not be null", name)));
}

void require_not_negative(int64 value, const char *name)
{
    if (value < 0)
        ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                        errmsg("%s must not be negative: " INT64_FORMAT, name, value)));
}

namespace {

void regex_context(void *where)
{
    errcontext("%s", static_cast<const char *>(where));
}

} // namespace

void check_regex(text *pattern, const char *where)
{
    ErrorContextCallback context{error_context_stack, regex_context, const_cast<char *>(where)};
    error_context_stack = &context;
    DirectFunctionCall2Coll(textregexeq, DEFAULT_COLLATION_OID, PointerGetDatum(cstring_to_text("")),
                            PointerGetDatum(pattern));
    error_context_stack = context.previous;
}

} // namespace act
