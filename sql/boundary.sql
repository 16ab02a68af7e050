-- The C++/PostgreSQL boundary: a C++ exception and a PostgreSQL error, each
-- raised while a C++ object with a destructor is alive, reach the client
-- as clean errors with their SQLSTATE, the destructors run, and the
-- backend keeps working.
\set VERBOSITY sqlstate
SELECT act._boundary_selftest('destructors') AS destructors_before;
SELECT act._boundary_selftest('cpp');        -- std::runtime_error: XX000
SELECT act._boundary_selftest('alloc');      -- std::bad_alloc: 53200
SELECT act._boundary_selftest('pg');         -- a bad regex through pg_call: 2201B
SELECT act._boundary_selftest('nonsense');   -- refused before any C++ object exists: 22023
SELECT act._boundary_selftest('destructors') AS destructors_after;
\set VERBOSITY default
SELECT act._boundary_selftest('cpp');
SELECT act._boundary_selftest('pg');

-- A PostgreSQL error raised inside act_pg's SQL keeps its SQLSTATE.
\set VERBOSITY sqlstate
SELECT * FROM act.query(stream => '(unbalanced');
\set VERBOSITY default

-- The backend still serves, in the same session.
SELECT count(*) >= 0 AS still_serving FROM act.query(max_rows => 1);
