// act_pg's own SQLSTATEs, and the checks every function makes of its
// arguments. The full list of SQLSTATEs is in README.md.
#pragma once

#include "pg.hpp"

namespace act {

// AC001: a commit's expected_version is not the stream's version.
constexpr int ERRCODE_ACT_CONCURRENCY = MAKE_SQLSTATE('A', 'C', '0', '0', '1');

// Raises 22004 when argument `n` (named `name`) is NULL.
void require_arg(FunctionCallInfo fcinfo, int n, const char *name);

// Raises 22023 when `value` (argument `name`) is negative.
void require_not_negative(int64 value, const char *name);

} // namespace act
