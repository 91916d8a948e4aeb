// Failpoints: named places where a test makes the process die abruptly, to prove that a crash at
// that step leaves nothing behind once the process restarts.
//
// Contract: BULKHEAD_FAILPOINTS ("name[,name...]") is read once, at the first Failpoint() call.
// Reaching an armed failpoint logs its name and ends the process with _exit(137), as kill -9
// would: no destructors, no flushing of buffers, no cleanup of children. Unarmed failpoints cost
// one set lookup. Production configurations never set the variable.
#pragma once

#include <string_view>

namespace bulkhead {

void Failpoint(std::string_view name);

}  // namespace bulkhead
