#include "plugins/logs/spool.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace bulkhead::logs {
namespace {

LogEntry Line(const std::string& text, int64_t time) {
  LogEntry entry;
  entry.source = "stdout";
  entry.time_nano = time;
  entry.line = text;
  return entry;
}

class SpoolTest : public ::testing::Test {
 protected:
  void SetUp() override {
    directory_ = std::filesystem::temp_directory_path() /
                 ("bulkhead-spool-" + std::to_string(::getpid()) + "-" +
                  ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(directory_);
  }
  void TearDown() override { std::filesystem::remove_all(directory_); }
  std::vector<LogEntry> ReadAll(const ContainerSpool& spool) {
    std::vector<LogEntry> out;
    spool.Read(spool.Start(), 1000000, out);
    return out;
  }
  std::filesystem::path directory_;
};

TEST_F(SpoolTest, ReadsBackWhatWasAppendedAcrossSegments) {
  ContainerSpool spool(directory_, {64, 100});
  for (int i = 0; i < 20; ++i) spool.Append({Line("line-" + std::to_string(i), i)});
  const auto entries = ReadAll(spool);
  ASSERT_EQ(entries.size(), 20U);
  EXPECT_EQ(entries[19].line, "line-19");
  EXPECT_EQ(entries[19].time_nano, 19);
  std::vector<LogEntry> some;
  const SpoolPosition after = spool.Read(spool.Start(), 5, some);
  std::vector<LogEntry> rest;
  spool.Read(after, 1000, rest);
  EXPECT_EQ(some.size() + rest.size(), 20U);
  EXPECT_EQ(rest.front().line, "line-5");
}

TEST_F(SpoolTest, ATornFrameFromACrashIsCutBeforeTheNextAppend) {
  {
    ContainerSpool spool(directory_, {});
    spool.Append({Line("whole", 1)});
  }
  std::ofstream(directory_ / "000000000001.log", std::ios::app | std::ios::binary)
      << std::string("\0\0\0\x40torn", 8);
  ContainerSpool reopened(directory_, {});
  EXPECT_EQ(ReadAll(reopened).size(), 1U) << "a torn frame was read as an event";
  reopened.Append({Line("after restart", 2)});
  const auto entries = ReadAll(reopened);
  ASSERT_EQ(entries.size(), 2U);
  EXPECT_EQ(entries[1].line, "after restart");
}

TEST_F(SpoolTest, RotationKeepsWhatASinkHasNotShipped) {
  ContainerSpool spool(directory_, {32, 2});
  spool.SaveCursor("syslog", spool.Start());  // a sink that has shipped nothing
  for (int i = 0; i < 10; ++i) spool.Append({Line("line-" + std::to_string(i), i)});
  EXPECT_EQ(ReadAll(spool).size(), 10U) << "rotation deleted unshipped events";
  std::vector<LogEntry> all;
  spool.SaveCursor("syslog", spool.Read(spool.Start(), 1000, all));  // everything shipped
  spool.Append({Line("line-10", 10)});
  spool.Append({Line("line-11", 11)});
  EXPECT_LT(ReadAll(spool).size(), 12U) << "rotation kept more than max_segments";
  EXPECT_EQ(ReadAll(spool).back().line, "line-11");
}

TEST_F(SpoolTest, DropNewestKeepsWhatIsSpooledAndCountsTheRest) {
  ContainerSpool spool(directory_, {64, 100, 100, QuotaPolicy::kDropNewest});
  for (int i = 0; i < 20; ++i) spool.Append({Line("line-" + std::to_string(i), i)});
  const auto entries = ReadAll(spool);
  EXPECT_LE(spool.Bytes(), 100U);
  EXPECT_EQ(entries.front().line, "line-0");
  EXPECT_EQ(entries.size() + spool.dropped(), 20U) << "a drop was not counted";
  EXPECT_GT(spool.dropped(), 0U);
}

TEST_F(SpoolTest, DropOldestKeepsTheNewestAndCountsTheRest) {
  ContainerSpool spool(directory_, {64, 100, 200, QuotaPolicy::kDropOldest});
  spool.SaveCursor("syslog", spool.Start());  // a sink that is down: drop-oldest deletes anyway
  for (int i = 0; i < 40; ++i) spool.Append({Line("line-" + std::to_string(i), i)});
  const auto entries = ReadAll(spool);
  EXPECT_EQ(entries.back().line, "line-39");
  EXPECT_EQ(entries.size() + spool.dropped(), 40U) << "a drop was not counted";
  EXPECT_GT(spool.dropped(), 0U);
}

TEST_F(SpoolTest, BlockReportsOverQuotaUntilShippingFreesSegments) {
  ContainerSpool spool(directory_, {64, 1, 150, QuotaPolicy::kBlock});
  spool.SaveCursor("syslog", spool.Start());
  for (int i = 0; i < 12; ++i) spool.Append({Line("line-" + std::to_string(i), i)});
  EXPECT_TRUE(spool.OverQuota());
  EXPECT_EQ(ReadAll(spool).size(), 12U) << "block must not drop";
  std::vector<LogEntry> all;
  spool.SaveCursor("syslog", spool.Read(spool.Start(), 1000, all));  // the sink caught up
  EXPECT_FALSE(spool.OverQuota());
  EXPECT_EQ(spool.dropped(), 0U);
}

}  // namespace
}  // namespace bulkhead::logs
