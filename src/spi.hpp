// Running kept SPI plans.
#pragma once

#include "pg.hpp"

namespace act::spi {

// Connects to SPI; every act_pg function that runs SQL does this once.
void connect();
void finish();

// Runs `plan` with one value per parameter (`nulls` as SPI takes them:
// 'n' for NULL, ' ' otherwise, or nullptr for none). Rows go straight into
// the set-returning function's tuplestore (InitMaterializedSRF first).
// Returns the number of rows.
uint64 rows_into(SPIPlanPtr plan, const Datum *values, const char *nulls, ReturnSetInfo *rsinfo,
                 bool read_only);

// Runs a read-only `plan` and returns the first column of its first row as
// int64, or `missing` when there is none or it is NULL. With
// `latest_snapshot`, the plan reads a snapshot taken now, also in a
// REPEATABLE READ transaction.
int64 int64_value(SPIPlanPtr plan, const Datum *values, const char *nulls, int64 missing,
                  bool latest_snapshot = false);

// Runs a data-changing `plan`; returns the number of rows it processed
// (rows it returns are in SPI_tuptable). With `latest_snapshot`, the plan
// reads a snapshot taken now, also in a REPEATABLE READ transaction.
uint64 execute(SPIPlanPtr plan, const Datum *values, const char *nulls, bool latest_snapshot = false);

// Puts the rows that the last execute() returned into the set-returning
// function's tuplestore (InitMaterializedSRF first).
void returned_into(ReturnSetInfo *rsinfo);

} // namespace act::spi
