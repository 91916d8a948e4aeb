#include "common/failpoint.h"

#include <gtest/gtest.h>

#include <cstdlib>

namespace bulkhead {
namespace {

TEST(FailpointTest, OnlyArmedFailpointsEndTheProcessWithTheKillStatus) {
  ::setenv("BULKHEAD_FAILPOINTS", "test.first,,test.second", 1);  // NOLINT(concurrency-mt-unsafe)
  Failpoint("test.unarmed");                                      // returns: not in the list
  Failpoint("test");  // names match whole, not by prefix
  EXPECT_EXIT(Failpoint("test.second"), ::testing::ExitedWithCode(137),
              "failpoint test.second reached");
}

}  // namespace
}  // namespace bulkhead
