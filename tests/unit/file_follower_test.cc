#include "plugins/logs/file_follower.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <thread>

namespace bulkhead::logs {
namespace {

class FileFollowerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = std::filesystem::temp_directory_path() /
            ("bulkhead-follow-" + std::to_string(::getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(root_);
    std::filesystem::create_directories(root_ / "volume");
    spool_ = std::make_shared<ContainerSpool>((root_ / "spool").string(), SpoolLimits{});
  }
  void TearDown() override { std::filesystem::remove_all(root_); }
  void Append(const std::string& file, const std::string& text) {
    std::ofstream(root_ / "volume" / file, std::ios::app) << text;
  }
  // One follower lifetime: runs it while `write` happens, then stops it (a last Unmount).
  void Follow(const std::function<void()>& write) {
    FileFollower follower((root_ / "volume").string(), spool_, metrics_);
    std::atomic<bool> stop{false};
    std::atomic<bool> abandon{false};
    std::thread runner([&] { follower.Run(stop, abandon); });
    write();
    std::this_thread::sleep_for(std::chrono::milliseconds(600));
    stop = true;
    runner.join();
  }
  std::vector<std::string> Lines(const std::string& stream) {
    std::vector<LogEntry> entries;
    spool_->Read(spool_->Start(), 100000, entries);
    std::vector<std::string> lines;
    for (const auto& entry : entries) {
      if (entry.source == stream) lines.push_back(entry.line);
    }
    return lines;
  }

  std::filesystem::path root_;
  std::shared_ptr<ContainerSpool> spool_;
  LogMetrics metrics_;
};

TEST_F(FileFollowerTest, FollowsRotationAndShipsTheUnterminatedRestAtTheEnd) {
  Follow([&] {
    Append("app.log", "one\ntwo\n");
    std::this_thread::sleep_for(std::chrono::milliseconds(400));
    Append("app.log", "three\n");
    std::filesystem::rename(root_ / "volume/app.log", root_ / "volume/app.log.1");
    Append("app.log", "four\nno newline yet");
  });
  std::vector<std::string> all = Lines("app.log");
  for (const auto& line : Lines("app.log.1")) all.push_back(line);
  std::sort(all.begin(), all.end());
  EXPECT_EQ(all, (std::vector<std::string>{"four", "no newline yet", "one", "three", "two"}));
}

TEST_F(FileFollowerTest, ARestartResumesEachFileWhereTheSpoolEnds) {
  Follow([&] { Append("a.log", "a1\na2\n"); });
  Append("a.log", "a3\n");  // written while the plugin was down
  Follow([] {});
  EXPECT_EQ(Lines("a.log"), (std::vector<std::string>{"a1", "a2", "a3"}))
      << "a line was lost or repeated across the restart";
}

TEST_F(FileFollowerTest, ATruncatedFileStartsOver) {
  Follow([&] {
    Append("t.log", "before\n");
    std::this_thread::sleep_for(std::chrono::milliseconds(400));
    std::filesystem::resize_file(root_ / "volume/t.log", 0);  // copytruncate
    Append("t.log", "after\n");
  });
  EXPECT_EQ(Lines("t.log"), (std::vector<std::string>{"before", "after"}));
}

}  // namespace
}  // namespace bulkhead::logs
