// The C++/PostgreSQL boundary.
//
// PostgreSQL reports errors with a longjmp; C++ with exceptions. Neither
// may cross the other's frames: a longjmp over a live C++ object skips its
// destructor, and an exception that reaches PostgreSQL's C frames ends the
// process. Three rules keep them apart:
//
//  1. Every SQL-callable function is declared with ACT_FUNCTION, whose
//     extern "C" entry point runs the C++ body inside act::guard. The guard
//     catches every exception, leaves the catch, and only then raises a
//     PostgreSQL error: an act::pg_error is re-thrown as it was (SQLSTATE,
//     detail, hint and context intact); std::bad_alloc becomes 53200 and
//     any other exception XX000.
//  2. A frame that holds an object with a non-trivial destructor calls
//     PostgreSQL only through act::pg_call, which runs the call under its
//     own PG_TRY and turns an error into an act::pg_error exception, so the
//     stack unwinds the C++ way.
//  3. Frames without such objects (most of act_pg: palloc, StringInfo, SPI)
//     call PostgreSQL, ereport included, directly.
#pragma once

#include "pg.hpp"

#include <exception>
#include <type_traits>

namespace act {

// A PostgreSQL error in flight as a C++ exception. Holds the copied
// ErrorData (palloc'd in the error's memory context); the guard re-throws it.
class pg_error final : public std::exception {
public:
    explicit pg_error(ErrorData *data) noexcept : data_(data) {}
    const char *what() const noexcept override { return data_->message ? data_->message : "PostgreSQL error"; }
    ErrorData *data() const noexcept { return data_; }

private:
    ErrorData *data_;
};

// Copies the current PostgreSQL error and leaves error recovery; for
// pg_call only.
ErrorData *take_pg_error(MemoryContext caller);

// Runs a call into PostgreSQL from a frame that owns C++ objects. A
// PostgreSQL error comes back as act::pg_error, thrown after the PG_TRY
// block has restored PostgreSQL's exception stack.
template <class F>
auto pg_call(F &&call) -> decltype(call())
{
    MemoryContext caller = CurrentMemoryContext;
    ErrorData *volatile failed = nullptr;
    if constexpr (std::is_void_v<decltype(call())>) {
        PG_TRY();
        {
            call();
        }
        PG_CATCH();
        {
            failed = take_pg_error(caller);
        }
        PG_END_TRY();
        if (failed)
            throw pg_error(failed);
    } else {
        decltype(call()) result{};
        PG_TRY();
        {
            result = call();
        }
        PG_CATCH();
        {
            failed = take_pg_error(caller);
        }
        PG_END_TRY();
        if (failed)
            throw pg_error(failed);
        return result;
    }
}

// Runs a SQL function's body; no exception leaves it.
Datum guard(FunctionCallInfo fcinfo, Datum (*body)(FunctionCallInfo)) noexcept;

} // namespace act

// Declares the SQL-callable C symbol `name` whose body is the C++ function
// `body(FunctionCallInfo)`.
#define ACT_FUNCTION(name, body)                               \
    extern "C" {                                               \
    PG_FUNCTION_INFO_V1(name);                                 \
    Datum name(PG_FUNCTION_ARGS) { return act::guard(fcinfo, body); } \
    }
