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

// Compiles `pattern` as act_pg's statements match it (`~`), so that an
// invalid one is 2201B whether or not any row reaches the match (a generic
// plan compiles it only then), with `where` (e.g. "argument \"stream\"")
// as the error's context. The compiled pattern stays in PostgreSQL's cache
// for the statement that follows.
void check_regex(text *pattern, const char *where);

} // namespace act
