#include "common/process.h"

#include <gtest/gtest.h>

namespace bulkhead {
namespace {

TEST(Process, CapturesOutputErrorAndExitCode) {
  const ProcessResult result = RunProcess({"sh", "-c", "echo out; echo err >&2; exit 3"});
  EXPECT_EQ(result.exit_code, 3);
  EXPECT_FALSE(result.timed_out);
  EXPECT_EQ(result.out, "out\n");
  EXPECT_EQ(result.err, "err\n");
}

TEST(Process, ArgumentsAreNotSplitOrInterpreted) {
  EXPECT_EQ(RunChecked({"printf", "%s|", "a b", "$HOME", "; rm -rf /"}), "a b|$HOME|; rm -rf /|");
}

TEST(Process, TimeoutKillsTheProgram) {
  const ProcessResult result = RunProcess({"sleep", "30"}, 1);
  EXPECT_TRUE(result.timed_out);
  EXPECT_EQ(result.exit_code, -1);
}

TEST(Process, FailureMessageNamesCommandStatusAndStderr) {
  try {
    RunChecked({"sh", "-c", "echo 'mkfs: bad option' >&2; exit 1"});
    FAIL() << "a failing command passed";
  } catch (const ProcessError& e) {
    EXPECT_STREQ(
        e.what(),
        "sh -c echo 'mkfs: bad option' >&2; exit 1 failed (exit status 1): mkfs: bad option");
  }
  EXPECT_THROW(RunChecked({"no-such-program-bulkhead"}), ProcessError);
  EXPECT_THROW(RunProcess({}), ProcessError);
}

TEST(Process, TrimTrailing) {
  EXPECT_EQ(TrimTrailing("/dev/loop0\n"), "/dev/loop0");
  EXPECT_EQ(TrimTrailing(" \n"), "");
}

}  // namespace
}  // namespace bulkhead
