// The RocksDB options rocksdb_store opens its database with, for a program
// that uses RocksDB itself beside the store: the benchmarks, so RocksDB
// alone is measured with the store's own tuning. This header includes
// RocksDB's; rocksdb_store.hpp does not.
#pragma once

#include <rocksdb/options.h>

#include "hitd/storage/rocksdb_store.hpp"

namespace hitd::storage {

// The options for `o` (its path and mode are not part of them: the path is
// given to DB::Open, the mode is the write options).
rocksdb::Options rocksdb_options(const store_options& o);

} // namespace hitd::storage
