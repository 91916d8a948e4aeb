#include "plugins/logs/fifo_ingest.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <thread>

namespace bulkhead::logs {
namespace {

LogEntry Piece(const std::string& text, int64_t time, bool partial, bool last, int ordinal) {
  LogEntry entry;
  entry.source = "stdout";
  entry.time_nano = time;
  entry.line = text;
  entry.partial = partial;
  if (partial) {
    entry.has_partial_metadata = true;
    entry.partial_metadata = {last, "id-1", ordinal};
  }
  return entry;
}

// A FIFO held open read-write, as dockerd holds it, and a spool directory.
class FifoIngestTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = std::filesystem::temp_directory_path() /
            ("bulkhead-ingest-" + std::to_string(::getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(root_);
    std::filesystem::create_directories(root_);
    fifo_ = (root_ / "0123abcd").string();
    ASSERT_EQ(::mkfifo(fifo_.c_str(), 0700), 0);
    daemon_fd_ = ::open(fifo_.c_str(), O_RDWR | O_CLOEXEC);
    spool_ = std::make_shared<ContainerSpool>((root_ / "spool").string(), SpoolLimits{});
  }
  void TearDown() override {
    if (daemon_fd_ >= 0) ::close(daemon_fd_);
    std::filesystem::remove_all(root_);
  }
  void Write(const std::string& bytes) {
    ASSERT_EQ(::write(daemon_fd_, bytes.data(), bytes.size()), static_cast<ssize_t>(bytes.size()));
  }
  void CloseDaemonEnd() {  // what dockerd does after StopLogging
    ::close(daemon_fd_);
    daemon_fd_ = -1;
    std::filesystem::remove(fifo_);
  }
  std::vector<LogEntry> Spooled() {
    std::vector<LogEntry> out;
    spool_->Read(spool_->Start(), 100000, out);
    return out;
  }

  std::filesystem::path root_;
  std::string fifo_;
  int daemon_fd_ = -1;
  std::shared_ptr<ContainerSpool> spool_;
  LogMetrics metrics_;
};

TEST_F(FifoIngestTest, JoinsPartialPiecesAndSkipsCorruptFrames) {
  std::string stream = EncodeLogFrame(Piece("whole", 1, false, false, 0));
  stream += EncodeLogFrame(Piece(std::string(16384, 'a'), 2, true, false, 1));
  stream += EncodeLogFrame(Piece("tail", 3, true, true, 2));
  stream += std::string("\x00\x00\x00\x03\xff\xff\xff", 7);  // a payload that does not decode
  stream += EncodeLogFrame(Piece("after", 4, false, false, 0));
  Write(stream);
  FifoIngest ingest(fifo_, spool_, metrics_);
  CloseDaemonEnd();
  std::atomic<bool> stopping{false};
  EXPECT_TRUE(ingest.Run(stopping));
  const auto events = Spooled();
  ASSERT_EQ(events.size(), 3U);
  EXPECT_EQ(events[0].line, "whole");
  EXPECT_EQ(events[1].line, std::string(16384, 'a') + "tail");
  EXPECT_EQ(events[1].time_nano, 2) << "a joined event keeps its first piece's time";
  EXPECT_FALSE(events[1].partial);
  EXPECT_EQ(events[2].line, "after");
  EXPECT_EQ(metrics_.corrupt_frames, 1U);
  EXPECT_FALSE(std::filesystem::exists(spool_->directory() + "/inbox.0123abcd"));
}

TEST_F(FifoIngestTest, ABadLengthIsResynchronisedNotTheEndOfTheStream) {
  Write(EncodeLogFrame(Piece("before", 1, false, false, 0)) + std::string("\x7f\xff\xff\xff", 4) +
        EncodeLogFrame(Piece("after", 2, false, false, 0)));
  FifoIngest ingest(fifo_, spool_, metrics_);
  CloseDaemonEnd();
  std::atomic<bool> stopping{false};
  ingest.Run(stopping);
  const auto events = Spooled();
  ASSERT_EQ(events.size(), 2U);
  EXPECT_EQ(events[1].line, "after");
}

TEST_F(FifoIngestTest, ARestartResumesExactlyWhereTheSpoolEnds) {
  Write(EncodeLogFrame(Piece("one", 1, false, false, 0)) +
        EncodeLogFrame(Piece("first half ", 2, true, false, 1)));
  std::atomic<bool> stopping{false};
  {
    FifoIngest first(fifo_, spool_, metrics_);
    std::thread runner([&] { EXPECT_FALSE(first.Run(stopping)); });
    while (metrics_.lines_in < 2) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    stopping = true;  // the plugin goes away holding half an event
    runner.join();
  }
  Write(EncodeLogFrame(Piece("second half", 3, true, true, 2)) +
        EncodeLogFrame(Piece("two", 4, false, false, 0)));
  stopping = false;
  FifoIngest second(fifo_, spool_, metrics_);  // the restarted plugin reattaches
  CloseDaemonEnd();
  EXPECT_TRUE(second.Run(stopping));
  const auto events = Spooled();
  ASSERT_EQ(events.size(), 3U) << "an event was lost or repeated across the restart";
  EXPECT_EQ(events[0].line, "one");
  EXPECT_EQ(events[1].line, "first half second half");
  EXPECT_EQ(events[2].line, "two");
}

}  // namespace
}  // namespace bulkhead::logs
