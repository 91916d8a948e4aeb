#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "plugins/secrets/audit_log.h"
#include "plugins/secrets/envelope_store.h"
#include "plugins/secrets/file_blob_store.h"
#include "plugins/secrets/known_secrets.h"

namespace bulkhead::secrets {
namespace {

class TempDir {
 public:
  TempDir() {
    char pattern[] = "/tmp/bulkhead-secrets-test.XXXXXX";
    path_ = ::mkdtemp(pattern);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

MasterKeyring Keyring(const std::string& lines) { return MasterKeyring::Parse(lines, "test"); }

TEST(Envelope, SealedBlobsOpenOnlyUnderTheirOwnName) {
  const MasterKeyring keyring = Keyring(MasterKeyring::GenerateKeyLine("k1"));
  const std::string blob = Seal(keyring, "apps/db", "hunter2-password");
  EXPECT_EQ(blob.find("hunter2"), std::string::npos);
  EXPECT_EQ(Open(keyring, "apps/db", blob), "hunter2-password");
  EXPECT_THROW(Open(keyring, "apps/other", blob), EnvelopeError);
  std::string tampered = blob;
  tampered.back() ^= 1;
  EXPECT_THROW(Open(keyring, "apps/db", tampered), EnvelopeError);
  EXPECT_THROW(Open(keyring, "apps/db", blob.substr(0, 20)), EnvelopeError);
}

TEST(Envelope, RotatingTheMasterKeyRewrapsDataKeysOnly) {
  const std::string old_line = MasterKeyring::GenerateKeyLine("old");
  const std::string new_line = MasterKeyring::GenerateKeyLine("new");
  const std::string blob = Seal(Keyring(old_line), "p", "value");
  const MasterKeyring both = Keyring(new_line + old_line);
  const std::string rewrapped = Rewrap(both, "p", blob);
  EXPECT_EQ(MasterKeyId(rewrapped), "new");
  EXPECT_EQ(Open(Keyring(new_line), "p", rewrapped), "value");
  EXPECT_THROW(Open(Keyring(new_line), "p", blob), EnvelopeError);  // names the missing key
  EXPECT_THROW(Keyring("k1 c2hvcnQ=\n"), EnvelopeError);            // not 32 bytes
}

TEST(EnvelopeStore, VersionsRotateListAndNoPlaintextOnDisk) {
  TempDir dir;
  const std::string line = MasterKeyring::GenerateKeyLine("k1");
  EnvelopeStore store(std::make_unique<FileBlobStore>(dir.path()), Keyring(line));
  EXPECT_EQ(store.Put("apps/billing/db", {{"password", "canary-4f1d2e"}, {"user", "billing"}}),
            "1");
  EXPECT_EQ(store.Put("apps/billing/db", {{"password", "canary-4f1d2e"}}), "2");
  EXPECT_EQ(store.Rotate("apps/billing/db"), "3");
  const SecretSet set = store.Read("apps/billing/db");
  EXPECT_EQ(set.version, "3");
  EXPECT_EQ(set.data.at("password"), "canary-4f1d2e");
  EXPECT_EQ(store.List("apps/"), std::vector<std::string>{"apps/billing/db"});
  for (const auto& entry : std::filesystem::directory_iterator(dir.path())) {
    std::ifstream file(entry.path(), std::ios::binary);
    const std::string bytes((std::istreambuf_iterator<char>(file)), {});
    EXPECT_EQ(bytes.find("canary-4f1d2e"), std::string::npos);
  }
  EXPECT_THROW(store.Read("apps/none"), SecretNotFound);
  EXPECT_THROW(store.Put("../escape", {{"a", "b"}}), std::invalid_argument);
  EXPECT_TRUE(store.Remove("apps/billing/db"));
  EXPECT_THROW(store.Read("apps/billing/db"), SecretNotFound);
}

TEST(KnownSecrets, MatchesWholeValuesAndSubstringsButNotShortOnes) {
  KnownSecrets known;
  known.Add("s3cr3t-value-123");
  known.Add("short");
  EXPECT_TRUE(known.Contains("s3cr3t-value-123"));
  EXPECT_TRUE(known.Contains("postgres://u:s3cr3t-value-123@db/x"));
  EXPECT_FALSE(known.Contains("s3cr3t-value-12"));
  EXPECT_FALSE(known.Contains("short"));
  EXPECT_EQ(known.size(), 1u);
}

TEST(AuditLog, ChainsRecordsAcrossReopenAndDetectsEdits) {
  TempDir dir;
  const std::string path = dir.path() + "/audit.log";
  {
    AuditLog log(path);
    log.Append({{"event", "a"}});
    log.Append({{"event", "b"}});
  }
  {
    AuditLog log(path);
    log.Append({{"event", "c"}});
  }
  {
    AuditLog log(path);
    log.Append({{"reason", "body at byte 3: \xAC\xFF"}});  // invalid UTF-8 from a request
  }
  EXPECT_EQ(AuditLog::Verify(path), 4u);
  std::ofstream(path, std::ios::app) << R"({"seq":5,"event":"torn)";  // a crash mid-write
  {
    AuditLog log(path);
    log.Append({{"event", "after the crash"}});
  }
  EXPECT_EQ(AuditLog::Verify(path), 5u);
  std::ifstream in(path);
  std::string text((std::istreambuf_iterator<char>(in)), {});
  text.replace(text.find("\"b\""), 3, "\"x\"");
  std::ofstream(path, std::ios::trunc) << text;
  EXPECT_THROW(AuditLog::Verify(path), std::runtime_error);
}

}  // namespace
}  // namespace bulkhead::secrets
