#include "plugins/secrets/audit_log.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <sstream>

#include "common/atomic_file.h"
#include "common/errno_text.h"
#include "plugins/secrets/envelope.h"

namespace bulkhead::secrets {
namespace {

const std::string kGenesis(64, '0');

// Request text can hold invalid UTF-8 (a reason quoting a malformed body): replaced, never thrown.
std::string Dump(const nlohmann::json& record) {
  return record.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string LineHash(const nlohmann::json& record) {
  nlohmann::json body = record;
  body.erase("hash");
  return Sha256Hex(record.at("prev").get<std::string>() + Dump(body));
}

std::string NowRfc3339() {
  const auto now = std::chrono::system_clock::now();
  const std::time_t seconds = std::chrono::system_clock::to_time_t(now);
  const auto millis =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm utc{};
  ::gmtime_r(&seconds, &utc);
  char text[40];
  std::snprintf(text, sizeof(text), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", utc.tm_year + 1900,
                utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec,
                static_cast<int>(millis));
  return text;
}

}  // namespace

AuditLog::AuditLog(std::string path) : path_(std::move(path)), last_hash_(kGenesis) {
  fd_ = ::open(path_.c_str(), O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (fd_ < 0) throw std::runtime_error("cannot open audit log " + path_ + ": " + ErrnoText(errno));
  ResumeChain();
}

void AuditLog::ResumeChain() {
  const std::string text = ReadFileIfExists(path_).value_or("");
  const size_t complete = text.rfind('\n') == std::string::npos ? 0 : text.rfind('\n') + 1;
  if (complete < text.size() && ::ftruncate(fd_, static_cast<off_t>(complete)) == 0)
    spdlog::warn("audit log {}: cut {} bytes of a record a crash left without its newline", path_,
                 text.size() - complete);
  std::istringstream lines(text.substr(0, complete));
  std::string line;
  while (std::getline(lines, line)) {
    const auto record = nlohmann::json::parse(line, nullptr, false);
    if (!record.is_object()) continue;  // Verify() reports it; the chain goes on from the last good
    seq_ = record.value("seq", seq_);
    last_hash_ = record.value("hash", last_hash_);
  }
}

AuditLog::~AuditLog() {
  if (fd_ >= 0) ::close(fd_);
}

void AuditLog::Append(nlohmann::json record) {
  std::lock_guard<std::mutex> lock(mutex_);
  record["seq"] = ++seq_;
  record["time"] = NowRfc3339();
  record["prev"] = last_hash_;
  record["hash"] = LineHash(record);
  const std::string line = Dump(record) + "\n";
  if (::write(fd_, line.data(), line.size()) != static_cast<ssize_t>(line.size()) ||
      (::fdatasync(fd_) != 0 && errno != EINVAL))  // EINVAL: not syncable (/dev/null in check)
    spdlog::error("audit log {}: write failed: {}", path_, ErrnoText(errno));
  last_hash_ = record["hash"].get<std::string>();
}

uint64_t AuditLog::Verify(const std::string& path) {
  std::ifstream file(path);
  if (!file) throw std::runtime_error("cannot read audit log " + path);
  std::string line;
  std::string previous = kGenesis;
  uint64_t count = 0;
  while (std::getline(file, line)) {
    if (line.empty()) continue;
    ++count;
    const std::string where = path + " line " + std::to_string(count);
    nlohmann::json record;
    try {
      record = nlohmann::json::parse(line);
    } catch (const std::exception& e) {
      throw std::runtime_error(where + ": not JSON: " + e.what());
    }
    if (record.value("prev", "") != previous)
      throw std::runtime_error(where + ": chain broken (prev does not match the line before)");
    if (record.value("hash", "") != LineHash(record))
      throw std::runtime_error(where + ": hash mismatch (line altered)");
    previous = record.at("hash").get<std::string>();
  }
  return count;
}

}  // namespace bulkhead::secrets
